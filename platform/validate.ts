/**
 * The one rule set for what callers send: text, dates, months, numbers, ids and region codes. The
 * ledger (ledger/validate.ts), the registry (registry/validate.ts), the bulk import and the API all
 * check their inputs with these functions, so one kind of value follows one rule everywhere
 * (docs/errors.md#input-rules). Each failure is a DomainError naming the offending field; nothing a
 * caller can send reaches PostgreSQL unchecked (a NUL byte or a lone surrogate would otherwise
 * fail there as an internal error, or be silently replaced).
 */
import { DomainError } from './errors.js';
import { isVillageCode, parseRegionCode } from './region-code.js';
// Pure functions without I/O: the check digit of GB 11643 lives with the registry's ID-number rules.
import { parseIdNumber } from './id-number.js';

export const bad = (message: string, field: string) => new DomainError('BAD_USER_INPUT', message, field);

// ---- text -----------------------------------------------------------------------------------------

/** In a /u regex paired surrogates are one astral code point: only a lone one is a Surrogate (Cs). */
const LONE_SURROGATE = /\p{Surrogate}/u;
/** C0 controls, DEL and C1 (U+0080–U+009F: U+009B opens a terminal escape sequence, as ESC does); free text (multiline) may keep tab, line feed and carriage return. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * What every string argument must be, whatever its field: valid Unicode (no lone UTF-16
 * surrogate, which PostgreSQL would store as U+FFFD, so that two different keys collide) and no NUL
 * byte (which PostgreSQL refuses outright). The API applies it to every argument (api/input-guard.ts).
 */
export function requireWellFormed(value: string, field: string): string {
  if (LONE_SURROGATE.test(value)) throw bad(`${field} is not valid Unicode text (it contains a lone UTF-16 surrogate)`, field);
  if (value.includes('\u0000')) throw bad(`${field} must not contain NUL bytes`, field);
  return value;
}

/** Length as PostgreSQL's length() counts it: characters (code points), not UTF-16 units. */
export const characters = (value: string) => [...value].length;

export interface TextOptions {
  /** Free text that may span lines (a memo, a reason): tab and line breaks are allowed. */
  multiline?: boolean;
}

/** A required piece of text: trimmed, 1–max characters, valid Unicode, no control characters. */
export function text(value: unknown, field: string, max: number, options: TextOptions = {}): string {
  if (typeof value !== 'string') throw bad(`${field} is required`, field);
  const trimmed = requireWellFormed(value, field).trim();
  if (trimmed.length === 0) throw bad(`${field} is required`, field);
  if (characters(trimmed) > max) throw bad(`${field} must be at most ${max} characters`, field);
  if ((options.multiline ? CONTROL_EXCEPT_LINES : CONTROL).test(trimmed)) throw bad(`${field} must not contain control characters`, field);
  return trimmed;
}

/** Optional text: null, undefined and blank are "not given". */
export function optionalText(value: unknown, field: string, max: number, options: TextOptions = {}): string | null {
  return value == null || (typeof value === 'string' && value.trim() === '') ? null : text(value, field, max, options);
}

// ---- personal data in free text -------------------------------------------------------------------

/** An 18-character ID number written in one piece (GB 11643: 17 digits and a digit or X). */
const ID_NUMBER_CANDIDATE = /(?<![0-9])[0-9]{17}[0-9X](?![0-9])/g;
/**
 * An ID number the text names as one: right after 身份证 (号/号码), 身份号码, 证件号 (码) or
 * 公民身份号码 — at most a colon and spaces between — in any grouping ("身份证 320321 19480229 0027",
 * "身份证号：320321-480229-002"), 18 characters or the legacy 15 digits (issued until 1999, still
 * on many elders' old papers). Without such a label only the one-piece 18-character form counts:
 * grouped digits and 15-digit numbers are as often other things — a batch number
 * "320321-20261101-0001" (county, date, counter) carries a valid check character one time in
 * eleven, an old business registration number "320106000123456" reads as a legacy ID number — and
 * the label must be next to the number (a memo that mentions an ID card and then a batch number is
 * not naming the batch as an ID). Bare 证号 is no label: it ends 许可证号, 执照证号, 登记证号.
 */
