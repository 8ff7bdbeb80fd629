/**
 * MikroORM on PostgreSQL: one configuration for the server, the CLI commands and the tests. It owns
 * the connection pool and runs the migrations; the modules query with parameterised SQL on its pool
 * (platform/sql.ts), so no entities are registered.
 */
import { defineConfig, MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrationsList } from '../migrations/index.js';

export interface OrmOptions {
  url: string;
  poolSize?: number;
  /** Where MikroORM's own messages (migrator progress, …) go; silent when omitted. */
  log?: (message: string) => void;
}

export function ormConfig(opts: OrmOptions) {
  return defineConfig({
    clientUrl: opts.url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: opts.poolSize ?? 10 },
    allowGlobalContext: false,
    logger: (message: string) => opts.log?.(message.replace(/\u001b\[[0-9;]*m/g, '')),
  });
}

export async function openOrm(opts: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(opts));
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

export type { MikroORM };
