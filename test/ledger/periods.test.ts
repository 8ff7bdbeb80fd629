/**
 * Periods (issue 13): OPEN → CLOSED → SEALED per (region, fund line, month), enforced by PostgreSQL
 * for every posting (the application role included) and race-safe against a close in progress;
 * reopening through an exception approved by another person, with expiry; sealed trial balances
 * that reproduce later; corrections after sealing as reversals in an open month.
 */
import pg from 'pg';
import { Viewer } from '../../auth/viewer.js';
import { Ledger } from '../../ledger/ledger.js';
import { Periods } from '../../ledger/periods/periods.js';
import { computeTrialBalance } from '../../ledger/periods/trial-balance.js';
import { tolerateDropTermination } from '../support/database.js';
import { AuditFindings } from '../../audit/findings.js';
import { plantFinding } from '../audit/support.js';
import { createLedgerFixture, disbursement, expectRefusedBehindHeldClose, fundCounty, key, CITY, COUNTY, OTHER_COUNTY, type LedgerFixture } from './support.js';

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
const cityAdmin = (subject = 'city-admin') => new Viewer({ subject, roles: ['CITY_ADMIN'], jurisdiction: CITY });
const pay = (fundLine: string, effectiveDate: string, amount = 100n, lotId?: string) =>
  fx.ledger.disburse(disbursement(fx, { idempotencyKey: key('pay'), effectiveDate, fundLine, amount, lotId: lotId ?? null, serviceMonth: effectiveDate.slice(0, 7) }), 'clerk');

test('a back-dated posting into a closed month is refused, naming the period; earlier months are closed with it, later ones open', async () => {
  const line = 'HARDSHIP_SUPPORT';
  await fundCounty(fx, 100_000n, line); // March
  await pay(line, '2026-03-20');
  const closed = await periods.close(officer('fo-1'), { regionCode: COUNTY, fundLine: line, month: '2026-03' });
  expect(closed).toMatchObject({ state: 'CLOSED', events: [{ action: 'CLOSE', actor: 'fo-1' }] });
  await expect(pay(line, '2026-03-31')).rejects.toMatchObject({ code: 'PERIOD_CLOSED', message: expect.stringContaining(`${COUNTY} ${line} 2026-03`) });
  await expect(pay(line, '2026-02-10')).rejects.toMatchObject({ code: 'PERIOD_CLOSED' });
  await pay(line, '2026-04-01');
  const list = await periods.list(officer('fo-1'), COUNTY, line, '2026-01', '2026-05');
  expect(list.map((p) => [p.month, p.state])).toEqual([['2026-01', 'CLOSED'], ['2026-02', 'CLOSED'], ['2026-03', 'CLOSED'], ['2026-04', 'OPEN'], ['2026-05', 'OPEN']]);
  // Months close in order, once.
  await expect(periods.close(officer('fo-1'), { regionCode: COUNTY, fundLine: line, month: '2026-05' })).rejects.toMatchObject({ code: 'PERIOD_STATE' });
  await expect(periods.close(officer('fo-1'), { regionCode: COUNTY, fundLine: line, month: '2026-03' })).rejects.toMatchObject({ code: 'PERIOD_STATE' });
  // Another fund line of the region is not affected.
  await fundCounty(fx, 1_000n, 'OPERATIONS');
  await pay('OPERATIONS', '2026-03-31');
});

