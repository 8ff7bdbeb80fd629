/** The payment rules on their boundaries, each with a negative case, against real PostgreSQL. */
import { inTransaction } from '../../platform/sql.js';
import { key } from '../ledger/support.js';
import { audit, createAuditFixture, elder, findings, FENG, fund, pay, PEI, type AuditFixture } from './support.js';

let fx: AuditFixture;
beforeAll(async () => {
  fx = await createAuditFixture();
  for (const line of ['SENIOR_ALLOWANCE', 'HARDSHIP_SUPPORT', 'OPERATIONS']) await fund(fx, FENG, line);
  await fund(fx, PEI, 'SENIOR_ALLOWANCE');
});
afterAll(async () => {
  await fx.db.drop();
});

test('AR-01: the death month itself is payable, the month after is not; a grace month moves the boundary and the finding clears', async () => {
  const dead = await elder(fx, '1940-02-02');
  const alive = await elder(fx, '1940-03-03');
  await fx.registry.recordVitalStatus({ elderId: dead.id, status: 'DECEASED', deathDate: '2026-03-15', source: 'CREMATION' }, 'test');
  await pay(fx, dead.no, '2026-03', 5000n);
  const after = await pay(fx, dead.no, '2026-04', 5000n);
  await pay(fx, alive.no, '2026-04', 5000n);
  const run = await audit(fx, ['AR-01']);
  expect(run.counts.detected).toBe(1);
  const [finding, ...rest] = await findings(fx, 'AR-01');
  expect(rest).toEqual([]);
  expect(finding).toMatchObject({ subject_type: 'ELDER', subject_id: dead.no, period_from: '2026-04', severity: 'HIGH', status: 'OPEN', amount_at_risk: '5000' });
  expect(finding!.evidence).toContainEqual({ type: 'LedgerTransaction', id: after });
  // Re-run: nothing new.
  const again = await audit(fx, ['AR-01']);
  expect(again.counts).toMatchObject({ detected: 0, refreshed: 0, cleared: 0 });
  expect(await findings(fx, 'AR-01')).toHaveLength(1);
  // A county whose policy allows one month after death: the April payment is no longer a finding.
  await inTransaction(fx.db.pool, (c) => c.query(`insert into audit.rule_parameter (rule_id, region_code, key, value, valid_from, recorded_by) values ('AR-01', $1, 'deathGraceMonths', '1', '2026-01-01', 'test')`, [FENG]));
  const graced = await audit(fx, ['AR-01']);
  expect(graced.rules[0]!.parameters).toMatchObject({ deathGraceMonths: 1 });
  expect(graced.counts.cleared).toBe(1);
  expect(await findings(fx, 'AR-01')).toMatchObject([{ status: 'OPEN', condition_holds: false }]);
});

test('AR-03: a duplicate within a county and across counties; a reversed duplicate is no duplicate', async () => {
  const twice = await elder(fx, '1941-01-01');
  const reversed = await elder(fx, '1941-02-02');
  const twoCounties = await elder(fx, '1941-03-03');
  await pay(fx, twice.no, '2026-03', 5000n);
  await pay(fx, twice.no, '2026-03', 5000n);
  await pay(fx, reversed.no, '2026-03', 5000n);
  const wrong = await pay(fx, reversed.no, '2026-03', 5000n);
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-20', transactionId: wrong, reason: '重复发放' }, 'test');
  await pay(fx, twoCounties.no, '2026-03', 5000n);
  await pay(fx, twoCounties.no, '2026-03', 5000n, { regionCode: PEI, villageCode: fx.peiVillages[0]! });
  await audit(fx, ['AR-03'], { region: '320300000000' });
  const found = await findings(fx, 'AR-03');
  expect(found.map((f) => f.subject_id).sort()).toEqual([twice.no, twoCounties.no].sort());
  expect(found.find((f) => f.subject_id === twice.no)).toMatchObject({ amount_at_risk: '5000', detail: { crossRegion: false, lines: 2 } });
  expect(found.find((f) => f.subject_id === twoCounties.no)).toMatchObject({ region_code: FENG.slice(0, 6) + fx.villages[0]!.slice(6), detail: { crossRegion: true } });
});

