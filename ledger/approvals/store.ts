/** Proposals as stored: reading them with their items, decision, holds and transactions; recording new ones. */
import type pg from 'pg';
import type { TransactionKind } from '../types.js';
import type { ApprovalOperation } from './policies.js';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export type ProposalStatus = 'PENDING' | 'APPROVED' | 'REJECTED' | 'EXPIRED';

export interface ProposalItemRecord {
  n: number;
  kind: TransactionKind;
  regionCode: string;
  idempotencyKey: string;
}

export interface ProposalRecord {
  id: string;
  operation: ApprovalOperation;
  /** The region it is recorded at (of its first write): approvers need jurisdiction over it and every item's region. */
  regionCode: string;
  fundLine: string;
  /** Fen the policy was applied to (a batch: its total). */
  amount: bigint;
  effectiveDate: string;
  proposedBy: string;
  proposedAt: string;
  expiresAt: string;
  /** PENDING past its expiry reads as EXPIRED (it holds nothing any more) even before the expiry is recorded. */
  status: ProposalStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  /** Fen it holds now (0 once decided or expired). */
  held: bigint;
  policyChangeId: string;
  items: ProposalItemRecord[];
  /** The ledger transactions it became (approved), in item order. */
  transactionIds: string[];
}

/** An item with what is needed to write it once approved. */
export interface StoredItem extends ProposalItemRecord {
  requestHash: Buffer;
  request: Record<string, unknown>;
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Proposals by id, in the order asked (missing ids left out). */
export async function loadProposals(db: Queryable, ids: readonly string[]): Promise<ProposalRecord[]> {
  if (!ids.length) return [];
  const { rows } = await db.query(
    `select p.id::text, p.operation, p.region_code, p.fund_line, p.amount::text, p.effective_date::text, p.proposed_by,
            ${iso('p.proposed_at')} as proposed_at, ${iso('p.expires_at')} as expires_at, p.policy_change_id::text,
            d.decision, d.decided_by, ${iso('d.decided_at')} as decided_at, d.reason, p.expires_at <= now() as expired,
            (select coalesce(sum(h.amount), 0)::text from ledger.hold h where h.proposal_id = p.id) as hold_total,
            (select coalesce(json_agg(json_build_object('n', i.n, 'kind', i.kind, 'regionCode', i.region_code, 'idempotencyKey', i.idempotency_key) order by i.n), '[]')
               from ledger.proposal_item i where i.proposal_id = p.id) as items,
            (select coalesce(json_agg(t.id::text order by t.seq), '[]') from ledger.transaction t where t.proposal_id = p.id) as transactions
     from ledger.proposal p left join ledger.proposal_decision d on d.proposal_id = p.id
     where p.id = any($1::bigint[])`,
    [ids],
  );
  const byId = new Map(
    rows.map((r) => {
      const status: ProposalStatus = r.decision ?? (r.expired ? 'EXPIRED' : 'PENDING');
      const record: ProposalRecord = {
        id: r.id, operation: r.operation, regionCode: r.region_code, fundLine: r.fund_line, amount: BigInt(r.amount), effectiveDate: r.effective_date,
        proposedBy: r.proposed_by, proposedAt: r.proposed_at, expiresAt: r.expires_at, status,
        decidedBy: r.decided_by, decidedAt: r.decided_at, decisionReason: r.reason,
        held: status === 'PENDING' ? BigInt(r.hold_total) : 0n, policyChangeId: r.policy_change_id, items: r.items, transactionIds: r.transactions,
      };
      return [r.id as string, record];
    }),
  );
  return ids.map((id) => byId.get(id)).filter((p): p is ProposalRecord => p !== undefined);
}

export async function loadItems(db: Queryable, proposalId: string): Promise<StoredItem[]> {
  const { rows } = await db.query(
    `select n, kind, region_code, idempotency_key, request_hash, request from ledger.proposal_item where proposal_id = $1 order by n`,
    [proposalId],
  );
  return rows.map((r) => ({ n: r.n, kind: r.kind, regionCode: r.region_code, idempotencyKey: r.idempotency_key, requestHash: r.request_hash, request: r.request }));
}

/** Items already holding any of these (region, key) pairs. */
export async function itemsWithKeys(db: Queryable, keys: { region: string; key: string }[]): Promise<{ proposalId: string; n: number; region: string; key: string; requestHash: Buffer }[]> {
  if (!keys.length) return [];
  const { rows } = await db.query(
    `select i.proposal_id::text, i.n, i.region_code, i.idempotency_key, i.request_hash
     from unnest($1::text[], $2::text[]) k (region_code, idempotency_key)
     join ledger.proposal_item i on i.region_code = k.region_code and i.idempotency_key = k.idempotency_key`,
    [keys.map((k) => k.region), keys.map((k) => k.key)],
  );
  return rows.map((r) => ({ proposalId: r.proposal_id, n: r.n, region: r.region_code, key: r.idempotency_key, requestHash: r.request_hash }));
}

/** Ledger transactions already carrying any of these (region, key) pairs. */
export async function transactionsWithKeys(db: Queryable, keys: { region: string; key: string }[]): Promise<number> {
  if (!keys.length) return 0;
  const { rows } = await db.query(
    `select count(*)::int as n from unnest($1::text[], $2::text[]) k (region_code, idempotency_key)
     join ledger.transaction t on t.region_code = k.region_code and t.idempotency_key = k.idempotency_key`,
    [keys.map((k) => k.region), keys.map((k) => k.key)],
  );
  return rows[0].n;
}

export interface NewProposal {
  operation: ApprovalOperation;
  regionCode: string;
  fundLine: string;
  amount: bigint;
  effectiveDate: string;
  proposedBy: string;
  ttlHours: number;
  policyChangeId: string;
  items: (ProposalItemRecord & { requestHash: Buffer; request: Record<string, unknown> })[];
  holds: { lotId: string; amount: bigint }[];
}

/** Records a proposal, its items and its holds (the hold trigger refuses what is not available: SL030). */
export async function insertProposal(client: pg.PoolClient, p: NewProposal): Promise<string> {
  const { rows } = await client.query(
    `insert into ledger.proposal (operation, region_code, fund_line, amount, effective_date, proposed_by, expires_at, policy_change_id)
     values ($1, $2, $3, $4, $5, $6, clock_timestamp() + make_interval(secs => $7::float8 * 3600), $8) returning id::text`,
    [p.operation, p.regionCode, p.fundLine, p.amount.toString(), p.effectiveDate, p.proposedBy, p.ttlHours, p.policyChangeId],
  );
  const id: string = rows[0].id;
  await client.query(
    `insert into ledger.proposal_item (proposal_id, n, kind, region_code, idempotency_key, request_hash, request)
     select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::jsonb[])`,
    [id, p.items.map((i) => i.n), p.items.map((i) => i.kind), p.items.map((i) => i.regionCode), p.items.map((i) => i.idempotencyKey),
      p.items.map((i) => i.requestHash), p.items.map((i) => JSON.stringify(i.request, (_k, value) => (typeof value === 'bigint' ? value.toString() : value)))],
  );
  if (p.holds.length) {
    // Sorted by lot: lot locks are taken in ascending order, like the postings'.
    const holds = [...p.holds].sort((a, b) => a.lotId.length - b.lotId.length || (a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0));
    await client.query(
      `insert into ledger.hold (proposal_id, lot_id, amount, expires_at)
       select $1, h.lot_id, h.amount, (select expires_at from ledger.proposal where id = $1)
       from unnest($2::bigint[], $3::bigint[]) with ordinality h (lot_id, amount, n) order by h.n`,
      [id, holds.map((h) => h.lotId), holds.map((h) => h.amount.toString())],
    );
  }
  return id;
}

/** Records a decision; false when the proposal already has one (the primary key decides races). */
export async function insertDecision(db: Queryable, proposalId: string, decision: Exclude<ProposalStatus, 'PENDING'>, by: string, reason: string | null): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into ledger.proposal_decision (proposal_id, decision, decided_by, reason) values ($1, $2, $3, $4) on conflict (proposal_id) do nothing`,
    [proposalId, decision, by, reason],
  );
  return rowCount === 1;
}

/** Pending proposals whose expiry has passed, in a subtree: their expiry is recorded (for the record; they hold nothing already). */
export async function recordExpiries(db: Queryable, low: string, high: string): Promise<void> {
  await db.query(
    `insert into ledger.proposal_decision (proposal_id, decision, decided_by, reason)
     select p.id, 'EXPIRED', 'system', 'not approved before ' || to_char(p.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
     from ledger.proposal p
     where p.region_code between $1 and $2 and p.expires_at <= now()
       and not exists (select from ledger.proposal_decision d where d.proposal_id = p.id)
     order by p.id
     on conflict (proposal_id) do nothing`,
    [low, high],
  );
}

/** Ids of the pending (undecided, unexpired) proposals recorded in a subtree, oldest first. */
export async function pendingIds(db: Queryable, low: string, high: string, limit: number): Promise<string[]> {
  const { rows } = await db.query(
    `select p.id::text from ledger.proposal p
     where p.region_code between $1 and $2 and p.expires_at > now()
       and not exists (select from ledger.proposal_decision d where d.proposal_id = p.id)
     order by p.id limit $3`,
    [low, high, limit],
  );
  return rows.map((r) => r.id);
}
