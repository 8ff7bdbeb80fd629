/**
 * Payee links between the ledger and the registry: the one module that uses both. A payment names
 * its payee as much as its payer: a payee id that is a registry number (an Elder's or Facility's
 * registryNo) must be a record the caller may see — nobody pays an elder who belongs wholly to
 * another county — and must exist. Other payee ids (contractors, other systems) are the payer's word.
 */
import { forbidden, type Viewer } from '../auth/viewer.js';
import { DomainError } from '../platform/errors.js';
import { elderInScope, facilityInScope, type RegistryLookup } from '../registry/access.js';
import { parseRegistryNo } from '../registry/validate.js';
import { payeeIdentifier } from '../ledger/validate.js';
import { visibleElder, visibleFacility } from '../registry/visible.js';
import type { ElderRecord, FacilityRecord } from '../registry/types.js';

export async function requirePayeeInScope(viewer: Viewer, lookup: RegistryLookup, payeeType: string, payeeId: string, field: string): Promise<void> {
  // The id as the ledger will store it (trimmed, one spelling of a registry number): checked on the
  // raw input, " E00000001" passed for no registry number and paid another county's elder.
  const ref = parseRegistryNo(payeeIdentifier(payeeId, payeeType, field));
  if (!ref) return;
  if (payeeType === 'PERSON' && ref.kind === 'ELDER') {
    const elder = await lookup.elder.load(ref.id);
    if (!elder) throw new DomainError('BAD_USER_INPUT', `no elder with registry number ${payeeId}`, field);
    if (!elderInScope(viewer, elder)) throw forbidden(`payee ${payeeId} is outside your jurisdiction ${viewer.jurisdiction}`);
  } else if (payeeType === 'FACILITY' && ref.kind === 'FACILITY') {
    const facility = await lookup.facility.load(ref.id);
    if (!facility) throw new DomainError('BAD_USER_INPUT', `no facility with registry number ${payeeId}`, field);
    if (!facilityInScope(viewer, facility)) throw forbidden(`payee ${payeeId} is outside your jurisdiction ${viewer.jurisdiction}`);
  }
}

/**
 * A disbursement's payee as the registry record it names (an Elder for PERSON, a Facility for
 * FACILITY): null when the payee id is no registry number of that kind or the record is gone;
 * FORBIDDEN outside the jurisdiction or without registry:read.
 */
export async function visiblePayee(
  viewer: Viewer,
  lookup: RegistryLookup,
  payeeType: string | null,
  payeeId: string | null,
): Promise<{ kind: 'ELDER'; record: ElderRecord } | { kind: 'FACILITY'; record: FacilityRecord } | null> {
  if (!payeeId || !payeeType) return null;
  const ref = parseRegistryNo(payeeId);
  if (!ref) return null;
  viewer.require('registry:read');
  if (payeeType === 'PERSON' && ref.kind === 'ELDER') {
    const record = await visibleElder(viewer, lookup, ref.id);
    return record && { kind: 'ELDER', record };
  }
  if (payeeType === 'FACILITY' && ref.kind === 'FACILITY') {
    const record = await visibleFacility(viewer, lookup, ref.id);
    return record && { kind: 'FACILITY', record };
  }
  return null;
}