test('AR-03: a duplicate another county paid to an elder whose household is here is seen by this county\'s run too (recorded here, never cleared by it)', async () => {
  const moved = await elder(fx, '1941-04-04'); // household in 丰县
  const inPei = { regionCode: PEI, villageCode: fx.peiVillages[0]! };
  await pay(fx, moved.no, '2026-07', 5000n, inPei);
  await pay(fx, moved.no, '2026-07', 5000n, inPei);
  await audit(fx, ['AR-03'], { region: '320300000000', from: '2026-07', to: '2026-07' });
  expect((await findings(fx, 'AR-03')).filter((f) => f.subject_id === moved.no)).toMatchObject([{ region_code: moved.village, status: 'OPEN', condition_holds: true }]);
  // 丰县's run covers the finding (its region is 丰县's): it must find it, not clear it.
  const county = await audit(fx, ['AR-03'], { region: FENG, from: '2026-07', to: '2026-07' });
  expect(county.counts).toMatchObject({ detected: 0, cleared: 0 });
  expect((await findings(fx, 'AR-03')).filter((f) => f.subject_id === moved.no)).toMatchObject([{ condition_holds: true }]);
  // and 沛县's, which paid it, finds it as well
  expect((await audit(fx, ['AR-03'], { region: PEI, from: '2026-07', to: '2026-07' })).counts).toMatchObject({ detected: 0, cleared: 0 });
});

test('AR-04: exclusive benefits in the same month, not in different months', async () => {
  const both = await elder(fx, '1942-01-01');
  const apart = await elder(fx, '1942-02-02');
  const hs = { fundLine: 'HARDSHIP_SUPPORT' };
  await pay(fx, both.no, '2026-05', 60000n, { ...hs, benefitCode: 'HS_CENTRALISED' });
  await pay(fx, both.no, '2026-05', 40000n, { ...hs, benefitCode: 'HS_DISPERSED' });
  await pay(fx, apart.no, '2026-05', 60000n, { ...hs, benefitCode: 'HS_CENTRALISED' });
  await pay(fx, apart.no, '2026-06', 40000n, { ...hs, benefitCode: 'HS_DISPERSED' });
  await audit(fx, ['AR-04']);
  expect(await findings(fx, 'AR-04')).toMatchObject([{ subject_id: both.no, period_from: '2026-05', amount_at_risk: '40000', severity: 'HIGH' }]);
});

test('AR-05: the month of the 80th birthday is not payable, the month after is; a wrong band is MEDIUM with the difference', async () => {
  const turning = await elder(fx, '1946-05-10');
  const ninety = await elder(fx, '1936-02-01');
  await pay(fx, turning.no, '2026-05', 5000n);
  await pay(fx, turning.no, '2026-06', 5000n);
  await pay(fx, ninety.no, '2026-02', 5000n); // still 89 at the end of January: B80_89
  await pay(fx, ninety.no, '2026-03', 5000n); // 90: B90_99 pays 10000
  await audit(fx, ['AR-05']);
  expect(await findings(fx, 'AR-05', turning.no)).toMatchObject([{ period_from: '2026-05', severity: 'HIGH', amount_at_risk: '5000' }]);
  expect(await findings(fx, 'AR-05', ninety.no)).toMatchObject([{ period_from: '2026-03', severity: 'MEDIUM', amount_at_risk: '5000', detail: { band: 'B90_99', expectedFen: '10000' } }]);
});

test('AR-06: hardship support for a month before the category was held', async () => {
  const member = await elder(fx, '1943-01-01');
  await fx.registry.addCategory({ elderId: member.id, category: 'EXTREME_HARDSHIP', validFrom: '2026-04-01' }, 'test');
  await pay(fx, member.no, '2026-03', 60000n, { fundLine: 'HARDSHIP_SUPPORT', benefitCode: 'HS_BASIC_LIVING' });
  await pay(fx, member.no, '2026-04', 60000n, { fundLine: 'HARDSHIP_SUPPORT', benefitCode: 'HS_BASIC_LIVING' });
  // Version 2: a PERSON payee that is no registry elder holds no category either; an allowance that
  // needs none (尊老金 SA_MONTHLY) to such a payee is not this rule's.
  await pay(fx, 'P-NOT-REGISTERED', '2026-03', 60000n, { fundLine: 'HARDSHIP_SUPPORT', benefitCode: 'HS_BASIC_LIVING' });
  await pay(fx, 'P-NOT-REGISTERED', '2026-04', 5000n);
  await audit(fx, ['AR-06']);
  expect(await findings(fx, 'AR-06', member.no)).toMatchObject([{ period_from: '2026-03', amount_at_risk: '60000', subject_type: 'ELDER', detail: { inRegistry: true } }]);
  expect(await findings(fx, 'AR-06', 'PERSON:P-NOT-REGISTERED')).toMatchObject([
    { period_from: '2026-03', amount_at_risk: '60000', subject_type: 'PAYEE', detail: { inRegistry: false, requiredCategories: [['EXTREME_HARDSHIP']] } },
  ]);
});

