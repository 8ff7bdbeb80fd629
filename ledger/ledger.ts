/**
 * The fund ledger's write side. Every public method is atomic and runs as the application role
 * `sunshine_app` (INSERT and SELECT only): a batch in a PostgreSQL transaction of its own, single
 * requests through the pool's group-commit writer (several requests per transaction, each under its
 * own savepoint when needed; see ledger/group-commit.ts). The invariants themselves — append-only,
 * balanced, no overspend, gapless hash chain — are enforced by the database (see
 * migrations/Migration20261123010000_ledger.ts). This facade turns calls into requests
 * (ledger/requests.ts) and hands them to the writer; the rest of the write path is in
 * ledger/planning.ts, journal.ts, idempotency.ts, write.ts and store.ts.
 */
import type pg from 'pg';
import { badInput, fromDatabaseError, LedgerError } from './errors.js';
import { GroupWriter, inLedgerTransaction, writerFor } from './group-commit.js';
import { lockScopedKeys, requireDistinctKeys } from './idempotency.js';
import { PlanningContext } from './planning.js';
import { allocation, appropriation, buildRequest, disbursement, receipt, returnRequest, reversal, type Request } from './requests.js';
import type {
  AllocateInput,
  AppropriateInput,
  DisburseInput,
  PostResult,
  ReceiveAllocationInput,
  ReturnFundsInput,
  ReverseInput,
  TransactionKind,
} from './types.js';
import * as v from './validate.js';
import { writeAtomically } from './write.js';
import { insertPostingsOnly } from './store.js';

export { groupCommitStats } from './group-commit.js';
export { ReferenceCache } from './planning.js';

/** A validated write request, for ledger/approvals (which holds it as a proposal or writes it once approved). */
export type LedgerRequest = Request;

/** What a request would do, planned but not written (ledger/approvals applies the policy to it and holds its money). */
export interface PlanSummary {
  kind: TransactionKind;
  fundLine: string;
  regionCode: string;
  /** Fen moved: the sum of the plan's debits. */
  amount: bigint;
  /** What it takes out of AVAILABLE, per existing lot (the money a proposal holds). */
  spends: { lotId: string; amount: bigint }[];
  /** A reversal's original transaction. */
  reversesId: string | null;
}

export class Ledger {
  private readonly writer: GroupWriter;

  constructor(private readonly pool: pg.Pool) {
    this.writer = writerFor(pool);
  }

  // ---- public writes --------------------------------------------------------------------------

  async appropriate(input: AppropriateInput, actor: string): Promise<PostResult> {
    return this.one(appropriation(input), actor);
  }

  async allocate(input: AllocateInput, actor: string): Promise<PostResult> {
    return this.one(allocation(input), actor);
  }

  async receiveAllocation(input: ReceiveAllocationInput, actor: string): Promise<PostResult> {
    return this.one(receipt(input), actor);
  }

  async disburse(input: DisburseInput, actor: string): Promise<PostResult> {
    return this.one(disbursement(input), actor);
  }

  /** Many disbursements, each with its own idempotency key, in ONE database transaction: all or nothing. */
  async disburseBatch(lines: DisburseInput[], actor: string): Promise<PostResult[]> {
    if (lines.length === 0) throw badInput('a batch needs at least one line', 'lines');
    const requests = lines.map((line, index) => {
      try {
        return disbursement(line);
      } catch (error) {
        if (error instanceof LedgerError) throw new LedgerError(error.code, `line ${index + 1}: ${error.message}`, error.field ? `lines.${index}.${error.field}` : undefined);
        throw error;
      }
    });
    requireDistinctKeys(requests);
    const who = v.requireText(actor, 'actor', 200);
    const accountsUsed = new Map<string, string>();
    const results = await this.inWriteTransaction((client) => writeAtomically(client, requests, who, this.writer.reference, accountsUsed));
    this.writer.reference.addAccounts(accountsUsed); // committed: next month's batch to the same payees skips the account statement
    return results;
  }

  async returnFunds(input: ReturnFundsInput, actor: string): Promise<PostResult> {
    return this.one(returnRequest(input), actor);
  }

  async reverse(input: ReverseInput, actor: string): Promise<PostResult> {
    return this.one(reversal(input), actor);
  }

  // ---- for ledger/approvals ------------------------------------------------------------------

