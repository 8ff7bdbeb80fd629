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

/** Public registry numbers (the ledger's payee ids): platform/registry-number.ts. */
export { elderNo, facilityNo, parseRegistryNo } from '../platform/registry-number.js';
