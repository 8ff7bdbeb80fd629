/**
 * Four-eyes approvals (审批, 双人复核) and commitments (预留). Every ledger write of the API comes
 * through here: when the approval policy of its fund line and operation applies, it is recorded as
 * a proposal that holds its money at once (ledger.hold; PostgreSQL refuses any hold or spend that
 * would take a lot's available money below zero), and it becomes ledger transactions only when a
 * second person with `ledger:approve` and jurisdiction approves it. Otherwise it is written as
 * before. Decisions are rows (ledger.proposal_decision), one per proposal; a pending proposal past
 * its expiry holds nothing (the database reads the clock), and its expiry is recorded when seen.
 */
import type pg from 'pg';
import { loadConfig } from '../../platform/config.js';
import { AS_APP_ROLE, inTransaction } from '../../platform/sql.js';
import type { Viewer } from '../../auth/viewer.js';
import { commonAncestorOf, subtreeRangeOf } from '../../platform/region-code.js';
import { Ledger, type LedgerRequest, type PlanSummary } from '../ledger.js';
import { badInput, LedgerError } from '../errors.js';
import { requireDistinctKeys } from '../idempotency.js';
import { positiveFen } from '../money.js';
import type {
  AllocateInput, AppropriateInput, DisburseInput, PostResult, ReceiveAllocationInput, ReturnFundsInput, ReverseInput, TransactionKind, TransactionRecord,
} from '../types.js';
import { loadTransactions } from '../queries.js';
import * as v from '../validate.js';
import { cachedPolicies, currentPolicies, requiresApproval, type PolicyRecord } from './policies.js';
import {
  insertDecision, insertProposal, itemsWithKeys, loadItems, loadProposals, pendingIds, recordExpiries, transactionsWithKeys, type ProposalRecord,
} from './store.js';

/** How long a proposal waits for its approval: APPROVAL_TTL_HOURS (platform/config.ts), read once. */
let configuredTtl: number | undefined;
export const approvalTtlHours = () => (configuredTtl ??= loadConfig().approvalTtlHours);
/** The most proposals one pendingApprovals answer lists. */
export const MAX_PENDING = 500;

/** What a write answers: the transaction(s) written, or the proposal waiting for approval. */
export interface WriteOutcome {
  transaction: TransactionRecord | null;
  proposal: ProposalRecord | null;
  replayed: boolean;
}

/** A write as it arrives: its kind, its input (the ledger validates it) and the facts its policy needs, when the input tells them. */
interface Write {
  kind: TransactionKind;
  input: Record<string, unknown>;
  request: LedgerRequest;
}

const conflict = (message: string) => new LedgerError('IDEMPOTENCY_CONFLICT', message, 'idempotencyKey');

