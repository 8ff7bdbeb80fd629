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
import { exportAs } from './support.js';
import { MIRROR_SCHEMA, runSync } from '../../sync/client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PEI = '320322000000';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

function startClient(): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [path.join(root, 'dist/scripts/sync.js'), '--region', FENG, '--token', token, '--to', mirror.url, '--server', api.url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return { child, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))), stderr: () => err };
}

async function mirrorState(): Promise<{ done: string[]; complete: boolean; cursor: string | null } | null> {
  const { rows } = await mirror.pool.query(`select done_types, snapshot_complete, feed_cursor from ${MIRROR_SCHEMA}.sync_state`).catch(() => ({ rows: [] as any[] }));
  return rows[0] ? { done: rows[0].done_types, complete: rows[0].snapshot_complete, cursor: rows[0].feed_cursor } : null;
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
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

  // 1. Killed in the middle of the snapshot: some types complete, not all.
  const first = startClient();
  await waitFor(async () => ((await mirrorState())?.done.length ?? 0) >= 2, 'part of the snapshot');
  first.child.kill('SIGKILL');
  await first.exited;
  const cut = (await mirrorState())!;
  expect(cut.complete).toBe(false);

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
  expect(types.length).toBe(9);
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
