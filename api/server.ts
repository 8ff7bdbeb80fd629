/**
 * HTTP transport: Express 5 with Apollo Server 5 at /graphql, an offline GraphiQL landing page,
 * liveness and readiness probes (/healthz, /readyz), Prometheus metrics (/metrics), structured
 * request logs, and JSON (never an HTML page) for every error, body-level ones included.
 *
 * Routes are mounted from a list (ROUTES, then AppOptions.routes): a capability with HTTP routes of
 * its own adds a RouteMounter rather than editing createApp.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { graphqlMiddleware } from './graphql-middleware.js';
import { stringifyResult } from './raw-json.js';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type pg from 'pg';
import { sqlOnPool, type Sql } from '../platform/sql.js';
import type { Logger } from '../platform/logger.js';
import { createContext, type Context } from './context.js';
import { bodyErrorHandler, formatErrorFor, persistedQueryVersionGuard, serviceUnavailablePlugin, unsupportedOperationPlugin, utf8BodiesOnly } from './errors.js';
import { metrics, metricsText, watchPool } from '../platform/metrics.js';
import { readiness, type Readiness } from '../platform/health.js';
import { createSchema } from './schema.js';
import { requireAuthenticationPlugin, viewerFromHeader } from './auth.js';
import { keySetFromConfig, type KeySet } from '../auth/tokens.js';
import { armor, complexityPlugin, limitsFromEnv, rateLimiter, type Limits } from './hardening.js';
import { exportRoutes } from './routes/export.js';
import { oneMutationPerRequest } from './one-mutation.js';
import { downloadGuard, downloadLimitsFromEnv, type DownloadLimits } from './downloads.js';
import { booksExportRoutes } from './routes/exports.js';
import { variableErrorFieldsPlugin } from './variable-errors.js';
import { auditExportRouter } from './routes/audit-export.js';
import { ProofService, proofKeysFromEnv } from '../ledger/proof/index.js';
import { mountProofRoutes } from './proof/routes.js';
import { compiledExecutorGateway } from './compiled-executor.js';
import { graphqlJitFromEnv, maxBodySize, metricsTokenSetting, regionCacheFromEnv, regionTreesFromEnv, trustProxySetting } from '../platform/config.js';
import { RegionTreeCache } from '../hierarchy/region-tree-cache.js';
import { regionTreePlugin } from './hierarchy/region-tree-path.js';

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

/** One structured log line and one metrics sample per operation: name, duration, outcome (ok or the first error code). */
function requestLogPlugin(log: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operationName, errors }) {
          const seconds = (performance.now() - started) / 1000;
          const codes = errors?.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
          metrics.request(operationName, codes?.[0] ?? 'ok', seconds);
          log.info({ operationName: operationName ?? null, durationMs: Math.round(seconds * 10_000) / 10, errors: codes }, 'graphql request');
        },
      };
    },
  };
}


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
  /** Concurrent streaming downloads and their stall timeout; from the environment when omitted (api/downloads.ts). */
  downloads?: DownloadLimits;
  /** Largest request body, as the `bytes` package reads it ('64mb'). */
  maxBody?: string;
  /** Routes of other capabilities, mounted after the built-in ones (before the error handler). */
  routes?: RouteMounter[];
  /** Bearer token /metrics requires (METRICS_TOKEN); open when unset. */
  metricsToken?: string;
  /** Checkpoints and proofs; from configuration (ledger/proof/keys.ts) when omitted. */
  proofs?: ProofService;
  /** Execute with operations compiled by graphql-jit (api/compiled-executor.ts); GRAPHQL_JIT when omitted. */
  jit?: boolean;
  /** Answer nested region queries with one statement (api/hierarchy/region-tree-path.ts); SUNSHINE_REGION_TREES when omitted. */
  regionTrees?: boolean;
  /** Keep those answers until the hierarchy changes (hierarchy/region-tree-cache.ts); SUNSHINE_REGION_CACHE when omitted. */
  regionCache?: boolean;
}

