/**
 * HTTP transport: Express 5 with Apollo Server 5 at /graphql, an offline GraphiQL landing page,
 * a health check, and structured request logs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type pg from 'pg';
import { sqlOnPool, type Sql } from '../platform/sql.js';
import type { Logger } from '../platform/logger.js';
import { createContext, type Context } from './context.js';
import { formatErrorFor } from './errors.js';
import { createSchema } from './schema.js';
import { requireAuthenticationPlugin, viewerFromHeader } from './auth.js';
import { keySetFromConfig, type KeySet } from '../auth/tokens.js';
import { armor, complexityPlugin, limitsFromEnv, rateLimiter, type Limits } from './hardening.js';
import { variableErrorFieldsPlugin } from './variable-errors.js';
import { auditExportRouter } from './routes/audit-export.js';
import { ProofService, proofKeysFromEnv } from '../ledger/proof/index.js';
import { mountProofRoutes } from './proof/routes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function landingPageHtml(): string {
  // api/landing/index.html, also when running from dist/api/.
  const candidates = [path.join(here, 'landing/index.html'), path.join(here, '../../api/landing/index.html')];
  const file = candidates.find((candidate) => fs.existsSync(candidate));
  if (!file) throw new Error('api/landing/index.html not found');
  return fs.readFileSync(file, 'utf8');
}

/** Serves the GraphiQL page when a browser opens /graphql. */
function landingPagePlugin(): ApolloServerPlugin<Context> {
  const html = landingPageHtml();
  return {
    async serverWillStart() {
      return { async renderLandingPage() { return { html }; } };
    },
  };
}

/** One structured log line per operation: name, duration, error codes. */
function requestLogPlugin(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, errors }) {
          log.info(
            {
              operationName: operationName ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              errors: errors?.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
            },
            'graphql request',
          );
        },
      };
    },
  };
}

/** Request bodies up to this size (MAX_BODY): a 100,000-line disburseBatch is about 40 MB of JSON. */
const MAX_BODY = process.env.MAX_BODY || '64mb';

export interface AppOptions {
  pool: pg.Pool;
  /** SQL for read models; defaults to the pool (tests pass one that counts statements). */
  sql?: Sql;
  log: Logger;
  production: boolean;
  /** Keys that verify bearer tokens; from configuration when omitted (auth/tokens.ts). */
  keySet?: KeySet;
  /** Operation limits and rate limit; from the environment when omitted (api/hardening.ts). */
  limits?: Limits;
  /** Largest request body, as the `bytes` package reads it ('64mb'). */
  maxBody?: string;
  /** Checkpoints and proofs; from configuration (ledger/proof/keys.ts) when omitted. */
  proofs?: ProofService;
}

export interface App {
  httpServer: http.Server;
  proofs: ProofService;
  apollo: ApolloServer<Context>;
  listen(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

function packageFolder(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

export async function createApp({ pool, sql = sqlOnPool(pool), log, production, keySet, limits = limitsFromEnv(), maxBody = MAX_BODY, proofs = new ProofService(pool, proofKeysFromEnv(), { log }) }: AppOptions): Promise<App> {
  const keys = keySet ?? (await keySetFromConfig());
  const protection = armor(limits, production);
  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy, TRUST_PROXY (hops, subnets or "loopback") makes req.ip the client's address,
  // which the rate limit keys anonymous requests by. Unset: the socket's address.
  if (process.env.TRUST_PROXY) {
    const raw = process.env.TRUST_PROXY;
    app.set('trust proxy', /^[0-9]+$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw);
  }
  const httpServer = http.createServer(app);
  const schema = await createSchema();
  const apollo = new ApolloServer<Context>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    validationRules: protection.validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: formatErrorFor(log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // No HTTP caching hints are used; the plugin would otherwise wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      landingPagePlugin(),
      requestLogPlugin(log),
      variableErrorFieldsPlugin<Context>(),
      requireAuthenticationPlugin(),
      ...(protection.plugins as ApolloServerPlugin<Context>[]),
      complexityPlugin<Context>(schema, limits),
    ],
  });
  await apollo.start();

  const assets = { maxAge: '1d', immutable: true } as const;
  app.use('/assets/graphiql', express.static(packageFolder('graphiql'), assets));
  app.use('/assets/react', express.static(path.join(packageFolder('react'), 'umd'), assets));
  app.use('/assets/react-dom', express.static(path.join(packageFolder('react-dom'), 'umd'), assets));
  app.get('/', (_req, res) => res.redirect('/graphql'));
  app.get('/healthz', async (_req, res) => {
    try {
      await sql.query('select 1');
      res.json({ status: 'ok' });
    } catch (error) {
      log.error({ err: error }, 'health check failed');
      res.status(503).json({ status: 'unavailable' });
    }
  });
  app.use('/audit', rateLimiter(limits), auditExportRouter(pool, keys, log));
  app.use(
    '/graphql',
    rateLimiter(limits),
    express.json({ limit: maxBody }),
    expressMiddleware(apollo, { context: async ({ req }) => createContext(pool, sql, await viewerFromHeader(req.header('authorization'), keys), proofs) }),
  );
  mountProofRoutes(app, { pool, proofs, log, viewerOf: (req) => viewerFromHeader(req.header('authorization'), keys), guard: rateLimiter(limits) });

  // Body-parser failures (too large, malformed JSON) answer in GraphQL's error shape, not Express's HTML page.
  app.use((error: { type?: string; status?: number; limit?: number }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (error?.type === 'entity.too.large') {
      res.status(413).json({ errors: [{ message: `request body larger than the limit of ${error.limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    } else if (error?.type === 'entity.parse.failed') {
      res.status(400).json({ errors: [{ message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
    } else {
      next(error);
    }
  });

  return {
    httpServer,
    apollo,
    proofs,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          const actual = typeof address === 'object' && address ? address.port : port;
          resolve(`http://localhost:${actual}/graphql`);
        });
      }),
    stop: () => apollo.stop(),
  };
}
