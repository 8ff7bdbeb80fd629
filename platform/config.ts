/**
 * Runtime configuration, read once from the environment. Every knob has a safe default so that
 * `npm start` works on a fresh machine; production deployments set DATABASE_URL and friends.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root (this file is platform/config.ts, or dist/platform/config.js once built). */
export const projectRoot = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '..');
  return path.basename(up) === 'dist' ? path.resolve(up, '..') : up;
})();

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

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

/** GRAPHQL_JIT: on or off (default off). */
export function graphqlJitFromEnv(): boolean {
  const raw = (process.env.GRAPHQL_JIT ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'off') return false;
  if (raw === 'on') return true;
  throw new Error(`GRAPHQL_JIT must be on or off, got "${process.env.GRAPHQL_JIT}"`);
}

export function loadConfig(): Config {
  return {
    databaseUrl: process.env.DATABASE_URL || undefined,
    embeddedDataDir: path.resolve(projectRoot, process.env.SUNSHINE_DATA_DIR ?? '.data/postgres'),
    port: intFromEnv('PORT', 4000),
    poolSize: intFromEnv('DB_POOL_SIZE', 10),
    statementTimeoutMs: intFromEnv('DB_STATEMENT_TIMEOUT_MS', 15000),
    production: process.env.NODE_ENV === 'production',
    logLevel: process.env.LOG_LEVEL ?? 'info',
    approvalTtlHours: intFromEnv('APPROVAL_TTL_HOURS', 72),
    graphqlJit: graphqlJitFromEnv(),
  };
}
