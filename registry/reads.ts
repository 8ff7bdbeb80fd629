/**
 * The shapes of the registry's batched reads, once for every record kind: by ids, per owner (every
 * record of many elders or facilities in one statement), keyset pages of a scoped list and of each
 * owner's records (a lateral join), and their counts. Each record kind names its table, alias and
 * column list once (a `RecordTable`); the statements are built here.
 */
import type { Sql } from '../platform/sql.js';
import type { Page } from './types.js';

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

/** A condition added to a read, with its parameters (numbered after the read's own). */
export interface Extra {
  where: string;
  params: unknown[];
}

const NONE: Extra = { where: '', params: [] };

export class RecordTable<T extends { id: string }> {
  /**
   * `from`: the table with its alias (and any join the columns need), `alias`: the alias whose `id`
   * is the record's key, `columns`: the select list in the record's shape.
   */
  constructor(
    readonly columns: string,
    readonly from: string,
    readonly alias: string,
  ) {}

  private get id(): string {
    return `${this.alias}.id`;
  }

  async byIds(sql: Sql, ids: readonly string[]): Promise<Map<string, T>> {
    return byId(await sql.query<T>(`select ${this.columns} from ${this.from} where ${this.id} = any($1::bigint[])`, [ids]));
  }

  /** The record just written (it exists: the caller's transaction committed it). */
  async written(sql: Sql, id: string): Promise<T> {
    return (await this.byIds(sql, [id])).get(id)!;
  }

  /** Every record of each owner (`owner`: the owner's key column, `$2`… for `extra`), ordered by `orderBy` within an owner. */
  async byOwners(sql: Sql, owner: string, owners: readonly string[], orderBy: string, extra: Extra = NONE): Promise<Map<string, T[]>> {
    return group(
      await sql.query<T & { key: string }>(
        `select ${owner}::text as key, ${this.columns} from ${this.from} where ${owner} = any($1::bigint[]) ${extra.where} order by ${owner}, ${orderBy}`,
        [owners, ...extra.params],
      ),
    );
  }

  /** One keyset page of a list: `where` (its parameters already in `params`), in id order after `page.after`, one row more than asked. */
  async page(sql: Sql, where: string, params: unknown[], page: Page): Promise<T[]> {
    const after = params.push(page.after ?? '0');
    const limit = params.push(page.first + 1);
    return sql.query<T>(`select ${this.columns} from ${this.from} where ${where} and ${this.id} > $${after}::bigint order by ${this.id} limit $${limit}`, params);
  }

  async count(sql: Sql, where: string, params: unknown[]): Promise<number> {
    const [row] = await sql.query<{ n: number }>(`select count(*)::int as n from ${this.from} where ${where}`, params);
    return row?.n ?? 0;
  }

  /** A keyset page of records per owner (`column` of this table), in id order; `extra` numbers its parameters from `$4`. */
  async ownerPages(sql: Sql, column: string, owners: readonly string[], page: Page, extra: Extra = NONE): Promise<Map<string, T[]>> {
    const a = this.alias;
    return group(
      await sql.query<T & { key: string }>(
        `select o.id::text as key, x.* from unnest($1::bigint[]) o (id)
         cross join lateral (select ${this.columns} from ${this.from} where ${a}.${column} = o.id ${extra.where} and ${a}.id > $2::bigint order by ${a}.id limit $3) x
         order by o.id, x.id::bigint`,
        [owners, page.after ?? '0', page.first + 1, ...extra.params],
      ),
    );
  }

  /** How many records each owner has; `extra` numbers its parameters from `$2`. */
  async ownerCounts(sql: Sql, column: string, owners: readonly string[], extra: Extra = NONE): Promise<Map<string, number>> {
    const owner = `${this.alias}.${column}`;
    const rows = await sql.query<{ key: string; n: number }>(
      `select ${owner}::text as key, count(*)::int as n from ${this.from} where ${owner} = any($1::bigint[]) ${extra.where} group by ${owner}`,
      [owners, ...extra.params],
    );
    return new Map(rows.map((r) => [r.key, r.n]));
  }
}
