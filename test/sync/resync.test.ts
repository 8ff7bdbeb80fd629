/**
 * A snapshot replaces the mirror at once, never in place: during a re-sync (RESYNC_REQUIRED) — or
 * the re-snapshot of a type offered again — the county's systems go on reading the old rows, whole,
 * from their own connections, until the new snapshot is complete and switched in; a snapshot that
 * fails midway leaves the old mirror as it was, and the next run goes on from what it staged. A
 * proxy in front of the server (test/sync/proxy.ts) holds an export at its last line, or drops it.
 */
import type { TestDatabase } from '../support/database.js';
import type { TestApi } from '../support/api.js';
import { FENG, FENG_V1, idNumber, PEI, PEI_V1, registerElder } from '../registry/support.js';
import type { TestProxy } from './proxy.js';
import { useProxiedSource } from './proxied-source.js';
import { feedOf, mirrorDifferences, waitFor, moveElder } from './support.js';
import { MIRROR_SCHEMA, runSync } from '../../sync/client.js';
import { MIRRORED_TYPES } from '../../sync/client-types.js';

let source: TestDatabase;
let api: TestApi;
let proxy: TestProxy;
let token: string;
const fixture = useProxiedSource();
beforeAll(() => ({ source, api, proxy, token } = fixture));
const newMirror = () => fixture.newMirror();

/** Everything a county reads in its mirror: every table's rows, and the feed cursor. */
async function contents(m: TestDatabase): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const { table } of MIRRORED_TYPES) out[table] = (await m.pool.query(`select id, state, synced_at from ${table} order by id`)).rows;
  out.cursor = (await m.pool.query(`select feed_cursor from ${MIRROR_SCHEMA}.sync_state`)).rows[0].feed_cursor;
  return out;
}

const has = async (m: TestDatabase, id: string) => (await m.pool.query(`select count(*)::int as n from ${MIRROR_SCHEMA}.elders where id = $1`, [id])).rows[0].n === 1;

/** A cursor the server refuses for this mirror's token (one of another jurisdiction's): its next run meets RESYNC_REQUIRED. */
async function cursorToRefuse(m: TestDatabase): Promise<void> {
  const other = (await feedOf(api, 'SYSTEM_CLIENT', PEI).page(null, 1)).data!.changes.cursor;
  await m.pool.query(`update ${MIRROR_SCHEMA}.sync_state set feed_cursor = $1`, [other]);
}

test('RESYNC_REQUIRED: the old mirror stays readable, whole, while the new snapshot is exported, and is replaced in one switch; a failed re-export leaves it intact', async () => {
  const m = await newMirror();
  const sync = () => runSync({ server: proxy.url, token, region: FENG, to: m.url });
  const leaving = await registerElder(api, { idNumber: idNumber('1940-07-07', 'MALE', '320321'), name: '褚卫蒋', hukouVillageCode: FENG_V1 });
  await sync();
  expect(await has(m, leaving.id)).toBe(true);

  // The server cannot go on from the mirror's cursor; meanwhile an elder left the county (the feed
  // that would have said so is lost) and another one arrived.
  await cursorToRefuse(m);
  await moveElder(api, leaving.id, PEI_V1);
  const arriving = await registerElder(api, { idNumber: idNumber('1941-08-08', 'FEMALE', '320321'), name: '沈韩杨', hukouVillageCode: FENG_V1 });
  const before = await contents(m);

  // 1. The re-export of the ledger is held at its last line: every other type is exported by then.
  let release!: () => void;
  let held = false;
  proxy.exports = (path) => (path === 'transactions' ? { hold: new Promise<void>((resolve) => (release = resolve)), held: () => (held = true) } : null);
  const run = sync();
  run.catch(() => {}); // awaited below
  await waitFor(async () => held, 'the re-export to reach the ledger', 30_000);
  await new Promise((resolve) => setTimeout(resolve, 300)); // the client has applied what it received
  // Another connection — a county system — reads the old mirror, row for row, cursor and all.
  expect(await contents(m)).toEqual(before);
  expect([await has(m, leaving.id), await has(m, arriving.id)]).toEqual([true, false]);
  release();
  expect(await run).toMatchObject({ resyncs: 1 });
  expect(await mirrorDifferences(api, m.pool, 'SYSTEM_CLIENT', FENG)).toEqual([]);
  expect([await has(m, leaving.id), await has(m, arriving.id)]).toEqual([false, true]);

  // 2. The re-export fails midway (the connection drops during the ledger): the old mirror stays as it was.
  await cursorToRefuse(m);
  const intact = await contents(m);
  proxy.exports = (path) => (path === 'transactions' ? { cut: true } : null);
  await expect(sync()).rejects.toThrow();
  expect(await contents(m)).toEqual(intact);

  // The next run goes on from what the failed one staged: only the ledger's two types are exported again.
  proxy.exports = null;
  const resumed = await sync();
  expect(resumed.snapshotTypes).toEqual(['transactions', 'lots']);
  expect(await mirrorDifferences(api, m.pool, 'SYSTEM_CLIENT', FENG)).toEqual([]);
  expect(await sync()).toMatchObject({ resyncs: 0, snapshotTypes: [] });
}, 120_000);

