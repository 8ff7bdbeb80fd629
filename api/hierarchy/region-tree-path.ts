/**
 * The region tree path: a nested region query (region → children → children …) answered by one
 * statement that PostgreSQL turns into the answer's JSON (hierarchy/region-tree.ts), instead of
 * graphql-js resolving thousands of objects field by field. It runs after parsing, validation and
 * every didResolveOperation hook — authentication, the depth/alias/directive limits, the complexity
 * estimate and budget — and only answers what it answers exactly as the field resolvers do
 * (test/hierarchy/region-tree-path.test.ts compares the two). Whenever a request is anything but
 * the plain success — an operation the shape does not cover (region-tree-shape.ts), a missing
 * permission, a region out of reach, an unknown region, an argument the resolvers would refuse, a
 * database error — it steps aside and graphql-js answers, errors and all.
 *
 * The answer's data is the statement's JSON text as it is (api/raw-json.ts: spliced into the body).
 *
 * The checks are those of RegionResolver (hierarchy/access.ts): `region` needs hierarchy:read and a
 * region the viewer may see; `children` needs the region in the viewer's jurisdiction, and every row
 * below is kept to it in the SQL.
 */
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { isRegionCode } from '../../platform/region-code.js';
import { canSeeBelow } from '../../hierarchy/access.js';
import type { TreePage } from '../../hierarchy/region-tree.js';
import type { RegionTreeCache } from '../../hierarchy/region-tree-cache.js';
import type { Context } from '../context.js';
import { resolvePage } from '../relay.js';
import { RawJson } from '../raw-json.js';
import { parseCode } from './region.resolver.js';
import { treePlanOf, type ArgumentSource, type TreePlan } from './region-tree-shape.js';

type Variables = Record<string, unknown>;

const valueOf = (source: ArgumentSource | null, variables: Variables): unknown =>
  source === null ? undefined : 'literal' in source ? source.literal : variables[source.variable];

/** The page the children resolver would read, or null where it would refuse the arguments (or graphql-js the variables). */
function pageOf(plan: TreePlan['pages'][number], variables: Variables): TreePage | null {
  const first = valueOf(plan.first, variables);
  const after = valueOf(plan.after, variables);
  if ((first != null && typeof first !== 'number') || (after != null && typeof after !== 'string')) return null;
  try {
    return resolvePage({ first: first ?? null, after: after ?? null }, isRegionCode);
  } catch {
    return null;
  }
}

/** The data of the answer, or null when the field resolvers are to answer. */
async function answer(plan: TreePlan, variables: Variables, ctx: Context, cache: RegionTreeCache | undefined): Promise<Record<string, unknown> | null> {
  const { viewer } = ctx;
  const input = valueOf(plan.code, variables);
  if (!viewer.can('hierarchy:read') || typeof input !== 'string') return null;
  let code: string;
  try {
    code = parseCode(input, 'code');
  } catch {
    return null;
  }
  if (!viewer.canSeeRegion(code) || (plan.pages.length > 0 && !canSeeBelow(viewer, code))) return null;
  const pages: TreePage[] = [];
  for (const p of plan.pages) {
    const page = pageOf(p, variables);
    if (!page) return null;
    pages.push(page);
  }
  const tree = await plan.query.readJson(ctx.sql, { code, scope: viewer.scopeRange, pages }, cache);
  return tree === null ? null : { [plan.rootKey]: new RawJson(tree) };
}

/**
 * Answers the operations it covers before execution; `enabled` false: a plugin that never does
 * (graphql-js answers all). With `cache`, answers are kept until the hierarchy changes
 * (hierarchy/region-tree-cache.ts); the checks above run for every request all the same.
 */
export function regionTreePlugin(enabled: boolean, cache?: RegionTreeCache): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      if (!enabled) return;
      return {
        async responseForOperation({ document, operation, request, contextValue }) {
          const plan = operation ? treePlanOf(document, operation) : null;
          if (!plan) return null;
          const data = await answer(plan, request.variables ?? {}, contextValue, cache).catch(() => null);
          if (!data) return null;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data } } };
        },
      };
    },
  };
}
