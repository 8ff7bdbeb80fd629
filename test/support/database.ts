/** A private copy of a template database for one test file, on the real PostgreSQL of this run. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { withDatabase } from '../../platform/database.js';
import { sqlOnPool, type Sql } from '../../platform/sql.js';
import { EMPTY_TEMPLATE_DATABASE, TEMPLATE_DATABASE } from './names.js';

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  /** Every statement sent through `sql` is recorded here (to prove the N+1 bound). */
  statements: string[];
  sql: Sql;
  drop(): Promise<void>;
}

/**
 * drop() ends the pool and then drops the database WITH (FORCE); an idle connection that is still
 * closing (here or in a pool a test made on the same database) is then terminated by the server
 * (57P01) and the pool re-emits that as an 'error' event, which would crash the test file. Only
 * that error is tolerated; any other idle-client error still surfaces.
 */
export function tolerateDropTermination(pool: pg.Pool): void {
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code !== '57P01') throw error;
  });
}

function adminUrl(): string {
  const url = process.env.SUNSHINE_TEST_ADMIN_URL;
  if (!url) throw new Error('test/global-setup.ts did not run');
  return url;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** `withXuzhou`: migrated and holding 徐州市; otherwise migrated and empty. */
export async function createTestDatabase(options: { withXuzhou: boolean }): Promise<TestDatabase> {
  const name = `sunshine_test_${randomBytes(6).toString('hex')}`;
  const template = options.withXuzhou ? TEMPLATE_DATABASE : EMPTY_TEMPLATE_DATABASE;
  // Two workers cloning the same template at the same instant can collide ("source database … is
  // being accessed by other users"): try again shortly.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin((client) => client.query(`create database ${name} template ${template}`));
      break;
    } catch (error) {
      if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
  const url = withDatabase(adminUrl(), name);
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  tolerateDropTermination(pool);
  const statements: string[] = [];
  return {
    url,
    pool,
    statements,
    sql: sqlOnPool(pool, (text) => statements.push(text)),
    async drop() {
      await pool.end();
      await admin(async (client) => {
        // Wait (up to 5 s) for the connections that pool.end() — or a suite's own pool — asked to close, so
        // that the forced drop terminates nobody: a terminated connection surfaces as an unhandled 'error'.
        for (let i = 0; i < 50; i++) {
          const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = $1`, [name]);
          if (rows[0]!.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        await client.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}

/** The first region (by code) of a level below a region, e.g. a village of a county. */
export async function firstRegionBelow(pool: pg.Pool, code: string, level: string): Promise<string> {
  const { rows } = await pool.query(
    `select code from region where level = $2 and code > $1 and code <= (select subtree_max from region where code = $1) order by code limit 1`,
    [code, level],
  );
  return rows[0].code;
}
