/**
 * A region and the pages of children below it, read as ONE statement whose answer PostgreSQL
 * builds as JSON: the shape (which fields, under which keys, how deep) is data handed in by the
 * caller (the JSON is built as text), and the statement text depends on the shape only, so each shape is prepared once per
 * connection. The API uses it for the nested region queries it can answer whole (api/hierarchy/
 * region-tree-path.ts); what it reads is what RegionRepository.byCodes / childrenPages / childCounts
 * read, page for page.
 *
 * Every row below the root is kept to the caller's jurisdiction (the scope range, in the SQL);
 * whether the root itself may be seen is the caller's check, as for byCodes.
 */
import crypto from 'node:crypto';
import type { Sql } from '../platform/sql.js';
import type { RegionTreeCache } from './region-tree-cache.js';

/** A constant string under `key` (GraphQL's __typename). */
interface Constant {
  key: string;
  kind: 'constant';
  value: string;
}

export type RegionTreeField =
  | Constant
  | { key: string; kind: 'code' | 'name' | 'level' | 'parentCode' }
  /** base64url(prefix || code): a global id. */
  | { key: string; kind: 'encodedCode'; prefix: string }
  /** A page of direct children; `page` indexes RegionTreeRequest.pages. */
  | { key: string; kind: 'children'; page: number; fields: ConnectionField[] };

export type ConnectionField =
  | Constant
  | { key: string; kind: 'totalCount' }
  | { key: string; kind: 'nodes'; fields: RegionTreeField[] }
  | { key: string; kind: 'edges'; fields: EdgeField[] }
  | { key: string; kind: 'pageInfo'; fields: PageInfoField[] };

export type EdgeField = Constant | { key: string; kind: 'cursor'; prefix: string } | { key: string; kind: 'node'; fields: RegionTreeField[] };

export type PageInfoField = Constant | { key: string; kind: 'hasNextPage' | 'hasPreviousPage' } | { key: string; kind: 'startCursor' | 'endCursor'; prefix: string };

export interface TreePage {
  first: number;
  /** Exclusive lower bound (the code of the last row already seen), or null for the first page. */
  after: string | null;
}

export interface RegionTreeRequest {
  code: string;
  /** Only codes in [low, high] below the root: the caller's jurisdiction. */
  scope: readonly [string, string];
  /** One per `children` field of the shape, by its `page` index. */
  pages: readonly TreePage[];
}

/** SQL string literal (shape keys are GraphQL names; prefixes are constants of the API). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
/** JSON text of a value that may be SQL null. */
const orNull = (json: string) => `coalesce(${json}, 'null')`;
const jsonString = (text: string) => `to_json(${text})::text`;
/** Codes and levels need no escaping: the table's checks keep codes to 12 digits and levels to five words. */
const quoted = (text: string) => `'"' || ${text} || '"'`;
/** base64url without padding, as Buffer's 'base64url' (PostgreSQL's base64 also wraps lines at 76 characters). */
const encoded = (prefix: string, code: string) => `'"' || translate(encode(convert_to(${literal(prefix)} || ${code}, 'UTF8'), 'base64'), E'+/=\\n', '-_') || '"'`;
/**
 * A JSON object as text, built by concatenation: PostgreSQL's json_build_object and json_agg look
 * up every argument's type on every call, which cost a third of the statement's time.
 */
const object = (parts: [string, string][]) =>
  parts.length === 0 ? `'{}'` : parts.map(([key, value], i) => `${literal(`${i === 0 ? '{' : ','}${JSON.stringify(key)}:`)} || ${value}`).join(' || ') + ` || '}'`;

/** Statement text for a shape: $1 the root's code, $2/$3 the scope, then `first` and `after` of each page. */
class TreeStatement {
  private pagesUsed = 0;

  region(fields: readonly RegionTreeField[], row: string, depth: number): string {
    return object(
      fields.map((field) => {
        switch (field.kind) {
          case 'constant': return [field.key, literal(JSON.stringify(field.value))];
          case 'encodedCode': return [field.key, encoded(field.prefix, `${row}.code`)];
          case 'children': return [field.key, this.children(field.fields, field.page, row, depth + 1)];
          case 'parentCode': return [field.key, orNull(quoted(`${row}.parent_code`))];
          case 'name': return [field.key, jsonString(`${row}.name`)];
          default: return [field.key, quoted(`${row}.${field.kind}`)];
        }
      }),
    );
  }

