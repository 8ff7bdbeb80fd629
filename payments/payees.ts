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

export async function requirePayeeInScope(viewer: Viewer, lookup: RegistryLookup, payeeType: string, payeeId: string, field: string): Promise<void> {
  const ref = parseRegistryNo(payeeId);
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
