/**
 * The sync client against a live server: it mirrors a county while writers change the source, is
 * killed (SIGKILL) in the middle of the snapshot and again in the middle of the feed, resumes, and
 * in the end the mirror equals — row for row — what a fresh export shows the same token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ledger } from '../../ledger/ledger.js';
import { RegistryService } from '../../registry/registry.js';
import { generateDemoRegistry } from '../../demo/registry.js';
import { payDemoMonth } from '../../demo/payments.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApi, tokenFor, type TestApi } from '../support/api.js';
import { FENG, FENG_V1, idNumber, PEI_V1, registerElder } from '../registry/support.js';
import { exportAs, feedOf, waitFor } from './support.js';
import { MIRROR_SCHEMA, runSync } from '../../sync/client.js';
import { LOCK_CLASS } from '../../platform/locks.js';
import { startProxy } from './proxy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PEI = '320322000000';

let source: TestDatabase;
let mirror: TestDatabase;
let api: TestApi;
let token: string;

beforeAll(async () => {
  source = await createTestDatabase({ withXuzhou: true });
  mirror = await createTestDatabase({ withXuzhou: false });
  await generateDemoRegistry(source.pool, new RegistryService(source.pool, source.sql), { cityPrefix: '320321', eldersPerVillage: 4 });
  await payDemoMonth(source.pool, new Ledger(source.pool), { cityCode: '320300000000', month: '2026-10' });
  api = await startTestApi(source);
  token = await tokenFor('SYSTEM_CLIENT', FENG);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await mirror?.drop();
  await source?.drop();
});

function startClient(extra: string[] = []): { child: ChildProcess; exited: Promise<number | null>; stdout: () => string; stderr: () => string } {
  const child = spawn(process.execPath, [path.join(root, 'dist/scripts/sync.js'), '--region', FENG, '--token', token, '--to', mirror.url, '--server', api.url, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))), stdout: () => out, stderr: () => err };
}

/** Whether a session holds the mirror's lock (sync/client-mirror.ts). */
async function lockHeld(): Promise<boolean> {
  const { rows } = await mirror.pool.query(
    `select count(*)::int as n from pg_locks where locktype = 'advisory' and granted and classid = $1 and objid = 0 and database = (select oid from pg_database where datname = current_database())`,
    [LOCK_CLASS.SYNC_MIRROR],
  );
  return rows[0].n > 0;
}

/** A client following the feed in this process, and whether it has applied a page of it yet. */
function follower(intervalMs: number, server = api.url) {
  const controller = new AbortController();
  let pages = 0;
  const run = runSync({ server, token, region: FENG, to: mirror.url, follow: true, intervalMs, signal: controller.signal, onProgress: (p) => void (p.phase === 'feed' && pages++) });
  run.catch(() => {}); // awaited by the test
  return { run, stop: () => controller.abort(), following: async () => pages > 0 };
}

async function mirrorState(): Promise<{ done: string[]; staged: string[]; complete: boolean; cursor: string | null } | null> {
  const { rows } = await mirror.pool.query(`select done_types, staged_types, snapshot_complete, feed_cursor from ${MIRROR_SCHEMA}.sync_state`).catch(() => ({ rows: [] as any[] }));
  return rows[0] ? { done: rows[0].done_types, staged: rows[0].staged_types, complete: rows[0].snapshot_complete, cursor: rows[0].feed_cursor } : null;
}

