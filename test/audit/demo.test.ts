/** On the demo city the audit finds every planted anomaly, nothing in the clean controls, and nothing else. */
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { RegistryService } from '../../registry/registry.js';
import { generateDemoRegistry } from '../../demo/registry.js';
import { payDemoMonth } from '../../demo/payments.js';
import { Ledger } from '../../ledger/ledger.js';
import { plantDemoAnomalies, type DemoAnomalies } from '../../demo/anomalies.js';
import { runAudit } from '../../audit/engine.js';
import { DEMO_AUDIT_AS_OF, DEMO_CITY_CODE, DEMO_MONTH, DEMO_SEED } from '../../scripts/demo-registry.js';

let db: TestDatabase;
let anomalies: DemoAnomalies;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  const registry = new RegistryService(db.pool, db.sql);
  const ledger = new Ledger(db.pool);
  await generateDemoRegistry(db.pool, registry, { cityPrefix: '3203', seed: DEMO_SEED, eldersPerVillage: 3 });
  await payDemoMonth(db.pool, ledger, { cityCode: DEMO_CITY_CODE, month: DEMO_MONTH });
  anomalies = await plantDemoAnomalies(db.pool, ledger, registry, { cityCode: DEMO_CITY_CODE, month: DEMO_MONTH, seed: DEMO_SEED, asOf: DEMO_AUDIT_AS_OF });
}, 180_000);
afterAll(async () => {
  await db?.drop();
});

const keyOf = (f: { ruleId: string; subjectType: string; subjectId: string; periodFrom: string | null }) => `${f.ruleId} ${f.subjectType} ${f.subjectId} ${f.periodFrom ?? '-'}`;

test('every planted anomaly is found, no control is, and nothing else; a re-run is idempotent', async () => {
  const run = () => runAudit(db.pool, { regionCode: DEMO_CITY_CODE, from: '2026-01', to: '2026-12', asOf: DEMO_AUDIT_AS_OF, trigger: 'TEST', actor: 'test' });
  const first = await run();
  const found = (await db.pool.query(`select rule_id as "ruleId", subject_type as "subjectType", subject_id as "subjectId", period_from as "periodFrom" from audit.finding_state`)).rows.map(keyOf).sort();
  expect(new Set(anomalies.planted.map((p) => p.ruleId))).toEqual(new Set(['AR-01', 'AR-03', 'AR-04', 'AR-05', 'AR-06', 'AR-09', 'AR-11', 'AR-12', 'AR-13', 'AR-14', 'AR-17', 'AR-18', 'AR-20', 'AR-22', 'AR-24']));
  expect(found).toEqual(anomalies.planted.map(keyOf).sort());
  for (const control of anomalies.controls) expect(found).not.toContain(keyOf(control));
  expect(anomalies.controls.length).toBeGreaterThanOrEqual(7);
  expect(first.counts.detected).toBe(anomalies.planted.length);
  const second = await run();
  expect(second.counts).toMatchObject({ findings: anomalies.planted.length, detected: 0, refreshed: 0, cleared: 0, recurred: 0, reopened: 0 });
  expect((await db.pool.query(`select count(*)::int as n from audit.finding`)).rows[0].n).toBe(anomalies.planted.length);
});

test('planting is deterministic from the seed', async () => {
  const other = await createTestDatabase({ withXuzhou: true });
  try {
    const registry = new RegistryService(other.pool, other.sql);
    const ledger = new Ledger(other.pool);
    await generateDemoRegistry(other.pool, registry, { cityPrefix: '3203', seed: DEMO_SEED, eldersPerVillage: 3 });
    await payDemoMonth(other.pool, ledger, { cityCode: DEMO_CITY_CODE, month: DEMO_MONTH });
    const again = await plantDemoAnomalies(other.pool, ledger, registry, { cityCode: DEMO_CITY_CODE, month: DEMO_MONTH, seed: DEMO_SEED, asOf: DEMO_AUDIT_AS_OF });
    expect(again.planted.filter((p) => p.subjectType !== 'LOT' && p.subjectType !== 'TRANSACTION').map(keyOf)).toEqual(anomalies.planted.filter((p) => p.subjectType !== 'LOT' && p.subjectType !== 'TRANSACTION').map(keyOf));
    expect(again.planted.map((p) => p.what)).toEqual(anomalies.planted.map((p) => p.what));
  } finally {
    await other.drop();
  }
}, 180_000);
