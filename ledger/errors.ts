/** Errors a ledger caller can act on, each with a stable code (the API passes it on as extensions.code). */
import { DomainError } from '../platform/domain-error.js';

export type LedgerErrorCode =
  | 'BAD_USER_INPUT'
  | 'PERSONAL_DATA_IN_TEXT'
  | 'NOT_FOUND'
  | 'INSUFFICIENT_FUNDS'
  | 'IDEMPOTENCY_CONFLICT'
  | 'ALREADY_REVERSED'
  | 'ALREADY_RECEIVED';

/** A DomainError whose code is one of the ledger's (one error root for the whole platform). */
export class LedgerError extends DomainError {
  declare readonly code: LedgerErrorCode;

  constructor(code: LedgerErrorCode, message: string, field?: string) {
    super(code, message, field);
    this.name = 'LedgerError';
  }
}

export const badInput = (message: string, field?: string) => new LedgerError('BAD_USER_INPUT', message, field);

/** Maps the SQLSTATEs raised by the ledger's triggers and constraints to ledger errors. */
export function fromDatabaseError(error: unknown): LedgerError | null {
  const e = error as { code?: string; constraint?: string; message?: string };
  switch (e?.code) {
    case 'SL001':
      return new LedgerError('INSUFFICIENT_FUNDS', e.message ?? 'insufficient funds');
    case '23505':
      if (e.constraint === 'transaction_reverses_id_key') return new LedgerError('ALREADY_REVERSED', 'this transaction has already been reversed');
      if (e.constraint === 'transaction_received_once') return new LedgerError('ALREADY_RECEIVED', 'this allocation has already been received');
      return null;
    default:
      return null;
  }
}
