/**
 * A compiled executor (graphql-jit) for the API, behind the GRAPHQL_JIT setting (platform/config.ts).
 *
 * graphql-js interprets a query field by field on every request; graphql-jit compiles each distinct
 * operation once into a function and reuses it. Apollo Server accepts another executor only through
 * its gateway interface, so this is a "gateway" that serves the API's own schema and executes with
 * compiled operations. Everything before execution is unchanged: parsing, validation (the depth,
 * alias, directive and complexity limits), authentication and the plugins; the resolvers are the
 * same functions, so scope is still checked on every field that reaches data. An operation that
 * graphql-jit cannot compile runs on graphql-js.
 */
import { execute, GraphQLError, printSchema, type DocumentNode, type ExecutionResult, type GraphQLSchema, type SourceLocation } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/** Distinct operations kept compiled (least recently used out first). */
const MAX_COMPILED = 1_000;

/** Compiled operations by their text and name; null: graphql-jit could not compile it (graphql-js runs it). */
class CompiledOperations {
  private readonly entries = new Map<string, CompiledQuery | null>();

  constructor(private readonly schema: GraphQLSchema) {}

  get(source: string, document: DocumentNode, operationName: string | null): CompiledQuery | null {
    const key = `${operationName ?? ''}\u0000${source}`;
    let compiled = this.entries.get(key);
    if (compiled !== undefined) {
      this.entries.delete(key);
    } else {
      const result = compileQuery(this.schema, document, operationName ?? undefined);
      compiled = isCompiledQuery(result) ? result : null;
    }
    this.entries.set(key, compiled);
    if (this.entries.size > MAX_COMPILED) this.entries.delete(this.entries.keys().next().value!);
    return compiled;
  }
}

/**
 * graphql-jit reports errors with a GraphQLError class of its own, which Apollo Server (and the
 * error formatting of api/errors.ts) would not recognise: each becomes graphql-js's GraphQLError
 * with the same message, locations, path, extensions and original error, as graphql-js makes them.
 */
function asGraphQLError(error: unknown): GraphQLError {
  // graphql-jit's class passes `instanceof GraphQLError` but lacks what graphql-js's constructor sets (extensions).
  if (error instanceof GraphQLError && error.constructor === GraphQLError) return error;
  const e = error as { message: string; locations?: SourceLocation[]; path?: (string | number)[]; extensions?: Record<string, unknown>; originalError?: Error };
  const converted = new GraphQLError(e.message, { path: e.path ?? null, originalError: e.originalError ?? null, extensions: e.extensions ?? null });
  if (e.locations?.length) Object.assign(converted, { locations: e.locations });
  return converted;
}

/** The gateway Apollo Server is given instead of `schema` when GRAPHQL_JIT is on. */
export function compiledExecutorGateway(schema: GraphQLSchema): Gateway {
  const operations = new CompiledOperations(schema);
  let announce: Parameters<Gateway['onSchemaLoadOrUpdate']>[0] | null = null;
  const executor: GatewayExecutor = async (request) => {
    const variables = request.request.variables ?? {};
    const interpret = () => execute({ schema, document: request.document, operationName: request.operationName, variableValues: variables, contextValue: request.context });
    const compiled = operations.get(request.source, request.document, request.operationName);
    let result: ExecutionResult = compiled ? await compiled.query(undefined, request.context, variables) : await interpret();
    // No data at all: the request failed before execution (its variables did not coerce), so no
    // resolver ran; graphql-js answers it, with the errors Apollo and api/errors.ts recognise.
    if (compiled && result.data === undefined) result = await interpret();
    const errors = result.errors?.map(asGraphQLError);
    return { ...result, ...(errors ? { errors } : {}) } as Awaited<ReturnType<GatewayExecutor>>;
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      announce = callback;
      return () => (announce = null);
    },
    async load() {
      announce?.({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return { executor };
    },
    async stop() {},
  };
}