test('a type offered again is re-snapshotted beside its old rows, which stay readable until its snapshot is complete', async () => {
  const m = await newMirror();
  const sync = () => runSync({ server: proxy.url, token, region: FENG, to: m.url });
  await sync();
  // The type with the most rows: more than one batch of 1,000 (whose first used to empty the table).
  const counts = await Promise.all(MIRRORED_TYPES.map(async (t) => ({ t, n: (await m.pool.query(`select count(*)::int as n from ${t.table}`)).rows[0].n as number })));
  const { t: type, n } = counts.reduce((a, b) => (b.n > a.n ? b : a));
  expect(n).toBeGreaterThan(1000);
  const rows = async () => (await m.pool.query(`select id, state, synced_at from ${type.table} order by id`)).rows;
  const old = await rows();
  // Not offered for a run (the token lost a permission), then offered again: snapshotted again.
  proxy.listing = (body) => ({ ...body, types: body.types.filter((t: { path: string }) => t.path !== type.path) });
  await sync();
  proxy.listing = null;
  let release!: () => void;
  let held = false;
  proxy.exports = (path) => (path === type.path ? { hold: new Promise<void>((resolve) => (release = resolve)), held: () => (held = true) } : null);
  const run = sync();
  run.catch(() => {}); // awaited below
  await waitFor(async () => held, `the export of ${type.path} to reach its end`, 30_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await rows()).toEqual(old);
  release();
  expect((await run).snapshotTypes).toEqual([type.path]);
  expect(await mirrorDifferences(api, m.pool, 'SYSTEM_CLIENT', FENG)).toEqual([]);
}, 60_000);

test('staging holds nothing for a type no longer offered: a half-staged snapshot of a withdrawn type is emptied on the next run, not kept for ever', async () => {
  const m = await newMirror();
  const sync = () => runSync({ server: proxy.url, token, region: FENG, to: m.url });
  await sync();
  const counts = await Promise.all(MIRRORED_TYPES.map(async (t) => ({ t, n: (await m.pool.query(`select count(*)::int as n from ${t.table}`)).rows[0].n as number })));
  const { t: type, n } = counts.reduce((a, b) => (b.n > a.n ? b : a));
  expect(n).toBeGreaterThan(1000); // (so that a batch of its staging commits before the export is cut)
  const staged = async () => (await m.pool.query(`select count(*)::int as n from ${type.staging}`)).rows[0].n as number;
  const withdrawn = (body: { types: { path: string }[] }) => ({ ...body, types: body.types.filter((t) => t.path !== type.path) });
  const mirrored = async () => (await m.pool.query(`select id, state, synced_at from ${type.table} order by id`)).rows;

  // Withdrawn for a run, offered again, and its re-snapshot dropped midway: half of it is staged.
  proxy.listing = withdrawn;
  await sync();
  const old = await mirrored();
  proxy.listing = null;
  proxy.exports = (path) => (path === type.path ? { cut: true } : null);
  await expect(sync()).rejects.toThrow();
  expect(await staged()).toBeGreaterThanOrEqual(1000);

  // Withdrawn again (the permission is gone for good): no run will ever switch that half in, so it
  // must not stay in the staging schema — a county's slice, masked personal data included.
  proxy.exports = null;
  proxy.listing = withdrawn;
  await sync();
  expect(await staged()).toBe(0);
  expect(await mirrored()).toEqual(old); // (the mirror's own rows of the type stay as they were)

  // Offered again, it is snapshotted from the start and the mirror equals a fresh export.
  proxy.listing = null;
  expect((await sync()).snapshotTypes).toEqual([type.path]);
  expect(await staged()).toBe(0);
  expect(await mirrorDifferences(api, m.pool, 'SYSTEM_CLIENT', FENG)).toEqual([]);
}, 90_000);
