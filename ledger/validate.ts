/**
 * Input checks of the ledger's writes and reads: the platform's one rule set (platform/validate.ts),
 * raised as LedgerErrors so that a group or batch can tell a caller's error from a fault. Each
 * failure names its field.
 */
import * as rules from '../platform/validate.js';
import { DomainError } from '../platform/errors.js';
import { LedgerError, type LedgerErrorCode } from './errors.js';
import { registryNoForm } from '../platform/registry-number.js';

/** The same rule, its DomainError re-raised as a LedgerError with the same code, message and field. */
function ledgerRule<A extends unknown[], R>(rule: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    try {
      return rule(...args);
    } catch (error) {
      if (error instanceof DomainError && !(error instanceof LedgerError)) throw new LedgerError(error.code as LedgerErrorCode, error.message, error.field);
      throw error;
    }
  };
}

/**
 * Names the server sets (the actor). Ledger text has always been allowed tabs and line breaks (the
 * hash chain is tested with them); other control characters are refused.
 */
export const requireText = ledgerRule((value: unknown, field: string, max: number) => rules.text(value, field, max, { multiline: true }));
/**
 * Keys a caller chooses that are kept for ever in the hash chain (idempotency key, payee id): like
 * free text, no ID or phone numbers — they are shown to roles that may not see personal data in
 * clear (a payee is named by its registry number, E…, never by its ID number).
 */
export const identifier = ledgerRule((value: unknown, field: string, max: number) => rules.refusePersonalData(rules.text(value, field, max, { multiline: true }), field, 'identifier'));
/** Free text kept for ever in the hash chain (memo, document number, reason): no ID or phone numbers. */
export const freeText = ledgerRule((value: unknown, field: string, max: number) => rules.freeText(value, field, max, { multiline: true }));
export const optionalFreeText = ledgerRule((value: unknown, field: string, max: number) => rules.optionalFreeText(value, field, max, { multiline: true }));
/** A document number (文号): no personal data. */
export const documentNo = ledgerRule((value: unknown, field: string) => rules.freeText(value, field, 100, { multiline: true }));
export const optionalDocumentNo = ledgerRule((value: unknown, field: string) => rules.optionalFreeText(value, field, 100, { multiline: true }));
export const isoDate = ledgerRule(rules.isoDate);
export const isoDateTime = ledgerRule(rules.isoDateTime);
export const month = ledgerRule(rules.month);
export const oneOf = ledgerRule(rules.oneOf) as <T extends string>(value: unknown, allowed: readonly T[], field: string) => T;
export const code = ledgerRule(rules.code);
export const regionCode = ledgerRule(rules.regionCode);
export const id = ledgerRule(rules.recordId);
export const fiscalYear = ledgerRule((value: unknown, field: string) => rules.intRange(value, field, 2000, 2100));

/**
 * A payee id: an identifier (above), and when it has the form of a registry number (E… an elder's,
 * F… a facility's), the one spelling the registry gives (E00000042) and the kind the payee type
 * names. `E42`, `E000000042` or ` E00000042` named the same elder under other ids: payments and
 * duplicates (AR-03) counted apart, and the payee's jurisdiction check missed the padded form.
 */
export function payeeIdentifier(value: unknown, payeeType: unknown, field: string): string {
  const id = identifier(value, field, 64);
  const form = registryNoForm(id);
  if (!form) return id;
  if (id !== form.canonical) throw new LedgerError('BAD_USER_INPUT', `${field} has the form of a registry number: write it ${form.canonical}`, field);
  const expected = form.kind === 'ELDER' ? 'PERSON' : 'FACILITY';
  if (payeeType !== expected) throw new LedgerError('BAD_USER_INPUT', `${field} ${id} is the registry number of a ${expected === 'PERSON' ? 'person' : 'facility'}, paid as payeeType ${expected}`, field);
  return id;
}
