/**
 * Four-eyes approvals and commitments (issue 13) against real PostgreSQL: seeded policies; a
 * proposal holds its money at once; self-approval refused; approval by a second person in
 * jurisdiction posts it with both names; reject and expiry release the hold; a hold and a direct
 * spend raced on one lot never overspend; the database itself refuses a hold or spend beyond what is
 * available; approving into a closed month is PERIOD_CLOSED; idempotent proposals; batches as one.
 */
import { Approvals, ApprovalPolicies } from '../../ledger/approvals/index.js';
import { proposeDemoApprovals } from '../../demo/approvals.js';
import { Periods } from '../../ledger/periods/periods.js';
import { AS_APP_ROLE, inTransaction } from '../../platform/sql.js';
import { loadConfig, MAX_APPROVAL_TTL_HOURS } from '../../platform/config.js';
import { createLedgerFixture, disbursement, fundCounty, key, CITY, COUNTY, OTHER_COUNTY, type LedgerFixture } from './support.js';
import { fundCounty as fundCountyOf } from '../fixtures/index.js';
import { cityAdmin, officer, restoreInitialPolicies } from './approvals-support.js';

let fx: LedgerFixture;
let approvals: Approvals;
let policies: ApprovalPolicies;
const alice = officer('alice'); // 丰县 finance officer who proposes
const bob = officer('bob'); // another 丰县 finance officer who approves
const peiOfficer = officer('carol', OTHER_COUNTY); // 沛县: no jurisdiction over 丰县

beforeAll(async () => {
  fx = await createLedgerFixture();
  await restoreInitialPolicies(fx.db.pool);
  approvals = new Approvals(fx.db.pool, fx.ledger, { ttlHours: 24 });
  policies = new ApprovalPolicies(fx.db.pool);
});
afterAll(async () => {
  await fx.db.drop();
});

/** Money at 丰县 without approval (the engine writes directly), on a fund line of the test's own. */
async function countyLot(amount: bigint, fundLine: string): Promise<string> {
  return fundCounty(fx, amount, fundLine);
}

/** Payments of `fundLine` need approval from `minAmount` fen on (set by the city admin). */
const threshold = (fundLine: string, minAmount: bigint | null, operation = 'DISBURSEMENT') =>
  policies.change(cityAdmin(), { fundLine, operation, minAmount: minAmount?.toString() ?? null, reason: 'test' });

async function available(fundLine: string): Promise<{ balance: bigint; held: bigint; available: bigint }> {
  const line = (await fx.queries.balances(COUNTY, fundLine, null, false)).find((b) => b.accountKind === 'AVAILABLE')!;
  return { balance: line.balance, held: line.held, available: line.available };
}

test('the seeded policies: appropriations and reversals always, payments and allocations from a threshold, a batch by its total', async () => {
  const current = await policies.list(alice);
  const of = (operation: string) => current.find((p) => p.fundLine === 'SENIOR_ALLOWANCE' && p.operation === operation)!.minAmount;
  expect([of('APPROPRIATION'), of('REVERSAL'), of('ALLOCATION'), of('DISBURSEMENT'), of('DISBURSEMENT_BATCH'), of('RETURN')]).toEqual([0n, 0n, 100_000_000n, 5_000_000n, 50_000_000n, null]);
  const history = await policies.history(alice, 'SENIOR_ALLOWANCE');
  expect(history.filter((c) => c.changedBy === 'system')).toHaveLength(7);
  // An appropriation always becomes a proposal (nothing posted, nothing held: it is new money).
  const before = (await fx.db.pool.query('select count(*)::int as n from ledger.transaction')).rows[0].n;
  const outcome = await approvals.appropriate(
    { idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 1n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '徐财〔2026〕1号' },
    'alice',
  );
  expect(outcome).toMatchObject({ transaction: null, replayed: false, proposal: { status: 'PENDING', operation: 'APPROPRIATION', amount: 1n, held: 0n, proposedBy: 'alice' } });
  expect((await fx.db.pool.query('select count(*)::int as n from ledger.transaction')).rows[0].n).toBe(before);
});

