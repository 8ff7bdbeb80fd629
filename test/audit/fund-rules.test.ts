/** The rules over lots, allocations, the journal and the registry, on their boundaries. */
import type pg from 'pg';
import { inTransaction } from '../../platform/sql.js';
import { key } from '../ledger/support.js';
import { makeIdNumber } from '../../platform/id-number.js';
import { audit, CITY, createAuditFixture, elder, findings, FENG, fund, pay, type AuditFixture } from './support.js';

let fx: AuditFixture;
beforeAll(async () => {
  fx = await createAuditFixture();
});
afterAll(async () => {
  await fx.db.drop();
});

const spend = (lot: string, amount: bigint, date: string, fundLine = 'PROJECT_GRANT') =>
  pay(fx, 'CONTRACTOR-1', date.slice(0, 7), amount, { fundLine, payeeType: 'CONTRACTOR', benefitCode: 'PG_MILESTONE', lotId: lot, effectiveDate: date });

test('AR-11: spending the rest on the last allowed day is in time, the day after is retention', async () => {
  // Received 2026-03-05: spendWithinDays 30 → the last allowed day is 2026-04-04.
  const inTime = await fund(fx, FENG, 'PROJECT_GRANT', 100_000n, { issued: '2026-03-01', received: '2026-03-05' });
  const late = await fund(fx, FENG, 'PROJECT_GRANT', 100_000n, { issued: '2026-03-01', received: '2026-03-05' });
  await spend(inTime.lot, 100_000n, '2026-04-04');
  await spend(late.lot, 60_000n, '2026-04-04');
  await spend(late.lot, 40_000n, '2026-04-05');
  await expect(audit(fx, ['AR-11'], { asOf: '2026-06-31' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'asOf' }); // not a calendar date
  await audit(fx, ['AR-11'], { asOf: '2026-06-30' });
  expect(await findings(fx, 'AR-11')).toMatchObject([{ subject_type: 'LOT', subject_id: late.lot, period_from: '2026-03', amount_at_risk: '40000', severity: 'MEDIUM' }]);
});

test('AR-12: a two-year carry-over is HIGH; a balance unmoved for twelve months is MEDIUM, eleven months is not', async () => {
  const old = await fx.ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2024-03-01', regionCode: FENG, fundLine: 'OPERATIONS', amount: 7_000n, fiscalYear: 2024, fundingSource: 'OWN_BUDGET', documentNo: '丰财〔2024〕9号' }, 'test');
  const quiet = await fx.ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2025-06-10', regionCode: FENG, fundLine: 'OPERATIONS', amount: 9_000n, fiscalYear: 2025, fundingSource: 'OWN_BUDGET', documentNo: '丰财〔2025〕3号' }, 'test');
  const [oldLot, quietLot] = [old.transaction.postings[0]!.lotId, quiet.transaction.postings[0]!.lotId];
  await audit(fx, ['AR-12'], { asOf: '2026-06-09' });
  expect((await findings(fx, 'AR-12')).map((f) => [f.subject_id, f.severity])).toEqual([[oldLot, 'HIGH']]);
  await audit(fx, ['AR-12'], { asOf: '2026-06-11' });
  expect((await findings(fx, 'AR-12')).map((f) => [f.subject_id, f.severity, f.amount_at_risk]).sort()).toEqual([[oldLot, 'HIGH', '7000'], [quietLot, 'MEDIUM', '9000']].sort());
});

test('AR-13: received on day 10 is in time, day 11 is not; unreceived counts from the evaluation date', async () => {
  const issue = async (received: string | null) => {
    const app = await fx.ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-05-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000n, fiscalYear: 2026, fundingSource: 'CITY_TRANSFER', documentNo: '徐财〔2026〕5号' }, 'test');
    const alloc = await fx.ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-05-01', fromRegionCode: CITY, toRegionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000n, documentNo: '徐财〔2026〕6号', lotId: app.transaction.postings[0]!.lotId }, 'test');
    if (received) await fx.ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: received, allocationId: alloc.transaction.id }, 'test');
    return alloc.transaction.id;
  };
  await issue('2026-05-11');
  const day11 = await issue('2026-05-12');
  const pending = await issue(null);
  // As of 05-11 nothing is late: ten days in transit is in time, and the receipt of 05-12 had not
  // happened yet (until version 2 it counted, and the run as of 05-11 saw the future).
  await audit(fx, ['AR-13'], { from: '2026-05', to: '2026-05', asOf: '2026-05-11' });
  expect(await findings(fx, 'AR-13')).toEqual([]);
  await audit(fx, ['AR-13'], { from: '2026-05', to: '2026-05', asOf: '2026-05-12' });
  const found = await findings(fx, 'AR-13');
  expect(found.map((f) => f.subject_id).sort()).toEqual([day11, pending].sort());
  expect(found.find((f) => f.subject_id === pending)).toMatchObject({ region_code: FENG, amount_at_risk: '1000', detail: { received: false, days: 11 } });
  expect(found.find((f) => f.subject_id === day11)).toMatchObject({ amount_at_risk: '0', detail: { received: true, days: 11 } });
});

