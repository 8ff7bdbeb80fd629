/**
 * Runtime configuration: the one module that reads environment variables (README "Configuration"
 * lists them all; test/platform/config.test.ts keeps other modules from reading any). Every knob
 * has a safe default so that `npm start` works on a fresh machine; production deployments set
 * DATABASE_URL and friends. `loadConfig()` is read once at start; the other readers are functions,
 * read when they are used, so that a test or a script may set a variable before the first use.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root (this file is platform/config.ts, or dist/platform/config.js once built). */
export const projectRoot = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '..');
  return path.basename(up) === 'dist' ? path.resolve(up, '..') : up;
})();

/** A whole number from the environment, or `fallback` when unset or blank; `min` 1 unless said (0 often means "off"). */
export function intFromEnv(name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a ${min === 0 ? 'non-negative' : 'positive'} integer, got "${raw}"`);
  if (value > max) throw new Error(`${name} must be at most ${max}, got "${raw}"`);
  return value;
}

/**
 * The longest a proposal may wait for its approval, holding its money: 30 days. The database holds
 * every proposal to it too (Migration20261204500000_proposal_expiry_bound), whoever writes.
 */
export const MAX_APPROVAL_TTL_HOURS = 720;

export interface Config {
  /** An existing PostgreSQL to use; when unset an embedded PostgreSQL is started. */
  databaseUrl: string | undefined;
  /** Where the embedded PostgreSQL keeps its files (git-ignored), so a restart keeps the data. */
  embeddedDataDir: string;
  /** HTTP port of the GraphQL server. */
  port: number;
  /** Size of the database connection pool. */
  poolSize: number;
  /** PostgreSQL statement_timeout for API connections, in milliseconds. */
  statementTimeoutMs: number;
  production: boolean;
  logLevel: string;
  /** How long a proposal (a write waiting for a second person's approval) holds its money before it expires. */
  approvalTtlHours: number;
  /** GRAPHQL_JIT=on: execute operations compiled by graphql-jit (api/compiled-executor.ts) instead of graphql-js. */
  graphqlJit: boolean;
}

/** An on/off setting: `fallback` when unset or empty; anything but on or off is refused at start. */
function onOffFromEnv(name: string, fallback: boolean): boolean {
  const raw = (process.env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new Error(`${name} must be on or off, got "${process.env[name]}"`);
}

/** GRAPHQL_JIT: on or off (default off). */
export const graphqlJitFromEnv = (): boolean => onOffFromEnv('GRAPHQL_JIT', false);

/** SUNSHINE_REGION_TREES: on or off (default on) — nested region queries answered by one statement (api/hierarchy/region-tree-path.ts). */
export const regionTreesFromEnv = (): boolean => onOffFromEnv('SUNSHINE_REGION_TREES', true);

/** SUNSHINE_REGION_CACHE: on or off (default on) — the region tree path's answers kept until the hierarchy changes (hierarchy/region-tree-cache.ts). */
export const regionCacheFromEnv = (): boolean => onOffFromEnv('SUNSHINE_REGION_CACHE', true);

export function loadConfig(): Config {
  return {
    databaseUrl: process.env.DATABASE_URL || undefined,
    embeddedDataDir: path.resolve(projectRoot, process.env.SUNSHINE_DATA_DIR ?? '.data/postgres'),
    port: intFromEnv('PORT', 4000),
    poolSize: intFromEnv('DB_POOL_SIZE', 10),
    statementTimeoutMs: intFromEnv('DB_STATEMENT_TIMEOUT_MS', 15000),
    production: isProduction(),
    logLevel: logLevel(),
    approvalTtlHours: intFromEnv('APPROVAL_TTL_HOURS', 72, 1, MAX_APPROVAL_TTL_HOURS),
    graphqlJit: graphqlJitFromEnv(),
  };
}

/** NODE_ENV=production: no generated secrets, no demo data, introspection off. */
export const isProduction = () => process.env.NODE_ENV === 'production';

/** LOG_LEVEL (pino), read by the logger when the process starts. */
export const logLevel = () => process.env.LOG_LEVEL ?? 'info';

/** LOG_FORMAT as set (the logger checks it and picks a default). */
export const logFormatSetting = (): string | undefined => process.env.LOG_FORMAT;

/** A secret's value when its variable is set (platform/secrets.ts generates one otherwise, outside production). */
export function secretSetting(variable: string): string | undefined {
  return process.env[variable] || undefined;
}

/** Where generated development secrets are kept (SUNSHINE_SECRETS_DIR). */
export const secretsDir = () => path.resolve(projectRoot, process.env.SUNSHINE_SECRETS_DIR ?? '.data/secrets');

/** The endpoint's limits (api/hardening.ts defines them and their defaults); 0 switches a rate limit off. */
type EndpointLimitName = 'maxDepth' | 'maxComplexity' | 'maxAliases' | 'maxDirectives' | 'maxTokens' | 'requestsPerMinute' | 'costPerMinute';

export function endpointLimits<L extends Record<EndpointLimitName, number>>(defaults: L): L {
  return {
    ...defaults,
    maxDepth: intFromEnv('GRAPHQL_MAX_DEPTH', defaults.maxDepth, 0),
    maxComplexity: intFromEnv('GRAPHQL_MAX_COMPLEXITY', defaults.maxComplexity, 0),
    maxAliases: intFromEnv('GRAPHQL_MAX_ALIASES', defaults.maxAliases, 0),
    maxDirectives: intFromEnv('GRAPHQL_MAX_DIRECTIVES', defaults.maxDirectives, 0),
    maxTokens: intFromEnv('GRAPHQL_MAX_TOKENS', defaults.maxTokens, 0),
    requestsPerMinute: intFromEnv('RATE_LIMIT_PER_MINUTE', defaults.requestsPerMinute, 0),
    costPerMinute: intFromEnv('GRAPHQL_COST_PER_MINUTE', defaults.costPerMinute, 0),
  };
}

/** The demo registry `npm start` generates: off with SUNSHINE_DEMO_REGISTRY=off (never in production). */
export const demoRegistrySetting = () => ({
  enabled: process.env.SUNSHINE_DEMO_REGISTRY !== 'off',
  eldersPerVillage: Number(process.env.SUNSHINE_DEMO_ELDERS_PER_VILLAGE ?? 20),
});

/** Records whose personal data one subject may read in clear per 24 hours (registry/personal). */
export const unmaskDailyLimit = () => Number(process.env.SUNSHINE_UNMASK_DAILY_LIMIT ?? 2000);

/** The nightly audit inside the server: HH:MM China time, or `off`. */
export const auditSchedule = () => process.env.SUNSHINE_AUDIT_SCHEDULE ?? '02:30';

/** Per-statement limit inside an audit run, in milliseconds (a city-year is more than the API's limit). */
export function auditStatementTimeoutMs(): number {
  const raw = Number(process.env.SUNSHINE_AUDIT_STATEMENT_TIMEOUT_MS);
  return raw > 0 ? Math.floor(raw) : 600_000;
}

/** How often `npm start` extends the Merkle tree after commits, in milliseconds. */
export const checkpointIntervalMs = () => Number(process.env.SUNSHINE_CHECKPOINT_INTERVAL_MS || 1000);

/** `npm run sync`: the server to pull from, and a SYSTEM_CLIENT token when `--token` is not given. */
export const syncClientSettings = () => ({
  server: process.env.SUNSHINE_SERVER ?? 'http://localhost:4000',
  token: process.env.SUNSHINE_TOKEN,
});

/** `npm run supergraph`: the bearer token sent when a subgraph's SDL is read from a running service. */
export const subgraphToken = () => process.env.SUBGRAPH_TOKEN;

/** SUNSHINE_JWT_KEYS: a JWKS (JSON text, or the path of a file holding it) of token verification keys; auth/tokens.ts parses it. */
export const jwtKeysSetting = (): string | undefined => process.env.SUNSHINE_JWT_KEYS || undefined;

/** Whether a JWKS of verification keys is configured (then no local demo token is handed out). */
export const jwtKeysConfigured = () => Boolean(jwtKeysSetting());

/** MAX_BODY: the largest request body the HTTP server accepts (a 100,000-line disburseBatch is about 40 MB of JSON). */
export const maxBodySize = () => process.env.MAX_BODY || '64mb';

/**
 * TRUST_PROXY: behind a reverse proxy, which hops to trust (a number of hops, `true`, subnets or
 * "loopback", as Express's `trust proxy` takes them), so that req.ip is the client's address; unset: none.
 */
export function trustProxySetting(): number | boolean | string | undefined {
  const raw = process.env.TRUST_PROXY;
  if (!raw) return undefined;
  return /^[0-9]+$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw;
}

/** METRICS_TOKEN: the bearer token /metrics asks for; unset, /metrics is open. */
export const metricsTokenSetting = () => process.env.METRICS_TOKEN || undefined;

/** How long the ledger may stay idle before a new checkpoint is signed anyway, in seconds (SUNSHINE_CHECKPOINT_IDLE_SECONDS). */
export const checkpointIdleSeconds = () => Number(process.env.SUNSHINE_CHECKPOINT_IDLE_SECONDS || 3600);

/** The checkpoint keys' settings, as text; ledger/proof/keys.ts parses them (see README "Configuration"). */
export const checkpointKeySettings = () => ({
  origin: process.env.SUNSHINE_CHECKPOINT_ORIGIN || 'sunshine.local/ledger',
  signerKeys: process.env.SUNSHINE_CHECKPOINT_KEY,
  retiredKeys: process.env.SUNSHINE_CHECKPOINT_VKEYS,
  witnessKeys: process.env.SUNSHINE_WITNESS_KEYS,
});
export type CheckpointKeySettings = ReturnType<typeof checkpointKeySettings>;

/** The operating-system user, recorded as the actor of command-line runs. */
export const shellUser = (fallback: string) => process.env.USER ?? fallback;
