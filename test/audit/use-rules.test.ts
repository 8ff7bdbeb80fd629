/** AR-09 (care benefit without a valid assessment), AR-14 (diversion) and AR-17 (a facility idle after its grant) on their boundaries, against real PostgreSQL. */
import { inTransaction } from '../../platform/sql.js';
import { RULES } from '../../audit/catalogue.js';
import { scheduledMonths } from '../../audit/scheduler.js';
import { facilityNo } from '../../registry/validate.js';
import { key } from '../ledger/support.js';
import { FULL_ITEMS } from '../registry/support.js';
import { audit, createAuditFixture, elder, findings, FENG, fund, pay, type AuditFixture } from './support.js';

let fx: AuditFixture;
beforeAll(async () => {
  fx = await createAuditFixture();
  for (const line of ['SENIOR_ALLOWANCE', 'HARDSHIP_SUPPORT', 'PROJECT_GRANT', 'OPERATIONS']) await fund(fx, FENG, line);
});
afterAll(async () => {
  await fx.db.drop();
});

const facility = async (name: string, type = 'ELDERLY_CARE_INSTITUTION') => {
  const record = await fx.registry.registerFacility({ name, type, operatingModel: 'PUBLIC_BUILT_PRIVATE_RUN', villageCode: fx.villages[1]! }, 'test');
  return { id: record.id, no: facilityNo(record.id) };
};
const override = (ruleId: string, name: string, value: unknown) =>
  inTransaction(fx.db.pool, (c) => c.query(`insert into audit.rule_parameter (rule_id, region_code, key, value, valid_from, recorded_by) values ($1, $2, $3, $4, '2026-01-01', 'test')`, [ruleId, FENG, name, JSON.stringify(value)]));

test('AR-09: the latest assessment on or before the month\'s last day must exist, be valid that day and reach the benefit\'s level', async () => {
  // GB/T 42195 totals: self-care lost → 58 (level 2); self-care and mobility lost → 43 (level 3).
  const zero = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, 0]));
  const selfCare = ['eating', 'grooming', 'bathing', 'upperDressing', 'lowerDressing', 'urinaryControl', 'bowelControl', 'toileting'];
  const level = { 2: { ...FULL_ITEMS, ...zero(selfCare) }, 3: { ...FULL_ITEMS, ...zero(selfCare), ...zero(['bedMobility', 'bedChairTransfer', 'walking', 'stairs']) } };
  const assess = async (e: { id: string }, assessedOn: string, lv: 2 | 3, validUntil?: string) => {
    const record = await fx.registry.recordAssessment({ elderId: e.id, assessedOn, reason: 'FIRST', items: level[lv], validUntil: validUntil ?? null }, 'test');
    expect(record.finalLevel).toBe(lv);
    return record.id;
  };
  const care = (e: { no: string }, month: string, benefitCode = 'SEVERE_DISABILITY_CARE') => pay(fx, e.no, month, 30000n, { fundLine: 'OPERATIONS', benefitCode });
  const yearOld = await elder(fx, '1937-01-01');
  const moderate = await elder(fx, '1937-02-02');
  const lateAssessed = await elder(fx, '1937-03-03');
  const shortValid = await elder(fx, '1937-04-04');
  const unassessed = await elder(fx, '1937-05-05');
  await assess(yearOld, '2025-04-30', 3);
  await care(yearOld, '2026-04'); // twelve months to the day: valid
  const stale = await care(yearOld, '2026-05');
  const moderateId = await assess(moderate, '2026-01-15', 2);
  const tooLow = await care(moderate, '2026-04');
  await care(moderate, '2026-04', 'CIVIL_CARE_SUBSIDY'); // level 2 is enough for this one
  await assess(lateAssessed, '2026-05-01', 3);
  await care(lateAssessed, '2026-04'); // assessed the day after the month ended
  await care(lateAssessed, '2026-05');
  await assess(shortValid, '2026-01-10', 3, '2026-03-31');
  await care(shortValid, '2026-03');
  await care(shortValid, '2026-04');
  await pay(fx, unassessed.no, '2026-04', 5000n); // 尊老金 needs no assessment

  await audit(fx, ['AR-09']);
  const found = await findings(fx, 'AR-09');
  expect(found.map((f) => [f.subject_id, f.period_from, f.detail.check])).toEqual([
    [yearOld.no, '2026-05', 'EXPIRED'], [moderate.no, '2026-04', 'LEVEL_BELOW_REQUIRED'], [lateAssessed.no, '2026-04', 'NO_ASSESSMENT'], [shortValid.no, '2026-04', 'EXPIRED'],
  ]);
  expect(found[0]).toMatchObject({ severity: 'MEDIUM', amount_at_risk: '30000', region_code: fx.villages[0], detail: { assessedOn: '2025-04-30', requiredLevel: { SEVERE_DISABILITY_CARE: 3 } } });
  expect(found[0]!.evidence.map((e) => e.id)).toContain(stale);
  expect(found[1]).toMatchObject({ amount_at_risk: '30000', detail: { finalLevel: 2, assessmentId: moderateId, requiredLevel: { SEVERE_DISABILITY_CARE: 3 } } });
  expect(found[1]!.evidence).toHaveLength(2);
  expect(found[1]!.evidence).toEqual(expect.arrayContaining([{ type: 'Elder', id: moderate.id }, { type: 'LedgerTransaction', id: tooLow }]));
  expect((await audit(fx, ['AR-09'])).counts).toMatchObject({ detected: 0, refreshed: 0, cleared: 0 });
  // A county that accepts level 2 for the severe-disability subsidy.
  await override('AR-09', 'minLevelByBenefit', { SEVERE_DISABILITY_CARE: 2, FAMILY_CARE_BED: 2, CIVIL_CARE_SUBSIDY: 2 });
  expect((await audit(fx, ['AR-09'])).counts).toMatchObject({ detected: 0, cleared: 1 });
});

