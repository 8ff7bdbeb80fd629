/**
 * Read model of the hierarchy. Every method takes a batch of keys and answers with ONE statement,
 * so the API's DataLoaders turn a nested query into a number of statements bounded by its depth.
 * Subtrees are code ranges (code, subtree_max]: see migrations/Migration20261123000000_hierarchy.ts.
 */
import { join, param, raw, sql, type Sql, type SqlFragment } from '../platform/sql.js';
import type { RegionLevel } from '../platform/region-code.js';
import type { RegionRecord } from './region-record.js';

export interface Page {
  /** Rows wanted; the repository returns up to `first + 1` so callers can tell whether more exist. */
  first: number;
  /** Exclusive lower bound (the code of the last row already seen). */
  after?: string | null;
}

export interface RegionFilter {
  level?: RegionLevel | null;
  /** Direct children of this region. */
  parentCode?: string | null;
  /** Anywhere in the subtree of this region (excluding itself). */
  withinCode?: string | null;
  /** Substring of the Chinese name. */
  search?: string | null;
  /** Only codes in [low, high]: the caller's jurisdiction (auth/viewer.ts scopeRange). */
  scope?: readonly [string, string] | null;
}

export type LevelCounts = Partial<Record<RegionLevel, number>>;

/** updated_at leaves PostgreSQL as ISO-8601 UTC text: parsing thousands of timestamps into Dates is a hot spot. */
const COLUMNS = `r.code, r.parent_code as "parentCode", r.level, r.name,
  to_char(r.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "updatedAt"`;

type Row = RegionRecord & { key: string };

function groupByKey(rows: Row[]): Map<string, RegionRecord[]> {
  const grouped = new Map<string, RegionRecord[]>();
  for (const { key, ...record } of rows) {
    const list = grouped.get(key);
    if (list) list.push(record);
    else grouped.set(key, [record]);
  }
  return grouped;
}

export class RegionRepository {
  constructor(private readonly sql: Sql) {}

  /** `name`: the hot reads of a nested query are prepared (constant text; parsed and planned once per connection). */
  private query<T>(text: string, params: unknown[], name?: string): Promise<T[]> {
    return this.sql.query<T>(text, params, name && `region_${name}`);
  }

  async byCodes(codes: readonly string[]): Promise<Map<string, RegionRecord>> {
    const rows = await this.query<RegionRecord>(`select ${COLUMNS} from region r where r.code = any($1::text[])`, [codes], 'by_codes');
    return new Map(rows.map((row) => [row.code, row]));
  }

  /** Ancestors of each code, top-down (province first), not including the region itself. */
  async ancestors(codes: readonly string[]): Promise<Map<string, RegionRecord[]>> {
    const rows = await this.query<Row>(
      `with recursive up (key, code) as (
         select s.code, s.parent_code from region s where s.code = any($1::text[]) and s.parent_code is not null
         union all
         select up.key, p.parent_code from up join region p on p.code = up.code where p.parent_code is not null)
       select up.key, ${COLUMNS} from up join region r on r.code = up.code order by up.key, r.code`,
      [codes],
    );
    return groupByKey(rows);
  }

  /** A page of direct children for each parent, ordered by code. */
  async childrenPages(parentCodes: readonly string[], page: Page): Promise<Map<string, RegionRecord[]>> {
    const rows = await this.query<Row>(
      `select p.code as key, ${COLUMNS} from unnest($1::text[]) p (code)
       cross join lateral (
         select * from region c where c.parent_code = p.code and c.code > $2 order by c.code limit $3) r
       order by p.code, r.code`,
      [parentCodes, page.after ?? '', page.first + 1],
      'children_pages',
    );
    return groupByKey(rows);
  }

  async childCounts(parentCodes: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.query<{ key: string; n: number }>(
      `select parent_code as key, count(*)::int as n from region where parent_code = any($1::text[]) group by parent_code`,
      [parentCodes],
      'child_counts',
    );
    return new Map(rows.map((row) => [row.key, row.n]));
  }

  /** A page of descendants (optionally of one level) for each root, ordered by code. */
  async descendantPages(
    rootCodes: readonly string[],
    level: RegionLevel | null,
    page: Page,
  ): Promise<Map<string, RegionRecord[]>> {
    const levelFilter = level ? 'and d.level = $4' : '';
    const rows = await this.query<Row>(
      `select p.code as key, ${COLUMNS} from region p
       cross join lateral (
         select * from region d
         where d.code > greatest(p.code, $2) and d.code <= p.subtree_max ${levelFilter}
         order by d.code limit $3) r
       where p.code = any($1::text[])
       order by p.code, r.code`,
      level ? [rootCodes, page.after ?? '', page.first + 1, level] : [rootCodes, page.after ?? '', page.first + 1],
    );
    return groupByKey(rows);
  }

  /** Number of descendants at each level below each root. */
  async descendantCounts(rootCodes: readonly string[]): Promise<Map<string, LevelCounts>> {
    const rows = await this.query<{ key: string; level: RegionLevel; n: number }>(
      `select p.code as key, d.level, count(*)::int as n
       from region p join region d on d.code > p.code and d.code <= p.subtree_max
       where p.code = any($1::text[])
       group by p.code, d.level`,
      [rootCodes],
    );
    const counts = new Map<string, LevelCounts>();
    for (const row of rows) {
      const entry = counts.get(row.key) ?? {};
      entry[row.level] = row.n;
      counts.set(row.key, entry);
    }
    return counts;
  }

  private filterSql(filter: RegionFilter): SqlFragment {
    const where: SqlFragment[] = [];
    if (filter.level) where.push(sql`r.level = ${filter.level}`);
    if (filter.parentCode) where.push(sql`r.parent_code = ${filter.parentCode}`);
    if (filter.withinCode) {
      const within = param(filter.withinCode);
      where.push(sql`r.code > ${within} and r.code <= (select subtree_max from region w where w.code = ${within})`);
    }
    if (filter.search) where.push(sql`strpos(r.name, ${filter.search}) > 0`);
    if (filter.scope) where.push(sql`r.code between ${filter.scope[0]} and ${filter.scope[1]}`);
    return where.length ? join(where, ' and ') : raw('true');
  }

  /** A page of regions matching the filter, ordered by code. */
  async list(filter: RegionFilter, page: Page): Promise<RegionRecord[]> {
    const { text, values } = sql`select ${raw(COLUMNS)} from region r where ${this.filterSql(filter)} and r.code > ${page.after ?? ''} order by r.code limit ${page.first + 1}`.build();
    return this.query<RegionRecord>(text, values);
  }

  async count(filter: RegionFilter): Promise<number> {
    const { text, values } = sql`select count(*)::int as n from region r where ${this.filterSql(filter)}`.build();
    const [row] = await this.query<{ n: number }>(text, values);
    return row?.n ?? 0;
  }

  /** How many regions exist at each level (for health and import reports). */
  async totals(): Promise<LevelCounts> {
    const rows = await this.query<{ level: RegionLevel; n: number }>(
      `select level, count(*)::int as n from region group by level`,
      [],
    );
    return Object.fromEntries(rows.map((row) => [row.level, row.n]));
  }
}
