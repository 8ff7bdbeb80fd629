/**
 * Which types a mirror holds, decided by the client and not by the server's answer: a listing that
 * offers a path the client does not know (a spoofed server pasting SQL into a path) or a feed page
 * with an unknown operation is refused before anything is written. A proxy in front of the real
 * server (test/sync/proxy.ts) plays the spoofer.
 */
import { Ledger } from '../../ledger/ledger.js';
import { RegistryService } from '../../registry/registry.js';
import { generateDemoRegistry } from '../../demo/registry.js';
import { payDemoMonth } from '../../demo/payments.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApi, tokenFor, type TestApi } from '../support/api.js';
import { FENG } from '../registry/support.js';
import { startProxy, type TestProxy } from './proxy.js';
import { MIRROR_SCHEMA, runSync } from '../../sync/client.js';

let source: TestDatabase;
let api: TestApi;
let proxy: TestProxy;
let token: string;
const mirrors: TestDatabase[] = [];

beforeAll(async () => {
  source = await createTestDatabase({ withXuzhou: true });
  await generateDemoRegistry(source.pool, new RegistryService(source.pool, source.sql), { cityPrefix: '320321', eldersPerVillage: 1 });
  await payDemoMonth(source.pool, new Ledger(source.pool), { cityCode: '320300000000', month: '2026-10' });
  api = await startTestApi(source);
  proxy = await startProxy(api.url);
  token = await tokenFor('SYSTEM_CLIENT', FENG);
}, 120_000);

afterEach(() => {
  proxy.listing = null;
  proxy.graphql = null;
});

afterAll(async () => {
  await proxy?.close();
  await api?.close();
  for (const m of mirrors) await m.drop();
  await source?.drop();
});

async function newMirror(): Promise<TestDatabase> {
  const m = await createTestDatabase({ withXuzhou: false });
  mirrors.push(m);
  return m;
}

const relation = async (m: TestDatabase, name: string) => (await m.pool.query(`select to_regclass($1)::text as r`, [name])).rows[0].r;
const namespace = async (m: TestDatabase, name: string) => (await m.pool.query(`select count(*)::int as n from pg_namespace where nspname = $1`, [name])).rows[0].n;

test.each([
  ['SQL in a path', { path: 'elders (id text); create table public.pwned (x int); create table if not exists sunshine_mirror.x', type: 'ELDER' }],
  ['a path of another type', { path: 'elders', type: 'LOT' }],
  ['a path the client does not know', { path: 'pwned', type: 'ELDER' }],
])('a listing with %s is refused before the mirror is touched', async (_, entry) => {
  const m = await newMirror();
  proxy.listing = (body) => ({ ...body, types: [...body.types.filter((t: { type: string }) => t.type !== entry.type), entry] });
  await expect(runSync({ server: proxy.url, token, region: FENG, to: m.url })).rejects.toMatchObject({
    name: 'SyncError',
    code: 'UNEXPECTED_ANSWER',
    message: expect.stringContaining('GET /export/v1/ offers'),
  });
  expect(await relation(m, 'public.pwned')).toBeNull();
  expect(await namespace(m, MIRROR_SCHEMA)).toBe(0);
});

test.each([
  ['an unknown operation', (victim: string) => ({ type: 'ELDER', id: victim, operation: 'DELETE', state: null })],
  ['a state of another object', (victim: string) => ({ type: 'ELDER', id: victim, operation: 'UPSERT', state: { __typename: 'Elder', id: 'someone-else' } })],
  ['a type that was not asked for', (victim: string) => ({ type: 'PWNED', id: victim, operation: 'LEFT_SCOPE', state: null })],
])('a feed page with %s is refused and nothing of it is written', async (_, node) => {
  const m = await newMirror();
  await runSync({ server: proxy.url, token, region: FENG, to: m.url });
  const elders = `${MIRROR_SCHEMA}.elders`;
  const before = (await m.pool.query(`select id, state from ${elders} order by id`)).rows;
  const { feed_cursor: cursor } = (await m.pool.query(`select feed_cursor from ${MIRROR_SCHEMA}.sync_state`)).rows[0];
  const victim = before[0].id as string;
  proxy.graphql = (body) => {
    body.data?.changes?.nodes.push(node(victim));
    return body;
  };
  await expect(runSync({ server: proxy.url, token, region: FENG, to: m.url })).rejects.toMatchObject({ name: 'SyncError', code: 'UNEXPECTED_ANSWER' });
  expect((await m.pool.query(`select id, state from ${elders} order by id`)).rows).toEqual(before);
  expect((await m.pool.query(`select feed_cursor from ${MIRROR_SCHEMA}.sync_state`)).rows[0].feed_cursor).toBe(cursor);
});