/** What a route mounter gets: the Express app and the process's shared pieces. */
export interface RouteDeps {
  pool: pg.Pool;
  sql: Sql;
  log: Logger;
  production: boolean;
}

/** Adds routes to the app (a capability's HTTP endpoints). */
export type RouteMounter = (app: express.Express, deps: RouteDeps) => void;

/** GraphiQL's static files (served locally: works offline) and / → /graphql. */
const mountAssets: RouteMounter = (app) => {
  const assets = { maxAge: '1d', immutable: true } as const;
  app.use('/assets/graphiql', express.static(packageFolder('graphiql'), assets));
  app.use('/assets/react', express.static(path.join(packageFolder('react'), 'umd'), assets));
  app.use('/assets/react-dom', express.static(path.join(packageFolder('react-dom'), 'umd'), assets));
  app.get('/', (_req, res) => res.redirect('/graphql'));
};

/** /healthz: the process answers (no database: a database outage must not get the process restarted). /readyz: the database answers and its migrations are current. */
const mountProbes: RouteMounter = (app, { pool }) => {
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Probes come often and from anywhere: callers that arrive while a check runs share its answer.
  let running: Promise<Readiness> | null = null;
  app.get('/readyz', async (_req, res) => {
    running ??= readiness(pool).finally(() => (running = null));
    const state = await running;
    res.status(state.ready ? 200 : 503).json({ status: state.ready ? 'ready' : 'unavailable', ...state });
  });
};

/** Compares in constant time (hashes of equal length), so the comparison does not leak the token. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => crypto.createHash('sha256').update(text).digest();
  return crypto.timingSafeEqual(digest(given), digest(expected));
}

/** The Prometheus registry of platform/metrics.ts, behind METRICS_TOKEN when one is configured. */
function metricsRoute(token: string | undefined): RouteMounter {
  return (app) => {
    app.get('/metrics', async (req, res) => {
      if (token && !sameSecret(req.header('authorization') ?? '', `Bearer ${token}`)) {
        res.status(401).json({ errors: [{ message: '/metrics needs "Authorization: Bearer <METRICS_TOKEN>"', extensions: { code: 'UNAUTHENTICATED' } }] });
        return;
      }
      const { contentType, body } = await metricsText();
      res.type(contentType).send(body);
    });
  };
}

/** The built-in routes, in order (GraphQL itself is mounted by createApp, after these and AppOptions.routes). */
export const ROUTES: RouteMounter[] = [mountAssets, mountProbes];

export interface App {
  httpServer: http.Server;
  proofs: ProofService;
  /** The region tree path's kept answers; null when off. */
  regionCache: RegionTreeCache | null;
  apollo: ApolloServer<Context>;
  listen(port: number, host?: string): Promise<string>;
  stop(): Promise<void>;
}

