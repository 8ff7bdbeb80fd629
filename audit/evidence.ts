/**
 * The record behind a finding's evidence as the caller may see it: the permission and scope rule of
 * its own kind (ledger/access.ts, registry/access.ts). A finding in the caller's jurisdiction may
 * cite records that are not (an allocation from the city, an elder registered in the next county):
 * those are null, never FORBIDDEN — the finding stays readable, its evidence names what the rule
 * found. Also null: a record that is gone, and kinds with no object of their own (VitalEvent, RecordChange).
 */
import type { Viewer } from '../auth/viewer.js';
import type { LedgerLookup } from '../ledger/access.js';
import type { LotRecord, TransactionRecord } from '../ledger/types.js';
import { elderInScope, facilityInScope, type RegistryLookup } from '../registry/access.js';
import type { ElderRecord, FacilityRecord } from '../registry/types.js';

export type EvidenceRecord =
  | { type: 'LedgerTransaction'; record: TransactionRecord }
  | { type: 'Lot'; record: LotRecord }
  | { type: 'Elder'; record: ElderRecord }
  | { type: 'Facility'; record: FacilityRecord };

const isRecordId = (key: string) => /^[1-9][0-9]{0,17}$/.test(key);

export async function visibleEvidence(viewer: Viewer, lookup: { ledger: LedgerLookup; registry: RegistryLookup }, item: { type: string; recordId: string }): Promise<EvidenceRecord | null> {
  if (!isRecordId(item.recordId)) return null;
  switch (item.type) {
    case 'LedgerTransaction': {
      if (!viewer.can('ledger:read')) return null;
      const record = await lookup.ledger.transaction.load(item.recordId);
      return record && viewer.canSeeTransaction(record) ? { type: 'LedgerTransaction', record } : null;
    }
    case 'Lot': {
      if (!viewer.can('ledger:read')) return null;
      const record = await lookup.ledger.lot.load(item.recordId);
      return record && viewer.inScope(record.regionCode) ? { type: 'Lot', record } : null;
    }
    case 'Elder': {
      if (!viewer.can('registry:read')) return null;
      const record = await lookup.registry.elder.load(item.recordId);
      return record && elderInScope(viewer, record) ? { type: 'Elder', record } : null;
    }
    case 'Facility': {
      if (!viewer.can('registry:read')) return null;
      const record = await lookup.registry.facility.load(item.recordId);
      return record && facilityInScope(viewer, record) ? { type: 'Facility', record } : null;
    }
    default:
      return null;
  }
}
