/**
 * Closing a month, reviewed as an attacker would (against a real PostgreSQL): a month that has not
 * ended cannot be closed (closed-through, a close of next year froze the region's fund line for
 * good); an allocation cannot be dated into a month its receiving region has closed, neither
 * back-dated nor racing the close (the close's in-transit blocker was bypassed that way); and the
 * first close, which closes every earlier month with it, is blocked by the open CRITICAL findings
 * of those months too, not only of the month named.
 */
import { Viewer } from '../../auth/viewer.js';
import { Ledger } from '../../ledger/ledger.js';
import { Periods } from '../../ledger/periods/periods.js';
import { ApprovalPolicies, Approvals } from '../../ledger/approvals/index.js';
import { plantFinding } from '../audit/support.js';
import { createLedgerFixture, expectRefusedBehindHeldClose, key, CITY, COUNTY, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
let periods: Periods;
beforeAll(async () => {
  fx = await createLedgerFixture();
  periods = new Periods(fx.db.pool);
});
afterAll(async () => {
  await fx.db.drop();
});

const officer = (subject: string, jurisdiction = COUNTY) => new Viewer({ subject, roles: ['FINANCE_OFFICER'], jurisdiction });
const events = async (fundLine: string) =>
  Number((await fx.db.pool.query(`select count(*) from ledger.period_event where region_code = $1 and fund_line = $2`, [COUNTY, fundLine])).rows[0].count);
const transactions = async () => Number((await fx.db.pool.query(`select count(*) from ledger.transaction`)).rows[0].count);

/** This month in China (the database's clock), and the month `n` months from it, as YYYY-MM. */
async function monthFromNow(n: number): Promise<string> {
  const { rows } = await fx.db.pool.query(
    `select to_char(date_trunc('month', (now() at time zone 'UTC' + interval '8 hours')) + make_interval(months => $1), 'YYYY-MM') as m`,
    [n],
  );
  return rows[0].m;
}

describe('a month is closed once it has ended', () => {
  const line = 'OPERATIONS';

  test('closing the current month or a later one is BAD_USER_INPUT on month, and writes nothing', async () => {
    for (const month of [await monthFromNow(0), await monthFromNow(7)]) {
      const before = await events(line);
      await expect(periods.close(officer('fo-1'), { regionCode: COUNTY, fundLine: line, month })).rejects.toMatchObject({
        code: 'BAD_USER_INPUT', field: 'month', message: expect.stringContaining(`${month}: the month has not ended`),
      });
      expect(await events(line)).toBe(before);
    }
    // Direct SQL as the application role is refused by the database too.
    const client = await fx.db.pool.connect();
    try {
      await client.query('begin; set local role sunshine_app');
      await expect(
        client.query(`insert into ledger.period_event (region_code, fund_line, month, action, actor) values ($1, $2, $3, 'CLOSE', 'sql')`, [COUNTY, line, `${await monthFromNow(1)}-01`]),
      ).rejects.toMatchObject({ code: 'SL024' });
    } finally {
      await client.query('rollback');
      client.release();
    }
  });

  test('the last month that has ended closes, and the region can still post today', async () => {
    const last = await monthFromNow(-1);
    expect((await periods.close(officer('fo-1'), { regionCode: COUNTY, fundLine: line, month: last })).state).toBe('CLOSED');
    const today = (await fx.db.pool.query(`select to_char(now() at time zone 'UTC' + interval '8 hours', 'YYYY-MM-DD') as d`)).rows[0].d;
    await fx.ledger.appropriate(
      { idempotencyKey: key('app'), effectiveDate: today, regionCode: COUNTY, fundLine: line, amount: 100n, fiscalYear: Number(today.slice(0, 4)), fundingSource: 'OWN_BUDGET', documentNo: '丰财〔2026〕5号' },
      'fo-1',
    );
  });
});

describe('no allocation into a month its receiving region has closed', () => {
  const line = 'PROJECT_GRANT';
  let lot: string;
  beforeAll(async () => {
    const app = await fx.ledger.appropriate(
      { idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: line, amount: 1_000_000n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '徐财〔2026〕1号' },
      'city-finance',
    );
    lot = app.transaction.postings.find((p) => p.accountKind === 'AVAILABLE')!.lotId;
  });
  const allocate = (ledger: Ledger, effectiveDate: string) =>
    ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate, fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: line, amount: 1_000n, lotId: lot, documentNo: '徐财〔2026〕2号' }, 'city-finance');

  test('back-dated after the county closed March: PERIOD_CLOSED naming the county’s period, nothing written', async () => {
    await periods.close(officer('fo-2'), { regionCode: COUNTY, fundLine: line, month: '2026-03' });
    const before = await transactions();
    await expect(allocate(fx.ledger, '2026-03-20')).rejects.toMatchObject({ code: 'PERIOD_CLOSED', message: expect.stringContaining(`${COUNTY} ${line} 2026-03`) });
    expect(await transactions()).toBe(before);
    // April is open at both ends.
    const april = await allocate(fx.ledger, '2026-04-02');
    await fx.ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-04-03', allocationId: april.transaction.id }, 'county-finance');
  });

  test('a proposal of such an allocation is refused at once too, holding nothing (it could never be approved)', async () => {
    const admin = new Viewer({ subject: 'city-admin', roles: ['CITY_ADMIN'], jurisdiction: CITY });
    await new ApprovalPolicies(fx.db.pool).change(admin, { fundLine: line, operation: 'ALLOCATION', minAmount: '0', reason: 'every allocation needs approval here' });
    const approvals = new Approvals(fx.db.pool, fx.ledger);
    const input = { idempotencyKey: key('alloc'), effectiveDate: '2026-03-25', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: line, amount: 1_000n, lotId: lot, documentNo: '徐财〔2026〕3号' };
    const held = async () => Number((await fx.db.pool.query(`select count(*) from ledger.hold`)).rows[0].count);
    const before = await held();
    await expect(approvals.allocate(input, 'city-finance')).rejects.toMatchObject({ code: 'PERIOD_CLOSED' });
    expect(await held()).toBe(before);
    // Dated in April it is proposed as usual.
    expect((await approvals.allocate({ ...input, idempotencyKey: key('alloc'), effectiveDate: '2026-04-25' }, 'city-finance')).proposal).toMatchObject({ status: 'PENDING' });
  });

  test('an allocation racing the county’s close waits for it, and is then refused', async () => {
    // The county's close of April, holding the exclusive period lock, not yet committed (nothing is in transit).
    await expectRefusedBehindHeldClose(fx, COUNTY, line, (ledger) => allocate(ledger, '2026-04-20'));
  });
});

test('the first close closes every earlier month, and is blocked by their open CRITICAL findings too', async () => {
  const line = 'SENIOR_ALLOWANCE'; // plantFinding's: a finding of 2026-03
  const finding = await plantFinding(fx.db.pool, COUNTY, { ruleId: 'AR-21', severity: 'CRITICAL' });
  const before = await events(line);
  await expect(periods.close(officer('fo-3'), { regionCode: COUNTY, fundLine: line, month: '2026-04' })).rejects.toMatchObject({
    code: 'PERIOD_CLOSE_BLOCKED', blockers: [{ kind: 'CRITICAL_AUDIT_FINDING', id: finding }],
  });
  expect(await events(line)).toBe(before);
  // A month before the finding's closes; the finding's month, or one after it, still does not.
  expect((await periods.close(officer('fo-3'), { regionCode: COUNTY, fundLine: line, month: '2026-02' })).state).toBe('CLOSED');
  await expect(periods.close(officer('fo-3'), { regionCode: COUNTY, fundLine: line, month: '2026-03' })).rejects.toMatchObject({ code: 'PERIOD_CLOSE_BLOCKED' });
});
