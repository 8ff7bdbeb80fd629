/**
 * The database goes away under a running server: /healthz stays up (the process is fine), /readyz
 * and GraphQL answer 503 SERVICE_UNAVAILABLE (never INTERNAL_SERVER_ERROR), the supervised embedded
 * PostgreSQL is started again, and the same server answers again. Runs its own embedded PostgreSQL
 * (the one every other test file shares must not be killed).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedPostgres, type DatabaseServer } from '../../platform/database.js';
import { migrate, openOrm } from '../../platform/orm.js';
import { createApp, type App } from '../../api/server.js';
import { secretKeySet } from '../../auth/tokens.js';
import { DEFAULT_LIMITS } from '../../api/hardening.js';
import { authHeader, TEST_JWT_SECRET } from '../support/api.js';

const silent = pino({ level: 'silent' });
let dataDir: string;
let server: DatabaseServer;
let pool: pg.Pool;
let app: App;
let url: string;
let restarts = 0;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-outage-pg-'));
  fs.chmodSync(dataDir, 0o755);
  server = await startEmbeddedPostgres({ dataDir, persistent: false, database: 'outage', log: silent, restartOnExit: true, onRestart: () => restarts++ });
  pool = new pg.Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: 2000 });
  pool.on('error', () => {}); // idle connections die with the server: expected here
  app = await createApp({ pool, log: silent, production: false, keySet: secretKeySet(TEST_JWT_SECRET), limits: { ...DEFAULT_LIMITS, requestsPerMinute: 0, costPerMinute: 0 } });
  url = await app.listen(0, '127.0.0.1');
}, 120_000);

afterAll(async () => {
  await app?.stop();
  await pool?.end();
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const base = () => url.replace(/\/graphql$/, '');
const readyz = async () => {
  const response = await fetch(`${base()}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const REGION_QUERY = '{ region(code: "3203") { code } }';
/**
 * Elders are read from PostgreSQL on every request. A region lookup may be answered by the region
 * cache in the moment between the kill and the cache noticing its listening connection is gone
 * (it then keeps nothing), and the supervised PostgreSQL can be back before a probe sees the gap:
 * the outage is probed with a read that always reaches the database.
 */
const ELDERS_QUERY = '{ elders(first: 1) { totalCount } }';
const query = async (text = REGION_QUERY) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await authHeader('CITY_ADMIN')) },
    body: JSON.stringify({ query: text }),
  });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] } };
};

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('readyz is 503 until the migrations are applied, then 200', async () => {
  const before = await readyz();
  expect(before.status).toBe(503);
  expect(before.body).toMatchObject({ ready: false, database: 'ok' });
  expect((before.body.pendingMigrations as string[]).length).toBeGreaterThan(3);
  const orm = await openOrm({ url: server.url });
  await migrate(orm);
  await orm.close();
  expect(await readyz()).toEqual({ status: 200, body: { status: 'ready', ready: true, database: 'ok', pendingMigrations: [] } });
  expect((await query()).body).toEqual({ data: { region: null }, extensions: expect.anything() });
});

test('the embedded PostgreSQL is killed: 503 SERVICE_UNAVAILABLE meanwhile, then it is back by itself', async () => {
  const postmasterPid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(postmasterPid, 'SIGKILL');

  // The process itself is alive throughout.
  expect((await fetch(`${base()}/healthz`)).status).toBe(200);
  const down = await eventually(() => query(ELDERS_QUERY), (r) => r.status === 503, 10_000);
  expect(down.status).toBe(503);
  expect(down.retryAfter).toBe('5');
  expect(down.body.errors!.map((e) => e.extensions.code)).toEqual(['SERVICE_UNAVAILABLE']);
  expect(JSON.stringify(down.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at .*\.js/);

  const back = await eventually(readyz, (r) => r.status === 200);
  expect(back.status).toBe(200);
  expect(restarts).toBeGreaterThanOrEqual(1);
  const answer = await eventually(query, (r) => r.status === 200);
  expect(answer.body.data).toEqual({ region: null });
  expect((await query(ELDERS_QUERY)).body.data).toEqual({ elders: { totalCount: 0 } });
  // A new postmaster, on the same folder and port.
  expect(Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])).not.toBe(postmasterPid);
}, 60_000);