test('AR-09 version 2: a care benefit paid to a PERSON payee that is no registry elder has no assessment either', async () => {
  // Version 1 judged registry elders only: the same money to a made-up person id was found by no rule
  // (AR-06 judges only lines that need a category, and 重度失能护理补贴 needs none).
  const made = await pay(fx, 'P-0731', '2026-07', 30000n, { fundLine: 'OPERATIONS', benefitCode: 'SEVERE_DISABILITY_CARE' });
  await pay(fx, 'P-0732', '2026-07', 5000n, { fundLine: 'OPERATIONS', benefitCode: 'OP_MONTHLY' }); // needs no level
  await audit(fx, ['AR-09'], { from: '2026-07', to: '2026-07' });
  expect(await findings(fx, 'AR-09', 'PERSON:P-0732')).toEqual([]);
  expect(await findings(fx, 'AR-09', 'PERSON:P-0731')).toMatchObject([{
    subject_type: 'PAYEE', period_from: '2026-07', amount_at_risk: '30000', region_code: fx.villages[0],
    evidence: [{ type: 'LedgerTransaction', id: made }],
    detail: { check: 'NO_ASSESSMENT', inRegistry: false, requiredLevel: { SEVERE_DISABILITY_CARE: expect.any(Number) } }, // (the test above lowered it to 2)
  }]);
});

