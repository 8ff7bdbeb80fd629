/**
 * The shapes of the registry's batched reads, once for every record kind: by ids, per owner (every
 * record of many elders or facilities in one statement), keyset pages of a scoped list and of each
 * owner's records (a lateral join), and their counts. Each record kind names its table, alias and
 * column list once (a `RecordTable`); the statements are built here. The tables are exported so that
 * test/registry/shapes.test.ts can hold each select list to its interface in types.ts and to the API's type.
 */
import { queryRows, raw, sql as q, type Sql, type SqlFragment } from '../platform/sql.js';
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

/** A condition added to a read (`and …`), with its values; numbered when the statement is built. */
export type Extra = SqlFragment;

const NONE: Extra = raw('');

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

  /** Every record of each owner (`owner`: the owner's key column), ordered by `orderBy` within an owner. */
  async byOwners(sql: Sql, owner: string, owners: readonly string[], orderBy: string, extra: Extra = NONE): Promise<Map<string, T[]>> {
    const key = raw(owner);
    return group(
      await queryRows<T & { key: string }>(
        sql,
        q`select ${key}::text as key, ${raw(this.columns)} from ${raw(this.from)} where ${key} = any(${owners}::bigint[]) ${extra} order by ${key}, ${raw(orderBy)}`,
      ),
    );
  }

  /** One keyset page of a list: `where`, in id order after `page.after`, one row more than asked. */
  async page(sql: Sql, where: SqlFragment, page: Page): Promise<T[]> {
    const id = raw(this.id);
    return queryRows<T>(sql, q`select ${raw(this.columns)} from ${raw(this.from)} where ${where} and ${id} > ${page.after ?? '0'}::bigint order by ${id} limit ${page.first + 1}`);
  }

  async count(sql: Sql, where: SqlFragment): Promise<number> {
    const [row] = await queryRows<{ n: number }>(sql, q`select count(*)::int as n from ${raw(this.from)} where ${where}`);
    return row?.n ?? 0;
  }

  /** A keyset page of records per owner (`column` of this table), in id order. */
  async ownerPages(sql: Sql, column: string, owners: readonly string[], page: Page, extra: Extra = NONE): Promise<Map<string, T[]>> {
    const a = this.alias;
    return group(
      await queryRows<T & { key: string }>(
        sql,
        q`select o.id::text as key, x.* from unnest(${owners}::bigint[]) o (id)
         cross join lateral (select ${raw(this.columns)} from ${raw(this.from)} where ${raw(`${a}.${column}`)} = o.id ${extra} and ${raw(a)}.id > ${page.after ?? '0'}::bigint order by ${raw(a)}.id limit ${page.first + 1}) x
         order by o.id, x.id::bigint`,
      ),
    );
  }

  /** How many records each owner has. */
  async ownerCounts(sql: Sql, column: string, owners: readonly string[], extra: Extra = NONE): Promise<Map<string, number>> {
    const owner = raw(`${this.alias}.${column}`);
    const rows = await queryRows<{ key: string; n: number }>(
      sql,
      q`select ${owner}::text as key, count(*)::int as n from ${raw(this.from)} where ${owner} = any(${owners}::bigint[]) ${extra} group by ${owner}`,
    );
    return new Map(rows.map((r) => [r.key, r.n]));
  }
}
