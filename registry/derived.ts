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

/**
 * The date ages are computed on. The birth day is personal data (masked as 1944-06-**): ages are
 * computed at the end of asOf's month, so they change at the start of the birth month and no asOf,
 * filter or count can tell the days of the birth month apart. For every caller: with the masked ID
 * number's last four characters and the household county, the day gives the whole number back, and
 * a role that may unmask reads it through `personal { birthDate }` with a reason, in the access log
 * (until 2026-12-03 such a role got exact ages, unlogged, and the day by stepping asOf).
 */
export function ageDate(date: string): string {
  const [y, m] = date.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/**
 * An elder's age on `asOf` as the API gives it (Elder.age): completed years on ageDate(asOf), stopped
 * at the death. Null while not yet born — asOf in a month before the birth month — rather than a
 * negative age (in the birth month itself the age is 0: telling its days apart would give the day).
 * The list's age filters follow the same rule (birthRangeOfAges).
 */
export function ageOn(birthDate: string, asOf: string, deathDate: string | null = null): number | null {
  const on = ageDate(deathDate && deathDate < asOf ? deathDate : asOf);
  return on < birthDate ? null : ageAt(birthDate, on);
}

/**
 * The birth dates of those aged `minAge` to `maxAge` (either may be open) on `asOf`, by ageOn's
 * rule: an age filter lists only those born by ageDate(asOf) — with no lower bound given, 0 is it —
 * so `maxAge: 0` on a date before someone's birth does not list them as a newborn. (The living
 * only is the caller's condition: ageOn stops at death, the filters do not list the dead.)
 */
export function birthRangeOfAges(asOf: string, minAge: number | null, maxAge: number | null): { bornFrom: string | null; bornTo: string } {
  const on = ageDate(asOf);
  return {
    bornTo: yearsBefore(on, minAge ?? 0),
    bornFrom: maxAge == null ? null : dayAfter(yearsBefore(on, maxAge + 1)),
  };
}

/** The date `years` years before `date`, the day clamped to the month's length. */
function yearsBefore(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y - years, m, 0)).getUTCDate();
  return `${String(y - years).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

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