/** Changes the source while the client runs: new elders, moves out of the county and back, services, payments. */
async function writeWhile(running: () => boolean): Promise<number> {
  const facility = (await source.pool.query(`select id from registry.facility where village_code like '320321%' order by id limit 1`)).rows[0].id;
  const facilityId = Buffer.from(`Facility:${facility}`).toString('base64url');
  const ledger = new Ledger(source.pool);
  let n = 0;
  while (running()) {
    const elder = await registerElder(api, { idNumber: idNumber('1940-05-05', 'FEMALE', '320321'), name: '赵钱孙', hukouVillageCode: FENG_V1 });
    const served = await api.gql(`mutation ($i: RecordServiceInput!) { recordService(input: $i) { id } }`, { i: { elderId: elder.id, facilityId, serviceType: 'MEAL', startedAt: '2026-11-05T11:30:00+08:00', subsidised: true } });
    if (served.errors) throw new Error(JSON.stringify(served.errors));
    if (n % 2 === 0) {
      // Moves to 沛县: the mirror of 丰县 must lose the elder (and what follows them)…
      await api.gql(`mutation ($id: ID!) { updateElder(id: $id, input: { hukouVillageCode: "${PEI_V1}", residenceVillageCode: "${PEI_V1}" }) { id } }`, { id: elder.id });
      // …and every fourth comes back.
      if (n % 4 === 0) await api.gql(`mutation ($id: ID!) { updateElder(id: $id, input: { hukouVillageCode: "${FENG_V1}", residenceVillageCode: "${FENG_V1}" }) { id } }`, { id: elder.id });
    }
    await ledger.disburse({ idempotencyKey: `sync-test-${n}-${Date.now()}`, effectiveDate: '2026-11-10', regionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: 100n, payeeType: 'PERSON', payeeId: `E${String(n).padStart(8, '0')}`, serviceMonth: '2026-11', benefitCode: 'SA_MONTHLY', villageCode: FENG_V1 }, 'sync-test').catch(() => {});
    n++;
  }
  return n;
}

test('the mirror survives two kills and ends equal to the source, row for row', async () => {
  let writing = true;
  const writes = writeWhile(() => writing);

  // 1. Killed in the middle of the snapshot: some types staged, not all — and none of them in the
  // mirror yet: the first snapshot is switched in whole, or not at all.
  const first = startClient();
  await waitFor(async () => ((await mirrorState())?.staged.length ?? 0) >= 2, 'part of the snapshot');
  first.child.kill('SIGKILL');
  await first.exited;
  const cut = (await mirrorState())!;
  expect([cut.complete, cut.done, cut.cursor]).toEqual([false, [], null]);
  expect((await mirror.pool.query(`select count(*)::int as n from ${MIRROR_SCHEMA}.regions`)).rows[0].n).toBe(0);

  // 2. Resumed, and killed again once it is following the feed.
  const second = startClient();
  await waitFor(async () => (await mirrorState())!.complete, 'the end of the snapshot');
  const followedFrom = (await mirrorState())!.cursor;
  await waitFor(async () => (await mirrorState())!.cursor !== followedFrom, 'a page of the feed');
  second.child.kill('SIGKILL');
  await second.exited;

  // 3. Writers stop; the client runs to the end and exits.
  writing = false;
  const changesWritten = await writes;
  expect(changesWritten).toBeGreaterThan(2);
  const last = startClient();
  expect(await last.exited).toBe(0);
  expect(last.stderr()).not.toMatch(/failed/);

  // The mirror equals a fresh export for the same token, for every type.
  const { types } = await (await fetch(`${api.url.replace(/\/graphql$/, '')}/export/v1/`, { headers: { authorization: `Bearer ${token}` } })).json();
  expect(types.length).toBe(10);
  let total = 0;
  for (const { path: p } of types as { path: string }[]) {
    const fresh = await exportAs(api, 'SYSTEM_CLIENT', FENG, p);
    const { rows } = await mirror.pool.query(`select id, state from ${MIRROR_SCHEMA}.${p.replace(/-/g, '_')} order by id`);
    const mirrored = new Map(rows.map((r) => [r.id, r.state]));
    const expected = new Map(fresh.rows.map((r) => [r.id, r]));
    expect([p, mirrored.size]).toEqual([p, expected.size]);
    for (const [id, state] of expected) expect([p, id, mirrored.get(id)]).toEqual([p, id, state]);
    total += expected.size;
  }
  expect(total).toBeGreaterThan(3000);
  // Elders who moved to 沛县 and stayed there are gone from 丰县's mirror.
  const { rows: gone } = await mirror.pool.query(`select count(*)::int as n from ${MIRROR_SCHEMA}.elders where state->>'hukouVillageCode' = $1`, [PEI_V1]);
  expect(gone[0].n).toBe(0);
}, 180_000);

