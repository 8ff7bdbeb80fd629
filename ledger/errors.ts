/** Errors a ledger caller can act on, each with a stable code (the API passes it on as extensions.code). */
export type LedgerErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'INSUFFICIENT_FUNDS'
  | 'IDEMPOTENCY_CONFLICT'
  | 'ALREADY_REVERSED'
  | 'ALREADY_RECEIVED';

export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}

export const badInput = (message: string, field?: string) => new LedgerError('BAD_USER_INPUT', message, field);

/** Maps the SQLSTATEs raised by the ledger's triggers and constraints to ledger errors. */
export function fromDatabaseError(error: unknown): LedgerError | null {
  const e = error as { code?: string; constraint?: string; message?: string };
  switch (e?.code) {
    case 'SL001':
    case 'SL003': // as of a date: the money the posting needs arrived only later (the message names the date)
      return new LedgerError('INSUFFICIENT_FUNDS', e.message ?? 'insufficient funds');
    case '23505':
      if (e.constraint === 'transaction_reverses_id_key') return new LedgerError('ALREADY_REVERSED', 'this transaction has already been reversed');
      if (e.constraint === 'transaction_received_once') return new LedgerError('ALREADY_RECEIVED', 'this allocation has already been received');
      return null;
    default:
      return null;
  }
}
