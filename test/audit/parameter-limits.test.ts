/**
 * The ranges of rule parameters (catalogue `limits`): an override the shape check allowed — any whole
 * number from 0 to 10⁹ — could make the rule's SQL fail (a division by zero, a date out of range),
 * and with it every later run of the region, the nightly one included. Refused when it is set; the
 * edges of each range run, against real PostgreSQL, over data that reaches every such expression.
 */
import { RULES } from '../../audit/catalogue.js';
import { numberOutside, shapeMismatch } from '../../audit/parameters.js';
import { setRuleParameter } from '../../audit/findings.js';
import { Viewer } from '../../auth/viewer.js';
import { DomainError } from '../../platform/errors.js';
import { facilityNo } from '../../registry/validate.js';
import { key } from '../ledger/support.js';
import { FULL_ITEMS } from '../registry/support.js';
import { audit, createAuditFixture, elder, FENG, fund, pay, type AuditFixture } from './support.js';

let fx: AuditFixture;
const admin = new Viewer({ subject: 'city-admin', roles: ['CITY_ADMIN'], jurisdiction: '320300000000' });
beforeAll(async () => {
  fx = await createAuditFixture();
  for (const line of ['SENIOR_ALLOWANCE', 'HARDSHIP_SUPPORT', 'PROJECT_GRANT', 'OPERATIONS']) await fund(fx, FENG, line);
  // Something for every rule to evaluate: a care payment with an assessment, a payment after a death,
  // a facility with a resident paid operations money and a project grant, a reversed payment.
  const cared = await elder(fx, '1938-01-01');
  await fx.registry.recordAssessment({ elderId: cared.id, assessedOn: '2026-01-10', reason: 'FIRST', items: FULL_ITEMS, validUntil: null }, 'test');
  await pay(fx, cared.no, '2026-04', 30000n, { fundLine: 'OPERATIONS', benefitCode: 'SEVERE_DISABILITY_CARE' });
  const dead = await elder(fx, '1930-05-05');
  await fx.registry.recordVitalStatus({ elderId: dead.id, status: 'DECEASED', deathDate: '2026-02-15', source: 'CREMATION' }, 'test');
  await pay(fx, dead.no, '2026-04', 5000n);
  const home = await fx.registry.registerFacility({ name: '甲院', type: 'ELDERLY_CARE_INSTITUTION', operatingModel: 'PUBLIC_BUILT_PRIVATE_RUN', villageCode: fx.villages[1]! }, 'test');
  await fx.registry.recordBedInventory({ facilityId: home.id, asOf: '2026-01-01', approved: 10, actual: 10, nursing: 0, inclusive: 0, occupied: 1 }, 'test');
  await fx.registry.admit({ elderId: cared.id, facilityId: home.id, admittedOn: '2026-02-01' }, 'test');
  const toHome = { payeeType: 'FACILITY' as const, villageCode: fx.villages[1]! };
  await pay(fx, facilityNo(home.id), '2026-03', 100000n, { ...toHome, fundLine: 'OPERATIONS', benefitCode: 'OP_MONTHLY' });
  await pay(fx, facilityNo(home.id), '2026-02', 100000n, { ...toHome, fundLine: 'PROJECT_GRANT', benefitCode: 'PG_CONSTRUCTION', effectiveDate: '2026-02-10' });
  const wrong = await pay(fx, 'P-ONE', '2026-05', 5000n);
  await fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-05-20', transactionId: wrong, reason: '错付' }, 'test');
  await pay(fx, 'P-TWO', '2026-05', 5000n, { effectiveDate: '2026-05-21' });
});
afterAll(async () => {
  await fx.db.drop();
});

const set = (ruleId: string, name: string, value: unknown) =>
  setRuleParameter(fx.db.pool, admin, { ruleId, regionCode: FENG, key: name, value: JSON.stringify(value), validFrom: '2026-01-01' });
const overrides = async () => Number((await fx.db.pool.query(`select count(*) from audit.rule_parameter`)).rows[0].count);

test('every limit is of a numeric parameter of its rule, and every default lies within it', () => {
  for (const rule of RULES) {
    for (const [name, limit] of Object.entries(rule.limits ?? {})) {
      expect([rule.id, name, Object.hasOwn(rule.parameters, name)]).toEqual([rule.id, name, true]);
      expect([rule.id, name, numberOutside(rule.parameters[name], limit, name)]).toEqual([rule.id, name, null]);
      expect([rule.id, name, shapeMismatch(limit.max, 0, name)]).toEqual([rule.id, name, null]);
    }
  }
  expect(numberOutside({ SEVERE_DISABILITY_CARE: 5 }, { max: 4 }, 'minLevelByBenefit')).toBe('minLevelByBenefit.SEVERE_DISABILITY_CARE must be from 0 to 4');
});

test('values that made every later run fail are refused when set (BAD_USER_INPUT on value), and nothing is written', async () => {
  // Each of these was accepted, and the region's next run then failed: division by zero (AR-18),
  // timestamp or date out of range (AR-17, AR-12, AR-11).
  for (const [ruleId, name, value] of [
    ['AR-18', 'residentsPerCertifiedCaregiver', 0],
    ['AR-17', 'months', 1_000_000_000],
    ['AR-12', 'carryOverYears', 1_000_000_000],
    ['AR-11', 'spendWithinDays', 1_000_000_000],
    ['AR-17', 'minOccupancyPercent', 101],
    ['AR-09', 'minLevelByBenefit', { SEVERE_DISABILITY_CARE: 5, FAMILY_CARE_BED: 2, CIVIL_CARE_SUBSIDY: 2 }],
  ] as const) {
    const refused = await set(ruleId, name, value).then(() => null, (error: unknown) => error);
    expect([ruleId, name, refused instanceof DomainError && refused.code, (refused as DomainError | null)?.field]).toEqual([ruleId, name, 'BAD_USER_INPUT', 'value']);
  }
  expect(await overrides()).toBe(0);
  await expect(audit(fx, [])).resolves.toBeDefined();
});

test('at both ends of every range, every rule still runs', async () => {
  for (const end of ['min', 'max'] as const) {
    for (const rule of RULES) {
      for (const [name, limit] of Object.entries(rule.limits ?? {})) {
        const n = end === 'min' ? (limit.min ?? 0) : limit.max;
        const value = typeof rule.parameters[name] === 'number' ? n : Object.fromEntries(Object.keys(rule.parameters[name] as object).map((k) => [k, n]));
        await set(rule.id, name, value);
      }
    }
    const run = await audit(fx, []);
    expect(run.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
  }
});

test('an override written into the table past setAuditRuleParameter is passed over when a run reads it: the one before it counts, and the run goes through', async () => {
  const { inTransaction } = await import('../../platform/sql.js');
  // Written directly (an operator's SQL, or a value valid for an older rule): a division by zero for AR-18.
  await inTransaction(fx.db.pool, (c) => c.query(
    `insert into audit.rule_parameter (rule_id, region_code, key, value, valid_from, recorded_by) values ('AR-18', $1, 'residentsPerCertifiedCaregiver', '0', '2026-06-01', 'psql')`, [FENG],
  ));
  await set('AR-18', 'residentsPerCertifiedCaregiver', 12); // valid, from 2026-01-01: what the run must use
  const run = await audit(fx, ['AR-18']);
  expect(run.rules.find((r) => r.id === 'AR-18')!.parameters).toMatchObject({ residentsPerCertifiedCaregiver: 12 });
});