  /**
   * A page of children, aggregated in code order. With pageInfo: up to first + 1 rows numbered in
   * order (the extra one only tells that a next page exists); without, just the page.
   */
  private children(fields: readonly ConnectionField[], page: number, parent: string, depth: number): string {
    this.pagesUsed = Math.max(this.pagesUsed, page + 1);
    const first = `$${4 + 2 * page}::int`;
    const after = `$${5 + 2 * page}::text`;
    const [c, p] = [`c${depth}`, `p${depth}`];
    const paged = fields.some((field) => field.kind === 'pageInfo');
    const inPage = paged ? ` filter (where ${c}.rn <= ${first})` : '';
    const aggregates: string[] = paged ? [`count(*) > ${first} as more`, `min(${c}.code)${inPage} as first_code`, `max(${c}.code)${inPage} as last_code`] : [];
    const list = (value: string) => {
      aggregates.push(`'[' || coalesce(string_agg(${value}, ',' order by ${c}.code)${inPage}, '') || ']' as list${aggregates.length}`);
      return `${p}.list${aggregates.length - 1}`;
    };
    const parts = fields.map((field): [string, string] => {
      switch (field.kind) {
        case 'constant': return [field.key, literal(JSON.stringify(field.value))];
        case 'totalCount': return [field.key, `(select count(*) from region t where t.parent_code = ${parent}.code and t.code between $2::text and $3::text)::text`];
        case 'nodes': return [field.key, list(this.region(field.fields, c, depth))];
        case 'edges': return [field.key, list(this.edge(field.fields, c, depth))];
        case 'pageInfo': return [field.key, this.pageInfo(field.fields, p, after)];
      }
    });
    // No rows asked for (totalCount alone): the page's parameters are still named, so that PostgreSQL knows their types.
    if (aggregates.length === 0) return `(select ${object(parts)} where ${first} is not null and ${after} is not null)`;
    const rows = paged
      ? `select x.code, x.name, x.level, x.parent_code, row_number() over (order by x.code) as rn`
      : `select x.code, x.name, x.level, x.parent_code`;
    const limit = paged ? `case when ${first} = 0 then 0 else ${first} + 1 end` : first;
    return `(select ${object(parts)} from (
      select ${aggregates.join(', ')}
      from (${rows}
            from region x
            where x.parent_code = ${parent}.code and x.code > ${after} and x.code between $2::text and $3::text
            order by x.code limit ${limit}) ${c}) ${p})`;
  }

  private edge(fields: readonly EdgeField[], row: string, depth: number): string {
    return object(
      fields.map((field): [string, string] => {
        switch (field.kind) {
          case 'constant': return [field.key, literal(JSON.stringify(field.value))];
          case 'cursor': return [field.key, encoded(field.prefix, `${row}.code`)];
          case 'node': return [field.key, this.region(field.fields, row, depth)];
        }
      }),
    );
  }

  private pageInfo(fields: readonly PageInfoField[], p: string, after: string): string {
    const bool = (condition: string) => `case when ${condition} then 'true' else 'false' end`;
    return object(
      fields.map((field): [string, string] => {
        switch (field.kind) {
          case 'constant': return [field.key, literal(JSON.stringify(field.value))];
          case 'hasNextPage': return [field.key, bool(`${p}.more`)];
          case 'hasPreviousPage': return [field.key, bool(`${after} <> ''`)];
          case 'startCursor': return [field.key, orNull(encoded(field.prefix, `${p}.first_code`))];
          case 'endCursor': return [field.key, orNull(encoded(field.prefix, `${p}.last_code`))];
        }
      }),
    );
  }

  /** How many pages the text reads (0: no scope parameters either). */
  get pages(): number {
    return this.pagesUsed;
  }
}

/** Distinct shapes given a prepared statement of their own on every connection; shapes beyond run unprepared. */
const MAX_PREPARED_SHAPES = 200;
const preparedNames = new Map<string, string>();

function statementName(text: string): string | undefined {
  let name = preparedNames.get(text);
  if (!name && preparedNames.size < MAX_PREPARED_SHAPES) {
    name = `region_tree_${crypto.createHash('sha256').update(text).digest('base64url').slice(0, 20)}`;
    preparedNames.set(text, name);
  }
  return name;
}

/** One shape, compiled to its statement once: `read` runs it for one request. */
export class RegionTreeQuery {
  private readonly text: string;
  private readonly pages: number;
  private readonly name: string | undefined;

  constructor(readonly fields: readonly RegionTreeField[]) {
    const statement = new TreeStatement();
    const root = statement.region(fields, 'r', 0);
    this.text = `select ${root} as tree from region r where r.code = $1::text`;
    this.pages = statement.pages;
    this.name = statementName(this.text);
  }

  /**
   * The region as JSON text of the shape, or null when no region has the code. The text is what
   * JSON.stringify makes of the same value: no white space, strings escaped by to_json (the same
   * escapes), integers and booleans as written. With `cache`, an answer it keeps (region-tree-cache.ts).
   */
  async readJson(sql: Sql, request: RegionTreeRequest, cache?: RegionTreeCache): Promise<string | null> {
    const params: unknown[] = [request.code];
    if (this.pages > 0) {
      params.push(request.scope[0], request.scope[1]);
      for (let i = 0; i < this.pages; i++) params.push(request.pages[i]!.first, request.pages[i]!.after ?? '');
    }
    const read = async () => (await sql.query<{ tree: string }>(this.text, params, this.name))[0]?.tree ?? null;
    // The statement and every value it reads (the scope included) are the key: the same key, the same answer.
    return cache ? cache.read(`${this.name ?? this.text}\u0000${JSON.stringify(params)}`, read) : read();
  }
}
