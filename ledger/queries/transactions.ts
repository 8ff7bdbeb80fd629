/** Transactions: filtered pages in chain order, and pages and counts per payee and per lot (for DataLoaders). */
import type { PayeeType, TransactionKind, TransactionRecord } from '../types.js';
import * as v from '../validate.js';
import { loadTransactions, regionRange, type Queryable } from './records.js';
import { join, param, raw, sql, type SqlFragment } from '../../platform/sql.js';

export interface TransactionFilter {
  regionCode?: string | null;
  /** With regionCode: also transactions of every region below it. */
  includeDescendants?: boolean | null;
  fundLine?: string | null;
  kind?: TransactionKind | null;
  payeeType?: PayeeType | null;
  payeeId?: string | null;
  serviceMonth?: string | null;
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
  documentNo?: string | null;
}

/** Transactions in chain order (seq), after `afterSeq`; up to `limit` rows. */
export async function transactions(db: Queryable, filter: TransactionFilter, limit: number, afterSeq: string | null): Promise<TransactionRecord[]> {
  const where = await filterSql(db, filter);
  const { rows } = await db.query(sql`select t.id::text from ledger.transaction t where ${where} and t.seq > ${afterSeq ?? '0'}::bigint order by t.seq limit ${limit}`.build());
  return loadTransactions(db, rows.map((r) => r.id));
}

export async function countTransactions(db: Queryable, filter: TransactionFilter): Promise<number> {
  const where = await filterSql(db, filter);
  const { rows } = await db.query(sql`select count(*)::int as n from ledger.transaction t where ${where}`.build());
  return rows[0].n;
}

export async function filterSql(db: Queryable, filter: TransactionFilter): Promise<SqlFragment> {
  const where: SqlFragment[] = [raw('true')];
  if (filter.regionCode) {
    const region = await regionRange(db, filter.regionCode, 'regionCode');
    if (filter.includeDescendants) {
      const lo = param(region.code);
      const hi = param(region.subtreeMax);
      where.push(sql`(t.region_code between ${lo} and ${hi} or t.counterpart_region_code between ${lo} and ${hi})`);
    } else {
      const code = param(region.code);
      where.push(sql`(t.region_code = ${code} or t.counterpart_region_code = ${code})`);
    }
  }
  // (!= null: an empty string is refused as the value it is, not read as no filter — payeeId "" listed everything)
  if (filter.fundLine != null) where.push(sql`t.fund_line = ${v.code(filter.fundLine, 'fundLine')}`);
  if (filter.kind) where.push(sql`t.kind = ${filter.kind}`);
  if (filter.payeeType) where.push(sql`t.payee_type = ${filter.payeeType}`);
  if (filter.payeeId != null) where.push(sql`t.payee_id = ${v.requireText(filter.payeeId, 'payeeId', 64)}`);
  if (filter.serviceMonth != null) where.push(sql`t.service_month = ${v.month(filter.serviceMonth, 'serviceMonth')}`);
  if (filter.effectiveFrom != null) where.push(sql`t.effective_date >= ${v.isoDate(filter.effectiveFrom, 'effectiveFrom')}::date`);
  if (filter.effectiveTo != null) where.push(sql`t.effective_date <= ${v.isoDate(filter.effectiveTo, 'effectiveTo')}::date`);
  if (filter.documentNo != null) where.push(sql`t.document_no = ${v.requireText(filter.documentNo, 'documentNo', 100)}`);
  return join(where, ' and ');
}

/** Transactions that moved money of this lot, in chain order. */
export async function lotTransactions(db: Queryable, lotId: string): Promise<TransactionRecord[]> {
  const { rows } = await db.query(
    `select t.id::text from ledger.transaction t where t.id in (select transaction_id from ledger.posting where lot_id = $1) order by t.seq`,
    [lotId],
  );
  return loadTransactions(db, rows.map((r) => r.id));
}

/**
 * A page of the transactions paid to each of many payees of one type (chain order, after `afterSeq`,
 * up to `limit` each), keeping only those whose region or counterpart lies in [low, high]; keyed by
 * payee id. One statement for the page of every payee (a lateral walk of the payee index).
 */
