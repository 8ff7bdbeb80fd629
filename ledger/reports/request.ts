/**
 * What an export asks for — region, period, what, format — parsed from untrusted input (query
 * string, command line). Every failure is BAD_USER_INPUT naming its field; nothing is read.
 */
import { DomainError } from '../../platform/errors.js';
import { singleParam } from '../../platform/validate.js';
import { normaliseRegionCode } from '../../platform/region-code.js';
import * as v from '../validate.js';

export const EXPORT_FORMATS = ['hledger', 'xlsx', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * transactions: one row per posting (序时账); trail: every payment's chain back to its appropriation (资金溯源);
 * trial-balance: a month's 试算平衡表 of one fund line, summed over the region's subtree.
 */
export const EXPORT_SUBJECTS = ['transactions', 'trail', 'trial-balance'] as const;
export type ExportSubject = (typeof EXPORT_SUBJECTS)[number];

/** hledger account names: region name and code, fund line name (`names`), or codes only (`codes`, ASCII). */
export const ACCOUNT_STYLES = ['names', 'codes'] as const;
export type AccountStyle = (typeof ACCOUNT_STYLES)[number];

export interface ExportRequest {
  /** 12-digit code: the region whose subtree is exported. */
  regionCode: string;
  /** First and last effective date included (YYYY-MM-DD); null = open. For a trial balance: the month's first and last day. */
  from: string | null;
  to: string | null;
  what: ExportSubject;
  format: ExportFormat;
  fundLine: string | null;
  /** The month of a trial balance (YYYY-MM); null for the other subjects. */
  month: string | null;
  accounts: AccountStyle;
  /** Why the books are exported; written to the access log. */
  reason: string | null;
}

const bad = (message: string, field: string) => new DomainError('BAD_USER_INPUT', message, field);


export function parseExportRequest(input: Record<string, unknown>): ExportRequest {
  const region = singleParam(input, 'region');
  if (!region) throw bad('region is required (a 12-digit region code or its 2/4/6/9-digit prefix)', 'region');
  let regionCode: string;
  try {
    regionCode = normaliseRegionCode(region);
  } catch (error) {
    throw bad(error instanceof Error ? error.message : String(error), 'region');
  }
  const what = v.oneOf(singleParam(input, 'what') ?? 'transactions', EXPORT_SUBJECTS, 'what');
  const format = v.oneOf(singleParam(input, 'format'), EXPORT_FORMATS, 'format');
  if (format === 'hledger' && what !== 'transactions') throw bad('the hledger journal holds transactions; export trails and trial balances as xlsx or csv', 'format');
  const fundLine = singleParam(input, 'fundLine');
  if (fundLine) v.code(fundLine, 'fundLine');
  const month = singleParam(input, 'month');
  let from: string | null;
  let to: string | null;
  if (what === 'trial-balance') {
    if (!fundLine) throw bad('a trial balance is of one fund line: fundLine is required', 'fundLine');
    if (!month) throw bad('a trial balance is of one month: month (YYYY-MM) is required', 'month');
    if (singleParam(input, 'from') || singleParam(input, 'to')) throw bad('a trial balance takes month, not from/to', singleParam(input, 'from') ? 'from' : 'to');
    [from, to] = monthBounds(month);
  } else {
    if (month) throw bad('month is for what=trial-balance; use from/to', 'month');
    from = singleParam(input, 'from');
    to = singleParam(input, 'to');
    if (from) v.isoDate(from, 'from');
    if (to) v.isoDate(to, 'to');
    if (from && to && to < from) throw bad('to is before from', 'to');
  }
  const accounts = v.oneOf(singleParam(input, 'accounts') ?? 'names', ACCOUNT_STYLES, 'accounts');
  // Kept for ever in the access log: free text without personal data (platform/validate.ts).
  const reason = v.optionalFreeText(singleParam(input, 'reason'), 'reason', 500);
  return { regionCode, from, to, what, format, fundLine, month: what === 'trial-balance' ? month : null, accounts, reason };
}

/** "2026-03" → ["2026-03-01", "2026-03-31"]; BAD_USER_INPUT (field month) unless YYYY-MM of a real month. */
function monthBounds(value: string): [string, string] {
  // (inside the API's date range: year 0000 reached PostgreSQL, which has no year 0: a 500)
  const month = v.month(value, 'month');
  const [year, m] = month.split('-').map(Number) as [number, number];
  const last = new Date(Date.UTC(year, m, 0)).getUTCDate();
  return [`${month}-01`, `${month}-${String(last).padStart(2, '0')}`];
}
