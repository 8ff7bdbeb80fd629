/**
 * The region tree path's kept answers (hierarchy/region-tree-cache.ts): a repeated request is
 * answered without a statement; a change to the region table, committed by another connection (as
 * an import in another process would), is seen as soon as its notice arrives; a rolled-back change
 * sends none; without the listening connection nothing is kept, and a new one starts empty.
 */
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { FENG } from '../fixtures/regions.js';
import { REGION_CHANGED_CHANNEL, RegionTreeCache } from '../../hierarchy/region-tree-cache.js';

let db: TestDatabase;
let api: TestApi;
let cache: RegionTreeCache;

beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  api = await startTestApi(db, { regionCache: true });
  cache = api.app.regionCache!;
  await until(() => cache.listening, 'the cache listening'); // it connects in the background
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const POINT = `{ region(code: "${FENG}") { code name } }`;
const nameOf = async () => ((await api.gql(POINT)).data as { region: { name: string } }).region.name;
const treeStatements = (from: number) => db.statements.slice(from).filter((s) => / as tree from region r /.test(s)).length;

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const rename = (name: string) => db.pool.query(`update region set name = $1 where code = $2`, [name, FENG]);
/** The backends listening in this test's database (other test files' servers listen in theirs, on the same PostgreSQL). */
const listenerPid = async () =>
  (await db.pool.query<{ pid: number }>(
    `select pid from pg_stat_activity where query = $1 and datname = current_database() and pid <> pg_backend_pid()`,
    [`listen ${REGION_CHANGED_CHANNEL}`],
  )).rows.map((r) => r.pid);

test('a repeated request is answered from the cache, without a statement', async () => {
  expect(cache.listening).toBe(true);
  const first = await nameOf();
  const before = db.statements.length;
  const hits = cache.stats.hits;
  expect(await nameOf()).toBe(first);
  expect(treeStatements(before)).toBe(0);
  expect(cache.stats.hits).toBe(hits + 1);
});

test('a change committed elsewhere is seen once its notice arrives; a rolled-back one sends none', async () => {
  const original = await nameOf();
  await nameOf(); // kept
  const cleared = cache.stats.cleared;
  await rename('丰县（改）');
  await until(() => cache.stats.cleared > cleared, 'the notice of the rename');
  expect(await nameOf()).toBe('丰县（改）');
  // Rolled back: no notice, the kept answer stays.
  const client = await db.pool.connect();
  try {
    await client.query('begin');
    await client.query(`update region set name = '不算' where code = $1`, [FENG]);
    await client.query('rollback');
  } finally {
    client.release();
  }
  const afterRollback = cache.stats.cleared;
  await rename(original); // a committed change after it: its notice is the next one
  await until(() => cache.stats.cleared > afterRollback, 'the notice of the second rename');
  expect(cache.stats.cleared).toBe(afterRollback + 1);
  expect(await nameOf()).toBe(original);
});

test('an answer read while a change is noticed is not kept', async () => {
  const key = `test\u0000${Date.now()}`;
  let loads = 0;
  const load = async () => {
    loads++;
    cache.clear(); // what a notice arriving during the read does
    return 'answer';
  };
  expect(await cache.read(key, load)).toBe('answer');
  expect(await cache.read(key, async () => (loads++, 'answer'))).toBe('answer');
  expect(loads).toBe(2); // read again: the first was not kept
  expect(await cache.read(key, async () => (loads++, 'other'))).toBe('answer'); // the second was
  expect(loads).toBe(2);
});

test('without its listening connection nothing is kept; the new connection starts empty', async () => {
  const original = await nameOf();
  await nameOf();
  const pids = await listenerPid();
  expect(pids).toHaveLength(1);
  const [pid] = pids;
  await db.pool.query('select pg_terminate_backend($1)', [pid]);
  await until(() => !cache.listening, 'the lost connection noticed');
  // Not listening: every read goes to PostgreSQL, so a change is seen at once.
  await rename('丰县（断线时）');
  const before = db.statements.length;
  expect(await nameOf()).toBe('丰县（断线时）');
  expect(await nameOf()).toBe('丰县（断线时）');
  expect(treeStatements(before)).toBe(2);
  await until(() => cache.listening, 'listening again');
  const cleared = cache.stats.cleared;
  await rename(original);
  await until(() => cache.stats.cleared > cleared, 'the notice of the rename, on the new connection');
  expect(await nameOf()).toBe(original);
  const kept = db.statements.length;
  expect(await nameOf()).toBe(original);
  expect(treeStatements(kept)).toBe(0);
});
