/**
 * A statement PostgreSQL cancels at the API's statement timeout (DB_STATEMENT_TIMEOUT_MS) is
 * answered TIMEOUT with HTTP 503 — not INTERNAL_SERVER_ERROR — and nothing of the request is written.
 */
import type pg from 'pg';
import { withStatementTimeout } from '../../platform/pools.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { errorCodes, startTestApi, type TestApi } from '../support/api.js';
import { metricsText } from '../../platform/metrics.js';

const LIMIT_MS = 200;

let db: TestDatabase;
let pool: pg.Pool;
let api: TestApi;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  pool = withStatementTimeout(db.pool, LIMIT_MS);
  api = await startTestApi(db, { pool });
});
afterAll(async () => {
  await api?.close();
  await pool?.end();
  await db?.drop();
});

/** Runs `fn` while another connection holds `lock table <table> in access exclusive mode` (every statement on it waits). */
async function whileLocked<T>(table: string, fn: () => Promise<T>): Promise<T> {
  const holder = await db.pool.connect();
  try {
    await holder.query('begin');
    await holder.query(`lock table ${table} in access exclusive mode`);
    return await fn();
  } finally {
    await holder.query('rollback');
    holder.release();
  }
}

const cancelledCount = async () => Number(/^sunshine_statements_cancelled_total(?:\{[^}]*\})? (\d+)/m.exec((await metricsText()).body)?.[1] ?? 0);

test('a read that waits past the limit: TIMEOUT, HTTP 503, and counted', async () => {
  const before = await cancelledCount();
  const res = await whileLocked('region', () => api.gql(`{ regions(first: 1, level: COUNTY) { nodes { code } } }`));
  expect(res.status).toBe(503);
  expect(errorCodes(res)).toEqual(['TIMEOUT']);
  expect(res.errors![0]!.message).toMatch(/DB_STATEMENT_TIMEOUT_MS/);
  expect(await cancelledCount()).toBe(before + 1);
  // Once the lock is gone the same query answers.
  const again = await api.gql(`{ regions(first: 1, level: COUNTY) { nodes { code } } }`);
  expect(again.errors).toBeUndefined();
  expect(again.data!.regions.nodes).toHaveLength(1);
});

test('a registry write that waits past the limit: TIMEOUT and nothing written', async () => {
  const count = async () => (await db.pool.query(`select count(*)::int as n from registry.facility`)).rows[0].n as number;
  const village = (await db.pool.query(`select code from region where level = 'VILLAGE' order by code limit 1`)).rows[0].code as string;
  const before = await count();
  const res = await whileLocked('registry.facility', () =>
    api.gql(`mutation ($i: RegisterFacilityInput!) { registerFacility(input: $i) { id } }`, {
      i: { name: '超时养老院', type: 'ELDERLY_CARE_INSTITUTION', operatingModel: 'PUBLIC_BUILT_PRIVATE_RUN', villageCode: village },
    }),
  );
  expect(errorCodes(res)).toEqual(['TIMEOUT']);
  expect(res.status).toBe(503);
  expect(await count()).toBe(before);
});
