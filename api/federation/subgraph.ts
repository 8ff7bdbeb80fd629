/**
 * The served schema as an Apollo Federation 2 subgraph (docs/federation.md). type-graphql has no
 * federation support of its own, so, as in its apollo-federation-2 example: print the
 * type-graphql schema with its applied directives (the `@key`s of the type files), link the
 * federation spec, and rebuild it with @apollo/subgraph, handing over type-graphql's resolvers.
 */
import { parse, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { createResolversMap } from 'type-graphql';
import { entitiesResolver, MAX_REPRESENTATIONS, referenceResolvers } from './entities.js';

/** The federation version and the directives Sunshine uses from it. */
export const FEDERATION_LINK = '@link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

/** The subgraph SDL type-graphql's schema becomes: its own SDL, applied directives included, with the federation link. */
export function subgraphTypeDefs(typeGraphqlSchema: GraphQLSchema) {
  return parse(`extend schema ${FEDERATION_LINK}\n\n${printSchemaWithDirectives(typeGraphqlSchema)}`);
}

/**
 * Resolvers of the subgraph: type-graphql's (fields, interfaces, scalars, enums), one
 * `__resolveReference` per entity, and our `_entities`, which applies `node(id:)`'s scope checks
 * and never passes a representation through as data.
 */
function subgraphResolvers(typeGraphqlSchema: GraphQLSchema): GraphQLResolverMap<unknown> {
  const resolvers = createResolversMap(typeGraphqlSchema) as Record<string, Record<string, unknown>>;
  for (const [typename, reference] of Object.entries(referenceResolvers())) {
    if (!resolvers[typename]) throw new Error(`entity ${typename} is not a type of the schema`);
    resolvers[typename] = { ...resolvers[typename], ...reference };
  }
  resolvers.Query = { ...resolvers.Query, _entities: entitiesResolver };
  return resolvers as GraphQLResolverMap<unknown>;
}

/** Descriptions of what @apollo/subgraph adds, for the schema's readers (it adds none). */
const FEDERATION_DESCRIPTIONS: Record<string, string> = {
  _Any: 'Federation: an entity representation, `{ __typename, <key fields> }` (e.g. `{ "__typename": "Region", "code": "320300000000" }`).',
  _Entity: 'Federation: the entity types of this subgraph, those with `@key` (实体).',
  _Service: 'Federation: this subgraph as a gateway composes it.',
  federation__FieldSet: 'Federation: a selection of fields, e.g. the fields of a `@key`.',
  federation__Policy: 'Federation: an authorization policy name (`@policy`; unused here).',
  federation__Scope: 'Federation: a JWT scope (`@requiresScopes`; unused here).',
  link__Import: 'Federation: a name imported from a linked specification (`@link(import:)`).',
  link__Purpose: 'Federation: the purpose of a linked specification.',
};

function describeFederationParts(schema: GraphQLSchema): GraphQLSchema {
  for (const [name, description] of Object.entries(FEDERATION_DESCRIPTIONS)) {
    const type = schema.getType(name);
    if (type && !type.description) type.description = description;
  }
  const service = schema.getType('_Service') as GraphQLObjectType | undefined;
  const sdl = service?.getFields().sdl;
  if (sdl) sdl.description = 'The subgraph SDL (with `@key` and `@link`) that composition reads.';
  for (const directive of schema.getDirectives()) {
    if (directive.description) continue;
    if (directive.name === 'key') directive.description = 'Federation: marks an entity and the fields that identify it (its key), by which other subgraphs reference it.';
    else if (directive.name === 'link') directive.description = 'Federation: links a specification (the federation version) and the names imported from it.';
    else if (directive.name.startsWith('federation__')) directive.description = 'Federation specification directive, not used by Sunshine (only `@key` is imported).';
  }
  const query = schema.getQueryType()!.getFields();
  query._entities!.description = `Federation: the entities of the given representations, in order (at most ${MAX_REPRESENTATIONS}). Same permissions and jurisdiction as \`node(id:)\`: a representation that is malformed, not an entity or outside your jurisdiction is null with its own error (BAD_USER_INPUT, FORBIDDEN).`;
  query._service!.description = 'Federation: the subgraph SDL, for composition into a supergraph (docs/federation.md).';
  const representations = query._entities!.args.find((arg) => arg.name === 'representations');
  if (representations && !representations.description) representations.description = 'Entity representations: `{ __typename, id }` (Region also `{ __typename, code }`).';
  return schema;
}

export function buildSubgraph(typeGraphqlSchema: GraphQLSchema): GraphQLSchema {
  const schema = buildSubgraphSchema([{ typeDefs: subgraphTypeDefs(typeGraphqlSchema), resolvers: subgraphResolvers(typeGraphqlSchema) }]);
  return describeFederationParts(schema);
}
