/**
 * Relay conventions shared by every type: global object ids, opaque cursors, connections and page
 * arguments with a documented maximum.
 */
import { ArgsType, Field, ID, InterfaceType, Int, ObjectType, type ClassType } from 'type-graphql';
import { badUserInput } from './errors.js';
import { b64, unb64 } from './global-id.js';

/** Page size when `first` is omitted, and the largest a caller may ask for (README "The GraphQL API": pagination). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

@InterfaceType({ description: 'An object with a stable, opaque global id (Relay global object identification). Fetch any of them with `node(id:)`.' })
export abstract class Node {
  @Field(() => ID, { description: 'Opaque and stable: clients must not parse it.' })
  id!: string;
}

export { toGlobalId, fromGlobalId } from './global-id.js';

/** Cursors are opaque to clients; inside they carry the sort key of the row. */
export function toCursor(key: string): string {
  return b64(`cursor:${key}`);
}

export function fromCursor(cursor: string, isValidKey: (key: string) => boolean): string {
  const decoded = /^[A-Za-z0-9_-]+$/.test(cursor) ? unb64(cursor) : '';
  const key = decoded.startsWith('cursor:') ? decoded.slice('cursor:'.length) : '';
  if (!isValidKey(key)) throw badUserInput(`"${cursor}" is not a valid cursor`, 'after');
  return key;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `How many items to return, 0 to ${MAX_PAGE_SIZE}; default ${DEFAULT_PAGE_SIZE}.` })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Return the items after this cursor (an `endCursor` or edge `cursor`).' })
  after?: string | null;
}

export interface ResolvedPage {
  first: number;
  /** The decoded sort key the page starts after. */
  after: string | null;
}

export function resolvePage(args: PageArgs, isValidKey: (key: string) => boolean): ResolvedPage {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be between 0 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
  }
  return { first, after: args.after == null ? null : fromCursor(args.after, isValidKey) };
}

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field({ description: 'Whether more items follow this page.' }) hasNextPage!: boolean;
  @Field({ description: 'True when the page was requested with `after` (there are items before it).' })
  hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true, description: 'Cursor of the first item of this page.' }) startCursor!: string | null;
  @Field(() => String, { nullable: true, description: 'Cursor of the last item of this page: pass it as `after` for the next page.' }) endCursor!: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: PageInfo;
  /** Counts all items matching the query, independent of the page; only run when asked for. */
  countTotal: () => Promise<number>;
}

/** Builds the edge and connection object types for one node type, e.g. RegionEdge and RegionConnection. */
export function connectionTypes<T extends object>(NodeType: ClassType<T>, name: string) {
  // Cursors and edges are made only when a query asks for them: most pages are read through
  // `nodes`, and a cursor per row (a base64 string each) showed in the profile of deep queries.
  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor (Relay edge).` })
  class Edge {
    keyOf!: (row: T) => string;

    @Field({ description: 'Opaque cursor of this item: pass it as `after` for the items that follow.' })
    get cursor(): string {
      return toCursor(this.keyOf(this.node));
    }

    @Field(() => NodeType, { description: 'The item.' }) node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} items (Relay cursor connection).` })
  class ConnectionType implements Connection<T> {
    keyOf!: (row: T) => string;
    private edgeList?: Edge[];

    @Field(() => [Edge], { description: 'The items of this page with their cursors.' })
    get edges(): Edge[] {
      return (this.edgeList ??= this.nodes.map((node) => Object.assign(new Edge(), { keyOf: this.keyOf, node })));
    }

    @Field(() => [NodeType], { description: 'The nodes of `edges`, for clients that need no cursors.' }) nodes!: T[];
    @Field(() => PageInfo, { description: 'Whether there is a next page and the cursor to ask for it.' }) pageInfo!: PageInfo;
    countTotal!: () => Promise<number>;

    @Field(() => Int, { description: 'How many items match, across all pages.' })
    totalCount(): Promise<number> {
      return this.countTotal();
    }
  }

  /** `rows` holds up to first + 1 items: the extra one only tells that a next page exists. */
  function build(rows: T[], page: ResolvedPage, keyOf: (row: T) => string, countTotal: () => Promise<number>): ConnectionType {
    const items = rows.slice(0, page.first);
    const first = items[0];
    const last = items.at(-1);
    return Object.assign(new ConnectionType(), {
      keyOf,
      nodes: items,
      pageInfo: Object.assign(new PageInfo(), {
        hasNextPage: rows.length > page.first,
        hasPreviousPage: page.after !== null,
        startCursor: first === undefined ? null : toCursor(keyOf(first)),
        endCursor: last === undefined ? null : toCursor(keyOf(last)),
      }),
      countTotal,
    });
  }

  return { Edge, ConnectionType, build };
}
