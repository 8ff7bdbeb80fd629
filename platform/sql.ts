/**
 * Parameterised SQL on the connection pool MikroORM owns (one pool per process). Read models that
 * batch with lateral joins and unnest($1::text[]) use this rather than the ORM, which inlines
 * parameters into the SQL text. `onStatement` sees every statement (tests count them).
 */
import type pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';

export interface Sql {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
}

export function sqlOnPool(pool: pg.Pool, onStatement?: (text: string) => void): Sql {
  return {
    async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
      onStatement?.(text);
      const result = await pool.query(text, params);
      return result.rows as T[];
    },
  };
}

export async function ormPool(orm: MikroORM): Promise<pg.Pool> {
  return orm.em.getConnection().getNativeClient();
}
