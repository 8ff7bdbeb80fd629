/**
 * The typed client workflows (client/workflows.ts, on client/operations/*.graphql) against a live
 * server holding the demo city: a county pays an elder and retries, follows the trail back to the
 * appropriation, pages through its journal; a case worker lists elders masked; an auditor lists
 * findings and the audited county answers one. Every answer is checked against the database.
 */
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApi, tokenFor, type TestApi } from '../support/api.js';
import { RegistryService } from '../../registry/registry.js';
import { generateDemoRegistry } from '../../demo/registry.js';
import { payDemoMonth } from '../../demo/payments.js';
import { plantDemoAnomalies } from '../../demo/anomalies.js';
import { Ledger } from '../../ledger/ledger.js';
import { fundCounty } from '../fixtures/index.js';
import { runAudit } from '../../audit/engine.js';
import { DEMO_AUDIT_AS_OF, DEMO_CITY_CODE, DEMO_MONTH, DEMO_SEED } from '../../scripts/demo-registry.js';
import { request } from '../../client/example.js';
import { EldersDocument } from '../../client/generated/graphql.js';
import { answerFinding, elders, finding, findings, journal, pay, paymentWithTrail } from '../../client/workflows.js';

let db: TestDatabase;
let api: TestApi;
let url: string;
/** The county of the first finding recorded at a county or below: the workflows run there. */
let county: string;
let auditor: string;
let officer: string;

beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  const registry = new RegistryService(db.pool, db.sql);
  const ledger = new Ledger(db.pool);
  await generateDemoRegistry(db.pool, registry, { cityPrefix: '3203', seed: DEMO_SEED, eldersPerVillage: 2 });
  await payDemoMonth(db.pool, ledger, { cityCode: DEMO_CITY_CODE, month: DEMO_MONTH });
  await plantDemoAnomalies(db.pool, ledger, registry, { cityCode: DEMO_CITY_CODE, month: DEMO_MONTH, seed: DEMO_SEED });
  await runAudit(db.pool, { regionCode: DEMO_CITY_CODE, from: '2026-01', to: '2026-12', asOf: DEMO_AUDIT_AS_OF, trigger: 'TEST', actor: 'test' });
  api = await startTestApi(db);
  url = api.url;
  auditor = await tokenFor('AUDITOR', DEMO_CITY_CODE);
  const { rows } = await db.pool.query<{ region_code: string }>(
    `select region_code from audit.finding_state where region_code not like '%000000' order by id limit 1`,
  );
  county = rows[0]!.region_code.slice(0, 6) + '000000';
  officer = await tokenFor('FINANCE_OFFICER', county);
  // The demo month spent the county's senior allowance to the fen: fresh money for the payment below.
  const day = today();
  await fundCounty(ledger, county, { amount: 10_000n, dates: { appropriated: day, allocated: day, received: day } });
}, 240_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const today = () => new Date().toISOString().slice(0, 10);

test('a county pays an elder, a retry replays the same transaction, and the trail ends at an appropriation', async () => {
  // One living elder whose household is in the county (the first page is enough).
  const page = await request(url, EldersDocument, { filter: { within: county, vitalStatus: 'ALIVE' }, first: 20 }, officer);
  const elder = page.elders.nodes.find((e) => e.hukouVillageCode.startsWith(county.slice(0, 6)));
  const input = {
    idempotencyKey: `client-workflow-${elder!.registryNo}`, effectiveDate: today(), regionCode: county, fundLine: 'SENIOR_ALLOWANCE',
    amount: '100', payeeType: 'PERSON' as const, payeeId: elder!.registryNo, serviceMonth: today().slice(0, 7), benefitCode: 'SA_MONTHLY', villageCode: elder!.hukouVillageCode,
  };
  const first = await pay(url, officer, input);
  const retry = await pay(url, officer, input);
  expect(first.replayed).toBe(false);
  expect(retry).toMatchObject({ replayed: true, transaction: { id: first.transaction!.id } });
  const written = await db.pool.query(`select count(*)::int as n from ledger.transaction where idempotency_key = $1`, [input.idempotencyKey]);
  expect(written.rows[0].n).toBe(1);

  const detail = (await paymentWithTrail(url, officer, first.transaction!.id))!;
  expect(detail.transaction.payeeId).toBe(elder!.registryNo);
  expect(detail.transaction.postings.reduce((sum, p) => sum + BigInt(p.amount), 0n)).toBe(0n);
  expect(detail.trail.find((s) => s.depth === 0)).toMatchObject({ kind: 'DISBURSEMENT', amount: '100', regionCode: county });
  expect(detail.origin.kind).toBe('APPROPRIATION');
});

test('the journal, page by page, is exactly the county’s transactions: its own and the allocations to it', async () => {
  const all = await journal(url, officer, { regionCode: county }, 7);
  const { rows } = await db.pool.query<{ seq: string }>(
    `select seq::text from ledger.transaction where region_code = $1 or counterpart_region_code = $1 order by seq`, [county],
  );
  expect(all.length).toBeGreaterThan(7); // more than one page
  expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
  expect(all.length).toBe(rows.length);
  expect(all.every((t) => t.regionCode === county || t.counterpartRegionCode === county)).toBe(true);
  expect(all.some((t) => t.kind === 'ALLOCATION' && t.counterpartRegionCode === county)).toBe(true);
});

test('elders come back masked to a finance officer, every one of the county', async () => {
  const listed = await elders(url, officer, { within: county }, 50);
  const { rows } = await db.pool.query(
    `select count(*)::int as n from registry.elder where hukou_village_code like $1 or residence_village_code like $1`, [`${county.slice(0, 6)}%`],
  );
  expect(listed.length).toBe(rows[0].n);
  for (const e of listed) {
    expect(e.name).toMatch(/^\p{Script=Han}{1,2}\*+$/u);
    expect(e.idNumber).toMatch(/^[0-9]{4}\*{10}[0-9]{3}[0-9X]$/);
  }
});

test('an auditor lists the findings; the audited county answers one, and its history records it', async () => {
  const listed = await findings(url, auditor, {}, 5);
  const { rows } = await db.pool.query(`select count(*)::int as n from audit.finding_state`);
  expect(listed.length).toBe(rows[0].n);
  const mine = (await findings(url, officer)).filter((f) => f.status === 'OPEN');
  expect(mine.length).toBeGreaterThan(0);
  expect(mine.every((f) => f.regionCode.startsWith(county.slice(0, 6)))).toBe(true);

  const detail = (await finding(url, auditor, mine[0]!.id))!;
  expect(detail.evidence.length).toBeGreaterThan(0);
  const answered = await answerFinding(url, officer, mine[0]!.id, '已核实，次月冲回');
  expect(answered.status).toBe('ANSWERED');
  expect(answered.history.at(-1)).toMatchObject({ action: 'ANSWER', actor: `finance_officer@${county}` });
  const again = (await finding(url, auditor, mine[0]!.id))!;
  expect(again.history.map((h) => h.action)).toEqual([...detail.history.map((h) => h.action), 'ANSWER']);
});