test('AR-20: a sex digit that disagrees with the record, and a probable duplicate person; a namesake born on another day is neither', async () => {
  const insertElder = async (client: pg.PoolClient, id: string, sex: 'MALE' | 'FEMALE', birth: string, name: string) => {
    const row = fx.registry.elderRow({ id: { value: id, converted: false, birthDate: birth, sex, addressCode: '320321' }, name, hukou: fx.villages[2]!, residence: fx.villages[2]!, phone: null, sex, birthDate: birth });
    await client.query(
      `insert into registry.elder (id_hash, id_enc, id_masked, name_enc, name_masked, key_id, sex, birth_date, hukou_village_code, residence_village_code, created_by, updated_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 'test', 'test') returning id::text`,
      [row.idHash, row.idEnc, row.idMasked, row.nameEnc, row.nameMasked, row.keyId, sex, birth, fx.villages[2]!],
    );
  };
  await inTransaction(fx.db.pool, async (client) => {
    await insertElder(client, makeIdNumber('320321', '1945-07-07', 11, 'MALE'), 'FEMALE', '1945-07-07', '李梅'); // digit says male
    await insertElder(client, makeIdNumber('320321', '1946-08-08', 21, 'FEMALE'), 'FEMALE', '1946-08-08', '赵兰');
    await insertElder(client, makeIdNumber('320321', '1946-08-08', 23, 'FEMALE'), 'FEMALE', '1946-08-08', '赵芳');
    await insertElder(client, makeIdNumber('320321', '1946-08-09', 25, 'FEMALE'), 'FEMALE', '1946-08-09', '赵芬');
  });
  await audit(fx, ['AR-20']);
  const found = await findings(fx, 'AR-20');
  expect(found.map((f) => [f.severity, f.detail.check])).toEqual(expect.arrayContaining([['MEDIUM', 'SEX_DIGIT'], ['LOW', 'PROBABLE_DUPLICATE_PERSON']]));
  expect(found).toHaveLength(2);
  expect(found.find((f) => f.severity === 'LOW')!.evidence).toHaveLength(2);
});

