/**
 * Who may see and act on which ledger record, for single records (node(id:), transaction(id:),
 * lot(id:), the links between them) and for the regions and records a write names. Lists apply the
 * same rule in their SQL (ledger/queries.ts).
 *
 * - A transaction is visible to a ledger reader when the region that recorded it or its counterpart
 *   (the other end of an allocation) is in scope (Viewer.canSeeTransaction).
 * - A lot is visible when the region that holds it is in scope.
 * - A write acts at regions in scope, with the permission for the operation there; the records it
 *   refers to must be the caller's: an allocation is received by its counterpart, a lot returned by
 *   the region that holds it, a transaction reversed by the region that recorded it — the first two,
 *   and the reversal of a receipt or a return, by that region itself, not from above it.
 *
 * Out of scope is FORBIDDEN; a record that does not exist is null (for a write, the ledger refuses
 * the id with its own error).
 */
import { forbidden, type Viewer } from '../auth/viewer.js';
import type { Permission } from '../auth/roles.js';
import { parseRegionCode } from '../platform/region-code.js';
import type { LotRecord, TransactionRecord } from './types.js';

/** Batched look-ups of ledger records (the API passes its per-request DataLoaders). */
export interface LedgerLookup {
  transaction: { load(id: string): Promise<TransactionRecord | null> };
  lot: { load(id: string): Promise<LotRecord | null> };
}

/** A transaction asked for by id (node(id:)): ledger:read first, so the error names the permission, then visibleTransaction. */
export async function readTransaction(viewer: Viewer, lookup: LedgerLookup, id: string): Promise<TransactionRecord | null> {
  viewer.require('ledger:read');
  return visibleTransaction(viewer, lookup, id);
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

/** Lots of a lineage or below a lot: those held in scope (the others are another region's business). */
export function lotsInScope<L extends { regionCode: string }>(viewer: Viewer, lots: L[]): L[] {
  return lots.filter((l) => viewer.inScope(l.regionCode));
}

/**
 * A posting's running balance, for an account in scope only: a county sees the city's leg of an
 * allocation it received, not what the city has left.
 */
export function balanceAfterFor(viewer: Viewer, posting: { regionCode: string; balanceAfter: bigint }): bigint | null {
  return viewer.inScope(posting.regionCode) ? posting.balanceAfter : null;
}

/**
 * A step of a payment's trail, followed into its full transaction. The chain of authority of a
 * payment in scope is listed all the way up (every step's document, dates and actor); following a
 * step recorded outside the jurisdiction is FORBIDDEN.
 */
export function trailStepTransaction(viewer: Viewer, step: { depth: number; regionCode: string; record: TransactionRecord }): TransactionRecord {
  if (!viewer.canSeeTransaction(step.record)) throw forbidden(`step ${step.depth} of this trail was recorded by ${step.regionCode}, outside your jurisdiction ${viewer.jurisdiction}`);
  return step.record;
}

// ---- writes ---------------------------------------------------------------------------------------

/**
 * A region a write or a report names: any form the one region-code parser accepts (12 digits or the
 * 2/4/6/9-digit prefix), inside the jurisdiction, with the permission for the operation. Answers the
 * 12-digit code.
 */
export function regionFor(viewer: Viewer, permission: Permission, input: string, field: string): string {
  const code = parseRegionCode(input, field);
  viewer.requireAt(permission, code, `${field} ${code}`);
  return code;
}

/**
 * Segregation of duties between the two parties of a movement of money: the acts of the lower
 * party are its own, not those of a region above it — which is the other party or stands over it.
 * Scope alone let the city's finance officer confirm the arrival (到账) of its own allocation at a
 * county, so a receipt no longer proved that the county had the money (AR-13 下达未到账 relies on
 * it), pull a county's money back up as a "return", or undo a county's receipt or return by a
 * reversal. A caller below the region (a town officer) is outside its scope and refused as well.
 */
const RECEIPT = 'a receipt is confirmed by the receiving region';
const RETURN = 'money is returned by the region that holds the lot';

/** Receipt of an allocation is confirmed by the receiving region itself; the ledger rejects ids that are not allocations. */
export async function requireReceivable(viewer: Viewer, lookup: LedgerLookup, allocationId: string): Promise<void> {
  const allocation = await lookup.transaction.load(allocationId);
  if (!allocation) return;
  if (allocation.kind !== 'ALLOCATION') viewer.requireInScope(allocation.regionCode, 'allocationId'); // (the ledger answers BAD_USER_INPUT)
  else viewer.requireActingFor(allocation.counterpartRegionCode, 'allocationId', RECEIPT);
}

/** Unspent money is sent back by the region that holds the lot, itself. */
export async function requireReturnable(viewer: Viewer, lookup: LedgerLookup, lotId: string): Promise<void> {
  const lot = await lookup.lot.load(lotId);
  if (lot) viewer.requireActingFor(lot.regionCode, 'lotId', RETURN);
}

/**
 * Corrections belong to the region that recorded the original; a receipt or a return is the lower
 * party's act, and so is its reversal (else the region above could put a confirmed allocation back
 * in transit, or send returned money down again without an allocation and its receipt).
 */
export async function requireReversible(viewer: Viewer, lookup: LedgerLookup, transactionId: string): Promise<void> {
  const original = await lookup.transaction.load(transactionId);
  if (!original) return;
  if (original.kind === 'ALLOCATION_RECEIVED') viewer.requireActingFor(original.regionCode, 'transactionId', 'a receipt is reversed by the receiving region');
  else if (original.kind === 'RETURN') viewer.requireActingFor(original.regionCode, 'transactionId', 'a return is reversed by the returning region');
  else viewer.requireInScope(original.regionCode, 'transactionId');
}