test('a mirror holds one region: a second region is refused before anything of it is written', async () => {
  const before = await mirror.pool.query(`select count(*)::int as n from ${MIRROR_SCHEMA}.elders`);
  const other = runSync({ server: api.url, token: await tokenFor('SYSTEM_CLIENT', PEI), region: PEI, to: mirror.url });
  await expect(other).rejects.toMatchObject({ name: 'SyncError', code: 'MIRROR_IN_USE', message: expect.stringContaining(FENG) });
  expect((await mirror.pool.query(`select region from ${MIRROR_SCHEMA}.sync_state`)).rows).toEqual([{ region: FENG }]);
  expect((await mirror.pool.query(`select count(*)::int as n from ${MIRROR_SCHEMA}.elders`)).rows).toEqual(before.rows);
});

test.each([
  ['a region that is no code', { region: '3203x1' }],
  ['a region of a length no code has', { region: '320' }],
  ['a poll interval that is no number (--interval abc)', { follow: true, intervalMs: Number('abc') * 1000 }],
  ['a server that is no URL', { server: 'localhost:4000' }],
])('%s is refused before anything is done', async (_, bad) => {
  await expect(runSync({ server: api.url, token, region: FENG, to: mirror.url, ...bad })).rejects.toMatchObject({ name: 'SyncError', code: 'BAD_OPTION' });
});

test('one run per mirror: a second run stops at once with exit status 75, and a killed run leaves no lock behind', async () => {
  const first = follower(100);
  await waitFor(first.following, 'the first run to follow the feed');
  const second = startClient();
  expect(await second.exited).toBe(75);
  expect(second.stderr()).toMatch(new RegExp(`another sync run is using this mirror \\(PostgreSQL backend [0-9]+ "sunshine-sync ${FENG}"`));
  await expect(runSync({ server: api.url, token, region: FENG, to: mirror.url })).rejects.toMatchObject({ name: 'SyncError', code: 'MIRROR_BUSY' });
  first.stop();
  await first.run;
  expect(await lockHeld()).toBe(false);

  // A run killed while it follows: its lock was its session's, and went with the process.
  const killed = startClient(['--follow', '--interval', '1']);
  await waitFor(lockHeld, 'the run to take the lock');
  killed.child.kill('SIGKILL');
  await killed.exited;
  await waitFor(async () => !(await lockHeld()), "the server to end the killed run's session", 10_000);
  await expect(runSync({ server: api.url, token, region: FENG, to: mirror.url })).resolves.toMatchObject({ resyncs: 0 });
}, 60_000);

test('a run never writes over a feed cursor it did not write: a slow follower whose mirror moved on without it stops', async () => {
  const proxy = await startProxy(api.url);
  try {
    const run = follower(100, proxy.url);
    await waitFor(run.following, 'the follower to catch up');
    // The follower's next page is answered, then held on its way: a slow run.
    const seen = (await mirrorState())!.cursor!;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    proxy.graphql = async (body) => {
      held = true;
      await released;
      return body;
    };
    await waitFor(async () => held, 'the follower to ask for its next page');
    // Meanwhile someone else — a run that took no lock — brings the mirror further: a change, and the cursor after it.
    await registerElder(api, { idNumber: idNumber('1941-03-03', 'MALE', '320321'), name: '周吴郑', hukouVillageCode: FENG_V1 });
    const feed = feedOf(api, 'SYSTEM_CLIENT', FENG);
    let newer = seen;
    await waitFor(async () => (newer = (await feed.page(seen, 1000)).data!.changes.cursor) !== seen, 'the feed to pass the change', 30_000);
    await mirror.pool.query(`update ${MIRROR_SCHEMA}.sync_state set feed_cursor = $1`, [newer]);
    // The slow page arrives: its cursor is older than the mirror's now.
    release();
    const stop = setTimeout(run.stop, 5000); // without the check it would go on following
    await expect(run.run).rejects.toMatchObject({ name: 'SyncError', code: 'MIRROR_MOVED' });
    clearTimeout(stop);
    expect((await mirrorState())!.cursor).toBe(newer);
  } finally {
    await proxy.close();
  }
}, 60_000);

