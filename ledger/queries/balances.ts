/** Balances per account kind: of a region or subtree as of any date, and of lots (less what pending proposals hold). */
import { badInput } from '../errors.js';
import { ACCOUNT_KINDS, type AccountKind } from '../types.js';
import * as v from '../validate.js';
import { regionRange, type Queryable } from './records.js';
import { join, sql } from '../../platform/sql.js';

export interface BalanceLine {
  accountKind: AccountKind;
  /** Signed, debit positive: FUNDING_SOURCE is ≤ 0 (money that came in), the others ≥ 0. */
  balance: bigint;
  /** Held by pending proposals (ledger/approvals): only AVAILABLE money is held, 0 for the other kinds. */
  held: bigint;
  /** balance − held: what can still be spent (never below zero: the database refuses holds and spends beyond it). */
  available: bigint;
}

/** One line per account kind (zero where no posting), from rows of (kind, summed balance as text). */
function perAccountKind(rows: { kind: AccountKind; balance: string }[], held = 0n): BalanceLine[] {
  const byKind = new Map(rows.map((r) => [r.kind, BigInt(r.balance)]));
  return ACCOUNT_KINDS.map((accountKind) => {
    const balance = byKind.get(accountKind) ?? 0n;
    const onHold = accountKind === 'AVAILABLE' ? held : 0n;
    return { accountKind, balance, held: onHold, available: balance - onHold };
  });
}

/** What pending proposals hold now on lots of regions in [low, high] (one fund line or all; with asOf, proposals dated up to it). */
const HELD_SQL = `select coalesce(sum(h.amount), 0)::text as held
  from ledger.hold h join ledger.lot l on l.id = h.lot_id join ledger.proposal p on p.id = h.proposal_id
  where l.region_code between $1 and $2 and ($3::text is null or l.fund_line = $3) and ($4::date is null or p.effective_date <= $4)
    and h.expires_at > now() and not exists (select from ledger.proposal_decision d where d.proposal_id = h.proposal_id)`;

/**
 * Balance per account kind of a region (and, with includeDescendants, every region below it) for
 * one fund line or all, exactly as of the end of `asOf` (by effective date; all postings when null).
 */
export async function balances(db: Queryable, regionCode: string, fundLine: string | null, asOf: string | null, includeDescendants: boolean): Promise<BalanceLine[]> {
  const region = await regionRange(db, regionCode, 'regionCode');
  // From the daily totals the posting trigger keeps (a property test checks them against the postings).
  const high = includeDescendants ? region.subtreeMax : region.code;
  const where = [sql`d.region_code between ${region.code} and ${high}`];
  if (fundLine) {
    // An unknown fund line is a mistake, not zero balances (found in review: "NOPE" answered zeros).
    const known = await db.query(`select 1 from ledger.fund_line where code = $1`, [v.code(fundLine, 'fundLine')]);
    if (!known.rowCount) throw badInput(`unknown fund line ${fundLine}`, 'fundLine');
    where.push(sql`d.fund_line = ${fundLine}`);
  }
  if (asOf) where.push(sql`d.effective_date <= ${v.isoDate(asOf, 'asOf')}::date`);
  const { rows } = await db.query(sql`select d.account_kind as kind, sum(d.amount)::text as balance from ledger.daily_total d where ${join(where, ' and ')} group by d.account_kind`.build());
  const held = await db.query(HELD_SQL, [region.code, high, fundLine, asOf]);
  return perAccountKind(rows, BigInt(held.rows[0].held));
}

/** AVAILABLE / IN_TRANSIT_DOWN / EXPENDITURE totals of one lot. */
export async function lotBalances(db: Queryable, lotId: string): Promise<BalanceLine[]> {
  const { rows } = await db.query(
    `select account_kind as kind, sum(amount)::text as balance from ledger.posting where lot_id = $1 group by account_kind`,
    [lotId],
  );
  const held = await db.query('select ledger.lot_held($1)::text as held', [lotId]);
  return perAccountKind(rows, BigInt(held.rows[0].held));
}

/** lotBalances() of each lot, keyed by lot id. */
export async function balancesOfLots(db: Queryable, lotIds: readonly string[]): Promise<Map<string, BalanceLine[]>> {
  const { rows } = lotIds.length
    ? await db.query(
        `select lot_id::text as lot, account_kind as kind, sum(amount)::text as balance from ledger.posting
         where lot_id = any($1::bigint[]) group by lot_id, account_kind`,
        [lotIds],
      )
    : { rows: [] as { lot: string; kind: AccountKind; balance: string }[] };
  const byLot = new Map<string, { kind: AccountKind; balance: string }[]>();
  for (const row of rows) byLot.set(row.lot, [...(byLot.get(row.lot) ?? []), row]);
  const held = lotIds.length
    ? await db.query('select l::text as lot, ledger.lot_held(l)::text as held from unnest($1::bigint[]) l', [lotIds])
    : { rows: [] as { lot: string; held: string }[] };
  const heldOf = new Map(held.rows.map((r) => [r.lot as string, BigInt(r.held)]));
  return new Map(lotIds.map((id) => [id, perAccountKind(byLot.get(id) ?? [], heldOf.get(id) ?? 0n)]));
}