test('direct SQL as the application role cannot post into a closed month either (SL020)', async () => {
  const line = 'HARDSHIP_SUPPORT'; // closed through 2026-03 by the test above
  const client = await fx.db.pool.connect();
  try {
    await client.query('begin; set local role sunshine_app');
    const { rows } = await client.query(
      `select (select id from ledger.account where region_code = $1 and fund_line = $2 and kind = 'AVAILABLE') as available,
              (select id from ledger.account where region_code = $1 and fund_line = $2 and kind = 'EXPENDITURE' limit 1) as spent,
              (select lot_id from ledger.posting where region_code = $1 and fund_line = $2 and account_kind = 'AVAILABLE' limit 1) as lot,
              nextval('ledger.transaction_id_seq') as tx`,
      [COUNTY, line],
    );
    await expect(
      client.query(
        `insert into ledger.posting (transaction_id, account_id, lot_id, amount, effective_date) values ($1, $2, $4, -5, '2026-03-25'), ($1, $3, $4, 5, '2026-03-25')`,
        [rows[0].tx, rows[0].available, rows[0].spent, rows[0].lot],
      ),
    ).rejects.toMatchObject({ code: 'SL020' });
  } finally {
    await client.query('rollback');
    client.release();
  }
  // Under REPEATABLE READ a close committed after the snapshot would be invisible: such writers are refused.
  const rr = await fx.db.pool.connect();
  try {
    await rr.query('begin isolation level repeatable read; set local role sunshine_app');
    const ids = await rr.query(
      `select (select id from ledger.account where region_code = $1 and fund_line = $2 and kind = 'AVAILABLE') as available,
              (select lot_id from ledger.posting where region_code = $1 and fund_line = $2 and account_kind = 'AVAILABLE' limit 1) as lot`,
      [COUNTY, line],
    );
    await expect(
      rr.query(`insert into ledger.posting (transaction_id, account_id, lot_id, amount, effective_date) values (nextval('ledger.transaction_id_seq'), $1, $2, 5, '2026-06-25')`, [ids.rows[0].available, ids.rows[0].lot]),
    ).rejects.toMatchObject({ code: 'SL023' });
  } finally {
    await rr.query('rollback');
    rr.release();
  }
  // …and the period history cannot be rewritten, not even by the owner.
  await expect(fx.db.pool.query(`delete from ledger.period_event`)).rejects.toMatchObject({ code: 'SL000' });
  await expect(fx.db.pool.query(`update ledger.period_event set action = 'REOPEN'`)).rejects.toMatchObject({ code: 'SL000' });
});

