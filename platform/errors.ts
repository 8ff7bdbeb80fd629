/**
 * The one error root of the platform. Every failure a caller can act on — bad input, not found,
 * forbidden, the ledger's own refusals — is a DomainError (or a subclass that narrows its code or
 * carries details) raised by a domain module without any knowledge of GraphQL. The API passes
 * `code` on as `extensions.code`, `field` as `extensions.field` and `details()` beside them;
 * everything else a domain module throws is an internal error.
 *
 * Subclasses: AuthError (auth/viewer.ts), InvalidRegionCodeError (platform/region-code.ts),
 * InvalidIdNumberError (platform/id-number.ts), LedgerError and PeriodBlockedError (ledger/errors.ts).
 */
export class DomainError extends Error {
  constructor(
    /** Machine-readable, stable: clients branch on it (docs/errors.md lists them). */
    readonly code: string,
    message: string,
    /** The argument or input field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /** Further machine-readable details a subclass carries (passed on beside `code` in extensions). */
  details(): Record<string, unknown> {
    return {};
  }
}
