/**
 * What every room of the registry shares: the transaction helper (one PostgreSQL transaction per
 * write, as the application role `sunshine_app`, database errors turned into DomainErrors with a
 * code and field) and the checks several record kinds make (regions exist, an elder's birth and death dates).
 * The shapes of batched reads are in reads.ts, scope SQL in access.ts.
 */
import type pg from 'pg';
import { DomainError } from '../platform/errors.js';
import { AS_APP_ROLE, inTransaction, type Sql } from '../platform/sql.js';
import type { Pii } from './personal/pii.js';

/** A timestamp column as ISO 8601 UTC text with microseconds. */
export const ts = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;


/** An elder as its dated events see it (RegistryStore.elderLife). */
export interface ElderLife {
  birthDate: string;
  deathDate: string | null;
  residenceVillageCode: string;
}

/**
 * One rule for every dated event of an elder: not before the birth (BAD_USER_INPUT naming the field).
 * It was recordAssessment's alone, so admissions, services and categories could predate the person.
 */
export function requireBorn(life: ElderLife, date: string, field: string): void {
  if (date < life.birthDate) throw new DomainError('BAD_USER_INPUT', `${field} is before the birth date`, field);
}

/** The input field of each dated column the database checks against the birth date (SR001, Migration20261205200000). */
const BORN_FIRST_FIELDS: Record<string, string> = {
  admitted_on: 'admittedOn', started_at: 'startedAt', valid_from: 'validFrom', assessed_on: 'assessedOn', death_date: 'deathDate',
};

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
    case 'SR001': {
      // requireBorn refuses it first; the database is the guarantee for every other writer.
      const field = BORN_FIRST_FIELDS[e.column ?? ''];
      return new DomainError('BAD_USER_INPUT', `${field ?? e.column ?? 'a date'} is before the birth date`, field);
    }
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

  /**
   * What every dated event of an elder (admission, service, category, assessment, death) is checked
   * against, in one statement: the birth date, the death date per the latest vital report (if it
   * reports death) and the residence village. NOT_FOUND naming `elderId` when there is no such elder.
   */
  async elderLife(client: pg.PoolClient, elderId: string): Promise<ElderLife> {
    const row = await this.one<ElderLife>(
      client,
      `select e.birth_date::text as "birthDate", e.residence_village_code as "residenceVillageCode",
         (select case when v.status = 'DECEASED' then v.death_date::text end from registry.vital_event v where v.elder_id = e.id order by v.id desc limit 1) as "deathDate"
       from registry.elder e where e.id = $1`,
      [elderId],
    );
    if (!row) throw new DomainError('NOT_FOUND', 'no such elder', 'elderId');
    return row;
  }

  /** An insert `returning id::text`: the new record's id. */
  async insert(client: pg.PoolClient, text: string, params: unknown[]): Promise<string> {
    const row = await this.one<{ id: string }>(client, text, params);
    return row!.id;
  }

  /** An insert that selects its facility (`select … from registry.facility f where f.id = …`): no row means no such facility. */
  async insertAtFacility(client: pg.PoolClient, text: string, params: unknown[]): Promise<string> {
    const row = await this.one<{ id: string }>(client, text, params);
    if (!row) throw new DomainError('NOT_FOUND', 'no such facility', 'facilityId');
    return row.id;
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
