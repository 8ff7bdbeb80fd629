/**
 * Citizen ID numbers (公民身份号码, GB 11643-1999): validation, normalisation and what the number
 * itself says (birth date, sex). Pure functions, no I/O.
 *
 *   positions 1–6   address code (GB/T 2260 county at first registration — never the current county)
 *   positions 7–14  birth date YYYYMMDD
 *   positions 15–17 sequence; the 17th digit is odd for men, even for women
 *   position 18     check character, ISO 7064 MOD 11-2: "10X98765432"[Σ dᵢ·Wᵢ mod 11]
 *
 * Legacy 15-digit numbers (issued until 1999: 6-digit address, YYMMDD, 3-digit sequence) are
 * CONVERTED, not rejected: "19" is inserted before the two-digit year and the check character
 * computed, which is exactly how the public-security system upgraded them. Everything downstream
 * (the look-up hash, de-duplication, masking) only ever sees the 18-character form, so the same
 * person registered once with each form is caught as a duplicate.
 */
import { DomainError } from './errors.js';

export const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
export const ID_CHECK_MAP = '10X98765432';

/**
 * GB/T 2260 province-level codes (first two digits), plus 81/82/83 (Hong Kong, Macao and Taiwan
 * residence permits) and 91–99 (the 2023 foreigners' permanent-residence ID, which starts with 9).
 */
const PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82', '83', '91', '92', '93', '94', '95', '96', '97', '98', '99',
]);

export type Sex = 'MALE' | 'FEMALE';

export interface ParsedIdNumber {
  /** The normalised 18-character number (upper-case X). */
  value: string;
  /** True when the input was a legacy 15-digit number converted to 18. */
  converted: boolean;
  /** YYYY-MM-DD. */
  birthDate: string;
  sex: Sex;
  /** The 6-digit address code of first registration. */
  addressCode: string;
}

export class InvalidIdNumberError extends DomainError {
  constructor(message: string, field = 'idNumber') {
    super('BAD_USER_INPUT', message, field);
    this.name = 'InvalidIdNumberError';
  }
}

export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK_MAP[sum % 11]!;
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/** Today's date in China (UTC+8), YYYY-MM-DD. */
export function todayInChina(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * Validates and normalises an ID number. Messages never repeat the number itself (they end up in
 * logs and import reports): they name the position that is wrong.
 */
export function parseIdNumber(input: string, field = 'idNumber', today = todayInChina()): ParsedIdNumber {
  if (typeof input !== 'string') throw new InvalidIdNumberError('ID number is required', field);
  let value = input.replace(/\s+/g, '').toUpperCase();
  let converted = false;
  if (/^[0-9]{15}$/.test(value)) {
    const first17 = `${value.slice(0, 6)}19${value.slice(6)}`;
    value = first17 + checkCharacter(first17);
    converted = true;
  } else if (!/^[0-9]{17}[0-9X]$/.test(value)) {
    throw new InvalidIdNumberError('ID number must be 18 characters (17 digits and a digit or X) or a legacy 15-digit number', field);
  }
  const addressCode = value.slice(0, 6);
  if (!PROVINCES.has(addressCode.slice(0, 2)) || addressCode.slice(2) === '0000') {
    throw new InvalidIdNumberError('ID number: the first 6 digits are not a plausible region code (GB/T 2260)', field);
  }
  const year = Number(value.slice(6, 10));
  const month = Number(value.slice(10, 12));
  const day = Number(value.slice(12, 14));
  if (year < 1880 || !validDate(year, month, day)) throw new InvalidIdNumberError('ID number: digits 7–14 are not a valid birth date', field);
  const birthDate = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (birthDate > today) throw new InvalidIdNumberError('ID number: the birth date in digits 7–14 is in the future', field);
  if (!converted && checkCharacter(value.slice(0, 17)) !== value[17]) {
    throw new InvalidIdNumberError('ID number: wrong check character (position 18, GB 11643)', field);
  }
  const sex: Sex = Number(value[16]) % 2 === 1 ? 'MALE' : 'FEMALE';
  return { value, converted, birthDate, sex, addressCode };
}

/** Throws unless the record's birth date and sex agree with the number. */
export function requireAgreement(parsed: ParsedIdNumber, record: { birthDate?: string | null; sex?: Sex | null }): void {
  if (record.birthDate != null && record.birthDate !== parsed.birthDate) {
    throw new DomainError('BAD_USER_INPUT', 'birth date does not agree with the ID number (digits 7–14)', 'birthDate');
  }
  if (record.sex != null && record.sex !== parsed.sex) {
    throw new DomainError('BAD_USER_INPUT', 'sex does not agree with the ID number (digit 17: odd male, even female)', 'sex');
  }
}

/** Builds a valid 18-character number (demo data, tests). */
export function makeIdNumber(addressCode: string, birthDate: string, sequence: number, sex: Sex): string {
  let seq = sequence % 1000;
  if ((seq % 2 === 1) !== (sex === 'MALE')) seq = (seq + 1) % 1000;
  const first17 = `${addressCode}${birthDate.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}