function packageFolder(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

export async function createApp(options: AppOptions): Promise<App> {
  const { pool, sql = sqlOnPool(pool), log, production, keySet, limits = limitsFromEnv(), maxBody = maxBodySize() } = options;
  const proofs = options.proofs ?? new ProofService(pool, proofKeysFromEnv(), { log });
  const keys = keySet ?? (await keySetFromConfig());
  const protection = armor(limits, production);
  const app = express();
  app.disable('x-powered-by');
  // Behind a reverse proxy, TRUST_PROXY (hops, subnets or "loopback") makes req.ip the client's address,
  // which the rate limit keys anonymous requests by. Unset: the socket's address.
  const trustProxy = trustProxySetting();
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  const httpServer = http.createServer(app);
  const schema = await createSchema();
  const jit = options.jit ?? graphqlJitFromEnv();
  const regionTrees = options.regionTrees ?? regionTreesFromEnv();
  const regionCache = regionTrees && (options.regionCache ?? regionCacheFromEnv()) ? new RegionTreeCache(pool, { log }) : null;
  // Not awaited: until its connection listens, the cache keeps nothing and the server answers all the same.
  regionCache?.start();
  const apollo = new ApolloServer<Context>({
    // GRAPHQL_JIT=on: the same schema, executed with compiled operations (api/compiled-executor.ts).
    ...(jit ? { gateway: compiledExecutorGateway(schema) } : { schema }),
    introspection: !production,
    // The process's owner (scripts/start.ts) stops the server on SIGINT/SIGTERM, in its order. Apollo's
    // own handlers would stop it concurrently, and a second stop() waits for the first on a barrier
    // Apollo 5 never resolves when stopping succeeds: the shutdown hung.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    validationRules: [...protection.validationRules, oneMutationPerRequest],
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: formatErrorFor(log),
    stringifyResult,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // No HTTP caching hints are used; the plugin would otherwise wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      // The schema is a federation subgraph: Apollo would otherwise send resolver timings (ftv1 traces) to any caller asking for them.
      ApolloServerPluginInlineTraceDisabled(),
      landingPagePlugin(),
      requestLogPlugin(log),
      unsupportedOperationPlugin(),
      serviceUnavailablePlugin(),
      variableErrorFieldsPlugin<Context>(),
      requireAuthenticationPlugin(),
      ...(protection.plugins as ApolloServerPlugin<Context>[]),
      complexityPlugin<Context>(schema, limits),
      // After every didResolveOperation hook above (authentication, limits, the complexity budget).
      regionTreePlugin(regionTrees, regionCache ?? undefined),
    ],
  });
  await apollo.start();
  watchPool('api', pool);

  const deps: RouteDeps = { pool, sql, log, production };
  const metricsToken = options.metricsToken ?? metricsTokenSetting();
  for (const mount of [...ROUTES, metricsRoute(metricsToken), ...(options.routes ?? [])]) mount(app, deps);
  // Streaming downloads hold a database connection each: bounded per credential and in all, cut off when stalled.
  const download = downloadGuard(options.downloads ?? downloadLimitsFromEnv(pool.options.max ?? 10));
  app.use('/export', rateLimiter(limits), download, exportRoutes({ pool, keys, log }));
  app.use('/exports', download, booksExportRoutes({ pool, keys, log, limits }));
  app.use('/audit', rateLimiter(limits), download, auditExportRouter(pool, keys, log));
  app.use(
    '/graphql',
    rateLimiter(limits),
    utf8BodiesOnly,
    express.json({ limit: maxBody }),
    persistedQueryVersionGuard,
    graphqlMiddleware(apollo, async (req) => createContext(pool, sql, await viewerFromHeader(req.header('authorization'), keys), proofs)),
  );
  mountProofRoutes(app, { pool, proofs, log, viewerOf: (req) => viewerFromHeader(req.header('authorization'), keys), guard: [rateLimiter(limits), download] });

  // Last, when the server starts listening (so that routes mounted after createApp still come before
  // them): unknown paths, and every failure that reaches Express — body-level ones (too large,
  // malformed JSON, an unsupported charset or encoding, a corrupt gzip body) included — answer JSON
  // with a code, never an HTML page or a stack.
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    app.use((_req, res) => {
      res.status(404).json({ errors: [{ message: 'no such path: GraphQL is at /graphql', extensions: { code: 'NOT_FOUND' } }] });
    });
    app.use(bodyErrorHandler(log));
  };

  return {
    httpServer,
    apollo,
    proofs,
    regionCache,
    listen: (port, host = '0.0.0.0') =>
      new Promise((resolve, reject) => {
        finish();
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          const address = httpServer.address();
          const actual = typeof address === 'object' && address ? address.port : port;
          resolve(`http://localhost:${actual}/graphql`);
        });
      }),
    stop: async () => {
      await apollo.stop();
      await regionCache?.stop();
    },
  };
}
