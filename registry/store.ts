/**
 * What every room of the registry shares: the transaction helper (one PostgreSQL transaction per
 * write, as the application role `sunshine_app`, database errors turned into DomainErrors with a
 * code and field), the checks several record kinds make (regions exist, the elder's death date),
 * keyset paging and the shapes batched reads answer in. Scope SQL lives in access.ts.
 */
import type pg from 'pg';
import { DomainError } from '../platform/errors.js';
import { AS_APP_ROLE, inTransaction, type Sql } from '../platform/sql.js';
import type { Pii } from './personal/pii.js';
import type { Page } from './types.js';

/** A timestamp column as ISO 8601 UTC text with microseconds. */
export const ts = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Rows keyed by `key` as lists per key, in row order (one statement answers many owners). */
export function group<T>(rows: (T & { key: string })[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const { key, ...row } of rows) {
    const list = map.get(key);
    if (list) list.push(row as unknown as T);
    else map.set(key, [row as unknown as T]);
  }
  return map;
}

export const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));

/** Maps constraint violations to errors a caller can act on. */
export function fromDatabaseError(error: unknown): DomainError | null {
  const e = error as { code?: string; constraint?: string; message?: string; column?: string };
  if (error instanceof DomainError) return error;
  switch (e?.code) {
    case '23505':
      if (e.constraint === 'elder_id_hash_key') return new DomainError('ALREADY_EXISTS', 'an elder with this ID number is already registered', 'idNumber');
      if (e.constraint === 'facility_uscc_key') return new DomainError('ALREADY_EXISTS', 'a facility with this unified social credit code is already registered', 'uscc');
      if (e.constraint === 'facility_name_unique') return new DomainError('ALREADY_EXISTS', 'a facility of this name is already registered in this village', 'name');
      if (e.constraint === 'caregiver_certificate_no_key') return new DomainError('ALREADY_EXISTS', 'a caregiver with this certificate number is already registered', 'certificateNo');
      if (e.constraint === 'staff_assignment_once') return new DomainError('ALREADY_EXISTS', 'this caregiver is already assigned to this facility for this month', 'month');
      if (e.constraint === 'category_membership_end_pkey') return new DomainError('ALREADY_EXISTS', 'this membership has already been ended', 'membershipId');
      return new DomainError('ALREADY_EXISTS', 'a record with these values already exists');
    case '23P01':
      return new DomainError('STAY_OVERLAP', 'the elder already has a stay overlapping these dates', 'admittedOn');
    case '23503':
      return new DomainError('NOT_FOUND', 'a referenced record does not exist');
    case '23514':
      return new DomainError('BAD_USER_INPUT', `a value is out of range (${e.constraint ?? 'check'})`);
    case 'SR000':
      return new DomainError('APPEND_ONLY', e.message ?? 'registry history is append-only');
    default:
      return null;
  }
}

/** The pool, the statement runner and the keys, with the helpers every room's writes use. */
export class RegistryStore {
  constructor(
    readonly pool: pg.Pool,
    readonly sql: Sql,
    readonly pii: Pii,
  ) {}

  /** Runs `fn` in one transaction as the application role; database errors become DomainErrors. */
  async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.pool, fn, AS_APP_ROLE);
    } catch (error) {
      throw fromDatabaseError(error) ?? error;
    }
  }

  /** The first row of a statement inside a transaction. */
  async one<T>(client: pg.PoolClient, text: string, params: unknown[]): Promise<T | undefined> {
    return (await client.query(text, params)).rows[0] as T | undefined;
  }

  /** Village codes must exist (FK would say so too, but without naming the field). */
  async requireRegions(client: pg.PoolClient, codes: { code: string; field: string }[]): Promise<void> {
    const wanted = codes.map((c) => c.code);
    const rows = (await client.query<{ code: string }>(`select code from region where code = any($1::text[])`, [wanted])).rows;
    const found = new Set(rows.map((r) => r.code));
    const missing = codes.find((c) => !found.has(c.code));
    if (missing) throw new DomainError('BAD_USER_INPUT', `no region with code ${missing.code}`, missing.field);
  }

  /** The death date of the elder per the latest vital report, if it reports death. */
  async deathDate(client: pg.PoolClient, elderId: string): Promise<string | null> {
    const row = await this.one<{ status: string; deathDate: string | null }>(
      client,
      `select status, death_date::text as "deathDate" from registry.vital_event where elder_id = $1 order by id desc limit 1`,
      [elderId],
    );
    return row?.status === 'DECEASED' ? row.deathDate : null;
  }

  /**
   * One keyset page of a list read: the rows of `from` (aliased `alias`, columns `columns`) where
   * `where` holds (its parameters already in `params`), in id order after `page.after`, one row more
   * than asked so the caller knows whether there is a next page.
   */
  async page<T>(list: { columns: string; from: string; alias: string }, where: string, params: unknown[], page: Page): Promise<T[]> {
    const after = params.push(page.after ?? '0');
    const limit = params.push(page.first + 1);
    const { columns, from, alias } = list;
    return this.sql.query<T>(`select ${columns} from ${from} ${alias} where ${where} and ${alias}.id > $${after}::bigint order by ${alias}.id limit $${limit}`, params);
  }

  /** How many rows of `from` (aliased `alias`) `where` selects. */
  async count(list: { from: string; alias: string }, where: string, params: unknown[]): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>(`select count(*)::int as n from ${list.from} ${list.alias} where ${where}`, params);
    return row?.n ?? 0;
  }
}

/** Base of each room: the store's helpers under the names the room's methods use. */
export abstract class RegistryRoom {
  constructor(protected readonly store: RegistryStore) {}

  protected get sql(): Sql {
    return this.store.sql;
  }

  protected get pii(): Pii {
    return this.store.pii;
  }

  protected tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.store.tx(fn);
  }

  protected one<T>(client: pg.PoolClient, text: string, params: unknown[]): Promise<T | undefined> {
    return this.store.one<T>(client, text, params);
  }
}
