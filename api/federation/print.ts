/**
 * Printing the subgraph for schema/schema.graphql. graphql-js's printSchema omits applied
 * directives, which would hide which types are entities; @graphql-tools' printSchemaWithDirectives
 * keeps them but formats every description differently, which would turn a schema diff into noise.
 * So: printSchema's layout, plus the schema's `@link` and each type's `@key`s.
 */
import { isObjectType, lexicographicSortSchema, print, printSchema, type GraphQLSchema } from 'graphql';

function appliedDirectives(schema: GraphQLSchema, typename: string): string {
  const type = schema.getType(typename);
  if (!type || !isObjectType(type)) return '';
  const directives = [type.astNode, ...type.extensionASTNodes].flatMap((node) => node?.directives ?? []);
  return directives.map((directive) => ` ${print(directive)}`).join('');
}

function schemaDefinition(schema: GraphQLSchema): string {
  const links = [schema.astNode, ...schema.extensionASTNodes].flatMap((node) => node?.directives ?? []).map((directive) => ` ${print(directive)}`);
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ].flatMap(([operation, type]) => (type ? [`  ${String(operation)}: ${(type as { name: string }).name}`] : []));
  return `schema${links.join('')} {\n${roots.join('\n')}\n}`;
}

/** The sorted SDL with the federation directives applied. */
export function printSubgraphSdl(schema: GraphQLSchema): string {
  const sorted = lexicographicSortSchema(schema);
  const body = printSchema(sorted).replace(/^type (\w+)([^{\n]*) \{$/gm, (_line, name: string, rest: string) => `type ${name}${rest}${appliedDirectives(sorted, name)} {`);
  return `${schemaDefinition(sorted)}\n\n${body}\n`;
}
