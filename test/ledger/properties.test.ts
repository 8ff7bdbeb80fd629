/**
 * Model-based property test of the ledger: random sequences of appropriations, allocations, receipts,
 * disbursements, returns, reversals and replays, checked after every step against
 *  - a model of every (region, fund line, account kind, payee, lot) balance, which also predicts whether
 *    each operation must succeed or fail (and with which code), and which lot an unnamed request draws on;
 *  - the global invariants: conservation per fund line, balanced transactions, no negative balances
 *    (now, and as of every date: the model draws effective dates and predicts the refusal of money
 *    spent before it arrived), running balances equal to the sums, balances as of any date equal to
 *    a brute-force sum, and an intact hash chain;
 *  - periods: the model closes months of the city and the counties (each run works in a month of its
 *    own, later than the last), predicts PERIOD_CLOSED for postings into them (and for allocations
 *    into a month the receiving county closed), PERIOD_CLOSE_BLOCKED while allocations are in transit,
 *    BAD_USER_INPUT for a month that has not ended and PERIOD_STATE out of order; no posting ever
 *    lands in a month after it was closed;
 *  - approvals: proposals (payments through ledger/approvals, every amount needing approval) hold
 *    their money at once — the model predicts INSUFFICIENT_FUNDS for anything that would spend held
 *    money, and which lot an unnamed proposal holds; approval by a second person posts them (or is
 *    refused with PERIOD_CLOSED / INSUFFICIENT_FUNDS as any posting, and the proposal stays pending),
 *    rejection releases the hold; the available money (balance less holds) of every lot is never
 *    below zero, and what the database holds is what the model holds.
 * One database for the file: the runs accumulate, so the model is kept for the whole file and every
 * invariant is checked over the whole ledger. Set LEDGER_PROPERTY_SEED to replay a failing seed.
 */
import fc from 'fast-check';
import { LedgerError } from '../../ledger/errors.js';
import { Periods } from '../../ledger/periods/periods.js';
import { Viewer } from '../../auth/viewer.js';
import { Approvals, ApprovalPolicies } from '../../ledger/approvals/index.js';
import type { PostingRecord, PostResult, TransactionKind } from '../../ledger/types.js';
import { createLedgerFixture, disbursement, key, CITY, COUNTY, OTHER_COUNTY, type LedgerFixture } from './support.js';

const FUND_LINES = ['HARDSHIP_SUPPORT', 'FACILITY_SUBSIDY', 'PROJECT_GRANT', 'SENIOR_ALLOWANCE', 'OPERATIONS'] as const;
const EXPECTED_FAILURES = ['INSUFFICIENT_FUNDS', 'ALREADY_REVERSED', 'BAD_USER_INPUT', 'PERIOD_CLOSED', 'PERIOD_CLOSE_BLOCKED', 'PERIOD_STATE'] as const;
type Expected = 'ok' | (typeof EXPECTED_FAILURES)[number];
const ACTOR = 'property-test';
const SEED = Number(process.env.LEDGER_PROPERTY_SEED ?? Date.now() % 2_147_483_647);

let fx: LedgerFixture;
let periods: Periods;
let approvals: Approvals;
/** Codes of CITY and every region below it (by parent links, independently of subtree_max). */
let cityTree: Set<string>;
beforeAll(async () => {
  fx = await createLedgerFixture();
  periods = new Periods(fx.db.pool);
  approvals = new Approvals(fx.db.pool, fx.ledger, { ttlHours: 24 });
  // Engine writes (fx.ledger) never ask; payments through ledger/approvals always do.
  for (const fundLine of FUND_LINES) await new ApprovalPolicies(fx.db.pool).change(closer, { fundLine, operation: 'DISBURSEMENT', minAmount: '0', reason: 'property test' });
  const { rows } = await fx.db.pool.query(
    `with recursive t as (select code from region where code = $1 union all select r.code from region r join t on r.parent_code = t.code)
     select code from t`,
    [CITY],
  );
  cityTree = new Set(rows.map((r) => r.code));
  expect(cityTree.has(COUNTY) && cityTree.has(OTHER_COUNTY)).toBe(true);
});
afterAll(async () => {
  await fx.db.drop();
});

// ---- the model (for the whole file: the database accumulates across runs) ------------------------

const balKey = (region: string, fundLine: string, kind: string, payeeId: string | null, lot: string) =>
  `${region}|${fundLine}|${kind}|${payeeId ?? ''}|${lot}`;
const postingKey = (p: PostingRecord) => balKey(p.regionCode, p.fundLine, p.accountKind, p.payeeId, p.lotId);