export async function transactionsOfPayees(db: Queryable, 
  payeeType: PayeeType,
  payeeIds: readonly string[],
  scope: readonly [string, string],
  limit: number,
  afterSeq: string | null,
): Promise<Map<string, TransactionRecord[]>> {
  const result = new Map<string, TransactionRecord[]>(payeeIds.map((id) => [id, []]));
  if (!payeeIds.length || limit <= 0) return result;
  const { rows } = await db.query(
    `select p.payee_id as payee, t.id::text as tx
     from unnest($1::text[]) p (payee_id)
     cross join lateral (
       select t.id, t.seq from ledger.transaction t
       where t.payee_type = $2 and t.payee_id = p.payee_id and t.seq > $3::bigint
         and (t.region_code between $4 and $5 or t.counterpart_region_code between $4 and $5)
       order by t.seq limit $6) t
     order by p.payee_id, t.seq`,
    [payeeIds, payeeType, afterSeq ?? '0', scope[0], scope[1], limit],
  );
  const loaded = new Map((await loadTransactions(db, rows.map((r) => r.tx as string))).map((t) => [t.id, t]));
  for (const row of rows) result.get(row.payee)?.push(loaded.get(row.tx)!);
  return result;
}

/** How many transactions were paid to each payee, inside [low, high] as above; keyed by payee id. */
export async function countTransactionsOfPayees(db: Queryable, payeeType: PayeeType, payeeIds: readonly string[], scope: readonly [string, string]): Promise<Map<string, number>> {
  const { rows } = payeeIds.length
    ? await db.query(
        `select t.payee_id as payee, count(*)::int as n from ledger.transaction t
         where t.payee_type = $2 and t.payee_id = any($1::text[])
           and (t.region_code between $3 and $4 or t.counterpart_region_code between $3 and $4)
         group by t.payee_id`,
        [payeeIds, payeeType, scope[0], scope[1]],
      )
    : { rows: [] };
  return new Map(rows.map((r) => [r.payee as string, r.n as number]));
}

/**
 * A page of each lot's transactions (chain order, after `afterSeq`, up to `limit` each), keeping
 * those whose region or counterpart lies in [low, high]; keyed by lot id. One statement for all.
 */
export async function transactionPagesOfLots(db: Queryable, lotIds: readonly string[], scope: readonly [string, string], limit: number, afterSeq: string | null): Promise<Map<string, TransactionRecord[]>> {
  const result = new Map<string, TransactionRecord[]>(lotIds.map((id) => [id, []]));
  if (!lotIds.length || limit <= 0) return result;
  const { rows } = await db.query(
    `select l.id::text as lot, t.id::text as tx
     from unnest($1::bigint[]) l (id)
     cross join lateral (
       select t.id, t.seq from ledger.transaction t
       where t.id in (select p.transaction_id from ledger.posting p where p.lot_id = l.id)
         and t.seq > $2::bigint and (t.region_code between $3 and $4 or t.counterpart_region_code between $3 and $4)
       order by t.seq limit $5) t
     order by l.id, t.seq`,
    [lotIds, afterSeq ?? '0', scope[0], scope[1], limit],
  );
  const loaded = new Map((await loadTransactions(db, [...new Set(rows.map((r) => r.tx as string))])).map((t) => [t.id, t]));
  for (const row of rows) result.get(row.lot)?.push(loaded.get(row.tx)!);
  return result;
}

/** How many transactions moved money of each lot, inside [low, high] as above; keyed by lot id. */
export async function countTransactionsOfLots(db: Queryable, lotIds: readonly string[], scope: readonly [string, string]): Promise<Map<string, number>> {
  const { rows } = lotIds.length
    ? await db.query(
        `select p.lot_id::text as lot, count(distinct t.id)::int as n
         from ledger.posting p join ledger.transaction t on t.id = p.transaction_id
         where p.lot_id = any($1::bigint[]) and (t.region_code between $2 and $3 or t.counterpart_region_code between $2 and $3)
         group by p.lot_id`,
        [lotIds, scope[0], scope[1]],
      )
    : { rows: [] };
  return new Map(rows.map((r) => [r.lot as string, r.n as number]));
}