test('AR-14: a payee type the fund line (or the benefit\'s own list) does not allow; allowed and reversed payments are none; a county may widen its list', async () => {
  const home = await facility('甲敬老院');
  const person = await elder(fx, '1940-01-01');
  const hs = { fundLine: 'HARDSHIP_SUPPORT', benefitCode: 'HS_CENTRALISED' };
  const toHome = await pay(fx, home.no, '2026-04', 5000n, { payeeType: 'FACILITY', villageCode: fx.villages[1]! }); // 尊老金 to an organisation
  await pay(fx, person.no, '2026-04', 5000n); // 尊老金 to the elder: allowed
  const contractor = [await pay(fx, 'CONTRACTOR-FX-9', '2026-04', 60000n, { ...hs, payeeType: 'CONTRACTOR' }), await pay(fx, 'CONTRACTOR-FX-9', '2026-04', 30000n, { ...hs, payeeType: 'CONTRACTOR' })];
  await pay(fx, home.no, '2026-05', 90000n, { ...hs, payeeType: 'FACILITY', villageCode: fx.villages[1]! }); // 集中供养 to the institution: allowed
  await pay(fx, 'OPERATOR-FX-1', '2026-05', 90000n, { ...hs, payeeType: 'OPERATOR' }); // … or to the operator of a publicly built home (公建民营): allowed
  await pay(fx, home.no, '2026-06', 60000n, { ...hs, benefitCode: 'HS_DISPERSED', payeeType: 'FACILITY', villageCode: fx.villages[1]! }); // 分散供养 is the person's
  const reversed = await pay(fx, 'CONTRACTOR-FX-8', '2026-04', 60000n, { ...hs, payeeType: 'CONTRACTOR' });
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-04-20', transactionId: reversed, reason: '错付' }, 'test');

  const run = await audit(fx, ['AR-14']);
  expect(run.counts.detected).toBe(3);
  const found = await findings(fx, 'AR-14');
  expect(found.map((f) => [f.subject_type, f.subject_id, f.period_from])).toEqual([
    ['PAYEE', 'CONTRACTOR:CONTRACTOR-FX-9', '2026-04'], ['FACILITY', home.no, '2026-04'], ['FACILITY', home.no, '2026-06'],
  ]);
  expect(found[0]).toMatchObject({ amount_at_risk: '90000', region_code: fx.villages[0], detail: { payeeType: 'CONTRACTOR', lines: 2 } });
  expect(found[0]!.evidence.map((e) => e.id).sort()).toEqual([...contractor].sort());
  expect(found[1]).toMatchObject({ severity: 'HIGH', amount_at_risk: '5000', region_code: fx.villages[1], detail: { payeeType: 'FACILITY', allowedPayeeTypes: { SA_MONTHLY: ['PERSON'] } } });
  expect(found[1]!.evidence).toHaveLength(2);
  expect(found[1]!.evidence).toEqual(expect.arrayContaining([{ type: 'Facility', id: home.id }, { type: 'LedgerTransaction', id: toHome }]));
  expect(found[2]).toMatchObject({ amount_at_risk: '60000', detail: { allowedPayeeTypes: { HS_DISPERSED: ['PERSON'] } } });
  expect((await audit(fx, ['AR-14'])).counts).toMatchObject({ detected: 0, refreshed: 0, cleared: 0 });

  // 丰县 lets its hardship line pay contractors (e.g. 特困供养机构 repairs): that finding clears, the others stand.
  const lists = RULES.find((r) => r.id === 'AR-14')!.parameters.fundLineAllowedUse as Record<string, string[]>;
  await override('AR-14', 'fundLineAllowedUse', { ...lists, HARDSHIP_SUPPORT: [...lists.HARDSHIP_SUPPORT!, 'CONTRACTOR'] });
  const widened = await audit(fx, ['AR-14']);
  expect(widened.counts.cleared).toBe(1);
  expect((await findings(fx, 'AR-14')).map((f) => [f.subject_id, f.condition_holds])).toEqual([['CONTRACTOR:CONTRACTOR-FX-9', false], [home.no, true], [home.no, true]]);
});

