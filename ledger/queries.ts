/**
 * The ledger's read side: transactions, balances (exact as of any date), lots with their lineage,
 * the audit trail of a payment, and chain verification. Plain SQL on a pg pool or client, one file
 * per subject in ledger/queries/; `LedgerQueries` binds them to one connection.
 */
import type { LotRecord, PayeeType, TransactionRecord } from './types.js';
import * as balances from './queries/balances.js';
import * as lots from './queries/lots.js';
import { loadTransactions, type Queryable } from './queries/records.js';
import { trail, type TrailStep } from './queries/trail.js';
import * as transactions from './queries/transactions.js';
import { verify, type VerifyResult } from './queries/verify.js';

export { loadTransactions, TX_COLUMNS } from './queries/records.js';
export type { BalanceLine } from './queries/balances.js';
export type { TransactionFilter } from './queries/transactions.js';
export type { TrailStep } from './queries/trail.js';
export type { VerifyResult } from './queries/verify.js';

type Scope = readonly [string, string];

export class LedgerQueries {
  constructor(private readonly db: Queryable) {}

  transactionsById(ids: readonly string[]): Promise<TransactionRecord[]> {
    return loadTransactions(this.db, ids);
  }

  /** Transactions in chain order (seq), after `afterSeq`; up to `limit` rows. */
  transactions(filter: transactions.TransactionFilter, limit: number, afterSeq: string | null): Promise<TransactionRecord[]> {
    return transactions.transactions(this.db, filter, limit, afterSeq);
  }

  countTransactions(filter: transactions.TransactionFilter): Promise<number> {
    return transactions.countTransactions(this.db, filter);
  }

  /** Balance per account kind of a region (or its subtree), for one fund line or all, as of the end of `asOf`. */
  balances(regionCode: string, fundLine: string | null, asOf: string | null, includeDescendants: boolean): Promise<balances.BalanceLine[]> {
    return balances.balances(this.db, regionCode, fundLine, asOf, includeDescendants);
  }

  lots(ids: readonly string[]): Promise<LotRecord[]> {
    return lots.lots(this.db, ids);
  }

  /** The lot and every lot above it, nearest first. */
  lineage(lotId: string): Promise<LotRecord[]> {
    return lots.lineage(this.db, lotId);
  }

  childLots(lotId: string): Promise<LotRecord[]> {
    return lots.childLots(this.db, lotId);
  }

  /** Transactions that moved money of this lot, in chain order. */
  lotTransactions(lotId: string): Promise<TransactionRecord[]> {
    return transactions.lotTransactions(this.db, lotId);
  }

  /** AVAILABLE / IN_TRANSIT_DOWN / EXPENDITURE totals of one lot. */
  lotBalances(lotId: string): Promise<balances.BalanceLine[]> {
    return balances.lotBalances(this.db, lotId);
  }

  // ---- the same Lot reads for many lots at once (one statement each, for DataLoaders) ------------

  lineageOfLots(lotIds: readonly string[]): Promise<Map<string, LotRecord[]>> {
    return lots.lineageOfLots(this.db, lotIds);
  }

  childLotsOfLots(lotIds: readonly string[]): Promise<Map<string, LotRecord[]>> {
    return lots.childLotsOfLots(this.db, lotIds);
  }

  transactionsOfPayees(payeeType: PayeeType, payeeIds: readonly string[], scope: Scope, limit: number, afterSeq: string | null): Promise<Map<string, TransactionRecord[]>> {
    return transactions.transactionsOfPayees(this.db, payeeType, payeeIds, scope, limit, afterSeq);
  }

  countTransactionsOfPayees(payeeType: PayeeType, payeeIds: readonly string[], scope: Scope): Promise<Map<string, number>> {
    return transactions.countTransactionsOfPayees(this.db, payeeType, payeeIds, scope);
  }

  transactionPagesOfLots(lotIds: readonly string[], scope: Scope, limit: number, afterSeq: string | null): Promise<Map<string, TransactionRecord[]>> {
    return transactions.transactionPagesOfLots(this.db, lotIds, scope, limit, afterSeq);
  }

  countTransactionsOfLots(lotIds: readonly string[], scope: Scope): Promise<Map<string, number>> {
    return transactions.countTransactionsOfLots(this.db, lotIds, scope);
  }

  balancesOfLots(lotIds: readonly string[]): Promise<Map<string, balances.BalanceLine[]>> {
    return balances.balancesOfLots(this.db, lotIds);
  }

  /** The audit trail of a payment, from the disbursement up to the appropriation. */
  trail(transactionId: string): Promise<TrailStep[]> {
    return trail(this.db, transactionId);
  }

  /** Recomputes the hash chain over [fromSeq, toSeq] (defaults: the whole chain). */
  verify(fromSeq: string | null, toSeq: string | null): Promise<VerifyResult> {
    return verify(this.db, fromSeq, toSeq);
  }
}
