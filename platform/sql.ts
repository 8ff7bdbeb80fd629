/**
 * Parameterised SQL on the connection pool MikroORM owns (one pool per process). Read models that
 * batch with lateral joins and unnest($1::text[]) use this rather than the ORM, which inlines
 * parameters into the SQL text. `onStatement` sees every statement (tests count them).
 */
import type pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';

/** The role the application writes as: SELECT and INSERT only on the append-only tables (see the migrations). */
export const APP_ROLE = 'sunshine_app';
/** A transaction `setup` that switches to APP_ROLE for the rest of the transaction. */
export const AS_APP_ROLE = `set local role ${APP_ROLE}`;

/**
 * Runs `fn` in one database transaction on a pooled connection: `begin` (followed by `setup`, such
 * as AS_APP_ROLE or a lock), then `commit`; on any error `rollback` and rethrow. The one place every
 * module opens a transaction.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  setup?: string,
  /** Told how long `begin` and `setup` took (a lock in `setup`: the wait for it). */
  onSetupDone?: (seconds: number) => void,
): Promise<T> {
  const client = await pool.connect();
  try {
    const started = performance.now();
    await client.query(setup ? `begin; ${setup}` : 'begin');
    onSetupDone?.((performance.now() - started) / 1000);
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

export interface Sql {
  /** `name`: a hot statement of constant text, prepared once per connection (parsed and planned once). */
  query<T>(text: string, params?: unknown[], name?: string): Promise<T[]>;
}

export function sqlOnPool(pool: pg.Pool, onStatement?: (text: string) => void): Sql {
  return {
    async query<T>(text: string, params: unknown[] = [], name?: string): Promise<T[]> {
      onStatement?.(text);
      const result = await pool.query(name ? { name, text, values: params } : { text, values: params });
      return result.rows as T[];
    },
  };
}

export async function ormPool(orm: MikroORM): Promise<pg.Pool> {
  return orm.em.getConnection().getNativeClient();
}
