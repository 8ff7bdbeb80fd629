/**
 * Every advisory lock the platform takes, by name. PostgreSQL's two-key form
 * `pg_advisory_xact_lock(class, key)` is used throughout: the class names what is locked, the key
 * which one. The migrations' triggers take some of the same locks in SQL (they cannot import this
 * module); test/platform/locks.test.ts checks that every class a migration names is listed here, so
 * two unrelated things never share a class by accident.
 *
 * (The posting trigger's per-lot lock uses the one-key form `pg_advisory_xact_lock(lot_id)`, a
 * separate key space of PostgreSQL's, and is not listed.)
 */

export const LOCK_CLASS = {
  /** The ledger: key 1 the chain head (the header trigger), 2 the checkpoint signer, 3 the Merkle integrator. */
  LEDGER_CHAIN: 21325,
  /** Ledger idempotency keys, hashed into 1,024 buckets. */
  LEDGER_IDEMPOTENCY: 21326,
  /** A (region, fund line)'s accounting periods: postings take it shared, period events exclusive. */
  LEDGER_PERIOD: 21327,
  /** Ledger transactions, by id modulo 1,024: their postings take it, so none joins a header another open transaction inserted. */
  LEDGER_TRANSACTION: 21331,
  /** Per subject: the 24-hour count of records read in clear (registry/personal). */
  REGISTRY_UNMASK_QUOTA: 21328,
  /** Per elder: category memberships, so the overlap check cannot race. */
  REGISTRY_CATEGORY: 21329,
  /** Per (fund line, operation): approval-policy changes, one at a time. */
  APPROVAL_POLICY: 21330,
  /** Audit runs (key 0, exclusive per run; findings' dispositions take it shared). */
  AUDIT_RUN: 7331,
  /** Per finding: one disposition at a time (key: the finding id modulo 2^31 - 1). */
  AUDIT_FINDING: 7332,
  /**
   * Not in the platform's database: in a county's mirror database (sync/client-mirror.ts), key 0 —
   * one sync run at a time, held for the whole run by a session of its own (pg_try_advisory_lock).
   */
  SYNC_MIRROR: 21332,
} as const;

/** The keys of the LEDGER_CHAIN class. */
export const LEDGER_CHAIN_KEY = { HEAD: 1, CHECKPOINT: 2, INTEGRATOR: 3 } as const;

/** `select pg_advisory_xact_lock(class, key)` for a lock whose key is known when the code is written. */
export const lockSql = (lockClass: number, key: number) => `select pg_advisory_xact_lock(${lockClass}, ${key})`;