describe('close versus post, racing', () => {
  const line = 'FACILITY_SUBSIDY';
  let lot: string;
  beforeAll(async () => {
    lot = await fundCounty(fx, 1_000_000n, line);
  });

  test('a posting in flight makes the close wait, and is then in the closed month', async () => {
    const client = await fx.db.pool.connect();
    try {
      // A writer that has inserted its postings (holding the period's shared lock) but not committed.
      await client.query('begin; set local role sunshine_app');
      const ids = await client.query(
        `select (select id from ledger.account where region_code = $1 and fund_line = $2 and kind = 'AVAILABLE') as available,
                nextval('ledger.transaction_id_seq') as tx`,
        [COUNTY, line],
      );
      await client.query(`insert into ledger.account (region_code, fund_line, kind, payee_type, payee_id) values ($1, $2, 'EXPENDITURE', 'PERSON', 'race-payee') on conflict do nothing`, [COUNTY, line]);
      const payee = (await client.query(`select id from ledger.account where payee_id = 'race-payee' and fund_line = $1`, [line])).rows[0].id;
      await client.query(
        `insert into ledger.posting (transaction_id, account_id, lot_id, amount, effective_date) values ($1, $2, $4, -7, '2026-03-30'), ($1, $3, $4, 7, '2026-03-30')`,
        [ids.rows[0].tx, ids.rows[0].available, payee, lot],
      );
      let closedAt = 0;
      const closing = periods.close(officer('fo-2'), { regionCode: COUNTY, fundLine: line, month: '2026-03' }).then((p) => ((closedAt = Date.now()), p));
      await new Promise((r) => setTimeout(r, 300));
      expect(closedAt).toBe(0); // still waiting for the posting's transaction
      await client.query(
        `insert into ledger.transaction (id, kind, idempotency_key, request_hash, fund_line, region_code, effective_date, actor, payee_type, payee_id, service_month, benefit_code, beneficiary_village_code)
         values ($1, 'DISBURSEMENT', $2, '\\x00', $3, $4, '2026-03-30', 'sql', 'PERSON', 'race-payee', '2026-03', 'RACE', $5)`,
        [ids.rows[0].tx, key('race'), line, COUNTY, fx.villages[0]],
      );
      const committedAt = Date.now();
      await client.query('commit');
      expect((await closing).state).toBe('CLOSED');
      expect(closedAt).toBeGreaterThanOrEqual(committedAt);
    } finally {
      client.release();
    }
    const march = await computeTrialBalance(fx.db.pool, { regionCode: COUNTY, fundLine: line, monthStart: '2026-03-01', scope: 'REGION' });
    expect(march.find((l) => l.accountKind === 'EXPENDITURE' && l.lotId === null)!.debits).toBe(7n);
  });

  test('a close in flight makes postings wait, and they are then refused', async () => {
    // April: a close that holds the exclusive lock and has written its event, not yet committed.
    await expectRefusedBehindHeldClose(fx, COUNTY, line, (ledger) =>
      ledger.disburse(disbursement(fx, { idempotencyKey: key('pay'), effectiveDate: '2026-04-15', fundLine: line, amount: 10n, lotId: lot, serviceMonth: '2026-04' }), 'clerk'));
  });

  test('twenty payments and a close at once: whatever got in got in before the close; nothing changes the month afterwards', async () => {
    const pool = new pg.Pool({ connectionString: fx.db.url, max: 8 });
    tolerateDropTermination(pool);
    const pools = [0, 1, 2, 3].map(() => new pg.Pool({ connectionString: fx.db.url, max: 2 }));
    pools.forEach(tolerateDropTermination);
    try {
      const ledgers = pools.map((p) => new Ledger(p));
      const payments = Array.from({ length: 20 }, (_, i) =>
        ledgers[i % 4]!.disburse(disbursement(fx, { idempotencyKey: key(`storm-${i}`), effectiveDate: '2026-05-20', fundLine: line, amount: 1n, lotId: lot, payeeId: `storm-${i}`, serviceMonth: '2026-05' }), 'clerk'),
      );
      const close = periods.close(officer('fo-2'), { regionCode: COUNTY, fundLine: line, month: '2026-05' });
      await close;
      const atClose = await computeTrialBalance(fx.db.pool, { regionCode: COUNTY, fundLine: line, monthStart: '2026-05-01', scope: 'REGION' });
      const results = await Promise.allSettled(payments);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'PERIOD_CLOSED' });
      const later = await computeTrialBalance(fx.db.pool, { regionCode: COUNTY, fundLine: line, monthStart: '2026-05-01', scope: 'REGION' });
      expect(later).toEqual(atClose);
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      expect(atClose.find((l) => l.accountKind === 'EXPENDITURE' && l.lotId === null)?.debits ?? 0n).toBe(BigInt(ok));
    } finally {
      await Promise.all([pool, ...pools].map((p) => p.end()));
    }
  });
});

