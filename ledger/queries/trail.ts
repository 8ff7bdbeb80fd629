/** The audit trail of a payment. */
import { badInput, LedgerError } from '../errors.js';
import type { LotRecord, TransactionRecord } from '../types.js';
import * as v from '../validate.js';
import { lineage as lineageOf } from './lots.js';
import { loadTransactions, type Queryable } from './records.js';

export interface TrailStep {
  /** 0 = the payment itself, then each step up towards the appropriation. */
  depth: number;
  transaction: TransactionRecord;
  lot: LotRecord;
}

/**
 * The audit trail of a payment: the disbursement, then for each lot up the lineage the
 * transaction(s) that brought the money there — receipt and allocation — up to the appropriation.
 */
export async function trail(db: Queryable, transactionId: string): Promise<TrailStep[]> {
  v.id(transactionId, 'transactionId');
  const [start] = await loadTransactions(db, [transactionId]);
  if (!start) throw new LedgerError('NOT_FOUND', `no transaction ${transactionId}`, 'transactionId');
  const lotId = start.postings[0]?.lotId;
  if (!lotId) throw badInput(`transaction ${transactionId} has no postings`, 'transactionId');
  const lineage = await lineageOf(db, start.kind === 'ALLOCATION' ? start.postings.find((p) => p.accountKind === 'AVAILABLE')!.lotId : lotId);
  const { rows } = await db.query(
    `select l.id::text as lot, t.id::text as tx
     from ledger.lot l join ledger.transaction t on t.id = l.created_by_transaction_id or (t.kind = 'ALLOCATION_RECEIVED' and t.allocation_id = l.created_by_transaction_id)
     where l.id = any($1::bigint[]) order by t.seq desc`,
    [lineage.map((l) => l.id)],
  );
  const txs = new Map((await loadTransactions(db, [...new Set(rows.map((r) => r.tx))])).map((t) => [t.id, t]));
  const steps: TrailStep[] = [{ depth: 0, transaction: start, lot: lineage[0]! }];
  let depth = 1;
  for (const lot of lineage) {
    for (const row of rows.filter((r) => r.lot === lot.id)) {
      if (row.tx === start.id) continue;
      steps.push({ depth: depth++, transaction: txs.get(row.tx)!, lot });
    }
  }
  return steps;
}