test('AR-18: operations money for a month below 1:10, not for a facility at 1:10', async () => {
  const facilityOf = async (name: string, residents: number) => {
    const facility = await fx.registry.registerFacility({ name, type: 'REGIONAL_CARE_CENTRE', operatingModel: 'PUBLIC_BUILT_PRIVATE_RUN', villageCode: fx.villages[1]! }, 'test');
    for (let i = 0; i < residents; i++) {
      const e = await elder(fx, '1935-06-06');
      await fx.registry.admit({ elderId: e.id, facilityId: facility.id, admittedOn: '2026-01-10' }, 'test');
    }
    const caregiver = await fx.registry.registerCaregiver({ name: '王护理', regionCode: FENG, certificateNo: key('HL'), certificateLevel: 'JUNIOR' }, 'test');
    await fx.registry.assignCaregiver({ caregiverId: caregiver.id, facilityId: facility.id, month: '2026-03' }, 'test');
    await pay(fx, `F${facility.id.padStart(8, '0')}`, '2026-03', 300000n, { fundLine: 'OPERATIONS', payeeType: 'FACILITY', benefitCode: 'OP_MONTHLY', villageCode: fx.villages[1]! });
    return `F${facility.id.padStart(8, '0')}`;
  };
  const short = await facilityOf('甲中心', 11);
  await facilityOf('乙中心', 10);
  await audit(fx, ['AR-18']);
  expect(await findings(fx, 'AR-18')).toMatchObject([{ subject_id: short, period_from: '2026-03', amount_at_risk: '300000', detail: { residents: 11, certifiedCaregivers: 1, required: 2 } }]);
});

test('AR-22: a third reversal for one payee in a year, and a reversed payment re-issued to someone else', async () => {
  const payee = await elder(fx, '1944-01-01');
  const other = await elder(fx, '1944-02-02');
  const reverse = (id: string, date: string) => fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: date, transactionId: id, reason: '信息更正' }, 'test');
  for (const m of ['2026-01', '2026-02']) await reverse(await pay(fx, payee.no, m, 5000n), `${m}-20`);
  await audit(fx, ['AR-22']);
  expect((await findings(fx, 'AR-22')).filter((f) => f.subject_type === 'ELDER')).toEqual([]);
  await reverse(await pay(fx, payee.no, '2026-03', 5000n), '2026-03-20');
  const original = await pay(fx, other.no, '2026-07', 5100n);
  await reverse(original, '2026-07-16');
  await pay(fx, payee.no, '2026-07', 5100n, { effectiveDate: '2026-07-20' });
  await audit(fx, ['AR-22']);
  const found = await findings(fx, 'AR-22');
  expect(found.find((f) => f.subject_type === 'ELDER')).toMatchObject({ subject_id: payee.no, period_from: '2026-01', detail: { pattern: 'MANY_REVERSALS', reversals: 3 } });
  expect(found.find((f) => f.subject_type === 'TRANSACTION')).toMatchObject({ subject_id: original, detail: { pattern: 'REISSUED_TO_OTHER_PAYEE' } });
});

test('AR-24: paid by the old county after the household moved; the month of the move is still payable', async () => {
  const mover = await elder(fx, '1939-09-09');
  await fx.registry.updateElder(mover.id, { hukouVillageCode: fx.peiVillages[1]! }, 'test');
  const { rows: [{ month }] } = await fx.db.pool.query(`select to_char(recorded_at at time zone 'Asia/Shanghai', 'YYYY-MM') as month from registry.change_log where entity_id = $1 and 'hukouVillage' = any(fields)`, [mover.id]);
  const next = month.slice(5) === '12' ? `${Number(month.slice(0, 4)) + 1}-01` : `${month.slice(0, 5)}${String(Number(month.slice(5)) + 1).padStart(2, '0')}`;
  await pay(fx, mover.no, month, 5000n);
  await pay(fx, mover.no, next, 5000n);
  await pay(fx, mover.no, next, 5000n, { regionCode: PEI, villageCode: fx.peiVillages[1]! }); // the new county pays: fine
  await audit(fx, ['AR-24'], { from: month, to: next });
  expect(await findings(fx, 'AR-24')).toMatchObject([{ subject_id: mover.no, period_from: next, region_code: fx.villages[0]!, detail: { householdCounty: PEI } }]);
});
