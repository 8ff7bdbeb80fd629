/** The demo population: deterministic from its seed, valid ID numbers, consistent history, payments linked to payees. */
import { pino } from 'pino';
import { tolerateDropTermination } from './support.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { RegistryService } from '../../registry/registry.js';
import { generateDemoRegistry } from '../../demo/registry.js';
import { parseIdNumber } from '../../platform/id-number.js';
import { ensureDemoRegistry } from '../../scripts/demo-registry.js';

const silent = pino({ level: 'silent' });
let a: TestDatabase;
let b: TestDatabase;
beforeAll(async () => {
  [a, b] = await Promise.all([createTestDatabase({ withXuzhou: true }), createTestDatabase({ withXuzhou: true })]);
  tolerateDropTermination(a.pool);
  tolerateDropTermination(b.pool);
});
afterAll(async () => {
  await a?.drop();
  await b?.drop();
});

const people = async (db: TestDatabase) =>
  (await db.pool.query(`select name_masked, id_masked, sex, birth_date::text, hukou_village_code, residence_village_code, phone_masked from registry.elder order by id`)).rows;

test('the same seed gives the same population; ID numbers are valid and agree with the records', async () => {
  // The generator's own population (the audit's planted anomalies are inconsistent on purpose: test/audit/demo.test.ts).
  expect(await ensureDemoRegistry(a.pool, silent, { eldersPerVillage: 2, anomalies: false })).toBe(true);
  await generateDemoRegistry(b.pool, new RegistryService(b.pool, b.sql), { cityPrefix: '3203', eldersPerVillage: 2 });
  const [pa, pb] = await Promise.all([people(a), people(b)]);
  expect(pa.length).toBeGreaterThan(2812 * 1.5);
  expect(pa).toEqual(pb);
  const registry = new RegistryService(a.pool, a.sql);
  const rows = (await a.pool.query(`select id_enc, key_id, sex, birth_date::text as birth, hukou_village_code as village from registry.elder`)).rows;
  for (const row of rows) {
    const parsed = parseIdNumber(registry.pii.decrypt(row.id_enc, row.key_id, 'elder.id_number'));
    expect([parsed.sex, parsed.birthDate, parsed.addressCode]).toEqual([row.sex, row.birth, row.village.slice(0, 6)]);
  }
  // Every kind of record is there, and the history is consistent.
  const counts = (await a.pool.query(`select
    (select count(*) from registry.facility)::int facilities, (select count(*) from registry.stay)::int stays,
    (select count(*) from registry.service_record)::int services, (select count(*) from registry.assessment)::int assessments,
    (select count(*) from registry.category_membership)::int categories, (select count(*) from registry.staff_assignment)::int assignments,
    (select count(*) from registry.stay s join registry.vital_event v on v.elder_id = s.elder_id where v.status = 'DECEASED' and s.admitted_on > v.death_date)::int stays_after_death,
    (select count(*) from registry.assessment a join registry.vital_event v on v.elder_id = a.elder_id where v.status = 'DECEASED' and a.assessed_on >= v.death_date)::int assessments_after_death,
    (select count(*) from registry.assessment where total <> self_care + mobility + mental_state + perception_social)::int bad_totals`)).rows[0];
  expect(counts).toMatchObject({ stays_after_death: 0, assessments_after_death: 0, bad_totals: 0 });
  for (const key of ['facilities', 'stays', 'services', 'assessments', 'categories', 'assignments']) expect(counts[key]).toBeGreaterThan(0);
});

test('the demo month of payments pays registry records, and a second start generates nothing', async () => {
  const paid = (await a.pool.query(`select payee_type, count(*)::int n,
      count(*) filter (where payee_type = 'PERSON' and exists (select 1 from registry.elder e where 'E' || lpad(e.id::text, 8, '0') = t.payee_id))::int persons,
      count(*) filter (where payee_type = 'FACILITY' and exists (select 1 from registry.facility f where 'F' || lpad(f.id::text, 8, '0') = t.payee_id))::int facilities
    from ledger.transaction t where kind = 'DISBURSEMENT' group by payee_type order by payee_type`)).rows;
  expect(paid).toEqual([
    { payee_type: 'FACILITY', n: expect.any(Number), persons: 0, facilities: paid[0].n },
    { payee_type: 'PERSON', n: expect.any(Number), persons: paid[1].n, facilities: 0 },
  ]);
  expect(paid[1].n).toBeGreaterThan(100);
  expect(await ensureDemoRegistry(a.pool, silent)).toBe(false);
});
