/**
 * Input checks of the registry's writes and the bulk import: the platform's one rule set
 * (platform/validate.ts) plus the registry's own shapes (person names, registry numbers). Each
 * failure names the offending field.
 */
import * as rules from '../platform/validate.js';

export const {
  bad,
  isoDate,
  isoDateTime,
  optionalDate,
  month,
  text,
  optionalText,
  freeText,
  optionalFreeText,
  oneOf,
  intRange,
  villageCode,
  regionCode,
  recordId,
} = rules;

/** A personal name: 1–50 characters, letters (any script), middle dot and spaces. */
export function personName(value: unknown, field: string): string {
  const name = text(value, field, 50);
  if (!/^[\p{L}\p{M}·・.\s'-]+$/u.test(name)) throw bad(`${field} must contain only letters, spaces and ·`, field);
  return name.replace(/\s+/g, ' ');
}

/** Public registry numbers (the ledger's payee ids): E00000042 for elders, F00000007 for facilities. */
export const elderNo = (id: string) => `E${id.padStart(8, '0')}`;
export const facilityNo = (id: string) => `F${id.padStart(8, '0')}`;
export function parseRegistryNo(value: string): { kind: 'ELDER' | 'FACILITY'; id: string } | null {
  const m = /^([EF])0*([1-9][0-9]{0,17})$/.exec(value);
  return m ? { kind: m[1] === 'E' ? 'ELDER' : 'FACILITY', id: m[2]! } : null;
}
