/**
 * What an export asks for — region, period, what, format — parsed from untrusted input (query
 * string, command line). Every failure is BAD_USER_INPUT naming its field; nothing is read.
 */
import { DomainError } from '../../platform/domain-error.js';
import { normaliseRegionCode } from '../../hierarchy/region-code.js';
import * as v from '../validate.js';

export const EXPORT_FORMATS = ['hledger', 'xlsx', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** transactions: one row per posting (序时账); trail: every payment's chain back to its appropriation (资金溯源). */
export const EXPORT_SUBJECTS = ['transactions', 'trail'] as const;
export type ExportSubject = (typeof EXPORT_SUBJECTS)[number];

/** hledger account names: region name and code, fund line name (`names`), or codes only (`codes`, ASCII). */
export const ACCOUNT_STYLES = ['names', 'codes'] as const;
export type AccountStyle = (typeof ACCOUNT_STYLES)[number];

export interface ExportRequest {
  /** 12-digit code: the region whose subtree is exported. */
  regionCode: string;
  /** First and last effective date included (YYYY-MM-DD); null = open. */
  from: string | null;
  to: string | null;
  what: ExportSubject;
  format: ExportFormat;
  fundLine: string | null;
  accounts: AccountStyle;
  /** Why the books are exported; written to the access log. */
  reason: string | null;
}

const bad = (message: string, field: string) => new DomainError('BAD_USER_INPUT', message, field);

function single(input: Record<string, unknown>, field: string): string | null {
  const value = input[field];
  if (value == null || value === '') return null;
  if (typeof value !== 'string') throw bad(`${field} must be given once, as text`, field);
  return value;
}

export function parseExportRequest(input: Record<string, unknown>): ExportRequest {
  const region = single(input, 'region');
  if (!region) throw bad('region is required (a 12-digit region code or its 2/4/6/9-digit prefix)', 'region');
  let regionCode: string;
  try {
    regionCode = normaliseRegionCode(region);
  } catch (error) {
    throw bad(error instanceof Error ? error.message : String(error), 'region');
  }
  const from = single(input, 'from');
  const to = single(input, 'to');
  if (from) v.isoDate(from, 'from');
  if (to) v.isoDate(to, 'to');
  if (from && to && to < from) throw bad('to is before from', 'to');
  const what = v.oneOf(single(input, 'what') ?? 'transactions', EXPORT_SUBJECTS, 'what');
  const format = v.oneOf(single(input, 'format'), EXPORT_FORMATS, 'format');
  if (format === 'hledger' && what !== 'transactions') throw bad('the hledger journal holds transactions; export trails as xlsx or csv', 'format');
  const fundLine = single(input, 'fundLine');
  if (fundLine) v.code(fundLine, 'fundLine');
  const accounts = v.oneOf(single(input, 'accounts') ?? 'names', ACCOUNT_STYLES, 'accounts');
  // Kept for ever in the access log: free text without personal data (platform/validate.ts).
  const reason = v.optionalFreeText(single(input, 'reason'), 'reason', 500);
  return { regionCode, from, to, what, format, fundLine, accounts, reason };
}
