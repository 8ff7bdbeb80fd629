/** Pools derived from another (MikroORM's, in the server): the API's, with a statement timeout, and the ledger writer's, pipelined; and single connections for LISTEN. */
import pg from 'pg';

/**
 * A new pool to the same server as `pool`, with its options (credentials, type parsers, server
 * settings) and `overrides`. Errors of its connections — idle or checked out, e.g. the server
 * restarted — go to `onError` (unheard they would end the process); the statement in flight
 * rejects as well, and the next one reconnects.
 */
export function derivedPool(pool: pg.Pool, overrides: pg.PoolConfig, onError: (error: Error) => void = () => {}): pg.Pool {
  return heardPool({ ...optionsOf(pool), ...overrides }, onError);
}

/**
 * A pool whose connections' errors — idle in the pool or checked out between two statements, e.g.
 * the server restarted or `pg_terminate_backend` — go to `onError` instead of ending the process
 * (an 'error' event nobody listens to is thrown). pg-pool drops such a connection; the statement in
 * flight rejects, and the next one opens a new connection.
 */
export function heardPool(config: pg.PoolConfig, onError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return pool;
}

/**
 * The API's pool: `pool`'s connections with PostgreSQL's statement_timeout (DB_STATEMENT_TIMEOUT_MS),
 * so that no request's statement runs longer. Work that legitimately runs longer (exports, audit
 * runs, batches) sets its own limit in its transaction; migrations, imports and the demo run on the
 * pool MikroORM opened, without one.
 */
export function withStatementTimeout(pool: pg.Pool, statementTimeoutMs: number, onError?: (error: Error) => void): pg.Pool {
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 1) throw new Error(`internal: a statement timeout of ${statementTimeoutMs} ms`);
  return derivedPool(pool, { options: `-c statement_timeout=${statementTimeoutMs}` }, onError);
}

/** A single connection (not pooled) to the same server as `pool`, with its options: for LISTEN, which holds its connection. */
export function derivedClient(pool: pg.Pool, overrides: pg.ClientConfig = {}): pg.Client {
  return new pg.Client({ ...optionsOf(pool), ...overrides });
}

/** `pool`'s connection options, password included (pg-pool keeps it out of the enumerable keys, so that it is not logged). */
function optionsOf(pool: pg.Pool): pg.PoolConfig {
  const options = (pool as unknown as { options: pg.PoolConfig }).options;
  return { ...options, password: options.password };
}