test('AR-20 version 2: events dated before the birth, stored before PostgreSQL refused them, are a finding (kinds and counts, no dates)', async () => {
  const early = await elder(fx, '1950-06-15');
  const fine = await elder(fx, '1951-03-03'); // (not early's namesake: a probable duplicate would be the same finding)
  const home = await fx.registry.registerFacility({ name: '癸院', type: 'ELDERLY_CARE_INSTITUTION', operatingModel: 'PUBLIC_BUILT_PRIVATE_RUN', villageCode: fx.villages[1]! }, 'test');
  // As they were written before the triggers (SR001): past them, as the owner in replica mode.
  const past = (sql: string, values: unknown[]) => inTransaction(fx.db.pool, (c) => c.query(sql, values), 'set local session_replication_role = replica');
  await past(`insert into registry.stay (elder_id, facility_id, admitted_on, recorded_by) values ($1, $2, '1950-06-14', 'legacy')`, [early.id, home.id]);
  await past(`insert into registry.category_membership (elder_id, category, valid_from, recorded_by) values ($1, 'DIBAO', '1949-01-01', 'legacy')`, [early.id]);
  await past(`insert into registry.category_membership (elder_id, category, valid_from, recorded_by) values ($1, 'DIBAO', '1951-03-03', 'legacy')`, [fine.id]); // on the birthday: fine
  await audit(fx, ['AR-20']);
  const found = (await findings(fx, 'AR-20')).filter((f) => f.detail.check === 'EVENT_BEFORE_BIRTH');
  expect(found.map((f) => [f.subject_id, f.severity, f.detail.events])).toEqual([[early.no, 'MEDIUM', { CATEGORY_MEMBERSHIP: 1, STAY: 1 }]]);
  expect(JSON.stringify(found[0])).not.toMatch(/1950|1949/);
  expect((await findings(fx, 'AR-20', fine.no))).toEqual([]);
});

test('AR-21 and AR-25: a posting slipped in past the triggers breaks the chain, the balance and the lot; removing it clears them', async () => {
  const { lot } = await fund(fx, FENG, 'HARDSHIP_SUPPORT', 50_000n);
  const payee = await elder(fx, '1941-01-01');
  const paid = await pay(fx, payee.no, '2026-02', 50_000n, { fundLine: 'HARDSHIP_SUPPORT', benefitCode: 'HS_BASIC_LIVING', lotId: lot });
  const run = () => audit(fx, ['AR-21', 'AR-25'], { region: CITY, from: '2026-01', to: '2026-12' });
  await run();
  expect([...(await findings(fx, 'AR-21')), ...(await findings(fx, 'AR-25'))]).toEqual([]);
  const tamper = (fn: (c: pg.PoolClient) => Promise<unknown>) => inTransaction(fx.db.pool, async (c) => void (await fn(c)), 'set local session_replication_role = replica');
  await tamper((c) => c.query(
    `insert into ledger.posting (transaction_id, account_id, lot_id, amount, effective_date, fund_line, account_kind, region_code, lot_seq, balance_after)
     select transaction_id, account_id, lot_id, 10_000, effective_date, fund_line, account_kind, region_code, lot_seq + 100, balance_after + 10_000
     from ledger.posting where transaction_id = $1 and account_kind = 'EXPENDITURE'`, [paid]));
  await run();
  const integrity = await findings(fx, 'AR-21');
  expect(integrity.map((f) => f.detail.check).sort()).toEqual(['HASH_CHAIN', 'UNBALANCED']);
  expect(integrity.every((f) => f.severity === 'CRITICAL')).toBe(true);
  const conservation = await findings(fx, 'AR-25');
  expect(conservation.map((f) => [f.subject_type, f.subject_id, f.amount_at_risk]).sort()).toEqual([['LEDGER', 'conservation', '10000'], ['LOT', lot, '10000']].sort());
  // The period-close hook lists them as blockers of February for the county.
  const blockers = (await fx.db.pool.query(`select rule_id from audit.open_critical_findings($1, 'HARDSHIP_SUPPORT', '2026-02') order by 1`, [FENG])).rows.map((r) => r.rule_id);
  expect(blockers).toEqual(['AR-21', 'AR-21', 'AR-25', 'AR-25']);
  await tamper((c) => c.query(`delete from ledger.posting where transaction_id = $1 and amount = 10000 and account_kind = 'EXPENDITURE'`, [paid]));
  const healed = await run();
  expect(healed.counts.cleared).toBe(4);
  expect((await fx.db.pool.query(`select count(*)::int as n from audit.open_critical_findings($1, null, '2026-02')`, [FENG])).rows[0].n).toBe(0);
});
