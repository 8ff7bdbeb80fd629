/**
 * Federation entities: how a representation `{ __typename, <key fields> }` sent to `_entities`
 * becomes an object of this subgraph. Every entity resolves through the `node(id:)` loaders
 * (api/node.resolver.ts), so `_entities` applies exactly the permission and jurisdiction checks of
 * `node(id:)`: an object outside the caller's jurisdiction is FORBIDDEN at its index, never data.
 */
import type { GraphQLResolveInfo } from 'graphql';
import { isObjectType } from 'graphql';
import type { Context } from '../context.js';
import { badUserInput } from '../errors.js';
import { nodeLoaders } from '../node.resolver.js';
import { fromGlobalId, type Node } from '../relay.js';
import { isRegionCode } from '../../platform/region-code.js';

/** Representations per `_entities` call. A gateway sends one call per subgraph and query plan step, deduplicated. */
export const MAX_REPRESENTATIONS = 1_000;

/** A representation as the gateway sends it: the type name and the fields of one `@key`. */
export type Representation = Record<string, unknown> & { __typename: string };

type ReferenceResolver = (representation: Representation, ctx: Context) => Promise<Node | null>;

/** The `id` key: a global id of exactly this type, loaded like `node(id:)`. */
function byGlobalId(typename: string): ReferenceResolver {
  return async (representation, ctx) => {
    const id = representation.id;
    if (typeof id !== 'string') throw badUserInput(`a representation of ${typename} needs its key field "id" (a string)`, 'representations');
    const { type, key } = fromGlobalId(id);
    if (type !== typename) throw badUserInput(`"${id}" is not an id of ${typename}`, 'representations');
    return nodeLoaders.get(typename)!(key, ctx);
  };
}

/** Region also has the key `code` (12-digit NBS code), the key other systems already hold. */
const regionByCodeOrId: ReferenceResolver = async (representation, ctx) => {
  if (representation.code === undefined) return byGlobalId('Region')(representation, ctx);
  const code = representation.code;
  if (!isRegionCode(code)) {
    throw badUserInput('a representation of Region: "code" must be a 12-digit region code', 'representations');
  }
  return nodeLoaders.get('Region')!(code, ctx);
};

/**
 * The entity types and how each resolves. Every type here carries `@key` in its type file; the
 * federation test fails when a Node type is missing from this table or its `@key`.
 */
const ENTITY_RESOLVERS: Record<string, ReferenceResolver> = {
  Region: regionByCodeOrId,
  ...Object.fromEntries(
    [...nodeLoaders.keys()]
      .filter((typename) => typename !== 'Region')
      .map((typename) => [typename, byGlobalId(typename)]),
  ),
};

export const ENTITY_TYPES: readonly string[] = Object.keys(ENTITY_RESOLVERS).sort();

/** The `__resolveReference` entries of the subgraph's resolver map, one per entity type. */
export function referenceResolvers(): Record<string, { __resolveReference: ReferenceResolver }> {
  return Object.fromEntries(
    ENTITY_TYPES.map((typename) => [typename, { __resolveReference: ENTITY_RESOLVERS[typename]! }]),
  );
}

function resolveReferenceOf(typename: string, info: GraphQLResolveInfo): ReferenceResolver | undefined {
  const type = info.schema.getType(typename);
  if (!type || !isObjectType(type) || !ENTITY_TYPES.includes(typename)) return undefined;
  const extensions = type.extensions as { apollo?: { subgraph?: { resolveReference?: ReferenceResolver } } };
  return extensions.apollo?.subgraph?.resolveReference;
}

async function resolveOne(representation: unknown, index: number, ctx: Context, info: GraphQLResolveInfo): Promise<Node | null> {
  if (typeof representation !== 'object' || representation === null || Array.isArray(representation)) {
    throw badUserInput(`representation ${index} must be an object with "__typename" and key fields`, 'representations');
  }
  const typename = (representation as { __typename?: unknown }).__typename;
  // Only declared entities, each through its own `__resolveReference`: a representation is never
  // passed through as data (that is what @apollo/subgraph does for a type without a resolver).
  const resolveReference = typeof typename === 'string' ? resolveReferenceOf(typename, info) : undefined;
  if (!resolveReference) throw badUserInput(`representation ${index}: "${String(typename)}" is not an entity of this subgraph (one of ${ENTITY_TYPES.join(', ')})`, 'representations');
  const entity = await resolveReference(representation as Representation, ctx);
  // `_Entity` resolves its member type from __typename (not enumerable: it is not a field).
  if (entity) Object.defineProperty(entity, '__typename', { value: typename });
  return entity;
}

/**
 * `Query._entities`, replacing @apollo/subgraph's: each representation stands alone — one that is
 * malformed, not an entity, or outside the caller's jurisdiction is null with its own error at
 * its index, the others still resolve (as in `nodes(ids:)`).
 */
export function entitiesResolver(_source: unknown, args: { representations: unknown[] }, ctx: Context, info: GraphQLResolveInfo): Promise<(Node | Error | null)[]> {
  const { representations } = args;
  if (representations.length > MAX_REPRESENTATIONS) {
    throw badUserInput(`at most ${MAX_REPRESENTATIONS} representations per call, got ${representations.length}`, 'representations');
  }
  return Promise.all(representations.map((representation, index) => resolveOne(representation, index, ctx, info).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
}