export class Approvals {
  private readonly ttlHours: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly ledger: Ledger = new Ledger(pool),
    options: { ttlHours?: number } = {},
  ) {
    this.ttlHours = options.ttlHours ?? approvalTtlHours();
  }

  // ---- writes that may need approval -----------------------------------------------------------

  appropriate(input: AppropriateInput, actor: string): Promise<WriteOutcome> {
    return this.single('APPROPRIATION', input, actor, { fundLine: input.fundLine, amount: input.amount });
  }

  allocate(input: AllocateInput, actor: string): Promise<WriteOutcome> {
    return this.single('ALLOCATION', input, actor, { fundLine: input.fundLine, amount: input.amount });
  }

  disburse(input: DisburseInput, actor: string): Promise<WriteOutcome> {
    return this.single('DISBURSEMENT', input, actor, { fundLine: input.fundLine, amount: input.amount });
  }

  receiveAllocation(input: ReceiveAllocationInput, actor: string): Promise<WriteOutcome> {
    return this.single('ALLOCATION_RECEIVED', input, actor, null);
  }

  returnFunds(input: ReturnFundsInput, actor: string): Promise<WriteOutcome> {
    return this.single('RETURN', input, actor, null);
  }

  reverse(input: ReverseInput, actor: string): Promise<WriteOutcome> {
    return this.single('REVERSAL', input, actor, null);
  }

  /**
   * A monthly run: approved once, as a batch, when the total of any of its fund lines reaches the
   * DISBURSEMENT_BATCH policy or any line the DISBURSEMENT policy; then every line waits in one
   * proposal. One outcome per line.
   */
  async disburseBatch(lines: DisburseInput[], actor: string): Promise<WriteOutcome[]> {
    if (lines.length === 0) throw badInput('a batch needs at least one line', 'lines');
    const writes = lines.map((line, index) => {
      try {
        return this.write('DISBURSEMENT', line);
      } catch (error) {
        if (error instanceof LedgerError) throw new LedgerError(error.code, `line ${index + 1}: ${error.message}`, error.field ? `lines.${index}.${error.field}` : undefined);
        throw error;
      }
    });
    // (as Ledger.disburseBatch does: a proposal's items carry distinct keys, or its insert fails)
    requireDistinctKeys(writes.map((w) => w.request));
    const totals = new Map<string, bigint>();
    const largest = new Map<string, bigint>();
    for (const line of lines) {
      const amount = positiveFen(line.amount);
      totals.set(line.fundLine, (totals.get(line.fundLine) ?? 0n) + amount);
      if (amount > (largest.get(line.fundLine) ?? 0n)) largest.set(line.fundLine, amount);
    }
    const policies = await cachedPolicies(this.pool);
    const needs = [...totals].some(([fundLine, total]) =>
      requiresApproval(policyOf(policies, fundLine, 'DISBURSEMENT_BATCH'), total) || requiresApproval(policyOf(policies, fundLine, 'DISBURSEMENT'), largest.get(fundLine)!));
    if (!needs) return (await this.ledger.disburseBatch(lines, actor)).map(direct);
    return this.decideInTransaction(writes, actor, true);
  }

  private write(kind: TransactionKind, input: object): Write {
    return { kind, input: input as Record<string, unknown>, request: this.ledger.prepare(kind, input) };
  }

  /**
   * One write. When the input names its fund line and amount (appropriations, allocations,
   * payments) the policy is looked up first (cachedPolicies: no round trip), and a write below it
   * goes to the ledger's group writer as before — a key a proposal already carries is refused there
   * by the database (SL032 → IDEMPOTENCY_CONFLICT); otherwise (receipts, returns, reversals: the fund line and amount are those of the rows
   * they refer to) the decision is made in the write's own transaction, on its plan.
   */
  private async single(kind: TransactionKind, input: object, actor: string, facts: { fundLine: string; amount: bigint } | null): Promise<WriteOutcome> {
    const write = this.write(kind, input);
    if (facts) {
      const policy = policyOf(await cachedPolicies(this.pool), facts.fundLine, kind);
      if (!requiresApproval(policy, positiveFen(facts.amount))) {
        try {
          return direct(await this.ledger.submit(write.request, actor));
        } catch (error) {
          // A pending proposal may carry the key (the threshold was raised since it was proposed):
          // its own hold (INSUFFICIENT_FUNDS) or its key (SL032) refused the direct write. Decided as
          // above the threshold, the same request replays the proposal; any other answer is the same.
          if (error instanceof LedgerError && (error.code === 'IDEMPOTENCY_CONFLICT' || error.code === 'INSUFFICIENT_FUNDS')) {
            return (await this.decideInTransaction([write], actor, false))[0]!;
          }
          throw error;
        }
      }
    }
    return (await this.decideInTransaction([write], actor, false))[0]!;
  }

  /**
   * In one ledger transaction, under the idempotency locks: a replay (of the transactions, or of the
   * proposal, that carry these keys), or the plan, the policy applied to it, and then either the
   * writes or the proposal with its holds.
   */
  private async decideInTransaction(writes: Write[], actor: string, batch: boolean): Promise<WriteOutcome[]> {
    const who = v.requireText(actor, 'actor', 200);
    const requests = writes.map((w) => w.request);
    return this.ledger.inWriteTransaction(async (client) => {
      const regions = await this.ledger.lockKeys(client, requests);
      const keys = requests.flatMap((r, i) => (regions[i] ? [{ region: regions[i]!, key: r.idempotencyKey }] : []));
      const written = await transactionsWithKeys(client, keys);
      if (written === requests.length) return (await this.ledger.writeIn(client, requests, who)).map(direct);
      if (written > 0) throw conflict('some of these idempotency keys were already used for ledger transactions, others not');
      const replay = await this.proposalReplay(client, requests, keys);
      if (replay) return writes.map(() => ({ transaction: null, proposal: replay, replayed: true }));

      const plans = await this.ledger.planOnly(client, requests);
      const policy = await this.policyFor(client, plans, batch);
      if (!policy) return (await this.ledger.writeIn(client, requests, who)).map(direct);
      // What the approval would write must be postable now (as of its dates too): else it is refused
      // as a direct write would be, and holds nothing.
      await this.ledger.requirePostable(client, requests);
      await refuseSecondReversal(client, plans);
      const id = await insertProposal(client, {
        operation: policy.operation,
        // Recorded where every line lies (the city of a batch over two counties): listed, read and
        // decided there and above, never under one county with another county's lines in it.
        regionCode: commonAncestorOf(plans.map((p) => p.regionCode)) ?? plans[0]!.regionCode,
        fundLine: policy.fundLine,
        amount: plans.reduce((sum, p) => sum + p.amount, 0n),
        // A batch's lines keep their own dates; the proposal shows the earliest (the first line's was shown).
        effectiveDate: requests.map((r) => r.effectiveDate).reduce((a, b) => (b < a ? b : a)),
        proposedBy: who,
        ttlHours: this.ttlHours,
        policyChangeId: policy.changeId,
        items: writes.map((w, n) => ({
          n, kind: w.kind, regionCode: plans[n]!.regionCode, idempotencyKey: w.request.idempotencyKey, requestHash: w.request.requestHash,
          request: pinLot(w, plans[n]!),
        })),
        holds: mergeSpends(plans),
      });
      const [proposal] = await loadProposals(client, [id]);
      return writes.map(() => ({ transaction: null, proposal: proposal!, replayed: false }));
    });
  }

  /** The proposal these keys already belong to, when it is the same request; a conflict when it is not. */
  private async proposalReplay(client: pg.PoolClient, requests: LedgerRequest[], keys: { region: string; key: string }[]): Promise<ProposalRecord | null> {
    const items = await itemsWithKeys(client, keys);
    if (!items.length) return null;
    const ids = new Set(items.map((i) => i.proposalId));
    const [proposal] = await loadProposals(client, [items[0]!.proposalId]);
    const same =
      ids.size === 1 && items.length === requests.length && proposal!.items.length === requests.length &&
      requests.every((r) => items.some((i) => i.key === r.idempotencyKey && i.requestHash.equals(r.requestHash)));
    if (!same) throw conflict(`idempotency key ${items[0]!.key} was already used for a different request (proposal ${items[0]!.proposalId})`);
    return proposal!;
  }

  /** The policy that makes these plans need approval (the first one that does), or null. */
  private async policyFor(client: pg.PoolClient, plans: PlanSummary[], batch: boolean): Promise<PolicyRecord | null> {
    const policies = await currentPolicies(client, { fundLines: [...new Set(plans.map((p) => p.fundLine))] });
    if (batch) {
      const totals = new Map<string, bigint>();
      for (const p of plans) totals.set(p.fundLine, (totals.get(p.fundLine) ?? 0n) + p.amount);
      for (const [fundLine, total] of totals) {
        const batchPolicy = policyOf(policies, fundLine, 'DISBURSEMENT_BATCH');
        if (requiresApproval(batchPolicy, total)) return batchPolicy!;
        const single = policyOf(policies, fundLine, 'DISBURSEMENT');
        if (plans.some((p) => p.fundLine === fundLine && requiresApproval(single, p.amount))) return single!;
      }
      return null;
    }
    const [plan] = plans;
    const policy = policyOf(policies, plan!.fundLine, plan!.kind);
    return requiresApproval(policy, plan!.amount) ? policy! : null;
  }

  // ---- decisions -------------------------------------------------------------------------------

  /**
   * Approves a pending proposal: a second person (never the proposer: SELF_APPROVAL) with
   * `ledger:approve` and jurisdiction over every region it writes at. Its hold is released and its
   * writes are posted in the same transaction, carrying its idempotency keys, the proposer and the
   * approver inside their hashes. A closed month refuses it like any posting (PERIOD_CLOSED).
   */
  async approve(viewer: Viewer, id: string): Promise<{ proposal: ProposalRecord; transactions: TransactionRecord[] }> {
    const proposal = await this.decidable(viewer, id);
    if (proposal.proposedBy === viewer.subject) {
      throw new LedgerError('SELF_APPROVAL', `you proposed this (proposal ${id}); another person must approve it`);
    }
    const transactions = await this.ledger.inWriteTransaction(async (client) => {
      if (!(await insertDecision(client, id, 'APPROVED', viewer.subject, null))) throw notPending(id);
      // The clock the holds are read with (this transaction's now()): expired meanwhile, it holds nothing.
      const { rows } = await client.query('select expires_at <= now() as expired from ledger.proposal where id = $1', [id]);
      if (rows[0].expired) throw new LedgerError('PROPOSAL_EXPIRED', `proposal ${id} expired at ${proposal.expiresAt}; propose it again`);
      const items = await loadItems(client, id);
      const requests = items.map((item) => ({
        ...this.ledger.prepare(item.kind, item.request),
        requestHash: item.requestHash,
        approval: { proposalId: id, proposedBy: proposal.proposedBy, approvedBy: viewer.subject },
      }));
      const results = await this.ledger.writeIn(client, requests, proposal.proposedBy);
      if (results.some((r) => r.replayed)) throw conflict(`an idempotency key of proposal ${id} was used meanwhile for another ledger transaction`);
      return results.map((r) => r.transaction);
    });
    return { proposal: (await loadProposals(this.pool, [id]))[0]!, transactions };
  }

  /** Rejects a pending proposal (with a reason): its hold is released. The proposer may withdraw their own this way. */
  async reject(viewer: Viewer, id: string, reason: unknown): Promise<ProposalRecord> {
    const why = v.freeText(reason, 'reason', 2000);
    await this.decidable(viewer, id);
    if (!(await this.asApp((client) => insertDecision(client, id, 'REJECTED', viewer.subject, why)))) throw notPending(id);
    return (await loadProposals(this.pool, [id]))[0]!;
  }

  /** A proposal the viewer may decide: in scope, pending; an expired one gets its expiry recorded and is refused. */
  private async decidable(viewer: Viewer, id: string): Promise<ProposalRecord> {
    viewer.require('ledger:approve');
    v.id(id, 'id');
    const [proposal] = await loadProposals(this.pool, [id]);
    if (!proposal) throw new LedgerError('NOT_FOUND', `no proposal ${id}`, 'id');
    // Every region it writes at, not only the one it is listed under.
    viewer.requireInScope(proposal.regionCode, `proposal ${id}`);
    for (const item of proposal.items) viewer.requireInScope(item.regionCode, `proposal ${id}`);
    if (proposal.status === 'EXPIRED') {
      await this.asApp((client) => insertDecision(client, id, 'EXPIRED', 'system', `not approved before ${proposal.expiresAt}`));
      throw new LedgerError('PROPOSAL_EXPIRED', `proposal ${id} expired at ${proposal.expiresAt}; propose it again`);
    }
    if (proposal.status !== 'PENDING') throw notPending(id, proposal.status);
    return proposal;
  }

  /** A write of this module outside the ledger's write transaction: as the application role, like every ledger write. */
  private asApp<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn, AS_APP_ROLE);
  }

  // ---- reads -----------------------------------------------------------------------------------

  /** Pending proposals recorded in a region's subtree (the viewer's jurisdiction), oldest first; expiries seen are recorded. */
  async pending(viewer: Viewer, regionCode: string): Promise<ProposalRecord[]> {
    const code = v.regionCode(regionCode, 'regionCode');
    viewer.requireAt('ledger:read', code, `regionCode ${code}`);
    const [low, high] = subtreeRangeOf(code);
    await this.asApp((client) => recordExpiries(client, low, high));
    const proposals = await loadProposals(this.pool, await pendingIds(this.pool, low, high, MAX_PENDING));
    return proposals.filter((p) => p.items.every((i) => viewer.inScope(i.regionCode)));
  }

  /** One proposal the viewer may see (in scope), or null. */
  async get(viewer: Viewer, id: string): Promise<ProposalRecord | null> {
    viewer.require('ledger:read');
    v.id(id, 'id');
    const [proposal] = await loadProposals(this.pool, [id]);
    if (!proposal) return null;
    viewer.requireInScope(proposal.regionCode, `proposal ${id}`);
    return proposal;
  }

  transactions(ids: string[]): Promise<TransactionRecord[]> {
    return loadTransactions(this.pool, ids);
  }
}