const LABELLED_ID = /(?:公民身份号码|身份证号码|身份证号|身份证|身份号码|证件号码|证件号)[:：\s]{0,4}([0-9](?:[\s._/\u00B7\u2010-\u2014-]{0,3}[0-9X])+)/g;
const ID_SEPARATORS = /[\s._/\u00B7\u2010-\u2014-]+/;
/** Characters that render as nothing and would split a number unseen. */
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;
/** Mainland mobile numbers: 1[3-9] + 9 digits, optionally +86 and separators. */
const MOBILE_NUMBER = /(?<![0-9])(?:\+?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])/;

/**
 * Text that lives forever (a memo inside the ledger's hash chain, a reason in an append-only log)
 * must not carry a person's ID number or phone: those belong in the registry, encrypted and masked.
 * Full-width digits are folded first (NFKC), so "１３８…" is caught as well. `identifier`: a key a
 * caller chooses (idempotency key, payee id), where numbers labelled as IDs do not occur: only the
 * one-piece forms are checked, so that a key built of a code, a date and a counter is never
 * refused by chance.
 */
export function refusePersonalData(value: string, field: string, kind: 'text' | 'identifier' = 'text'): string {
  const folded = value.normalize('NFKC').toUpperCase().replace(INVISIBLE, '');
  if (containsIdNumber(folded, kind === 'text')) throw personalDataInText(field, 'an ID number (GB 11643)');
  if (MOBILE_NUMBER.test(folded)) throw personalDataInText(field, 'a mobile phone number');
  return value;
}

function containsIdNumber(folded: string, labelled: boolean): boolean {
  for (const [candidate] of folded.matchAll(ID_NUMBER_CANDIDATE)) if (isValidIdNumber(candidate)) return true;
  if (!labelled) return false;
  for (const match of folded.matchAll(LABELLED_ID)) {
    // The groups after the label, joined from the first: a number that follows (a phone) is not part of it.
    let digits = '';
    for (const group of match[1]!.split(ID_SEPARATORS)) {
      digits += group;
      if ((digits.length === 18 || digits.length === 15) && isValidIdNumber(digits)) return true;
      if (digits.length >= 18) break;
    }
  }
  return false;
}

function isValidIdNumber(candidate: string): boolean {
  try {
    parseIdNumber(candidate);
    return true;
  } catch {
    return false;
  }
}

const personalDataInText = (field: string, what: string) =>
  // The message never repeats the number (errors end up in logs).
  new DomainError('PERSONAL_DATA_IN_TEXT', `${field} contains ${what}: personal data does not belong in free text, which is kept for ever`, field);

/** Free text kept for ever (memo, document number, reason): text() without personal data. */
export function freeText(value: unknown, field: string, max: number, options: TextOptions = {}): string {
  return refusePersonalData(text(value, field, max, options), field);
}

export function optionalFreeText(value: unknown, field: string, max: number, options: TextOptions = {}): string | null {
  const checked = optionalText(value, field, max, options);
  return checked == null ? null : refusePersonalData(checked, field);
}

// ---- dates and months -----------------------------------------------------------------------------

/**
 * The one date range of the whole API: 1880-01-01 to 2200-12-31 (the registry's oldest birth
 * dates to well beyond any fiscal plan). Dates are ISO 8601 calendar dates written with ASCII
 * digits, four-digit year, no sign: YYYY-MM-DD, and must exist (no 2026-02-30).
 */
export const FIRST_DATE = '1880-01-01';
export const LAST_DATE = '2200-12-31';
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const MONTH = /^([0-9]{4})-([0-9]{2})$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function isoDate(value: unknown, field: string): string {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  if (!m) throw bad(`${field} must be a date YYYY-MM-DD`, field);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw bad(`${field} is not a calendar date: ${value}`, field);
  const date = m[0];
  if (date < FIRST_DATE || date > LAST_DATE) throw bad(`${field} must be between ${FIRST_DATE} and ${LAST_DATE}`, field);
  return date;
}

