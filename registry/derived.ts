/** Facts derived from a birth date and category memberships (docs/registry.md "Rules"). Pure. */

export type AgeBand = 'ACTIVE_60_69' | 'COMFORT_70_79' | 'SECURE_80_PLUS';
export type AllowanceBand = 'B80_89_LOW_INCOME' | 'B80_89' | 'B90_99' | 'B100_PLUS';

/** Categories that put an 80–89-year-old in the low-income allowance band. */
export const LOW_INCOME_CATEGORIES = new Set(['EXTREME_HARDSHIP', 'DIBAO', 'NEAR_DIBAO']);

/** Completed years of age on `asOf` (YYYY-MM-DD); someone born on 29 February turns a year older on 1 March in common years. */
export function ageAt(birthDate: string, asOf: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ay, am, ad] = asOf.split('-').map(Number) as [number, number, number];
  let age = ay - by;
  if (am < bm || (am === bm && ad < bd)) age -= 1;
  return age;
}

/** Service age band (Xuzhou): half-open [60,70), [70,80), [80,∞); none below 60. */
export function ageBand(age: number): AgeBand | null {
  if (age >= 80) return 'SECURE_80_PLUS';
  if (age >= 70) return 'COMFORT_70_79';
  if (age >= 60) return 'ACTIVE_60_69';
  return null;
}

/** The last day of the month before the month of `date`. */
export function endOfPreviousMonth(date: string): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, 0)).toISOString().slice(0, 10);
}

/**
 * Allowance (尊老金) band for the month containing `asOf`. Entitlement and band changes take effect
 * the month AFTER the birthday ("生日当月不计"), so the age that counts is the age on the last day of
 * the previous month. 80–89 with a low-income category valid on `asOf` → B80_89_LOW_INCOME.
 * Null below 80 and for the deceased (death on or before `asOf`).
 */
export function allowanceBand(birthDate: string, asOf: string, categories: readonly string[], deathDate: string | null = null): AllowanceBand | null {
  if (deathDate && deathDate <= asOf) return null;
  const age = ageAt(birthDate, endOfPreviousMonth(asOf));
  if (age >= 100) return 'B100_PLUS';
  if (age >= 90) return 'B90_99';
  if (age >= 80) return categories.some((c) => LOW_INCOME_CATEGORIES.has(c)) ? 'B80_89_LOW_INCOME' : 'B80_89';
  return null;
}
