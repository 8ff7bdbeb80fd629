/**
 * Region codes: the National Bureau of Statistics 12-digit statistical division code
 * (统计用区划代码), PP CC DD TTT VVV = province 2 + city 2 + county 2 + town 3 + village 3 digits,
 * higher levels zero-padded (徐州市 = 320300000000). See README "How the hierarchy is stored".
 *
 * The structure itself (which level a code is, who its parent is, which codes lie in its subtree)
 * is enforced once, in PostgreSQL (migrations/Migration20261123000000_hierarchy.ts): these helpers
 * only parse what callers type.
 */

import { DomainError } from '../platform/errors.js';

export const REGION_LEVELS = ['PROVINCE', 'CITY', 'COUNTY', 'TOWN', 'VILLAGE'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** Lengths of the significant prefix a caller may type: 32, 3203, 320321 (GB/T 2260), 320321100, or all 12. */
const ACCEPTED_LENGTHS = new Set([2, 4, 6, 9, 12]);

/** BAD_USER_INPUT naming the field (the message quotes only digits: anything else is not echoed back). */
export class InvalidRegionCodeError extends DomainError {
  constructor(
    readonly input: string,
    field = 'code',
  ) {
    super('BAD_USER_INPUT', `${/^[0-9]{1,20}$/.test(input) ? `"${input}"` : `${field}`} is not a region code: expected 12 digits (NBS statistical code) or its 2/4/6/9-digit prefix`, field);
    this.name = 'InvalidRegionCodeError';
  }
}

/**
 * Normalises what a caller typed into a 12-digit code: accepts the full code or its 2/4/6/9-digit
 * significant prefix (so the GB/T 2260 county code 320321 finds 丰县 = 320321000000).
 */
export function normaliseRegionCode(input: string): string {
  return parseRegionCode(input, 'code');
}

/**
 * The one parser of region-code arguments, for the whole API (hierarchy, ledger, registry):
 * surrounding blanks ignored, ASCII digits only, one of the accepted lengths; answers 12 digits.
 */
export function parseRegionCode(input: string, field: string): string {
  const trimmed = typeof input === 'string' ? input.trim() : '';
  if (!/^[0-9]+$/.test(trimmed) || !ACCEPTED_LENGTHS.has(trimmed.length)) throw new InvalidRegionCodeError(String(input), field);
  return trimmed.padEnd(12, '0');
}
