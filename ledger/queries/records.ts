/**
 * What every read shares: the connection type, the columns of a transaction record, and transactions
 * loaded by id with their postings.
 */
import type pg from 'pg';
import { LedgerError } from '../errors.js';
import type { PostingRecord, TransactionRecord } from '../types.js';
import * as v from '../validate.js';

export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** The columns of a TransactionRecord (table alias t); also the RETURNING list of the header insert. */
export const TX_COLUMNS = `t.id::text, t.seq::text, t.kind, t.idempotency_key as "idempotencyKey", t.fund_line as "fundLine",
  t.region_code as "regionCode", t.counterpart_region_code as "counterpartRegionCode", t.effective_date::text as "effectiveDate",
  to_char(t.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "recordedAt", t.document_no as "documentNo",
  t.memo, t.actor, t.reverses_id::text as "reversesId", t.reason, t.allocation_id::text as "allocationId",
  t.payee_type as "payeeType", t.payee_id as "payeeId", t.service_month as "serviceMonth", t.benefit_code as "benefitCode",
  t.beneficiary_village_code as "beneficiaryVillageCode", encode(t.prev_hash, 'hex') as "prevHash", encode(t.hash, 'hex') as hash,
  t.proposal_id::text as "proposalId", t.proposed_by as "proposedBy", t.approved_by as "approvedBy"`;

/** Transactions by id, with their postings, in the order asked (missing ids are left out). */
export async function loadTransactions(db: Queryable, ids: readonly string[]): Promise<TransactionRecord[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query(`select ${TX_COLUMNS} from ledger.transaction t where t.id = any($1::bigint[])`, [ids]);
  const postings = await db.query(
    `select p.transaction_id::text as tx, p.id::text, p.account_id::text as "accountId", p.account_kind as "accountKind",
            p.region_code as "regionCode", p.fund_line as "fundLine", a.payee_type as "payeeType", a.payee_id as "payeeId",
            p.lot_id::text as "lotId", p.amount::text as amount, p.balance_after::text as "balanceAfter"
     from ledger.posting p join ledger.account a on a.id = p.account_id
     where p.transaction_id = any($1::bigint[]) order by p.id`,
    [ids],
  );
  const byTx = new Map<string, PostingRecord[]>();
  for (const { tx, amount, balanceAfter, ...rest } of postings.rows) {
    const list = byTx.get(tx) ?? [];
    list.push({ ...rest, amount: BigInt(amount), balanceAfter: BigInt(balanceAfter) });
    byTx.set(tx, list);
  }
  const found = new Map(rows.map((row) => [row.id as string, { ...row, postings: byTx.get(row.id) ?? [] } as TransactionRecord]));
  return ids.map((id) => found.get(id)).filter((t): t is TransactionRecord => t !== undefined);
}

/** A region by code, with the upper end of its subtree (codes below it sort in [code, subtreeMax]). */
export async function regionRange(db: Queryable, code: string, field: string): Promise<{ code: string; subtreeMax: string }> {
  v.regionCode(code, field);
  const { rows } = await db.query(`select code, subtree_max from region where code = $1`, [code]);
  if (!rows[0]) throw new LedgerError('NOT_FOUND', `no region with code ${code}`, field);
  return { code: rows[0].code, subtreeMax: rows[0].subtree_max };
}
