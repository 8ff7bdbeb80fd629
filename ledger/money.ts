/** Money is integer fen (分) in a bigint, everywhere; it travels outside as a string of digits. */
import { badInput } from './errors.js';

/**
 * The largest single amount: PostgreSQL bigint. Every stored sum fits too: running balances are per
 * (account, lot) and never exceed their lot's one amount; the daily totals that add amounts of many
 * lots are numeric (migrations/Migration20261201200000_ledger_as_of.ts).
 */
export const MAX_FEN = 9223372036854775807n;

/** Parses a string of digits (optionally signed) into fen; refuses fractions, exponents and values beyond 64 bits. */
export function parseFen(input: unknown, field = 'amount'): bigint {
  if (typeof input === 'bigint') return checkRange(input, field);
  if (typeof input === 'number' && Number.isSafeInteger(input)) return checkRange(BigInt(input), field);
  if (typeof input !== 'string' || !/^-?[0-9]{1,19}$/.test(input)) {
    throw badInput(`${field} must be an integer number of fen written as a string of digits, got ${JSON.stringify(input)}`, field);
  }
  return checkRange(BigInt(input), field);
}

function checkRange(value: bigint, field: string): bigint {
  if (value > MAX_FEN || value < -MAX_FEN) throw badInput(`${field} is beyond 64 bits`, field);
  return value;
}

/** An amount that must be strictly positive (what is paid, allocated, appropriated). */
export function positiveFen(input: unknown, field = 'amount'): bigint {
  const value = parseFen(input, field);
  if (value <= 0n) throw badInput(`${field} must be a positive number of fen`, field);
  return value;
}
