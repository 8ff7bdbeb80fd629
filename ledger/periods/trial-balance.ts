/**
 * The monthly trial balance (试算平衡表) of a region and fund line: per account kind, and per lot,
 * the opening balance, debits, credits and closing balance of the month — for the region alone
 * (REGION) or summed over it and every region below it (SUBTREE). Computed from the postings alone
 * (so anyone can recompute it), optionally only from transactions up to a chain seq (what a seal
 * saw). Sealing stores it (ledger.trial_balance_line); the export module can take these rows as a
 * row source.
 */
import type pg from 'pg';
import { ACCOUNT_KINDS, type AccountKind } from '../types.js';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export type TrialBalanceScope = 'REGION' | 'SUBTREE';

export interface TrialBalanceLine {
  scope: TrialBalanceScope;
  accountKind: AccountKind;
  /** Null: the total of the account kind over all lots. */
  lotId: string | null;
  /** Balances are signed like postings: + debit, − credit (FUNDING_SOURCE is ≤ 0). */
  opening: bigint;
  /** Sum of the month's positive postings. */
  debits: bigint;
  /** Sum of the month's negative postings, as a positive number. */
  credits: bigint;
  closing: bigint;
}

export interface TrialBalanceQuery {
  regionCode: string;
  fundLine: string;
  /** First day of the month, YYYY-MM-01. */
  monthStart: string;
  scope: TrialBalanceScope;
  /** Only transactions with seq ≤ this (the chain head a seal was computed at); all when null. */
  atSeq?: string | null;
}

const KIND_ORDER = new Map(ACCOUNT_KINDS.map((kind, i) => [kind, i]));

/** Sorted: account kinds in ledger order, the kind's total first, then its lots by id. */
export function sortLines(lines: TrialBalanceLine[]): TrialBalanceLine[] {
  return lines.sort(
    (a, b) =>
      (a.scope === b.scope ? 0 : a.scope === 'REGION' ? -1 : 1) ||
      KIND_ORDER.get(a.accountKind)! - KIND_ORDER.get(b.accountKind)! ||
      (a.lotId === null ? -1 : b.lotId === null ? 1 : a.lotId.length - b.lotId.length || (a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0)),
  );
}

/** The trial balance from the postings. Lines whose opening and movements are all zero are left out. */
export async function computeTrialBalance(db: Queryable, q: TrialBalanceQuery): Promise<TrialBalanceLine[]> {
  const { rows } = await db.query(
    `with bounds as (select code as lo, case when $4 then subtree_max else code end as hi from region where code = $1)
     select p.account_kind, p.lot_id::text as lot_id, grouping(p.lot_id) = 1 as total,
            coalesce(sum(p.amount) filter (where p.effective_date < $3::date), 0)::text as opening,
            coalesce(sum(p.amount) filter (where p.effective_date >= $3::date and p.amount > 0), 0)::text as debits,
            coalesce(-sum(p.amount) filter (where p.effective_date >= $3::date and p.amount < 0), 0)::text as credits,
            sum(p.amount)::text as closing
     from bounds b
     join ledger.account a on a.region_code between b.lo and b.hi and a.fund_line = $2
     join ledger.posting p on p.account_id = a.id
     join ledger.transaction t on t.id = p.transaction_id
     where p.effective_date < ($3::date + interval '1 month') and ($5::bigint is null or t.seq <= $5::bigint)
     group by grouping sets ((p.account_kind, p.lot_id), (p.account_kind))
     having coalesce(sum(p.amount) filter (where p.effective_date < $3::date), 0) <> 0
         or count(*) filter (where p.effective_date >= $3::date) > 0`,
    [q.regionCode, q.fundLine, q.monthStart, q.scope === 'SUBTREE', q.atSeq ?? null],
  );
  return sortLines(
    rows.map((r) => ({
      scope: q.scope,
      accountKind: r.account_kind as AccountKind,
      lotId: r.total ? null : (r.lot_id as string),
      opening: BigInt(r.opening),
      debits: BigInt(r.debits),
      credits: BigInt(r.credits),
      closing: BigInt(r.closing),
    })),
  );
}

/** The lines stored by a seal. */
export async function sealedTrialBalance(db: Queryable, sealEventId: string): Promise<TrialBalanceLine[]> {
  const { rows } = await db.query(
    `select scope, account_kind, lot_id::text as lot_id, opening::text, debits::text, credits::text, closing::text
     from ledger.trial_balance_line where seal_event_id = $1`,
    [sealEventId],
  );
  return sortLines(
    rows.map((r) => ({
      scope: r.scope as TrialBalanceScope,
      accountKind: r.account_kind as AccountKind,
      lotId: r.lot_id,
      opening: BigInt(r.opening),
      debits: BigInt(r.debits),
      credits: BigInt(r.credits),
      closing: BigInt(r.closing),
    })),
  );
}

/** Stores a seal's lines (both scopes) in one statement. */
export async function storeTrialBalance(db: Queryable, sealEventId: string, lines: TrialBalanceLine[]): Promise<void> {
  if (!lines.length) return;
  await db.query(
    `insert into ledger.trial_balance_line (seal_event_id, scope, account_kind, lot_id, opening, debits, credits, closing)
     select $1, * from unnest($2::text[], $3::text[], $4::bigint[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[])`,
    [
      sealEventId,
      lines.map((l) => l.scope),
      lines.map((l) => l.accountKind),
      lines.map((l) => l.lotId),
      lines.map((l) => l.opening.toString()),
      lines.map((l) => l.debits.toString()),
      lines.map((l) => l.credits.toString()),
      lines.map((l) => l.closing.toString()),
    ],
  );
}

/** Same lines, same figures (order-insensitive only in that both are sorted the same way). */
export function sameLines(a: TrialBalanceLine[], b: TrialBalanceLine[]): boolean {
  const text = (lines: TrialBalanceLine[]) =>
    JSON.stringify(sortLines([...lines]).map((l) => [l.scope, l.accountKind, l.lotId, `${l.opening}`, `${l.debits}`, `${l.credits}`, `${l.closing}`]));
  return text(a) === text(b);
}