test('closing refuses while allocations to or from the region are in transit, listing them', async () => {
  const line = 'PROJECT_GRANT';
  const app = await fx.ledger.appropriate(
    { idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: line, amount: 9_000n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: 'd' },
    'finance',
  );
  const alloc = await fx.ledger.allocate(
    { idempotencyKey: key('alloc'), effectiveDate: '2026-03-28', fromRegionCode: CITY, toRegionCode: OTHER_COUNTY, fundLine: line, amount: 4_000n, lotId: app.transaction.postings[0]!.lotId, documentNo: 'd' },
    'finance',
  );
  const refusal = periods.close(officer('fo-3', OTHER_COUNTY), { regionCode: OTHER_COUNTY, fundLine: line, month: '2026-03' });
  await expect(refusal).rejects.toMatchObject({ code: 'PERIOD_CLOSE_BLOCKED', blockers: [{ kind: 'ALLOCATION_IN_TRANSIT', id: alloc.transaction.id }] });
  await expect(periods.close(cityAdmin(), { regionCode: CITY, fundLine: line, month: '2026-03' })).rejects.toMatchObject({
    code: 'PERIOD_CLOSE_BLOCKED', blockers: [{ kind: 'ALLOCATION_IN_TRANSIT', id: alloc.transaction.id }],
  });
  // Not for an earlier month than the allocation's.
  await periods.close(cityAdmin(), { regionCode: CITY, fundLine: line, month: '2026-02' });
  await fx.ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-04-02', allocationId: alloc.transaction.id }, 'finance');
  await periods.close(officer('fo-3', OTHER_COUNTY), { regionCode: OTHER_COUNTY, fundLine: line, month: '2026-03' });
  await periods.close(cityAdmin(), { regionCode: CITY, fundLine: line, month: '2026-03' });
  // Out of jurisdiction, or without the permission: FORBIDDEN.
  await expect(periods.close(officer('fo-1'), { regionCode: OTHER_COUNTY, fundLine: line, month: '2026-04' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(
    periods.close(new Viewer({ subject: 'aud', roles: ['AUDITOR'], jurisdiction: CITY }), { regionCode: CITY, fundLine: line, month: '2026-04' }),
  ).rejects.toMatchObject({ code: 'FORBIDDEN' });
});

test('reopening: an exception with a reason, approved by another person, open until it expires; sealed never reopens', async () => {
  const line = 'OPERATIONS';
  const lot = await fundCounty(fx, 50_000n, line);
  await periods.close(officer('fo-4'), { regionCode: COUNTY, fundLine: line, month: '2026-03' });
  await expect(pay(line, '2026-03-29', 100n, lot)).rejects.toMatchObject({ code: 'PERIOD_CLOSED' });
  const expiry = Date.now() + 5_000; // long enough for the steps below on a loaded machine
  const soon = new Date(expiry).toISOString();
  const exception = await periods.requestReopen(officer('fo-4'), { regionCode: COUNTY, fundLine: line, month: '2026-03', reason: 'a payment list arrived late', expiresAt: soon });
  expect(exception).toMatchObject({ requestedBy: 'fo-4', approvedBy: null, month: '2026-03' });
  await expect(periods.reopen(officer('fo-4'), exception.id)).rejects.toMatchObject({ code: 'SELF_APPROVAL' });
  await expect(periods.reopen(officer('fo-x', OTHER_COUNTY), exception.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  const reopened = await periods.reopen(officer('fo-5'), exception.id);
  expect(reopened.period).toMatchObject({ state: 'OPEN', reopenedUntil: expect.any(String) });
  expect(reopened.exception).toMatchObject({ approvedBy: 'fo-5' });
  await expect(periods.reopen(officer('fo-6'), exception.id)).rejects.toMatchObject({ code: 'PERIOD_STATE' }); // used once
  await pay(line, '2026-03-29', 100n, lot);
  await expect(pay(line, '2026-02-27', 100n, lot)).rejects.toMatchObject({ code: 'PERIOD_CLOSED' }); // only March reopened
  await new Promise((r) => setTimeout(r, Math.max(0, expiry - Date.now()) + 300));
  await expect(pay(line, '2026-03-30', 100n, lot)).rejects.toMatchObject({ code: 'PERIOD_CLOSED' });
  expect((await periods.list(officer('fo-4'), COUNTY, line, '2026-03', '2026-03'))[0]).toMatchObject({ state: 'CLOSED', reopenedUntil: null });
  // The database checks the four eyes too, whoever inserts the event.
  const again = await periods.requestReopen(officer('fo-4'), { regionCode: COUNTY, fundLine: line, month: '2026-03', reason: 'once more', expiresAt: new Date(Date.now() + 60_000).toISOString() });
  await expect(
    fx.db.pool.query(`insert into ledger.period_event (region_code, fund_line, month, action, actor, exception_id) values ($1, $2, '2026-03-01', 'REOPEN', 'fo-4', $3)`, [COUNTY, line, again.id]),
  ).rejects.toMatchObject({ code: 'SL022' });
  // Sealed never reopens.
  await periods.seal(cityAdmin(), { regionCode: COUNTY, fundLine: line, month: '2026-03' });
  await expect(periods.reopen(officer('fo-5'), again.id)).rejects.toMatchObject({ code: 'PERIOD_STATE' });
  await expect(
    periods.requestReopen(officer('fo-4'), { regionCode: COUNTY, fundLine: line, month: '2026-03', reason: 'x', expiresAt: new Date(Date.now() + 60_000).toISOString() }),
  ).rejects.toMatchObject({ code: 'PERIOD_STATE' });
  await expect(
    periods.requestReopen(officer('fo-4'), { regionCode: COUNTY, fundLine: line, month: '2026-03', reason: 'x', expiresAt: new Date(Date.now() - 1).toISOString() }),
  ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
  for (const reason of ['late\u0000list', 'late \ud800 list']) {
    await expect(
      periods.requestReopen(officer('fo-4'), { regionCode: COUNTY, fundLine: line, month: '2026-03', reason, expiresAt: new Date(Date.now() + 60_000).toISOString() }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
  }
});

test('sealing: bottom-up, the sealed trial balance reproduces after more postings, corrections go to an open month as reversals', async () => {
  const line = 'SENIOR_ALLOWANCE';
  const lot = await fundCounty(fx, 80_000n, line); // city 03-01 appropriation, 03-02 allocation, 03-05 receipt
  const march = await pay(line, '2026-03-15', 1_000n, lot);
  await pay(line, '2026-03-16', 2_000n, lot);
  const city = cityAdmin();
  await periods.close(officer('fo-7'), { regionCode: COUNTY, fundLine: line, month: '2026-03' });
  await expect(periods.seal(officer('fo-7'), { regionCode: COUNTY, fundLine: line, month: '2026-03' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await periods.close(city, { regionCode: CITY, fundLine: line, month: '2026-03' });
  // The city cannot seal before the county below it.
  await expect(periods.seal(city, { regionCode: CITY, fundLine: line, month: '2026-03' })).rejects.toMatchObject({
    code: 'PERIOD_CLOSE_BLOCKED', blockers: [{ kind: 'SUBTREE_NOT_SEALED', id: COUNTY }],
  });
  // The months before the county's first close (March) closed with it, and they seal with it.
  await expect(periods.seal(city, { regionCode: COUNTY, fundLine: line, month: '2026-02' })).rejects.toMatchObject({
    code: 'PERIOD_STATE', message: expect.stringContaining('closed with the first close, of 2026-03: seal 2026-03'),
  });
  const county = await periods.seal(city, { regionCode: COUNTY, fundLine: line, month: '2026-03' });
  expect(county.period.state).toBe('SEALED');
  expect((await periods.list(officer('fo-7'), COUNTY, line, '2026-01', '2026-04')).map((p) => [p.month, p.state])).toEqual([
    ['2026-01', 'SEALED'], ['2026-02', 'SEALED'], ['2026-03', 'SEALED'], ['2026-04', 'OPEN'],
  ]);
  await expect(periods.seal(city, { regionCode: COUNTY, fundLine: line, month: '2026-01' })).rejects.toMatchObject({ code: 'PERIOD_STATE', message: expect.stringContaining('already SEALED') });
  const sealed = await periods.seal(city, { regionCode: CITY, fundLine: line, month: '2026-03' });
  const head = (await fx.db.pool.query(`select t.seq::text, encode(t.hash, 'hex') as hash from ledger.transaction t order by t.seq desc limit 1`)).rows[0];
  expect(sealed.trialBalance).toMatchObject({ sealed: true, atSeq: head.seq, atHash: head.hash });
  const total = (kind: string, lines = sealed.trialBalance.lines) => lines.find((l) => l.accountKind === kind && l.lotId === null)!;
  // The subtree (city + county): 80 000 appropriated, allocated and received in March; 3 000 paid.
  expect(total('FUNDING_SOURCE')).toMatchObject({ opening: 0n, debits: 0n, credits: 80_000n, closing: -80_000n });
  expect(total('AVAILABLE')).toMatchObject({ opening: 0n, debits: 160_000n, credits: 83_000n, closing: 77_000n });
  expect(total('IN_TRANSIT_DOWN')).toMatchObject({ opening: 0n, debits: 80_000n, credits: 80_000n, closing: 0n });
  expect(total('EXPENDITURE')).toMatchObject({ opening: 0n, debits: 3_000n, credits: 0n, closing: 3_000n });
  const countyLot = sealed.trialBalance.lines.filter((l) => l.lotId === lot);
  expect(countyLot.map((l) => [l.accountKind, l.closing])).toEqual([['AVAILABLE', 77_000n], ['IN_TRANSIT_DOWN', 0n], ['EXPENDITURE', 3_000n]]);

  // A correction after sealing: a reversal dated in an open month; one dated in March is refused.
  await expect(
    fx.ledger.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-03-31', transactionId: march.transaction.id, reason: 'paid to the wrong person' }, 'finance'),
  ).rejects.toMatchObject({ code: 'PERIOD_CLOSED' });
  const correction = await fx.ledger.reverse(
    { idempotencyKey: key('rev'), effectiveDate: '2026-04-02', transactionId: march.transaction.id, reason: 'paid to the wrong person' },
    'finance',
  );
  expect(correction.transaction.reversesId).toBe(march.transaction.id);
  await pay(line, '2026-04-10', 500n, lot);
  // A region below a sealed one cannot post into the sealed month, even without accounts of its own then.
  const town = (await fx.db.pool.query(`select code from region where parent_code = $1 order by code limit 1`, [COUNTY])).rows[0].code;
  await expect(
    fx.ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-20', regionCode: town, fundLine: line, amount: 5n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: 'd' }, 'finance'),
  ).rejects.toMatchObject({ code: 'PERIOD_CLOSED', message: expect.stringContaining('SEALED') });

  // Later: the sealed figures are what they were, and recomputing them from the postings gives the same.
  const later = await periods.trialBalance(city, CITY, line, '2026-03', true);
  expect(later.lines).toEqual(sealed.trialBalance.lines);
  expect(await periods.reproduces(CITY, line, '2026-03')).toBe(true);
  const recomputedNow = await computeTrialBalance(fx.db.pool, { regionCode: CITY, fundLine: line, monthStart: '2026-03-01', scope: 'SUBTREE' });
  expect(recomputedNow).toEqual(sealed.trialBalance.lines);
  // April is live and shows the correction.
  const april = await periods.trialBalance(city, COUNTY, line, '2026-04', false);
  expect(april.sealed).toBe(false);
  expect(total('EXPENDITURE', april.lines)).toMatchObject({ opening: 3_000n, debits: 500n, credits: 1_000n, closing: 2_500n });
  // Months seal in order: not May before April.
  await periods.close(officer('fo-7'), { regionCode: COUNTY, fundLine: line, month: '2026-04' });
  await periods.close(officer('fo-7'), { regionCode: COUNTY, fundLine: line, month: '2026-05' });
  await expect(periods.seal(city, { regionCode: COUNTY, fundLine: line, month: '2026-05' })).rejects.toMatchObject({ code: 'PERIOD_STATE' });
  // The stored lines are append-only.
  await expect(fx.db.pool.query(`update ledger.trial_balance_line set closing = 0`)).rejects.toMatchObject({ code: 'SL000' });
});

test('an open CRITICAL audit finding blocks the close of its month; once dismissed, the close goes through', async () => {
  // A county of its own (plantFinding's finding is of SENIOR_ALLOWANCE, 2026-03).
  const { rows: [{ code: county }] } = await fx.db.pool.query(
    `select code from region where parent_code = $1 and code not in ($2, $3) order by code limit 1`, [CITY, COUNTY, OTHER_COUNTY],
  );
  const line = 'SENIOR_ALLOWANCE';
  const month = '2026-03';
  const finding = await plantFinding(fx.db.pool, county, { ruleId: 'AR-21', severity: 'CRITICAL' });
  await expect(periods.close(officer('fo-8', county), { regionCode: county, fundLine: line, month })).rejects.toMatchObject({
    code: 'PERIOD_CLOSE_BLOCKED', blockers: [{ kind: 'CRITICAL_AUDIT_FINDING', id: finding, description: expect.stringContaining('AR-21') }],
  });
  await new AuditFindings(fx.db.pool, fx.db.sql).dispose(new Viewer({ subject: 'auditor-1', roles: ['AUDITOR'], jurisdiction: CITY }), { findingId: finding, action: 'DISMISS', reason: '测试数据' });
  expect((await periods.close(officer('fo-8', county), { regionCode: county, fundLine: line, month })).state).toBe('CLOSED');
});
