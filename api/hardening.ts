/**
 * Defences of the GraphQL endpoint (documented in docs/security.md):
 * - graphql-armor: maximum depth, aliases and directives per operation, field suggestions
 *   blocked in production; batched HTTP operations are refused (one operation per request).
 * - graphql-query-complexity: the estimated number of objects an operation can return, with list
 *   sizes taken from `first` (connections) or the number of ids asked for, computed with the
 *   request's variables before anything executes.
 * - express-rate-limit: a budget of requests per minute per credential (the bearer token; the client
 *   address when there is none); rate-limiter-flexible: a budget of complexity points per minute
 *   per subject, so a few huge queries cost as much as many small ones (GitHub-style). Every answer
 *   carries `extensions.cost` { requested, maxPerOperation, budgetPerMinute, budgetRemaining,
 *   budgetResetAt } so clients can budget (two different limits, each named for what it limits).
 * - graphql-js: maximum lexical tokens per document (Apollo parseOptions).
 * - CSRF prevention (Apollo's own, on by default), request-size limits and introspection off in
 *   production are set in server.ts.
 */
import crypto from 'node:crypto';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import type { RequestHandler } from 'express';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, isListType, getNullableType, visit, type ASTNode, type DocumentNode, type GraphQLSchema } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { metrics } from '../platform/metrics.js';
import { endpointLimits } from '../platform/config.js';

export interface Limits {
  /** Deepest selection (fields nested in fields). */
  maxDepth: number;
  /** Estimated complexity: every field 1, a list field multiplies what it contains by its page size. */
  maxComplexity: number;
  maxAliases: number;
  maxDirectives: number;
  /** Lexical tokens in the document (variables do not count: a 100,000-line batch is sent as a variable). */
  maxTokens: number;
  /** Requests per minute per credential; 0 turns the limit off (benchmarks). */
  requestsPerMinute: number;
  /** Complexity points per minute per subject; 0 turns the budget off. */
  costPerMinute: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxDepth: 12,
  maxComplexity: 1_000_000,
  maxAliases: 20,
  maxDirectives: 30,
  maxTokens: 2_000,
  requestsPerMinute: 1_200,
  costPerMinute: 10_000_000,
};

/** Limits from the environment (GRAPHQL_MAX_DEPTH, GRAPHQL_MAX_COMPLEXITY, GRAPHQL_MAX_ALIASES, GRAPHQL_MAX_DIRECTIVES, GRAPHQL_MAX_TOKENS, RATE_LIMIT_PER_MINUTE). */
export function limitsFromEnv(): Limits {
  return endpointLimits(DEFAULT_LIMITS);
}

/** Apollo options from graphql-armor: plugins, validation rules, no batched requests. */
export function armor(limits: Limits, production: boolean) {
  return new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    // Replaced by the list-aware complexity plugin below: armor's cost ignores page sizes.
    costLimit: { enabled: false },
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    // Counted by graphql-js itself while parsing (server.ts parseOptions): armor's version throws
    // from a plugin hook, which Apollo answers with a 500.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: production },
  }).protect();
}

/** One rate-limit bucket per credential: a hash of the bearer token. */
export function credentialKey(authorization: string): string {
  return `token:${crypto.createHash('sha256').update(authorization).digest('base64url')}`;
}

/** Express middleware enforcing `requestsPerMinute` per credential with standard RateLimit headers. */
export function rateLimiter(limits: Limits): RequestHandler {
  if (limits.requestsPerMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: limits.requestsPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // Per credential; requests without one share a bucket per client address (IPv6 by /56 subnet).
    keyGenerator: (req) => {
      const authorization = req.header('authorization');
      return authorization ? credentialKey(authorization) : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (_req, res, _next, options) => {
      metrics.rejected('rate');
      res.status(options.statusCode).json({
        errors: [
          {
            message: `rate limit exceeded: at most ${limits.requestsPerMinute} requests per minute per credential; retry after the time in the RateLimit header`,
            extensions: { code: 'RATE_LIMITED' },
          },
        ],
      });
    },
  });
}

/** Unpaginated lists (ancestors, trail steps, postings, lot lineage) are assumed to hold this many items. */
const ASSUMED_LIST_SIZE = 10;

/** A list field costs its page size (`first`, or the ids or representations asked for) times what each item costs. */
const listEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  // A connection's nodes/edges are the page its `first` already counted.
  if (type.name.endsWith('Connection') && (field.name === 'nodes' || field.name === 'edges')) return 1 + childComplexity;
  if (typeof args.first === 'number') return 1 + args.first * childComplexity;
  if (Array.isArray(args.ids)) return 1 + args.ids.length * childComplexity;
  // Federation's _entities(representations:): one entity per representation.
  if (Array.isArray(args.representations)) return 1 + args.representations.length * childComplexity;
  if (isListType(getNullableType(field.type))) return 1 + ASSUMED_LIST_SIZE * childComplexity;
  return undefined;
};

/** Arguments whose values the estimators above read (a page size, a list's length). */
const SIZING_ARGUMENTS = new Set(['first', 'ids', 'representations']);
/** Variables longer than this (as JSON) are not worth keying a cache by: their estimate is computed afresh. */
const MAX_CACHED_VARIABLES = 2_000;
/** Estimates kept per document (distinct operation names and sizing variables), dropped all at once beyond. */
const MAX_ESTIMATES_PER_DOCUMENT = 64;

