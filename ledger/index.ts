/** The fund ledger: writes (Ledger) and reads (LedgerQueries). Usable without GraphQL. */
export { Ledger } from './ledger.js';
export { LedgerQueries, loadTransactions } from './queries.js';
export type { TransactionFilter, BalanceLine, TrailStep, VerifyResult } from './queries.js';
export { LedgerError, type LedgerErrorCode } from './errors.js';
export { parseFen, positiveFen, MAX_FEN } from './money.js';
export * from './types.js';
