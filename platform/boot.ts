/** Brings up what every entry point needs: a PostgreSQL (DATABASE_URL or embedded), MikroORM, the schema migrated. */
import type { Config } from './config.js';
import { openDatabaseServer, type DatabaseServer } from './database.js';
import type { Logger } from './logger.js';
import { migrate, openOrm, type MikroORM } from './orm.js';

export interface Platform {
  database: DatabaseServer;
  orm: MikroORM;
  close(): Promise<void>;
}

export async function bootPlatform(config: Config, log: Logger): Promise<Platform> {
  const database = await openDatabaseServer(config.databaseUrl, {
    dataDir: config.embeddedDataDir,
    persistent: true,
    database: 'sunshine',
    log,
  });
  const orm = await openOrm({
    url: database.url,
    poolSize: config.poolSize,
    statementTimeoutMs: config.statementTimeoutMs,
    log: (message) => log.debug({ orm: message }),
  });
  const applied = await migrate(orm);
  if (applied.length) log.info({ migrations: applied }, 'migrations applied');
  return {
    database,
    orm,
    async close() {
      await orm.close();
      await database.stop();
    },
  };
}
