/**
 * Idempotency keys: scoped to the region a transaction is recorded at (one key space per region, so
 * that jurisdictions cannot collide or learn of each other), locked before they are looked up, and
 * looked up for the whole group in one statement.
 */
import type pg from 'pg';
import { badInput, LedgerError } from './errors.js';
import type { Request } from './requests.js';
import { hot } from './store.js';
import { LOCK_CLASS } from '../platform/locks.js';

const IDEMPOTENCY_LOCK_CLASS = LOCK_CLASS.LEDGER_IDEMPOTENCY;

/** A request's key with the region whose key space it belongs to (null: the row it refers to does not exist). */
export interface ScopedKey {
  region: string | null;
  key: string;
  scoped: string;
}

/** A committed transaction that carries a key. */
export interface KeyedTransaction {
  id: string;
  region_code: string;
  idempotency_key: string;
  request_hash: Buffer;
}

/** One key space per recording region: the map key of (region, idempotency key). */
export function scopedKey(region: string | null, key: string): string {
  return `${region ?? '-'}/${key}`;
}

/** The recording region of a request whose region is in a row it refers to (immutable: ledger rows are append-only). */
export async function readRegion(client: pg.PoolClient, sql: string, id: string): Promise<string | null> {
  const { rows } = await client.query<{ region: string | null }>(sql, [id]);
  return rows[0]?.region ?? null;
}

/** Each request's key with its region (read where it must be, once per request). */
export async function scopedKeys(client: pg.PoolClient, requests: Request[]): Promise<ScopedKey[]> {
  const out: ScopedKey[] = [];
  for (const request of requests) {
    const region = typeof request.keyRegion === 'string' ? request.keyRegion : await request.keyRegion(client);
    out.push({ region, key: request.idempotencyKey, scoped: scopedKey(region, request.idempotencyKey) });
  }
  return out;
}

/**
 * The statement that locks scoped keys (advisory, in one order; ledger/approvals takes the same
 * locks). Keys hash into 1,024 buckets, so a 100,000-line batch takes at most 1,024 locks
 * (PostgreSQL's lock table is finite).
 */
export function keyLocks(keyOf: ScopedKey[]): pg.QueryConfig {
  const scopedKeySet = [...new Set(keyOf.map((k) => k.scoped))];
  return hot('key_locks',
    `select pg_advisory_xact_lock(${IDEMPOTENCY_LOCK_CLASS}, b)
     from (select distinct hashtext(k) & 1023 as b from unnest($1::text[]) k order by 1) s`,
    [scopedKeySet], scopedKeySet.length,
  );
}

/** Each request's scoped key, locked. */
export async function lockScopedKeys(client: pg.PoolClient, requests: Request[]): Promise<ScopedKey[]> {
  const keyOf = await scopedKeys(client, requests);
  await client.query(keyLocks(keyOf));
  return keyOf;
}

/** The statement that finds the committed transactions carrying these keys (sent after keyLocks). */
export function keyLookup(keyOf: ScopedKey[]): pg.QueryConfig {
  const known = keyOf.filter((k) => k.region !== null);
  // ledger.keyed_transactions (Migration20261203200000_group_reads): planned once per connection,
  // through the (region, key) index whatever the ledger's size then. A generic plan of this join
  // sent as a named statement, made while the ledger was small, stayed in use as it grew, and the
  // write rate fell from 571 to 184/s within a minute (docs/performance.md).
  return hot('keyed_transactions', 'select * from ledger.keyed_transactions($1::text[], $2::text[])',
    [known.map((k) => k.region), known.map((k) => k.key)], known.length);
}

/** keyLookup's rows by scoped key. */
export function byScopedKey(rows: KeyedTransaction[]): Map<string, KeyedTransaction> {
  return new Map(rows.map((row) => [scopedKey(row.region_code, row.idempotency_key), row]));
}

/** The answer to a key reused for a different request. The transaction named is recorded at the request's own region, which the caller acts for. */
export function conflict(key: string, id: string): LedgerError {
  return new LedgerError('IDEMPOTENCY_CONFLICT', `idempotency key ${key} was already used for a different request (transaction ${id})`, 'idempotencyKey');
}

/** A batch's lines carry distinct keys (at their region: a disbursement's is in its request); BAD_USER_INPUT naming the line that repeats one. */
export function requireDistinctKeys(requests: readonly Request[]): void {
  const keys = new Set<string>();
  requests.forEach((r, index) => {
    const key = scopedKey(typeof r.keyRegion === 'string' ? r.keyRegion : null, r.idempotencyKey);
    if (keys.has(key)) throw badInput(`line ${index + 1} repeats idempotency key ${r.idempotencyKey}`, `lines.${index}.idempotencyKey`);
    keys.add(key);
  });
}