const model = {
  balances: new Map<string, bigint>(),
  /** Every posting per balance key, with its effective date (for balances as of a date). */
  history: new Map<string, { date: string; amount: bigint }[]>(),
  lotYear: new Map<string, number>(),
  reversed: new Set<string>(),
  received: new Set<string>(),
  /** region|fundLine → the latest closed month (YYYY-MM): it and every month before are closed. */
  closedThrough: new Map<string, string>(),
  /** Allocations issued and neither received nor reversed (a reversed receipt puts one back). */
  inTransit: new Map<string, { from: string; to: string; fundLine: string; date: string }>(),
  allocations: new Map<string, { from: string; to: string; fundLine: string; date: string }>(),
  /** lot → fen held on it by pending proposals. */
  held: new Map<string, bigint>(),
  /** Pending proposals: id, the payment they hold, and how to replay the request. */
  proposals: [] as { id: string; lot: string; fundLine: string; amount: bigint; date: string; input: ReturnType<typeof disbursement> }[],
};
/** Is any of these regions closed for the fund line in the month of `date`? */
const closedFor = (regions: string[], fundLine: string, date: string) =>
  regions.some((r) => (model.closedThrough.get(`${r}|${fundLine}`) ?? '') >= date.slice(0, 7));
const previousMonth = (month: string) => {
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return d.toISOString().slice(0, 7);
};
const nextMonth = (month: string) => {
  const d = new Date(`${month}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
};
const bal = (k: string) => model.balances.get(k) ?? 0n;
const heldOn = (lot: string) => model.held.get(lot) ?? 0n;
/** What can be spent from a lot: its AVAILABLE balance less what pending proposals hold on it. */
const available = (region: string, fundLine: string, lot: string) => bal(balKey(region, fundLine, 'AVAILABLE', null, lot)) - heldOn(lot);
function apply(result: PostResult) {
  for (const p of result.transaction.postings) {
    model.balances.set(postingKey(p), bal(postingKey(p)) + p.amount);
    const list = model.history.get(postingKey(p)) ?? [];
    list.push({ date: result.transaction.effectiveDate, amount: p.amount });
    model.history.set(postingKey(p), list);
  }
}
/**
 * Would these legs, dated `date`, leave any balance on the wrong side of zero at the end of some day
 * from `date` on (below zero; above zero for FUNDING_SOURCE)? The rule the database enforces.
 */
function crossesZeroAsOf(date: string, legs: { key: string; amount: bigint }[]): boolean {
  return legs.some(({ key: k, amount }) => {
    const fundingSource = k.split('|')[2] === 'FUNDING_SOURCE';
    const postings = [...(model.history.get(k) ?? []), { date, amount }];
    const days = [...new Set(postings.map((p) => (p.date < date ? date : p.date)))];
    return days.some((d) => {
      const balance = postings.filter((p) => p.date <= d).reduce((sum, p) => sum + p.amount, 0n);
      return fundingSource ? balance > 0n : balance < 0n;
    });
  });
}
/** The lot an unnamed request draws on: the first (fiscal year, id) AVAILABLE lot of the region and line with enough money. */
function autoLot(region: string, fundLine: string, amount: bigint): string | null {
  const prefix = `${region}|${fundLine}|AVAILABLE||`;
  const lots = [...model.balances.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  lots.sort((a, b) => model.lotYear.get(a)! - model.lotYear.get(b)! || Number(BigInt(a) - BigInt(b)));
  return lots.find((lot) => available(region, fundLine, lot) >= amount) ?? null;
}

// ---- operations -----------------------------------------------------------------------------------

const amountArb = fc.oneof(
  fc.record({ abs: fc.integer({ min: 1, max: 1_000_000 }) }),
  fc.record({ pct: fc.integer({ min: 1, max: 110 }) }), // a share of the chosen lot's balance (sometimes more than all of it)
);
type AmountSpec = { abs: number } | { pct: number };
const day = fc.integer({ min: 0, max: 27 });
const pick = fc.nat({ max: 1000 });
const common = { day, asOf: fc.integer({ min: -1, max: 40 }) };

const opArb = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('appropriate' as const), city: fc.boolean(), amount: fc.integer({ min: 1, max: 1_000_000 }), fl: fc.nat({ max: 4 }), year: fc.constantFrom(2025, 2026), ...common }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('allocate' as const), pick, named: fc.boolean(), fl: fc.nat({ max: 4 }), other: fc.boolean(), amount: amountArb, ...common }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('receive' as const), pick, ...common }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('disburse' as const), pick, named: fc.boolean(), fl: fc.nat({ max: 4 }), payee: fc.nat({ max: 2 }), amount: amountArb, ...common }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('return' as const), pick, amount: amountArb, ...common }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('reverse' as const), pick, ...common }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('replay' as const), pick, ...common }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('close' as const), region: fc.nat({ max: 2 }), fl: fc.nat({ max: 4 }), ...common }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('propose' as const), pick, named: fc.boolean(), fl: fc.nat({ max: 4 }), amount: amountArb, ...common }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('decide' as const), pick, approve: fc.boolean(), ...common }), weight: 2 },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * Each run works in a month of its own (runs and shrinks go forward in time): closing one never
 * blocks the next. From 2000-01 on, so that the months of 30 runs and their shrinks have ended and
 * can be closed (a month closes once it has ended); a later one would answer BAD_USER_INPUT.
 */
let monthOfRun = 0;
const date = (offset: number) => new Date(Date.UTC(2000, monthOfRun, 1 + offset)).toISOString().slice(0, 10);
/** Has the month ended in China (UTC+8), as the database's clock says when a month may close? */
const monthEnded = (month: string) => `${nextMonth(month)}-01` <= new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const closer = new Viewer({ subject: 'property-closer', roles: ['CITY_ADMIN'], jurisdiction: CITY });
const approver = new Viewer({ subject: 'property-approver', roles: ['FINANCE_OFFICER'], jurisdiction: COUNTY });

interface Lot { id: string; region: string; fundLine: string; root: boolean }
interface Done { id: string; kind: TransactionKind; effectiveDate: string; allocationId: string | null; postings: PostingRecord[]; replay: () => Promise<PostResult> }

const pendingAllocations: { allocationId: string; effectiveDate: string; lot: Lot }[] = [];

/** One run: its own lots and transactions (the model of balances and the pending allocations are shared). */
class Run {
  cityLots: Lot[] = [];
  countyLots: Lot[] = []; // lots with money at COUNTY or OTHER_COUNTY (appropriated there, or received)
  /** Allocations not yet received, of every run so far (so that a later run can settle them and close its months). */
  pending = pendingAllocations;
  done: Done[] = [];

  constructor(readonly seedTag: string) {}

  fail(step: number, op: Op, message: string): never {
    throw new Error(`${this.seedTag} step ${step} ${JSON.stringify(op)}: ${message}`);
  }

  /**
   * A payment through ledger/approvals: a proposal that holds its money on the named lot, or the
   * first one (fiscal year, id) with enough available money; INSUFFICIENT_FUNDS when there is none,
   * and nothing written or held then.
   */
  async propose(step: number, op: Extract<Op, { t: 'propose' }>, effectiveDate: string, amountOf: (spec: AmountSpec, balance: bigint) => bigint): Promise<void> {
    const own = this.countyLots.filter((l) => l.region === COUNTY);
    const lot = op.named && own.length ? own[op.pick % own.length]! : null;
    const fundLine = lot?.fundLine ?? FUND_LINES[op.fl]!;
    const balance = lot ? available(COUNTY, fundLine, lot.id) : 0n;
    const amount = amountOf(op.amount, balance);
    const chosen = lot ? (balance >= amount ? lot.id : null) : autoLot(COUNTY, fundLine, amount);
    const input = disbursement(fx, { idempotencyKey: key('p-prop'), effectiveDate, fundLine, amount, payeeId: 'elder-proposed', lotId: lot?.id ?? null });
    // A proposal must be postable now, as the direct write would be (Ledger.requirePostable): into
    // an open month, and not spending money before it arrived (as of its date).
    const refusal =
      chosen === null ? 'INSUFFICIENT_FUNDS'
      : closedFor([COUNTY], fundLine, effectiveDate) ? 'PERIOD_CLOSED'
      : crossesZeroAsOf(effectiveDate, [{ key: balKey(COUNTY, fundLine, 'AVAILABLE', null, chosen), amount: -amount }]) ? 'INSUFFICIENT_FUNDS'
      : null;
    const before = await heldInDatabase();
    const outcome = await approvals.disburse(input, ACTOR).catch((e: { code?: string }) => e.code ?? String(e));
    if (typeof outcome === 'string') {
      if (outcome !== refusal) this.fail(step, op, `proposal refused with ${outcome}; the model expected ${refusal ?? `lot ${chosen}`}`);
      if ((await heldInDatabase()) !== before) this.fail(step, op, 'a refused proposal holds money');
      return;
    }
    if (refusal !== null || chosen === null) this.fail(step, op, `proposal ${outcome.proposal?.id} accepted; the model expected ${refusal}`);
    if (!outcome.proposal || outcome.transaction || outcome.proposal.held !== amount) this.fail(step, op, `expected a proposal holding ${amount}, got ${JSON.stringify(outcome, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    const { rows } = await fx.db.pool.query(`select lot_id::text from ledger.hold where proposal_id = $1`, [outcome.proposal.id]);
    if (rows.length !== 1 || rows[0].lot_id !== chosen) this.fail(step, op, `the proposal holds ${JSON.stringify(rows)}, the model expected lot ${chosen}`);
    model.held.set(chosen, heldOn(chosen) + amount);
    model.proposals.push({ id: outcome.proposal.id, lot: chosen, fundLine, amount, date: effectiveDate, input });
  }

  /** Runs one operation; returns what was expected and what happened. */
  async step(step: number, op: Op): Promise<void> {
    const effectiveDate = date(op.day);
    const amountOf = (spec: AmountSpec, balance: bigint) =>
      'abs' in spec ? BigInt(spec.abs) : (() => { const a = (balance * BigInt(spec.pct)) / 100n; return a > 0n ? a : 1n; })();
    let expected: Expected = 'ok';
    /** The regions whose accounts the transaction posts to (for the period check). */
    let regions: string[] = [];
    let fundLineOf = '';
    /** True when the database's as-of check (not the planner) refuses it. */
    let refusedAsOf = false;
    let call: (() => Promise<PostResult>) | null = null;
    let after: (r: PostResult) => void = () => {};
    let replayOf: (() => Promise<PostResult>) | null = null;
    /** The accounting date of what is posted (an approval posts on its proposal's date). */
    let postedOn = effectiveDate;

    switch (op.t) {
      case 'appropriate': {
        const region = op.city ? CITY : COUNTY;
        const fundLine = FUND_LINES[op.fl]!;
        const input = {
          idempotencyKey: key('p-app'), effectiveDate, regionCode: region, fundLine, amount: BigInt(op.amount),
          fiscalYear: op.year, fundingSource: 'PROVINCIAL_TRANSFER' as const, documentNo: `doc-${op.year}`,
        };
        call = () => fx.ledger.appropriate(input, ACTOR);
        regions = [region];
        fundLineOf = fundLine;
        after = (r) => {
          const lot = r.transaction.postings[0]!.lotId;
          model.lotYear.set(lot, op.year);
          (op.city ? this.cityLots : this.countyLots).push({ id: lot, region, fundLine, root: true });
        };
        break;
      }
      case 'allocate': {
        const source = op.named && this.cityLots.length ? this.cityLots[op.pick % this.cityLots.length]! : null;
        const fundLine = source?.fundLine ?? FUND_LINES[op.fl]!;
        const balance = source ? available(CITY, fundLine, source.id) : 0n;
        const amount = amountOf(op.amount, balance);
        const chosen = source ? source.id : autoLot(CITY, fundLine, amount);
        expected = source ? (balance >= amount ? 'ok' : 'INSUFFICIENT_FUNDS') : chosen ? 'ok' : 'INSUFFICIENT_FUNDS';
        if (expected === 'ok' && crossesZeroAsOf(effectiveDate, [{ key: balKey(CITY, fundLine, 'AVAILABLE', null, chosen!), amount: -amount }])) refusedAsOf = true;
        const to = op.other ? OTHER_COUNTY : COUNTY;
        // The issuer's month, and the receiver's: no allocation into a month the receiving region has closed.
        regions = [CITY, to];
        fundLineOf = fundLine;
        const input = {
          idempotencyKey: key('p-alloc'), effectiveDate, fromRegionCode: CITY, toRegionCode: to, fundLine, amount,
          documentNo: 'alloc-doc', lotId: source?.id ?? null,
        };
        call = () => fx.ledger.allocate(input, ACTOR);
        after = (r) => {
          const from = r.transaction.postings.find((p) => p.accountKind === 'AVAILABLE')!;
          const child = r.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!;
          if (from.lotId !== chosen) this.fail(step, op, `allocation drew on lot ${from.lotId}, the model expected lot ${chosen}`);
          model.lotYear.set(child.lotId, model.lotYear.get(from.lotId)!);
          this.pending.push({ allocationId: r.transaction.id, effectiveDate, lot: { id: child.lotId, region: to, fundLine, root: false } });
          const info = { from: CITY, to, fundLine, date: effectiveDate };
          model.allocations.set(r.transaction.id, info);
          model.inTransit.set(r.transaction.id, info);
        };
        break;
      }
      case 'receive': {
        if (!this.pending.length) return;
        const index = op.pick % this.pending.length;
        const allocation = this.pending[index]!;
        const input = {
          idempotencyKey: key('p-recv'), effectiveDate: effectiveDate < allocation.effectiveDate ? allocation.effectiveDate : effectiveDate,
          allocationId: allocation.allocationId,
        };
        call = () => fx.ledger.receiveAllocation(input, ACTOR);
        regions = [CITY, allocation.lot.region];
        fundLineOf = allocation.lot.fundLine;
        after = () => {
          model.inTransit.delete(allocation.allocationId);
          this.pending.splice(index, 1);
          model.received.add(allocation.allocationId);
          this.countyLots.push(allocation.lot);
        };
        break;
      }
      case 'disburse': {
        const own = this.countyLots.filter((l) => l.region === COUNTY);
        const lot = op.named && own.length ? own[op.pick % own.length]! : null;
        const fundLine = lot?.fundLine ?? FUND_LINES[op.fl]!;
        const balance = lot ? available(COUNTY, fundLine, lot.id) : 0n;
        const amount = amountOf(op.amount, balance);
        const chosen = lot ? lot.id : autoLot(COUNTY, fundLine, amount);
        expected = lot ? (balance >= amount ? 'ok' : 'INSUFFICIENT_FUNDS') : chosen ? 'ok' : 'INSUFFICIENT_FUNDS';
        if (expected === 'ok' && crossesZeroAsOf(effectiveDate, [{ key: balKey(COUNTY, fundLine, 'AVAILABLE', null, chosen!), amount: -amount }])) refusedAsOf = true;
        regions = [COUNTY];
        fundLineOf = fundLine;
        const input = disbursement(fx, { idempotencyKey: key('p-pay'), effectiveDate, fundLine, amount, payeeId: `elder-${op.payee}`, lotId: lot?.id ?? null });
        call = () => fx.ledger.disburse(input, ACTOR);
        after = (r) => {
          const used = r.transaction.postings[0]!.lotId;
          if (used !== chosen) this.fail(step, op, `disbursement drew on lot ${used}, the model expected lot ${chosen}`);
        };
        break;
      }
      case 'return': {
        if (!this.countyLots.length) return;
        const lot = this.countyLots[op.pick % this.countyLots.length]!;
        const balance = available(lot.region, lot.fundLine, lot.id);
        const amount = amountOf(op.amount, balance);
        expected = lot.root ? 'BAD_USER_INPUT' : balance >= amount ? 'ok' : 'INSUFFICIENT_FUNDS';
        if (expected === 'ok' && crossesZeroAsOf(effectiveDate, [{ key: balKey(lot.region, lot.fundLine, 'AVAILABLE', null, lot.id), amount: -amount }])) refusedAsOf = true;
        regions = [lot.region, CITY];
        fundLineOf = lot.fundLine;
        const input = { idempotencyKey: key('p-ret'), effectiveDate, lotId: lot.id, amount };
        call = () => fx.ledger.returnFunds(input, ACTOR);
        break;
      }
      case 'reverse': {
        if (!this.done.length) return;
        const target = this.done[op.pick % this.done.length]!;
        if (target.kind === 'REVERSAL') expected = 'BAD_USER_INPUT';
        else if (model.reversed.has(target.id)) expected = 'ALREADY_REVERSED';
        else if (target.kind === 'ALLOCATION' && model.received.has(target.id)) expected = 'BAD_USER_INPUT';
        else if (effectiveDate < target.effectiveDate) expected = 'BAD_USER_INPUT'; // a reversal is dated on or after its original
        else {
          const short = target.postings.some((p) => p.accountKind !== 'FUNDING_SOURCE' && bal(postingKey(p)) - p.amount < (p.accountKind === 'AVAILABLE' && p.amount > 0n ? heldOn(p.lotId) : 0n));
          const early = crossesZeroAsOf(effectiveDate, target.postings.map((p) => ({ key: postingKey(p), amount: -p.amount })));
          expected = short ? 'INSUFFICIENT_FUNDS' : 'ok';
          refusedAsOf = !short && early;
        }
        regions = [...new Set(target.postings.map((p) => p.regionCode))];
        fundLineOf = target.postings[0]!.fundLine;
        const input = { idempotencyKey: key('p-rev'), effectiveDate, transactionId: target.id, reason: 'property test correction' };
        call = () => fx.ledger.reverse(input, ACTOR);
        after = (r) => {
          model.reversed.add(target.id);
          if (r.transaction.reversesId !== target.id) this.fail(step, op, `reversal names ${r.transaction.reversesId}, not ${target.id}`);
          if (target.kind === 'ALLOCATION') {
            const at = this.pending.findIndex((p) => p.allocationId === target.id);
            if (at >= 0) this.pending.splice(at, 1);
          }
          if (target.kind === 'ALLOCATION') model.inTransit.delete(target.id);
          if (target.kind === 'ALLOCATION_RECEIVED' && target.allocationId) model.inTransit.set(target.allocationId, model.allocations.get(target.allocationId)!);
          // A reversed receipt gives the money back to the issuer's in-transit account: the allocation
          // may then be reversed (it cannot be received a second time).
          if (target.kind === 'ALLOCATION_RECEIVED' && target.allocationId) model.received.delete(target.allocationId);
        };
        break;
      }
      case 'close': {
        const region = [CITY, COUNTY, OTHER_COUNTY][op.region]!;
        const fundLine = FUND_LINES[op.fl]!;
        const month = effectiveDate.slice(0, 7);
        const latest = model.closedThrough.get(`${region}|${fundLine}`);
        const blocked = [...model.inTransit.values()].some((a) => a.fundLine === fundLine && (a.from === region || a.to === region) && a.date.slice(0, 7) <= month);
        const want: Expected = blocked ? 'PERIOD_CLOSE_BLOCKED' : !monthEnded(month) ? 'BAD_USER_INPUT'
          : latest === undefined || latest === previousMonth(month) ? 'ok' : 'PERIOD_STATE';
        let got: Expected = 'ok';
        try {
          await periods.close(closer, { regionCode: region, fundLine, month });
        } catch (e) {
          got = (e as { code?: Expected }).code ?? ('internal' as Expected);
          if (!(EXPECTED_FAILURES as readonly string[]).includes(got)) this.fail(step, op, `unexpected error ${String(e)}`);
        }
        if (got !== want) this.fail(step, op, `close answered ${got}; the model expected ${want}`);
        if (got === 'ok') {
          model.closedThrough.set(`${region}|${fundLine}`, month);
          // Probe: money entering the region in the closed month is refused at once, and writes nothing.
          const before = await transactionCount();
          const probe = fx.ledger.appropriate(
            { idempotencyKey: key('p-probe'), effectiveDate, regionCode: region, fundLine, amount: 1n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: 'probe' },
            ACTOR,
          );
          const answer = await probe.then(() => 'ok', (e: { code?: string }) => e.code);
          if (answer !== 'PERIOD_CLOSED') this.fail(step, op, `an appropriation into the closed month answered ${answer}`);
          if ((await transactionCount()) !== before) this.fail(step, op, 'the refused probe wrote a transaction');
        }
        return;
      }
      case 'propose': {
        await this.propose(step, op, effectiveDate, amountOf);
        return;
      }
      case 'decide': {
        if (!model.proposals.length) return;
        const index = op.pick % model.proposals.length;
        const proposal = model.proposals[index]!;
        if (!op.approve) {
          await approvals.reject(approver, proposal.id, 'property test');
          model.proposals.splice(index, 1);
          model.held.set(proposal.lot, heldOn(proposal.lot) - proposal.amount);
          return;
        }
        const available = (p: typeof proposal) => bal(balKey(COUNTY, p.fundLine, 'AVAILABLE', null, p.lot));
        if (available(proposal) < proposal.amount) this.fail(step, op, 'the model lets a held amount go'); // (a model bug, not the ledger's)
        regions = [COUNTY];
        fundLineOf = proposal.fundLine;
        postedOn = proposal.date;
        refusedAsOf = crossesZeroAsOf(proposal.date, [{ key: balKey(COUNTY, proposal.fundLine, 'AVAILABLE', null, proposal.lot), amount: -proposal.amount }]);
        call = async () => {
          const { transactions } = await approvals.approve(approver, proposal.id);
          return { transaction: transactions[0]!, replayed: false };
        };
        after = (r) => {
          model.proposals.splice(model.proposals.indexOf(proposal), 1);
          model.held.set(proposal.lot, heldOn(proposal.lot) - proposal.amount);
          if (r.transaction.postings[0]!.lotId !== proposal.lot) this.fail(step, op, `approval paid from lot ${r.transaction.postings[0]!.lotId}, the proposal held ${proposal.lot}`);
          if (r.transaction.approvedBy !== approver.subject || r.transaction.proposedBy !== ACTOR) this.fail(step, op, 'the approved transaction does not name both people');
        };
        replayOf = async () => {
          const again = await approvals.disburse(proposal.input, ACTOR);
          return { transaction: again.transaction!, replayed: again.replayed };
        };
        break;
      }
      case 'replay': {
        if (!this.done.length) return;
        const target = this.done[op.pick % this.done.length]!;
        const again = await target.replay();
        if (again.transaction.id !== target.id || !again.replayed) {
          this.fail(step, op, `replay of transaction ${target.id} answered ${again.transaction.id} with replayed ${again.replayed}`);
        }
        return;
      }
    }

    // What the database refuses after the planner accepted: a closed month (before any balance check
    // of the same posting), or money spent before it arrived. Both at once: whichever posting comes first.
    let alternative: Expected | null = null;
    if (expected === 'ok') {
      const closed = closedFor(regions, fundLineOf, postedOn);
      if (closed && refusedAsOf) [expected, alternative] = ['PERIOD_CLOSED', 'INSUFFICIENT_FUNDS'];
      else if (closed) expected = 'PERIOD_CLOSED';
      else if (refusedAsOf) expected = 'INSUFFICIENT_FUNDS';
    }
    const countBefore = await transactionCount();
    let result: PostResult | null = null;
    let error: unknown = null;
    try {
      result = await call!();
    } catch (e) {
      error = e;
    }
    if (error !== null) {
      if (!(error instanceof LedgerError) || !(EXPECTED_FAILURES as readonly string[]).includes(error.code)) {
        this.fail(step, op, `unexpected error ${String(error)} (${(error as { code?: string }).code})`);
      }
      if (error.code !== expected && error.code !== alternative) this.fail(step, op, `failed with ${error.code}: ${error.message}; the model expected ${expected}`);
      if ((await transactionCount()) !== countBefore) this.fail(step, op, 'a refused request wrote a transaction');
      return;
    }
    if (expected !== 'ok') this.fail(step, op, `succeeded (transaction ${result!.transaction.id}); the model expected ${expected}`);
    if (result!.replayed) this.fail(step, op, 'a fresh request was answered as a replay');
    apply(result!);
    after(result!);
    const replay = replayOf ?? call!;
    this.done.push({ id: result!.transaction.id, kind: result!.transaction.kind, effectiveDate: result!.transaction.effectiveDate, allocationId: result!.transaction.allocationId, postings: result!.transaction.postings, replay });
  }
}

/** What pending proposals hold now, per lot, in the database (as the triggers count it). */
async function heldInDatabase(): Promise<string> {
  const { rows } = await fx.db.pool.query(
    `select h.lot_id::text as lot, ledger.lot_held(h.lot_id)::text as held from (select distinct lot_id from ledger.hold) h
     where ledger.lot_held(h.lot_id) > 0 order by h.lot_id`,
  );
  return JSON.stringify(rows);
}

const transactionCount = async () => (await fx.db.pool.query('select count(*)::int as n from ledger.transaction')).rows[0].n as number;

// ---- invariants, over the whole ledger -----------------------------------------------------------

async function checkInvariants(fail: (message: string) => never, asOfOffset: number): Promise<void> {
  const q = async (sql: string, params: unknown[] = []) => (await fx.db.pool.query(sql, params)).rows;

  // (i) conservation per fund line
  const unconserved = await q(`select fund_line, sum(amount)::text as total from ledger.posting group by fund_line having sum(amount) <> 0`);
  if (unconserved.length) fail(`money is not conserved: ${JSON.stringify(unconserved)}`);

  // (ii) every transaction balanced, with ≥ 2 postings; no posting without its header
  const unbalanced = await q(`select transaction_id::text from ledger.posting group by transaction_id, fund_line having sum(amount) <> 0`);
  if (unbalanced.length) fail(`unbalanced transactions: ${JSON.stringify(unbalanced)}`);
  const thin = await q(`select t.id::text, count(p.id)::int as n from ledger.transaction t left join ledger.posting p on p.transaction_id = t.id group by t.id having count(p.id) < 2`);
  if (thin.length) fail(`transactions with fewer than 2 postings: ${JSON.stringify(thin)}`);
  const orphans = await q(`select p.id::text from ledger.posting p where not exists (select from ledger.transaction t where t.id = p.transaction_id)`);
  if (orphans.length) fail(`postings without a transaction: ${JSON.stringify(orphans)}`);

  // (iii) no negative balance per (account, lot); the running balance is the sum; lot_seq is 1..n
  const negative = await q(
    `select account_id::text, lot_id::text, account_kind, sum(amount)::text as total from ledger.posting group by account_id, lot_id, account_kind
     having (account_kind = 'FUNDING_SOURCE' and sum(amount) > 0) or (account_kind <> 'FUNDING_SOURCE' and sum(amount) < 0)`,
  );
  if (negative.length) fail(`balances of the wrong sign: ${JSON.stringify(negative)}`);
  const running = await q(
    `select g.account_id::text, g.lot_id::text, g.total::text, g.n, p.lot_seq, p.balance_after::text
     from (select account_id, lot_id, sum(amount) as total, count(*)::int as n, max(lot_seq) as last from ledger.posting group by account_id, lot_id) g
     join ledger.posting p on p.account_id = g.account_id and p.lot_id = g.lot_id and p.lot_seq = g.last
     where p.balance_after <> g.total or g.last <> g.n`,
  );
  if (running.length) fail(`running balances disagree with the postings: ${JSON.stringify(running)}`);
  // ... and ledger.lot_balance (what the triggers and the writer read) is each (account, lot)'s last posting
  const stored = await q(
    `select coalesce(l.account_id, b.account_id)::text as account_id, coalesce(l.lot_id, b.lot_id)::text as lot_id, l.lot_seq, b.lot_seq as stored_seq
     from (select distinct on (account_id, lot_id) account_id, lot_id, lot_seq, balance_after from ledger.posting order by account_id, lot_id, lot_seq desc) l
     full join ledger.lot_balance b on b.account_id = l.account_id and b.lot_id = l.lot_id
     where l.account_id is null or b.account_id is null or l.lot_seq <> b.lot_seq or l.balance_after <> b.balance_after`,
  );
  if (stored.length) fail(`ledger.lot_balance disagrees with the postings: ${JSON.stringify(stored)}`);
  // ... and as of the end of every date on which an (account, lot) moved
  const wrongSignAsOf = await q(
    `select account_id::text, lot_id::text, account_kind, day::text, balance::text from (
       select account_id, lot_id, account_kind, effective_date as day,
              sum(sum(amount)) over (partition by account_id, lot_id order by effective_date) as balance
       from ledger.posting group by account_id, lot_id, account_kind, effective_date) s
     where (account_kind = 'FUNDING_SOURCE' and balance > 0) or (account_kind <> 'FUNDING_SOURCE' and balance < 0)`,
  );
  if (wrongSignAsOf.length) fail(`balances of the wrong sign as of a date: ${JSON.stringify(wrongSignAsOf)}`);
  const wrongSign = await q(`select id::text from ledger.posting where (account_kind = 'FUNDING_SOURCE') = (balance_after > 0) and balance_after <> 0`);
  if (wrongSign.length) fail(`postings whose balance_after has the wrong sign: ${JSON.stringify(wrongSign)}`);

  // (vi) periods: no posting dated in a closed month was recorded after the month was closed
  const intoClosed = await q(
    `select e.region_code, e.fund_line, e.month::text, t.id::text from ledger.period_event e
     join ledger.posting p on p.region_code = e.region_code and p.fund_line = e.fund_line and p.effective_date < e.month + interval '1 month'
     join ledger.transaction t on t.id = p.transaction_id and t.recorded_at > e.at
     where e.action = 'CLOSE'`,
  );
  if (intoClosed.length) fail(`postings into closed months: ${JSON.stringify(intoClosed)}`);

  // (vii) approvals: no lot's available money (AVAILABLE balance less what pending proposals hold) is
  // below zero, and what is held is what the model holds
  const overHeld = await q(
    `select l.id::text, b.balance::text, ledger.lot_held(l.id)::text as held
     from ledger.lot l join (select distinct lot_id from ledger.hold) h on h.lot_id = l.id -- (a lot without holds: its balance ≥ 0 is checked above)
     cross join lateral (select coalesce((select p.balance_after from ledger.posting p where p.lot_id = l.id and p.account_kind = 'AVAILABLE'
                                          and p.region_code = l.region_code order by p.id desc limit 1), 0) as balance) b
     where b.balance < ledger.lot_held(l.id)`,
  );
  if (overHeld.length) fail(`lots holding more than their balance: ${JSON.stringify(overHeld)}`);
  const wantHeld = JSON.stringify([...model.held].filter(([, v]) => v > 0n).sort(([a], [b]) => Number(BigInt(a) - BigInt(b))).map(([lot, held]) => ({ lot, held: held.toString() })));
  const gotHeld = await heldInDatabase();
  if (gotHeld !== wantHeld) fail(`held: the database ${gotHeld}, the model ${wantHeld}`);
  for (const [region, line] of [[COUNTY, null], [CITY, FUND_LINES[0]]] as const) {
    for (const b of await fx.queries.balances(region, line, null, true)) {
      if (b.available !== b.balance - b.held || b.available < 0n && b.accountKind === 'AVAILABLE') fail(`balances(${region}, ${line}).${b.accountKind}: available ${b.available}, balance ${b.balance}, held ${b.held}`);
    }
  }

  // the model: every (region, line, kind, payee, lot) balance
  const actual = await q(
    `select p.region_code, p.fund_line, p.account_kind, a.payee_id, p.lot_id::text, sum(p.amount)::text as total
     from ledger.posting p join ledger.account a on a.id = p.account_id
     group by p.region_code, p.fund_line, p.account_kind, a.payee_id, p.lot_id having sum(p.amount) <> 0`,
  );
  const db = new Map(actual.map((r) => [balKey(r.region_code, r.fund_line, r.account_kind, r.payee_id, r.lot_id), BigInt(r.total)]));
  const expected = new Map([...model.balances].filter(([, v]) => v !== 0n));
  for (const [k, v] of expected) if (db.get(k) !== v) fail(`balance ${k}: the model has ${v}, the ledger ${db.get(k) ?? 0n}`);
  for (const [k, v] of db) if (!expected.has(k)) fail(`balance ${k}: the ledger has ${v}, the model 0`);

  // (iv) balances as of a date, against a brute-force sum over the raw postings and their transactions' dates
  const asOf = date(asOfOffset);
  const raw = await q(
    `select p.region_code, p.fund_line, p.account_kind, p.amount::text, t.effective_date::text as effective_date
     from ledger.posting p join ledger.transaction t on t.id = p.transaction_id`,
  );
  const brute = (regions: (code: string) => boolean, fundLine: string | null) => {
    const sums: Record<string, bigint> = { FUNDING_SOURCE: 0n, AVAILABLE: 0n, IN_TRANSIT_DOWN: 0n, EXPENDITURE: 0n };
    for (const r of raw) {
      if (regions(r.region_code) && (fundLine === null || r.fund_line === fundLine) && r.effective_date <= asOf) sums[r.account_kind] = (sums[r.account_kind] ?? 0n) + BigInt(r.amount);
    }
    return sums;
  };
  const fundLine = FUND_LINES[Math.abs(asOfOffset) % FUND_LINES.length]!;
  const views: [string, string | null, boolean, (code: string) => boolean][] = [
    [CITY, null, true, (c) => cityTree.has(c)],
    [CITY, fundLine, true, (c) => cityTree.has(c)],
    [CITY, null, false, (c) => c === CITY],
    [COUNTY, fundLine, false, (c) => c === COUNTY],
  ];
  for (const [region, line, descendants, inRegion] of views) {
    const got = Object.fromEntries((await fx.queries.balances(region, line, asOf, descendants)).map((b) => [b.accountKind, b.balance]));
    const want = brute(inRegion, line);
    for (const kind of Object.keys(want)) {
      if (got[kind] !== want[kind]) fail(`balances(${region}, ${line}, ${asOf}, ${descendants}).${kind} = ${got[kind]}, the postings sum to ${want[kind]}`);
    }
  }

  // (v) the hash chain, over the whole chain named explicitly and by default
  const head = (await q(`select max(seq)::text as head, count(*)::int as n from ledger.transaction`))[0];
  if (head.head !== null) {
    if (head.head !== String(head.n)) fail(`seqs are not gapless: head ${head.head}, ${head.n} transactions`);
    const verify = await fx.queries.verify('1', head.head);
    if (!verify.ok) fail(`the chain does not verify: ${JSON.stringify(verify)}`);
    if (!(await fx.queries.verify(null, null)).ok) fail('verify(null, null) reports a broken chain');
  }
}

// Regression: verify(null, null) on an empty ledger once threw 'toSeq is before fromSeq'.
// This test runs first, while the file's ledger is still empty.
test('verify(null, null) on an empty ledger answers ok', async () => {
  expect(await transactionCount()).toBe(0);
  expect(await fx.queries.verify(null, null)).toMatchObject({ ok: true, checked: 0, firstBrokenSeq: null, headSeq: null });
});

test(`random operation sequences keep every ledger invariant (seed ${SEED})`, async () => {
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25, size: 'max' }), async (ops) => {
      const run = new Run(`[seed ${SEED}, run ${++runs}]`);
      monthOfRun = runs;
      for (const [i, op] of ops.entries()) {
        await run.step(i, op);
        await checkInvariants((message) => run.fail(i, op, message), op.asOf);
      }
    }),
    { seed: SEED, numRuns: 30, verbose: 1 },
  );
  // The runs did exercise approvals: proposals held money, some were approved, some rejected.
  const { rows } = await fx.db.pool.query(
    `select (select count(*)::int from ledger.proposal) as proposed, (select count(*)::int from ledger.transaction where proposal_id is not null) as approved,
            (select count(*)::int from ledger.proposal_decision where decision = 'REJECTED') as rejected`,
  );
  expect(rows[0].proposed).toBeGreaterThan(0);
  expect(rows[0].approved).toBeGreaterThan(0);
  expect(rows[0].rejected).toBeGreaterThan(0);
}, 300_000);