test('a run that stops while the feed is held back says so: pending in its report and its JSON, and a line on stderr', async () => {
  const holder = await source.pool.connect();
  try {
    // A transaction with an xid, left open: the feed's horizon stays below it, and a change committed after it is held back.
    await holder.query('begin');
    await holder.query('select pg_current_xact_id()');
    await registerElder(api, { idNumber: idNumber('1942-04-04', 'FEMALE', '320321'), name: '王冯陈', hukouVillageCode: FENG_V1 });
    expect(await runSync({ server: api.url, token, region: FENG, to: mirror.url, maxPendingWaitMs: 300 })).toMatchObject({ pending: true });
    const cli = startClient(); // waits its 10 s for the held-back change, then stops
    expect(await cli.exited).toBe(0);
    expect(JSON.parse(cli.stdout())).toMatchObject({ pending: true });
    expect(cli.stderr()).toMatch(/the mirror is not yet current/);
  } finally {
    await holder.query('rollback');
    holder.release();
  }
  expect(await runSync({ server: api.url, token, region: FENG, to: mirror.url })).toMatchObject({ pending: false });
}, 60_000);

test("the mirror database ending the client's connections: an idle pooled one is reported and the run goes on, the lock's ends the run cleanly", async () => {
  const backends = (name: string) => mirror.pool.query(`select pid from pg_stat_activity where datname = current_database() and application_name = $1`, [name]);
  const inMirror = async (id: string) => (await mirror.pool.query(`select count(*)::int as n from ${MIRROR_SCHEMA}.elders where id = $1`, [id])).rows[0].n === 1;
  const running = startClient(['--follow', '--interval', '2']);
  try {
    const following = async () => (await mirror.pool.query(`select snapshot_complete from ${MIRROR_SCHEMA}.sync_state`).catch(() => ({ rows: [] }))).rows[0]?.snapshot_complete === true;
    await waitFor(async () => (await following()) && (await backends('sunshine-sync')).rows.length > 0, 'the run to follow the feed');
    // Right after a poll's write (the next is 2 s away), the server ends the pool's idle connections.
    const written = async () => (await mirror.pool.query(`select updated_at from ${MIRROR_SCHEMA}.sync_state`)).rows[0].updated_at.getTime();
    const last = await written();
    await waitFor(async () => (await written()) !== last, 'a poll');
    const { rows } = await mirror.pool.query(`select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = current_database() and application_name = 'sunshine-sync' and state = 'idle'`);
    expect(rows.length).toBeGreaterThan(0);
    // It goes on (it used to die of the unheard 'error' event): the next poll reconnects and brings a new elder.
    const elder = await registerElder(api, { idNumber: idNumber('1944-09-09', 'MALE', '320321'), name: '朱秦尤', hukouVillageCode: FENG_V1 });
    await waitFor(async () => running.child.exitCode !== null || (await inMirror(elder.id)), 'the new elder in the mirror', 30_000);
    expect([running.child.exitCode, running.stderr()]).toEqual([null, expect.stringMatching(/a connection to the mirror database was lost \(terminating connection due to administrator command\); the next statement reconnects/)]);

    // The lock's connection ended: the run stops at its next write, as a failure that says why (no crash), and leaves no lock.
    await mirror.pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = $1`, [`sunshine-sync ${FENG}`]);
    expect(await running.exited).toBe(1);
    expect(running.stderr()).toMatch(/sync failed: the connection holding this mirror's lock was lost/);
    expect(await lockHeld()).toBe(false);
  } finally {
    running.child.kill('SIGKILL');
  }
  await expect(runSync({ server: api.url, token, region: FENG, to: mirror.url })).resolves.toMatchObject({ resyncs: 0 });
}, 90_000);