  /** The validated request of one write (BAD_USER_INPUT etc. as the write itself would answer). */
  prepare(kind: TransactionKind, input: unknown): LedgerRequest {
    return buildRequest(kind, input);
  }

  /** Submits a prepared request to the group writer (as the public writes do). */
  submit(request: LedgerRequest, actor: string): Promise<PostResult> {
    return this.one(request, actor);
  }

  /**
   * Runs `fn` in one ledger transaction (application role, chain lock held from the start), with the
   * statement timeout of long writes: it may carry a whole batch.
   */
  inWriteTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inLedgerTransaction(this.pool, fn, 1, { long: true }).catch((error) => {
      throw fromDatabaseError(error) ?? error;
    });
  }

  /** Takes the idempotency-key locks of requests in a ledger transaction; answers each one's recording region. */
  async lockKeys(client: pg.PoolClient, requests: LedgerRequest[]): Promise<(string | null)[]> {
    return (await lockScopedKeys(client, requests)).map((k) => k.region);
  }

  /** Plans requests together on `client` (reads and checks only; nothing is written). */
  async planOnly(client: pg.PoolClient, requests: LedgerRequest[]): Promise<PlanSummary[]> {
    const ctx = new PlanningContext(client, this.writer.reference);
    const out: PlanSummary[] = [];
    for (const request of requests) {
      const plan = await request.plan(ctx);
      const spends = new Map<string, bigint>();
      for (const p of plan.postings) {
        if (p.account.kind === 'AVAILABLE' && p.amount < 0n && 'id' in p.lot) spends.set(p.lot.id, (spends.get(p.lot.id) ?? 0n) - p.amount);
      }
      const amount = plan.postings.reduce((sum, p) => (p.amount > 0n ? sum + p.amount : sum), 0n);
      out.push({ kind: plan.kind, fundLine: plan.fundLine, regionCode: plan.regionCode, amount, spends: [...spends].map(([lotId, a]) => ({ lotId, amount: a })), reversesId: plan.reversesId ?? null });
    }
    return out;
  }

  /**
   * Refuses requests that could not be posted now, as the database would refuse them — balances as
   * of their dates (a back-dated payment), other proposals' holds, closed periods — without writing:
   * their postings go in under a savepoint that is rolled back. A proposal is checked so before it
   * holds money: one the database would never let through held it until it expired, and made the
   * lot's available money negative as of its date.
   */
  async requirePostable(client: pg.PoolClient, requests: LedgerRequest[]): Promise<void> {
    const ctx = new PlanningContext(client, this.writer.reference);
    const planned = [];
    for (const request of requests) planned.push({ request, actor: 'dry run', plan: await request.plan(ctx), id: '' });
    const { rows } = await client.query(`select nextval('ledger.transaction_id_seq')::text as id from generate_series(1, $1::int)`, [planned.length]);
    planned.forEach((p, i) => (p.id = rows[i].id));
    await client.query('savepoint ledger_dry_run');
    try {
      await insertPostingsOnly(client, planned);
      // An allocation's own rule is its header's (the receiving region's period), which a dry run does not insert.
      const allocations = planned.filter((p) => p.plan.kind === 'ALLOCATION' && p.plan.counterpartRegionCode);
      if (allocations.length) {
        await client.query(
          `select ledger.require_receiver_period_open(r, f, d) from unnest($1::text[], $2::text[], $3::date[]) t (r, f, d)`,
          [allocations.map((p) => p.plan.counterpartRegionCode), allocations.map((p) => p.plan.fundLine), allocations.map((p) => p.request.effectiveDate)],
        );
      }
    } catch (error) {
      await client.query('rollback to savepoint ledger_dry_run');
      throw fromDatabaseError(error) ?? error;
    }
    await client.query('rollback to savepoint ledger_dry_run');
  }

  /** Writes requests all or nothing inside a transaction opened by inWriteTransaction (replays answered as usual). */
  async writeIn(client: pg.PoolClient, requests: LedgerRequest[], actor: string): Promise<PostResult[]> {
    return writeAtomically(client, requests, v.requireText(actor, 'actor', 200), this.writer.reference);
  }

  private one(request: Request, actor: string): Promise<PostResult> {
    return this.writer.submit({ request, actor: v.requireText(actor, 'actor', 200), attempts: 0 });
  }
}