describe('AR-17', () => {
  const grant = (f: { no: string }, paidOn: string, amount = 2_000_000n) =>
    pay(fx, f.no, paidOn.slice(0, 7), amount, { fundLine: 'PROJECT_GRANT', benefitCode: 'PG_CONSTRUCTION', payeeType: 'FACILITY', villageCode: fx.villages[1]!, effectiveDate: paidOn });
  const residents = async (f: { id: string }, n: number) => {
    for (let i = 0; i < n; i++) await fx.registry.admit({ elderId: (await elder(fx, '1936-06-06')).id, facilityId: f.id, admittedOn: '2026-02-01' }, 'test');
  };
  const beds = (f: { id: string }, actual: number) =>
    fx.registry.recordBedInventory({ facilityId: f.id, asOf: '2026-01-01', approved: actual, actual, nursing: 0, inclusive: 0, occupied: actual }, 'test');

  test('idle more than `months` after the last grant payment (not on the day itself); served on the deadline day is in use', async () => {
    const late = await facility('乙中心');
    const onTheDay = await facility('丙中心');
    const servedOnDeadline = await facility('丁站', 'DAY_CARE_CENTRE');
    const servedBefore = await facility('戊站', 'DAY_CARE_CENTRE');
    const lateTx = await grant(late, '2026-05-29'); // deadline 11-29, evaluated 11-30: idle
    await grant(onTheDay, '2026-05-30'); // deadline 11-30: not yet
    const visitor = await elder(fx, '1938-03-03');
    await grant(servedOnDeadline, '2026-03-16');
    await fx.registry.recordService({ elderId: visitor.id, facilityId: servedOnDeadline.id, serviceType: 'MEAL', startedAt: '2026-09-16T07:30:00+08:00', subsidised: true }, 'test');
    await grant(servedBefore, '2026-03-16');
    await fx.registry.recordService({ elderId: visitor.id, facilityId: servedBefore.id, serviceType: 'MEAL', startedAt: '2026-09-15T23:30:00+08:00', subsidised: true }, 'test');

    await audit(fx, ['AR-17']);
    const found = await findings(fx, 'AR-17');
    expect(found.map((f) => [f.subject_id, f.period_from, f.detail.check])).toEqual([[late.no, '2026-05', 'IDLE'], [servedBefore.no, '2026-03', 'IDLE']]);
    expect(found[0]).toMatchObject({ severity: 'MEDIUM', amount_at_risk: '2000000', region_code: fx.villages[1], detail: { lastGrantPaidOn: '2026-05-29', deadline: '2026-11-29', residents: 0 } });
    expect(found[0]!.evidence).toHaveLength(2);
    expect(found[0]!.evidence).toEqual(expect.arrayContaining([{ type: 'Facility', id: late.id }, { type: 'LedgerTransaction', id: lateTx }]));
    expect((await audit(fx, ['AR-17'])).counts).toMatchObject({ detected: 0, refreshed: 0, cleared: 0 });

    // A final instalment in July restarts the clock: the May grant is no longer six months behind.
    await grant(late, '2026-07-01', 500_000n);
    const again = await audit(fx, ['AR-17']);
    expect(again.counts).toMatchObject({ detected: 0, cleared: 1 });
    expect((await findings(fx, 'AR-17', late.no)).map((f) => [f.period_from, f.condition_holds])).toEqual([['2026-05', false]]);
  });

  test('a grant paid in the second half of a year is judged after New Year by the nightly window (a rolling year)', async () => {
    const august = await facility('辛中心');
    await grant(august, '2026-08-10'); // deadline 2027-02-10
    // The calendar year so far, as the scheduler ran until 2026-12-04, never judged it in 2027.
    await audit(fx, ['AR-17'], { from: '2027-01', to: '2027-03', asOf: '2027-03-01' });
    expect(await findings(fx, 'AR-17', august.no)).toEqual([]);
    await audit(fx, ['AR-17'], { ...scheduledMonths('2027-03-01'), asOf: '2027-03-01' });
    expect((await findings(fx, 'AR-17', august.no)).map((f) => [f.period_from, f.detail.check, f.detail.deadline])).toEqual([['2026-08', 'IDLE', '2027-02-10']]);
  });

  test('a residential facility below minOccupancyPercent of its beds on the evaluation date; at the percentage it is not', async () => {
    const low = await facility('己院');
    const atMinimum = await facility('庚院');
    for (const [f, n] of [[low, 5], [atMinimum, 6]] as const) {
      await beds(f, 10);
      await residents(f, n);
      await grant(f, '2026-02-10');
    }
    await audit(fx, ['AR-17'], { from: '2026-02', to: '2026-02' });
    expect(await findings(fx, 'AR-17', atMinimum.no)).toEqual([]);
    expect(await findings(fx, 'AR-17', low.no)).toMatchObject([{ period_from: '2026-02', detail: { check: 'LOW_OCCUPANCY', residents: 5, beds: 10, minOccupancyPercent: 60 } }]);
    // A county content with half its beds filled.
    await override('AR-17', 'minOccupancyPercent', 50);
    expect((await audit(fx, ['AR-17'], { from: '2026-02', to: '2026-02' })).counts).toMatchObject({ detected: 0, cleared: 1 });
  });
});