export function optionalDate(value: unknown, field: string): string | null {
  return value == null || value === '' ? null : isoDate(value, field);
}

const DATE_TIME = /^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?(Z|[+-]([0-9]{2}):([0-9]{2}))?)?$/;

/**
 * A point in time: a date of the one date rule, optionally with a time HH:MM[:SS[.ffffff]] and an
 * offset (Z or ±HH:MM); without an offset PostgreSQL reads it in the server's time zone.
 * `requireOffset`: the time and its offset are required (a recorded instant).
 */
export function isoDateTime(value: unknown, field: string, options: { requireOffset?: boolean } = {}): string {
  const m = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  if (!m || (options.requireOffset && !m[5])) {
    const what = options.requireOffset ? 'an ISO 8601 date-time with an offset' : 'an ISO 8601 date or date-time';
    throw bad(`${field} must be ${what}, e.g. 2026-03-01T08:00:00+08:00`, field);
  }
  isoDate(m[1], field);
  const [hour, minute, second, offsetHour, offsetMinute] = [m[2], m[3], m[4], m[6], m[7]].map((part) => Number(part ?? 0));
  if (hour! > 23 || minute! > 59 || second! > 59 || offsetHour! > 14 || offsetMinute! > 59) throw bad(`${field} is not a valid time of day`, field);
  return m[0];
}

/** A calendar month YYYY-MM inside the API's date range. */
export function month(value: unknown, field: string): string {
  const m = typeof value === 'string' ? MONTH.exec(value) : null;
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw bad(`${field} must be a month YYYY-MM`, field);
  const [first, last] = [FIRST_DATE.slice(0, 7), LAST_DATE.slice(0, 7)];
  if (m[0] < first || m[0] > last) throw bad(`${field} must be between ${first} and ${last}`, field);
  return m[0];
}

// ---- numbers, ids, vocabularies -------------------------------------------------------------------

export function intRange(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw bad(`${field} must be an integer ${min}–${max}`, field);
  return value;
}

/** Internal id of a stored row: a positive bigint as text, without leading zeros (fits PostgreSQL bigint). */
export function recordId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,17}$/.test(value)) throw bad(`${field} is not a valid id`, field);
  return value;
}

export const isRecordId = (value: string) => /^[1-9][0-9]{0,17}$/.test(value);

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw bad(`${field} must be one of ${allowed.join(', ')}`, field);
  return value as T;
}

/** An upper-case code of a vocabulary (fund lines, benefits): A–Z, digits and _, 2–40 characters. */
export function code(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[A-Z][A-Z0-9_]{1,39}$/.test(value)) throw bad(`${field} must be an upper-case code such as SA_MONTHLY`, field);
  return value;
}

// ---- region codes ---------------------------------------------------------------------------------

/** Any region-code argument: 12 digits or the 2/4/6/9-digit prefix, as platform/region-code.ts parses it; answers 12 digits. */
export function regionCode(value: unknown, field: string): string {
  if (typeof value !== 'string') throw bad(`${field} must be a region code`, field);
  return parseRegionCode(value, field);
}

/** A village: a region code whose last three digits (the village part) are not 000. */
export function villageCode(value: unknown, field: string): string {
  if (!isVillageCode(value)) throw bad(`${field} must be a 12-digit village code`, field);
  return value;
}

/**
 * One query-string parameter of an HTTP route, as text: null when absent or empty. Given twice
 * (`?within=a&within=b`) or as a nested object it is BAD_USER_INPUT — never quietly dropped, which
 * would widen an export to everything the caller may see.
 */
export function singleParam(query: Record<string, unknown>, field: string): string | null {
  const value = query[field];
  if (value == null || value === '') return null;
  if (typeof value !== 'string') throw bad(`${field} must be given once, as text`, field);
  return value;
}
