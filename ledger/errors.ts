/** Errors a ledger caller can act on, each with a stable code (the API passes it on as extensions.code). */
import { DomainError } from '../platform/errors.js';

export type LedgerErrorCode =
  | 'BAD_USER_INPUT'
  | 'PERSONAL_DATA_IN_TEXT'
  | 'NOT_FOUND'
  | 'INSUFFICIENT_FUNDS'
  | 'IDEMPOTENCY_CONFLICT'
  | 'ALREADY_REVERSED'
  | 'ALREADY_RECEIVED'
  /** A posting dated in a CLOSED or SEALED period (the message names it). */
  | 'PERIOD_CLOSED'
  /** A period action the period's state does not allow (close twice, reopen a sealed month, …). */
  | 'PERIOD_STATE'
  /** Closing or sealing refused while something blocks it; extensions.blockers lists what. */
  | 'PERIOD_CLOSE_BLOCKED'
  /** The person who asked for something cannot also approve it (four eyes). */
  | 'SELF_APPROVAL'
  /** approve or reject of a proposal that was already approved, rejected or recorded as expired. */
  | 'PROPOSAL_NOT_PENDING'
  /** approve or reject of a proposal past its expiry (it holds nothing any more): propose again. */
  | 'PROPOSAL_EXPIRED';

/** A DomainError whose code is one of the ledger's (one error root for the whole platform). */
export class LedgerError extends DomainError {
  declare readonly code: LedgerErrorCode;

  constructor(code: LedgerErrorCode, message: string, field?: string) {
    super(code, message, field);
    this.name = 'LedgerError';
  }
}

/** Something stands in the way of closing or sealing a period: each blocker says what and where. */
export interface PeriodBlocker {
  kind: 'ALLOCATION_IN_TRANSIT' | 'CRITICAL_AUDIT_FINDING' | 'SUBTREE_NOT_SEALED';
  /** The allocation's transaction id, the finding's id, or the region code. */
  id: string;
  description: string;
}

export class PeriodBlockedError extends LedgerError {
  constructor(
    message: string,
    readonly blockers: PeriodBlocker[],
  ) {
    super('PERIOD_CLOSE_BLOCKED', message);
  }

  override details(): Record<string, unknown> {
    return { blockers: this.blockers };
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
    case 'SL032': // a direct write under an idempotency key a proposal carries
      return new LedgerError('IDEMPOTENCY_CONFLICT', e.message ?? 'the idempotency key belongs to a proposal', 'idempotencyKey');
    case 'SL030': // a hold or a spend that would take a lot's available money (balance less holds) below zero
      return new LedgerError('INSUFFICIENT_FUNDS', e.message ?? 'insufficient funds');
    case 'SL013': // a reversal dated before the transaction it reverses
      return new LedgerError('BAD_USER_INPUT', e.message ?? 'a reversal is dated on or after the transaction it reverses', 'effectiveDate');
    case 'SL020':
      return new LedgerError('PERIOD_CLOSED', e.message ?? 'the period is closed');
    case 'SL024': // a close of a month that has not ended (closed-through: it would close the months to come)
      return new LedgerError('BAD_USER_INPUT', e.message ?? 'the month has not ended', 'month');
    case 'SL021':
      return new LedgerError('PERIOD_STATE', e.message ?? 'the period does not allow this');
    case 'SL022':
      return new LedgerError('SELF_APPROVAL', e.message ?? 'the requester cannot approve');
    case '23505':
      if (e.constraint === 'transaction_reverses_id_key') return new LedgerError('ALREADY_REVERSED', 'this transaction has already been reversed');
      if (e.constraint === 'transaction_received_once') return new LedgerError('ALREADY_RECEIVED', 'this allocation has already been received');
      return null;
    default:
      return null;
  }
}
