/**
 * Region codes: the National Bureau of Statistics 12-digit statistical division code
 * (统计用区划代码), PP CC DD TTT VVV = province 2 + city 2 + county 2 + town 3 + village 3 digits,
 * higher levels zero-padded (徐州市 = 320300000000). See README "How the hierarchy is stored".
 *
 * The structure itself (which level a code is, who its parent is, which codes lie in its subtree)
 * is enforced once, in PostgreSQL (migrations/Migration20261123000000_hierarchy.ts): these helpers
 * only parse what callers type.
 */

import { DomainError } from './errors.js';

export const REGION_LEVELS = ['PROVINCE', 'CITY', 'COUNTY', 'TOWN', 'VILLAGE'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

/** A stored region code: exactly 12 ASCII digits (the hierarchy migration's CHECK says the same). */
export const REGION_CODE_PATTERN = /^[0-9]{12}$/;

/** Is this a stored 12-digit region code (not a prefix, no blanks)? */
export function isRegionCode(value: unknown): value is string {
  return typeof value === 'string' && REGION_CODE_PATTERN.test(value);
}

/** A village code: 12 digits whose village part (the last three) is not 000. */
export function isVillageCode(value: unknown): value is string {
  return isRegionCode(value) && !value.endsWith('000');
}

/** Level of a 12-digit region code, from its zero-padded tail (PP CC DD TTT VVV). */
export function levelOfCode(code: string): RegionLevel {
  if (code.endsWith('0000000000')) return 'PROVINCE';
  if (code.endsWith('00000000')) return 'CITY';
  if (code.endsWith('000000')) return 'COUNTY';
  if (code.endsWith('000')) return 'TOWN';
  return 'VILLAGE';
}

const PREFIX_LENGTH: Record<RegionLevel, number> = { PROVINCE: 2, CITY: 4, COUNTY: 6, TOWN: 9, VILLAGE: 12 };

/** The significant prefix of a region code: every code in its subtree starts with it (3203 for 徐州市). */
export function scopePrefixOf(code: string): string {
  return code.slice(0, PREFIX_LENGTH[levelOfCode(code)]);
}

/** The code range [low, high] of a region's subtree, for SQL filters (`code between low and high`). */
export function subtreeRangeOf(code: string): [string, string] {
  return rangeOfPrefix(scopePrefixOf(code));
}

/** The code range [low, high] of every code that starts with `prefix`. */
export function rangeOfPrefix(prefix: string): [string, string] {
  return [codeOfPrefix(prefix), prefix.padEnd(12, '9')];
}

/** The 12-digit code of the region a significant prefix names (3203 → 320300000000). */
export const codeOfPrefix = (prefix: string) => prefix.padEnd(12, '0');

/** The city a region lies in (itself for a city; a province has none and is answered as itself). */
export function cityOf(code: string): string {
  return levelOfCode(code) === 'PROVINCE' ? code : codeOfPrefix(code.slice(0, 4));
}

/** The codes of the regions above a region (province, city, county …), which a caller below may see by name. */
export function ancestorsOf(code: string): string[] {
  const out: string[] = [];
  const lengths = { PROVINCE: 0, CITY: 2, COUNTY: 4, TOWN: 6, VILLAGE: 9 } as const;
  const level = levelOfCode(code);
  for (const length of [2, 4, 6, 9]) {
    if (length > lengths[level]) break;
    out.push(codeOfPrefix(code.slice(0, length)));
  }
  return out.filter((c) => c !== code);
}

/**
 * The deepest region whose subtree holds every one of `codes` (the county of two of its villages,
 * the city of two of its counties); null when they lie in different provinces.
 */
export function commonAncestorOf(codes: string[]): string | null {
  const [first, ...rest] = codes;
  if (first === undefined) return null;
  for (const candidate of [first, ...ancestorsOf(first).reverse()]) {
    const [low, high] = subtreeRangeOf(candidate);
    if (rest.every((code) => code >= low && code <= high)) return candidate;
  }
  return null;
}

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
  return codeOfPrefix(trimmed);
}
