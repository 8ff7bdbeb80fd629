/**
 * Which types a mirror holds, decided by the client and not by the server's answer: a listing that
 * offers a path the client does not know (a spoofed server pasting SQL into a path) or a feed page
 * with an unknown operation is refused before anything is written; a type the token may pull only
 * after the first sync (SYSTEM_CLIENT gaining ledger:read) is snapshotted on the next run and
 * followed without a gap. A proxy in front of the real server (test/sync/proxy.ts) plays the
 * spoofer, and the server of a token that may pull fewer types.
 */
import type { TestDatabase } from '../support/database.js';
import type { TestApi } from '../support/api.js';
import { FENG, FENG_V1, FENG_V2, idNumber, PEI_V1, registerElder } from '../registry/support.js';
import { Ledger } from '../../ledger/ledger.js';
import type { TestProxy } from './proxy.js';
import { useProxiedSource } from './proxied-source.js';
import { exportAs, mirrorDifferences, waitFor, moveElder } from './support.js';
import { MIRROR_SCHEMA, runSync } from '../../sync/client.js';

let source: TestDatabase;
let api: TestApi;
let proxy: TestProxy;
let token: string;
const fixture = useProxiedSource();
beforeAll(() => ({ source, api, proxy, token } = fixture));
const newMirror = () => fixture.newMirror();

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

test("a type this client does not know (a newer server's) is left out of the mirror; the rest syncs", async () => {
  const m = await newMirror();
  proxy.listing = (body) => ({ ...body, types: [...body.types, { path: 'graves', type: 'GRAVE' }, { path: 'x; drop table y', type: 'OTHER' }] });
  await runSync({ server: proxy.url, token, region: FENG, to: m.url });
  proxy.listing = null;
  expect(await relation(m, `${MIRROR_SCHEMA}.graves`)).toBeNull();
  expect(await relation(m, `${MIRROR_SCHEMA}.elders`)).not.toBeNull();
  expect((await m.pool.query(`select count(*)::int as n from ${MIRROR_SCHEMA}.elders`)).rows[0].n).toBeGreaterThan(0);
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

/** The listing without some paths: the server as a token that may not pull them sees it. */
const without = (...paths: string[]) => (body: { types: { path: string }[] }) => ({ ...body, types: body.types.filter((t) => !paths.includes(t.path)) });
const doneTypes = async (m: TestDatabase) => ((await m.pool.query(`select done_types from ${MIRROR_SCHEMA}.sync_state`)).rows[0].done_types as string[]).sort();
const count = async (path: string) => (await exportAs(api, 'SYSTEM_CLIENT', FENG, path)).rows.length;

/** Ledger transactions of the county: a payment reversed (which frees its money), and that money paid again. */
async function payments(n: number): Promise<void> {
  const ledger = new Ledger(source.pool);
  const { rows } = await source.pool.query(
    `select t.id::text from ledger.transaction t where t.region_code = $1 and t.kind = 'DISBURSEMENT' and t.fund_line = 'SENIOR_ALLOWANCE'
       and not exists (select from ledger.transaction r where r.reverses_id = t.id) order by t.id limit 1`,
    [FENG],
  );
  await ledger.reverse({ idempotencyKey: `late-type-reverse-${n}`, effectiveDate: '2026-11-10', transactionId: rows[0].id, reason: '测试' }, 'sync-test');
  await ledger.disburse(
    { idempotencyKey: `late-type-${n}`, effectiveDate: '2026-11-10', regionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: 100n, payeeType: 'PERSON', payeeId: `E${String(n).padStart(8, '0')}`, serviceMonth: '2026-11', benefitCode: 'SA_MONTHLY', villageCode: FENG_V1 },
    'sync-test',
  );
}

test('a type offered after the first sync is snapshotted on the next run, alone, and the feed goes on without a gap', async () => {
  const m = await newMirror();
  const sync = () => runSync({ server: proxy.url, token, region: FENG, to: m.url });
  // The first sync with a token that may not pull the ledger yet.
  proxy.listing = without('transactions', 'lots');
  await sync();
  expect(await relation(m, `${MIRROR_SCHEMA}.transactions`)).toBeNull();

  // Before the next run: changes of a type already mirrored (an elder moves within the county) and of the new one.
  const elder = await registerElder(api, { idNumber: idNumber('1942-02-02', 'FEMALE', '320321'), name: '钱孙李', hukouVillageCode: FENG_V1 });
  await sync();
  await moveElder(api, elder.id, FENG_V2);
  await payments(1);

  // The token may pull the ledger now: its two types are snapshotted, nothing else is.
  proxy.listing = null;
  const second = await sync();
  expect(await mirrorDifferences(api, m.pool, 'SYSTEM_CLIENT', FENG)).toEqual([]);
  expect(second.snapshotTypes).toEqual(['transactions', 'lots']);
  expect(second.snapshotRows).toBe((await count('transactions')) + (await count('lots')));
  expect(second.changes).toBeGreaterThanOrEqual(3); // the move, and the payments again from the feed: harmless
  expect(await doneTypes(m)).toEqual(['assessments', 'caregivers', 'category-memberships', 'elders', 'facilities', 'lots', 'regions', 'service-records', 'stays', 'transactions']);
  expect((await sync()).snapshotTypes).toEqual([]);
}, 60_000);

test('a type no longer offered, and offered again, is snapshotted again: what happened in between is not lost', async () => {
  const m = await newMirror();
  const sync = () => runSync({ server: proxy.url, token, region: FENG, to: m.url });
  const elder = await registerElder(api, { idNumber: idNumber('1943-03-03', 'MALE', '320321'), name: '孙李周', hukouVillageCode: FENG_V1 });
  await sync();
  expect((await m.pool.query(`select count(*)::int as n from ${MIRROR_SCHEMA}.elders where id = $1`, [elder.id])).rows[0].n).toBe(1);

  // Elders are not offered for a while; meanwhile the elder leaves the county.
  proxy.listing = without('elders');
  await sync();
  await moveElder(api, elder.id, PEI_V1);
  await sync();

  proxy.listing = null;
  const back = await sync();
  expect(await mirrorDifferences(api, m.pool, 'SYSTEM_CLIENT', FENG)).toEqual([]);
  expect((await m.pool.query(`select count(*)::int as n from ${MIRROR_SCHEMA}.elders where id = $1`, [elder.id])).rows[0].n).toBe(0);
  expect(back.snapshotTypes).toEqual(['elders']);
  expect(back.snapshotRows).toBe(await count('elders'));
}, 60_000);

test('a following run takes up a type offered while it runs, at its next poll', async () => {
  const m = await newMirror();
  proxy.listing = without('lots');
  const controller = new AbortController();
  const run = runSync({ server: proxy.url, token, region: FENG, to: m.url, follow: true, intervalMs: 100, signal: controller.signal });
  run.catch(() => {}); // awaited below
  const done = async () => (await m.pool.query(`select done_types from ${MIRROR_SCHEMA}.sync_state`).catch(() => ({ rows: [] }))).rows[0]?.done_types ?? [];
  await waitFor(async () => (await done()).includes('transactions'), 'the first snapshot', 20_000);
  proxy.listing = null;
  await waitFor(async () => (await done()).includes('lots'), 'the snapshot of the type offered now', 20_000);
  controller.abort();
  expect((await run).snapshotTypes).toEqual(['regions', 'elders', 'facilities', 'caregivers', 'stays', 'service-records', 'assessments', 'category-memberships', 'transactions', 'lots']);
  expect(await mirrorDifferences(api, m.pool, 'SYSTEM_CLIENT', FENG)).toEqual([]);
}, 60_000);