/**
 * The variables an estimate can depend on: those used in a sizing argument of a field, or in the
 * `if` of @include/@skip (which decide whether a field counts). Every other variable — a mutation's
 * input, a filter — leaves the estimate as it is, so it is no part of the cache key: a disbursement
 * sent with a fresh idempotency key and amount each time still finds its estimate.
 */
function sizingVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) => visit(node, { Variable: (variable) => void names.add(variable.name.value) });
  visit(document, {
    Field: (field) => field.arguments?.forEach((argument) => SIZING_ARGUMENTS.has(argument.name.value) && collect(argument.value)),
    Directive: (directive) => {
      if (directive.name.value === 'include' || directive.name.value === 'skip') directive.arguments?.forEach((argument) => collect(argument.value));
    },
  });
  return [...names].sort();
}

/**
 * The complexity estimate of an operation, computed once per document, operation and sizing
 * variables (above): Apollo keeps the parsed document of a repeated query, so a hot query costs a
 * lookup instead of a walk of its document. Throws as getComplexity does (variables that do not
 * coerce); a cached estimate is returned whatever the other variables hold, and execution refuses
 * those that do not coerce.
 */
function estimator(schema: GraphQLSchema) {
  const cache = new WeakMap<DocumentNode, { sizing: string[]; estimates: Map<string, number> }>();
  return (document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined): number => {
    const compute = () =>
      getComplexity({
        schema,
        query: document,
        variables,
        ...(operationName ? { operationName } : {}),
        estimators: [listEstimator, simpleEstimator({ defaultComplexity: 1 })],
      });
    let entry = cache.get(document);
    if (!entry) cache.set(document, (entry = { sizing: sizingVariables(document), estimates: new Map() }));
    const json = JSON.stringify(Object.fromEntries(entry.sizing.filter((name) => name in variables).map((name) => [name, variables[name]])));
    if (json.length > MAX_CACHED_VARIABLES) return compute();
    const key = `${operationName ?? ''}\u0000${json}`;
    const known = entry.estimates.get(key);
    if (known !== undefined) return known;
    const complexity = compute();
    if (entry.estimates.size >= MAX_ESTIMATES_PER_DOCUMENT) entry.estimates.clear();
    entry.estimates.set(key, complexity);
    return complexity;
  };
}

/**
 * extensions.cost. Two limits, named so that neither is read as the other: `maxPerOperation` bounds
 * one operation's estimate (GRAPHQL_MAX_COMPLEXITY), `budgetPerMinute` the points a subject may spend
 * per minute (GRAPHQL_COST_PER_MINUTE), of which `budgetRemaining` are left until `budgetResetAt`.
 * The budget fields are null when no budget applies (switched off, or an anonymous introspection).
 */
interface CostReport {
  requested: number;
  maxPerOperation: number;
  budgetPerMinute: number | null;
  budgetRemaining: number | null;
  budgetResetAt: string | null;
}

/**
 * Before execution: rejects operations whose estimated complexity exceeds `maxComplexity`, then
 * charges it to the caller's budget of points per minute (RATE_LIMITED when spent). The cost goes
 * back to the client in `extensions.cost`.
 */
export function complexityPlugin<C extends { viewer: { subject: string; authenticated: boolean } }>(schema: GraphQLSchema, limits: Limits): ApolloServerPlugin<C> {
  const budget = limits.costPerMinute > 0 ? new RateLimiterMemory({ points: limits.costPerMinute, duration: 60, keyPrefix: 'cost' }) : null;
  const estimate = estimator(schema);
  return {
    async requestDidStart() {
      let report: CostReport | null = null;
      return {
        async willSendResponse({ response }) {
          if (report && response.body.kind === 'single') {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, cost: report };
          }
        },
        async didResolveOperation({ request, document, contextValue }) {
          let complexity: number;
          try {
            complexity = estimate(document, request.variables ?? {}, request.operationName ?? undefined);
          } catch {
            // Variables that do not coerce: execution refuses them with BAD_USER_INPUT before running anything.
            return;
          }
          if (complexity > limits.maxComplexity) {
            metrics.rejected('complexity');
            throw new GraphQLError(
              `operation too complex: estimated ${complexity}, limit ${limits.maxComplexity} (a list field counts its page size times its items; ask for smaller pages)`,
              { extensions: { code: 'QUERY_TOO_COMPLEX', complexity, limit: limits.maxComplexity, http: { status: 400 } } },
            );
          }
          report = { requested: complexity, maxPerOperation: limits.maxComplexity, budgetPerMinute: null, budgetRemaining: null, budgetResetAt: null };
          if (!budget || !contextValue.viewer.authenticated) return;
          try {
            const charged = await budget.consume(contextValue.viewer.subject, Math.max(1, complexity));
            report = {
              ...report,
              budgetPerMinute: limits.costPerMinute,
              budgetRemaining: charged.remainingPoints,
              budgetResetAt: new Date(Date.now() + charged.msBeforeNext).toISOString(),
            };
          } catch (rejection) {
            if (!(rejection instanceof RateLimiterRes)) throw rejection;
            metrics.rejected('cost');
            const retryAfterSeconds = Math.ceil(rejection.msBeforeNext / 1000);
            throw new GraphQLError(
              `rate limit exceeded: this operation costs ${complexity} points and ${contextValue.viewer.subject} has ${rejection.remainingPoints} of ${limits.costPerMinute} per minute left; retry in ${retryAfterSeconds} s`,
              { extensions: { code: 'RATE_LIMITED', retryAfterSeconds, http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) } } },
            );
          }
        },
      };
    },
  };
}

