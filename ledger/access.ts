/**
 * Who may see which ledger record, for single records (node(id:), transaction(id:), lot(id:), the
 * links between them). Lists apply the same rule in their SQL (ledger/queries.ts).
 *
 * - A transaction is visible to a ledger reader when the region that recorded it or its counterpart
 *   (the other end of an allocation) is in scope (Viewer.canSeeTransaction).
 * - A lot is visible when the region that holds it is in scope.
 *
 * Out of scope is FORBIDDEN; a record that does not exist is null.
 */
import { forbidden, type Viewer } from '../auth/viewer.js';
import type { LotRecord, TransactionRecord } from './types.js';

/** Batched look-ups of ledger records (the API passes its per-request DataLoaders). */
export interface LedgerLookup {
  transaction: { load(id: string): Promise<TransactionRecord | null> };
  lot: { load(id: string): Promise<LotRecord | null> };
}

export async function visibleTransaction(viewer: Viewer, lookup: LedgerLookup, id: string): Promise<TransactionRecord | null> {
  const record = await lookup.transaction.load(id);
  if (record && !viewer.canSeeTransaction(record)) throw forbidden(`transaction ${id} is outside your jurisdiction ${viewer.jurisdiction}`);
  return record;
}

export async function visibleLot(viewer: Viewer, lookup: LedgerLookup, id: string): Promise<LotRecord | null> {
  viewer.require('ledger:read');
  const record = await lookup.lot.load(id);
  if (record && !viewer.inScope(record.regionCode)) throw forbidden(`lot ${id} is outside your jurisdiction ${viewer.jurisdiction}`);
  return record;
}