const direct = (result: PostResult): WriteOutcome => ({ transaction: result.transaction, proposal: null, replayed: result.replayed });

const notPending = (id: string, status?: string) =>
  new LedgerError('PROPOSAL_NOT_PENDING', `proposal ${id} is ${status ?? 'already decided'}, not pending`);

const policyOf = (policies: PolicyRecord[], fundLine: string, operation: string) => policies.find((p) => p.fundLine === fundLine && p.operation === operation);

/** The input as it will be written once approved, with the lot its plan chose: the money held is the money spent. */
/**
 * A transaction is reversed once: while a proposal to reverse it is pending, a second one (another
 * key, another officer) could never be approved — it would fail then with ALREADY_REVERSED, after a
 * second person had spent their review on it. Refused now with the same code, naming the pending
 * proposal. (Proposals are decided under the chain lock, so two cannot pass this check at once.)
 */
async function refuseSecondReversal(client: pg.PoolClient, plans: PlanSummary[]): Promise<void> {
  const originals = plans.flatMap((p) => (p.reversesId ? [p.reversesId] : []));
  if (!originals.length) return;
  const { rows } = await client.query<{ original: string; proposal: string }>(
    `select i.request->>'transactionId' as original, p.id::text as proposal
     from ledger.proposal_item i join ledger.proposal p on p.id = i.proposal_id
     where i.kind = 'REVERSAL' and i.request->>'transactionId' = any($1::text[]) and p.expires_at > now()
       and not exists (select from ledger.proposal_decision d where d.proposal_id = p.id)
     order by p.id limit 1`,
    [originals],
  );
  const pending = rows[0];
  if (pending) {
    throw new LedgerError('ALREADY_REVERSED', `transaction ${pending.original} is already proposed for reversal (proposal ${pending.proposal}, pending): approve or reject that one`, 'transactionId');
  }
}

function pinLot(write: Write, plan: PlanSummary): Record<string, unknown> {
  if ((write.kind === 'ALLOCATION' || write.kind === 'DISBURSEMENT') && plan.spends.length === 1) return { ...write.input, lotId: plan.spends[0]!.lotId };
  return write.input;
}

function mergeSpends(plans: PlanSummary[]): { lotId: string; amount: bigint }[] {
  const byLot = new Map<string, bigint>();
  for (const p of plans) for (const s of p.spends) byLot.set(s.lotId, (byLot.get(s.lotId) ?? 0n) + s.amount);
  return [...byLot].map(([lotId, amount]) => ({ lotId, amount }));
}