test('only CITY_ADMIN changes a policy, and every change is kept with the old and new value', async () => {
  await expect(policies.change(alice, { fundLine: 'OPERATIONS', operation: 'RETURN', minAmount: '1', reason: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  await expect(policies.change(cityAdmin(), { fundLine: 'OPERATIONS', operation: 'NOPE', minAmount: '1', reason: 'x' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'operation' });
  await expect(policies.change(cityAdmin(), { fundLine: 'OPERATIONS', operation: 'RETURN', minAmount: '1.5', reason: 'x' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'minAmount' });
  const change = await policies.change(cityAdmin('admin-2'), { fundLine: 'OPERATIONS', operation: 'RETURN', minAmount: '700', reason: '大额退回复核' });
  expect(change).toMatchObject({ minAmount: 700n, previousMinAmount: null, changedBy: 'admin-2', reason: '大额退回复核' });
  const again = await policies.change(cityAdmin(), { fundLine: 'OPERATIONS', operation: 'RETURN', minAmount: null, reason: '取消' });
  expect(again).toMatchObject({ minAmount: null, previousMinAmount: 700n, previousChangeId: change.changeId });
  await expect(fx.db.pool.query(`update ledger.approval_policy_change set min_amount = 1 where id = $1`, [change.changeId])).rejects.toMatchObject({ code: 'SL000' });
});

test('a payment from the threshold on is a proposal that holds its money; the proposer cannot approve it; a second person posts it with both names', async () => {
  const line = 'FACILITY_SUBSIDY';
  const lot = await countyLot(100_000n, line);
  await threshold(line, 50_000n);
  const small = await approvals.disburse(disbursement(fx, { fundLine: line, amount: 1_000n }), 'alice');
  expect(small.proposal).toBeNull();
  expect(small.transaction!.proposalId).toBeNull();

  const request = disbursement(fx, { fundLine: line, amount: 80_000n });
  const proposed = await approvals.disburse(request, 'alice');
  expect(proposed.transaction).toBeNull();
  const proposal = proposed.proposal!;
  expect(proposal).toMatchObject({ status: 'PENDING', held: 80_000n, amount: 80_000n, regionCode: COUNTY, items: [{ kind: 'DISBURSEMENT', idempotencyKey: request.idempotencyKey }] });
  expect(await available(line)).toEqual({ balance: 99_000n, held: 80_000n, available: 19_000n });
  // The held money cannot be spent by anyone else meanwhile.
  await expect(approvals.disburse(disbursement(fx, { fundLine: line, amount: 20_000n, lotId: lot }), 'dave')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  await expect(fx.ledger.disburse(disbursement(fx, { fundLine: line, amount: 20_000n }), 'dave')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  // Same key, same request: the same proposal; another payload under the key: a conflict.
  expect(await approvals.disburse(request, 'alice')).toMatchObject({ replayed: true, proposal: { id: proposal.id } });
  await expect(approvals.disburse({ ...request, amount: 80_001n }, 'alice')).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  // Below the threshold the write goes straight to the ledger, and the database refuses the proposal's key there (SL032).
  await expect(approvals.disburse({ ...request, amount: 1_000n }, 'alice')).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey' });
  await expect(fx.ledger.disburse({ ...request, amount: 1_000n }, 'alice')).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  expect((await approvals.pending(bob, COUNTY)).map((p) => p.id)).toContain(proposal.id);

  await expect(approvals.approve(alice, proposal.id)).rejects.toMatchObject({ code: 'SELF_APPROVAL' });
  await expect(approvals.approve(peiOfficer, proposal.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect((await approvals.pending(peiOfficer, OTHER_COUNTY)).map((p) => p.id)).not.toContain(proposal.id);
  await expect(approvals.pending(peiOfficer, COUNTY)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  expect(await available(line)).toMatchObject({ held: 80_000n });

  const { proposal: approved, transactions } = await approvals.approve(bob, proposal.id);
  expect(approved).toMatchObject({ status: 'APPROVED', decidedBy: 'bob', held: 0n, transactionIds: [transactions[0]!.id] });
  expect(transactions[0]).toMatchObject({ kind: 'DISBURSEMENT', idempotencyKey: request.idempotencyKey, proposalId: proposal.id, proposedBy: 'alice', approvedBy: 'bob', actor: 'alice' });
  expect(transactions[0]!.postings.find((p) => p.accountKind === 'AVAILABLE')!.lotId).toBe(lot);
  expect(await available(line)).toEqual({ balance: 19_000n, held: 0n, available: 19_000n });
  // Decided once; the same request again replays the transaction.
  await expect(approvals.approve(officer('erin'), proposal.id)).rejects.toMatchObject({ code: 'PROPOSAL_NOT_PENDING' });
  await expect(approvals.reject(officer('erin'), proposal.id, 'too late')).rejects.toMatchObject({ code: 'PROPOSAL_NOT_PENDING' });
  expect(await approvals.disburse(request, 'alice')).toMatchObject({ replayed: true, proposal: null, transaction: { id: transactions[0]!.id } });
  // Inside the hash: v2 content with both people, and the chain verifies.
  const { rows } = await fx.db.pool.query(
    `select ledger.canonical_content(t, (select string_agg(ledger.posting_entry(p), ';' order by p.id) from ledger.posting p where p.transaction_id = t.id)) as c
     from ledger.transaction t where t.id = $1`,
    [transactions[0]!.id],
  );
  expect(rows[0].c).toMatch(new RegExp(`^v2,.*,'${proposal.id}','alice','bob'$`));
  expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true });
});

test('rejecting releases the hold, with a reason; the rejected proposal cannot be approved', async () => {
  const line = 'PROJECT_GRANT';
  await countyLot(10_000n, line);
  await threshold(line, 0n);
  const { proposal } = await approvals.disburse(disbursement(fx, { fundLine: line, amount: 9_000n }), 'alice');
  expect(await available(line)).toMatchObject({ held: 9_000n, available: 1_000n });
  await expect(approvals.reject(bob, proposal!.id, '')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
  expect(await approvals.reject(bob, proposal!.id, '凭证不全')).toMatchObject({ status: 'REJECTED', decidedBy: 'bob', decisionReason: '凭证不全', held: 0n });
  expect(await available(line)).toMatchObject({ held: 0n, available: 10_000n });
  await expect(approvals.approve(officer('erin'), proposal!.id)).rejects.toMatchObject({ code: 'PROPOSAL_NOT_PENDING' });
  await threshold(line, null);
  await fx.ledger.disburse(disbursement(fx, { fundLine: line, amount: 10_000n }), 'dave'); // all of it is spendable again
});

test('an expired proposal holds nothing; its expiry is recorded when seen, and approving it is PROPOSAL_EXPIRED', async () => {
  const line = 'HARDSHIP_SUPPORT';
  await countyLot(10_000n, line);
  await threshold(line, 0n);
  const quick = new Approvals(fx.db.pool, fx.ledger, { ttlHours: 1 / 3600 }); // one second
  const { proposal } = await quick.disburse(disbursement(fx, { fundLine: line, amount: 10_000n }), 'alice');
  expect(await available(line)).toMatchObject({ held: 10_000n, available: 0n });
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  expect(await available(line)).toMatchObject({ held: 0n, available: 10_000n });
  expect((await approvals.pending(bob, COUNTY)).map((p) => p.id)).not.toContain(proposal!.id);
  const { rows } = await fx.db.pool.query(`select decision, decided_by from ledger.proposal_decision where proposal_id = $1`, [proposal!.id]);
  expect(rows).toEqual([{ decision: 'EXPIRED', decided_by: 'system' }]);
  await expect(approvals.approve(bob, proposal!.id)).rejects.toMatchObject({ code: 'PROPOSAL_EXPIRED' });
  await threshold(line, null);
  await fx.ledger.disburse(disbursement(fx, { fundLine: line, amount: 10_000n }), 'dave');
});

test('approving an expired proposal before anyone saw its expiry: PROPOSAL_EXPIRED, and the expiry is recorded', async () => {
  const line = 'HARDSHIP_SUPPORT';
  await countyLot(5_000n, line);
  await threshold(line, 0n);
  const quick = new Approvals(fx.db.pool, fx.ledger, { ttlHours: 1 / 3600 });
  const { proposal } = await quick.disburse(disbursement(fx, { fundLine: line, amount: 5_000n }), 'alice');
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  await expect(approvals.approve(bob, proposal!.id)).rejects.toMatchObject({ code: 'PROPOSAL_EXPIRED' });
  expect((await fx.db.pool.query(`select decision from ledger.proposal_decision where proposal_id = $1`, [proposal!.id])).rows).toEqual([{ decision: 'EXPIRED' }]);
  await threshold(line, null);
});

test('a hold raced against a direct spend of the same lot never overspends', async () => {
  const line = 'OPERATIONS';
  await threshold(line, 600n);
  for (let round = 0; round < 8; round++) {
    const lot = await countyLot(1_000n, line);
    // Each wants 700 of the lot's 1,000: at most one can have it.
    const [held, spent] = await Promise.allSettled([
      approvals.disburse(disbursement(fx, { fundLine: line, amount: 700n, lotId: lot }), 'alice'),
      fx.ledger.disburse(disbursement(fx, { fundLine: line, amount: 700n, lotId: lot }), 'dave'),
    ]);
    const won = [held, spent].filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of [held, spent]) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    const { rows } = await fx.db.pool.query(
      `select (select balance_after from ledger.posting p where p.lot_id = $1 and p.account_kind = 'AVAILABLE' order by p.id desc limit 1) - ledger.lot_held($1) as available`,
      [lot],
    );
    expect(BigInt(rows[0].available)).toBe(300n);
  }
  await threshold(line, null);
});

test('PostgreSQL itself refuses a hold beyond the available money and a spend into held money (SL030), as the application role', async () => {
  const line = 'SENIOR_ALLOWANCE';
  await threshold(line, 0n);
  const lot = await countyLot(1_000n, line);
  const { proposal } = await approvals.disburse(disbursement(fx, { fundLine: line, amount: 600n, lotId: lot }), 'alice');
  const asApp = (sql: string, params: unknown[]) => inTransaction(fx.db.pool, (c) => c.query(sql, params), AS_APP_ROLE);
  await expect(asApp(`insert into ledger.hold (proposal_id, lot_id, amount, expires_at) select id, $2, 401, expires_at from ledger.proposal where id = $1`, [proposal!.id, lot]))
    .rejects.toMatchObject({ code: 'SL030' });
  await asApp(`insert into ledger.hold (proposal_id, lot_id, amount, expires_at) select id, $2, 400, expires_at from ledger.proposal where id = $1`, [proposal!.id, lot]);
  await expect(fx.ledger.disburse(disbursement(fx, { fundLine: line, amount: 1n, lotId: lot }), 'dave')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
  await expect(asApp(`update ledger.hold set amount = 1 where proposal_id = $1`, [proposal!.id])).rejects.toMatchObject({ code: '42501' });
  // Four eyes in the database too: a transaction naming a proposal needs that proposal's approval by the person it names.
  const forged = `insert into ledger.transaction (id, kind, idempotency_key, request_hash, fund_line, region_code, effective_date, actor, proposal_id, proposed_by, approved_by)
    values (nextval('ledger.transaction_id_seq'), 'DISBURSEMENT', $1, '\\x00', $2, $3, '2026-03-10', 'alice', $4, 'alice', $5)`;
  await expect(asApp(forged, [key('forged'), line, COUNTY, proposal!.id, 'mallory'])).rejects.toMatchObject({ code: 'SL031' });
  await expect(asApp(forged, [key('forged'), line, COUNTY, proposal!.id, 'alice'])).rejects.toMatchObject({ code: 'SL031' });
  await approvals.reject(bob, proposal!.id, 'test');
  await threshold(line, null);
});

test('approving into a closed month is PERIOD_CLOSED, and the proposal stays pending', async () => {
  const line = 'FACILITY_SUBSIDY';
  await threshold(line, 0n);
  await countyLot(5_000n, line);
  const { proposal } = await approvals.disburse(disbursement(fx, { fundLine: line, amount: 500n, effectiveDate: '2026-03-20' }), 'alice');
  await new Periods(fx.db.pool).close(bob, { regionCode: COUNTY, fundLine: line, month: '2026-03' });
  await expect(approvals.approve(bob, proposal!.id)).rejects.toMatchObject({ code: 'PERIOD_CLOSED' });
  expect((await approvals.get(bob, proposal!.id))!.status).toBe('PENDING');
  await approvals.reject(bob, proposal!.id, '期间已结账');
  await threshold(line, null);
});

test('a disbursement batch over its total is ONE proposal holding every line; approved once, every line posted', async () => {
  const line = 'SENIOR_ALLOWANCE';
  await threshold(line, null);
  await threshold(line, 3_000n, 'DISBURSEMENT_BATCH');
  const lot = await countyLot(10_000n, line);
  const lines = [1, 2, 3].map((i) => disbursement(fx, { fundLine: line, amount: 1_000n, lotId: lot, payeeId: `elder-batch-${i}` }));
  const below = await approvals.disburseBatch(lines.slice(0, 2), 'alice');
  expect(below.every((o) => o.transaction && !o.proposal)).toBe(true);
  // lines of different dates, the earliest not first: the proposal shows the earliest, each line is posted with its own
  const more = [4, 5, 6].map((i) => disbursement(fx, { fundLine: line, amount: 1_000n, payeeId: `elder-batch-${i}`, effectiveDate: `2026-03-1${7 - i}` }));
  // a line repeating another's key is the caller's mistake, named, as without approval (it was INTERNAL_SERVER_ERROR)
  await expect(approvals.disburseBatch([more[0]!, { ...more[1]!, idempotencyKey: more[0]!.idempotencyKey }, more[2]!], 'alice'))
    .rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'lines.1.idempotencyKey' });
  const outcomes = await approvals.disburseBatch(more, 'alice');
  expect(new Set(outcomes.map((o) => o.proposal?.id)).size).toBe(1);
  const proposal = outcomes[0]!.proposal!;
  expect(proposal).toMatchObject({ operation: 'DISBURSEMENT_BATCH', amount: 3_000n, held: 3_000n, effectiveDate: '2026-03-11', items: [{ n: 0 }, { n: 1 }, { n: 2 }] });
  expect(await approvals.disburseBatch(more, 'alice')).toMatchObject([{ replayed: true }, { replayed: true }, { replayed: true }]);
  const { transactions } = await approvals.approve(bob, proposal.id);
  expect(transactions.map((t) => t.idempotencyKey)).toEqual(more.map((m) => m.idempotencyKey));
  expect(transactions.map((t) => t.effectiveDate)).toEqual(['2026-03-13', '2026-03-12', '2026-03-11']);
  expect(transactions.every((t) => t.proposalId === proposal.id && t.approvedBy === 'bob')).toBe(true);
  await threshold(line, null, 'DISBURSEMENT_BATCH');
});

test('a batch over two counties is recorded at their city: listed, read and decided there, not under either county', async () => {
  const line = 'OPERATIONS';
  await threshold(line, null);
  await threshold(line, 1_000n, 'DISBURSEMENT_BATCH');
  const otherVillage = (await fx.db.pool.query(`select code from region where level = 'VILLAGE' and code like $1 order by code limit 1`, [`${OTHER_COUNTY.slice(0, 6)}%`])).rows[0].code;
  await countyLot(5_000n, line);
  await fundCountyOf(fx.ledger, OTHER_COUNTY, { amount: 5_000n, fundLine: line, actor: 'test-finance' });
  const cityOfficer = officer('dave', CITY);
  const lines = [
    disbursement(fx, { fundLine: line, amount: 800n, payeeId: 'elder-two-counties-1' }),
    disbursement(fx, { fundLine: line, amount: 900n, payeeId: 'elder-two-counties-2', regionCode: OTHER_COUNTY, villageCode: otherVillage }),
  ];
  const [first] = await approvals.disburseBatch(lines, 'dave');
  const proposal = first!.proposal!;
  expect(proposal).toMatchObject({ regionCode: CITY, amount: 1_700n, items: [{ regionCode: COUNTY }, { regionCode: OTHER_COUNTY }] });
  const pendingAt = async (region: string) => (await approvals.pending(cityOfficer, region)).map((p) => p.id);
  expect(await pendingAt(CITY)).toContain(proposal.id);
  expect(await pendingAt(COUNTY)).not.toContain(proposal.id);
  expect(await pendingAt(OTHER_COUNTY)).not.toContain(proposal.id);
  // A county officer reads neither county's lines of it (before, it was recorded at the first line's county and readable there).
  await expect(approvals.get(alice, proposal.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  const { transactions } = await approvals.approve(officer('erin', CITY), proposal.id);
  expect(transactions.map((t) => t.regionCode).sort()).toEqual([COUNTY, OTHER_COUNTY].sort());
  await threshold(line, null, 'DISBURSEMENT_BATCH');
});

test('a reversal always needs approval; its fund line and amount come from the original', async () => {
  const line = 'PROJECT_GRANT';
  await threshold(line, null);
  await countyLot(2_000n, line);
  const paid = await approvals.disburse(disbursement(fx, { fundLine: line, amount: 700n }), 'alice');
  const { proposal } = await approvals.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-04-01', transactionId: paid.transaction!.id, reason: '重复发放' }, 'alice');
  expect(proposal).toMatchObject({ operation: 'REVERSAL', fundLine: line, amount: 700n, held: 0n });
  const { transactions } = await approvals.approve(bob, proposal!.id);
  expect(transactions[0]).toMatchObject({ kind: 'REVERSAL', reversesId: paid.transaction!.id, approvedBy: 'bob' });
});

test('a second proposal to reverse a transaction, while the first is pending, is refused (ALREADY_REVERSED) and writes nothing; after a rejection one may be proposed again', async () => {
  const line = 'PROJECT_GRANT';
  await threshold(line, null);
  await countyLot(2_000n, line);
  const paid = await approvals.disburse(disbursement(fx, { fundLine: line, amount: 300n }), 'alice');
  const reverse = (who: string, reason: string) =>
    approvals.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-04-01', transactionId: paid.transaction!.id, reason }, who);
  const first = (await reverse('alice', '重复发放')).proposal!;
  const proposals = async () => (await fx.db.pool.query(`select count(*)::int as n from ledger.proposal`)).rows[0].n as number;
  const before = await proposals();
  await expect(reverse('carol', '发错了人')).rejects.toMatchObject({ code: 'ALREADY_REVERSED', field: 'transactionId', message: expect.stringContaining(`proposal ${first.id}, pending`) });
  expect(await proposals()).toBe(before);
  await approvals.reject(bob, first.id, '理由不足');
  const again = (await reverse('carol', '发错了人')).proposal!;
  expect(again).toMatchObject({ operation: 'REVERSAL', status: 'PENDING' });
  const { transactions } = await approvals.approve(bob, again.id);
  expect(transactions[0]).toMatchObject({ kind: 'REVERSAL', reversesId: paid.transaction!.id });
});

test('a proposal expires within 30 days whoever writes it: APPROVAL_TTL_HOURS is at most 720, and the database refuses a longer expiry', async () => {
  const saved = process.env.APPROVAL_TTL_HOURS;
  try {
    process.env.APPROVAL_TTL_HOURS = String(MAX_APPROVAL_TTL_HOURS + 1);
    expect(() => loadConfig()).toThrow(/APPROVAL_TTL_HOURS must be at most 720/);
    process.env.APPROVAL_TTL_HOURS = String(MAX_APPROVAL_TTL_HOURS);
    expect(loadConfig().approvalTtlHours).toBe(720);
  } finally {
    if (saved === undefined) delete process.env.APPROVAL_TTL_HOURS;
    else process.env.APPROVAL_TTL_HOURS = saved;
  }
  // the longest the configuration allows is written
  const line = 'PROJECT_GRANT';
  await threshold(line, null);
  await countyLot(2_000n, line);
  const paid = await approvals.disburse(disbursement(fx, { fundLine: line, amount: 100n }), 'alice');
  const longest = new Approvals(fx.db.pool, fx.ledger, { ttlHours: MAX_APPROVAL_TTL_HOURS });
  const { proposal } = await longest.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-04-01', transactionId: paid.transaction!.id, reason: '测试期限' }, 'alice');
  expect(proposal).toMatchObject({ status: 'PENDING' });
  await approvals.reject(bob, proposal!.id, '测试结束');
  // direct SQL as the application role: a century is refused
  await expect(inTransaction(fx.db.pool, (client) => client.query(
    `insert into ledger.proposal (operation, region_code, fund_line, amount, effective_date, proposed_by, expires_at, policy_change_id)
     select 'REVERSAL', $1, $2, 100, '2026-04-01', 'mallory', now() + interval '100 years', (select max(id) from ledger.approval_policy_change)`,
    [COUNTY, line],
  ), AS_APP_ROLE)).rejects.toMatchObject({ code: '23514', constraint: 'proposal_expiry_bound' });
});

test('the demo proposals (npm start): one appropriation approved by a second person, an allocation holding its money and a reversal waiting; idempotent', async () => {
  await threshold('PROJECT_GRANT', 0n, 'APPROPRIATION');
  await threshold('PROJECT_GRANT', 100_000_000n, 'ALLOCATION');
  const count = async () => (await fx.db.pool.query(`select count(*)::int as n from ledger.proposal`)).rows[0].n as number;
  const before = await count();
  expect(await proposeDemoApprovals(fx.db.pool, fx.ledger, { cityCode: CITY, month: '2026-10' })).toEqual({ approved: 1, pending: 2 });
  const pending = await approvals.pending(cityAdmin(), CITY);
  const allocation = pending.find((p) => p.operation === 'ALLOCATION' && p.proposedBy === 'demo-finance-zhang')!;
  expect(allocation).toMatchObject({ held: 150_000_000n, status: 'PENDING' });
  expect(pending.some((p) => p.operation === 'REVERSAL' && p.proposedBy === 'demo-finance-zhang')).toBe(true);
  expect(await count()).toBe(before + 3);
  expect(await proposeDemoApprovals(fx.db.pool, fx.ledger, { cityCode: CITY, month: '2026-10' })).toEqual({ approved: 0, pending: 2 });
  expect(await count()).toBe(before + 3);
  expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true });
});

test('a proposal the database would never let through is refused as the direct write is, and holds nothing: dated before its money arrived', async () => {
  const line = 'HARDSHIP_SUPPORT';
  await countyLot(10_000_000n, line); // received 2026-03-05
  await threshold(line, 5_000_000n);
  const before = await available(line);
  const early = disbursement(fx, { fundLine: line, amount: 6_000_000n, effectiveDate: '2026-02-10', serviceMonth: '2026-02' });
  await expect(fx.ledger.disburse(early, 'alice')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' }); // (below any threshold: the database refuses it)
  await expect(approvals.disburse(early, 'alice')).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS', message: expect.stringContaining('2026-02-10') });
  expect(await available(line)).toEqual(before); // nothing held
  expect((await fx.queries.balances(COUNTY, line, '2026-02-10', false)).find((b) => b.accountKind === 'AVAILABLE')?.available ?? 0n).toBeGreaterThanOrEqual(0n);
  // dated after the money arrived, it is a proposal as usual
  const inTime = await approvals.disburse({ ...early, idempotencyKey: `${early.idempotencyKey}-march`, effectiveDate: '2026-03-10', serviceMonth: '2026-03' }, 'alice');
  expect(inTime.proposal).toMatchObject({ status: 'PENDING', held: 6_000_000n });
  await approvals.reject(bob, inTime.proposal!.id, 'test');
  await threshold(line, null);
});

test('the same request replays its pending proposal after the threshold was raised above it (it went straight to the ledger and was refused)', async () => {
  const line = 'PROJECT_GRANT';
  await countyLot(8_000_000n, line);
  await threshold(line, 5_000_000n);
  const request = disbursement(fx, { fundLine: line, amount: 6_000_000n });
  const proposed = await approvals.disburse(request, 'alice');
  expect(proposed.proposal).toMatchObject({ status: 'PENDING' });
  expect(await approvals.disburse(request, 'alice')).toMatchObject({ replayed: true, proposal: { id: proposed.proposal!.id } });
  await threshold(line, 7_000_000n);
  expect(await approvals.disburse(request, 'alice')).toMatchObject({ replayed: true, proposal: { id: proposed.proposal!.id } });
  await expect(approvals.disburse({ ...request, amount: 6_000_001n }, 'alice')).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
  await approvals.reject(bob, proposed.proposal!.id, 'test');
  await threshold(line, null);
});
