/**
 * Which operations the region tree path (region-tree-path.ts) answers whole, and how: an operation
 * whose only root field is `region(code:)` and which below it asks for nothing but the fields of
 * Region, RegionConnection, RegionEdge and PageInfo that hierarchy/region-tree.ts builds (scalars,
 * ids, `children(first, after)` with totalCount, nodes, edges, pageInfo), to any depth. Anything
 * else — another root field, directives, a fragment on an interface, a response key asked for twice,
 * a variable with a default, updatedAt, parent, counts… — has no shape, and graphql-js runs it.
 *
 * A shape is read once per document (Apollo keeps the parsed document of a repeated query, so the
 * cache is keyed by its operation node) and compiled once to its statement.
 */
import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';
import { RegionTreeQuery, type ConnectionField, type EdgeField, type PageInfoField, type RegionTreeField } from '../../hierarchy/region-tree.js';

/** An argument as written: a literal, or a variable read from the request. */
export type ArgumentSource = { literal: unknown } | { variable: string };

export interface TreePlan {
  /** Response key of the root field (its alias, or `region`). */
  rootKey: string;
  code: ArgumentSource;
  /** `first` and `after` of each `children` field, in the order of RegionTreeRequest.pages. */
  pages: { first: ArgumentSource | null; after: ArgumentSource | null }[];
  query: RegionTreeQuery;
}

/** Thrown while reading a document the shape does not cover. */
class NotCovered extends Error {}

const CURSOR_PREFIX = 'cursor:'; // api/relay.ts toCursor
const REGION_ID_PREFIX = 'Region:'; // api/relay.ts toGlobalId('Region', code)
const SCALARS = new Set(['code', 'name', 'level', 'parentCode'] as const);

class ShapeReader {
  readonly pages: TreePlan['pages'] = [];

  constructor(
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly defaulted: Set<string>,
  ) {}

  /** The fields of a selection on `type`, fragments of that exact type spread in place; each response key once. */
  fields(selectionSet: SelectionSetNode | undefined, type: string): FieldNode[] {
    if (!selectionSet) throw new NotCovered();
    const out: FieldNode[] = [];
    const collect = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (selection.directives?.length) throw new NotCovered();
        if (selection.kind === Kind.FIELD) out.push(selection);
        else {
          const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? this.fragments.get(selection.name.value) : selection;
          if (!fragment || fragment.directives?.length || (fragment.typeCondition && fragment.typeCondition.name.value !== type)) throw new NotCovered();
          collect(fragment.selectionSet);
        }
      }
    };
    collect(selectionSet);
    const keys = new Set(out.map(keyOf));
    if (keys.size !== out.length) throw new NotCovered();
    return out;
  }

  argument(field: FieldNode, name: string): ArgumentSource | null {
    const node = field.arguments?.find((a) => a.name.value === name);
    return node ? this.value(node.value) : null;
  }

  private value(node: ValueNode): ArgumentSource {
    switch (node.kind) {
      case Kind.INT: return { literal: Number.parseInt(node.value, 10) };
      case Kind.STRING: return { literal: node.value };
      case Kind.NULL: return { literal: null };
      case Kind.VARIABLE:
        if (this.defaulted.has(node.name.value)) throw new NotCovered();
        return { variable: node.name.value };
      default: throw new NotCovered();
    }
  }

  region(selectionSet: SelectionSetNode | undefined): RegionTreeField[] {
    return this.fields(selectionSet, 'Region').map((field): RegionTreeField => {
      const key = keyOf(field);
      const name = field.name.value;
      if (name === '__typename') return { key, kind: 'constant', value: 'Region' };
      if (name === 'id') return { key, kind: 'encodedCode', prefix: REGION_ID_PREFIX };
      if (SCALARS.has(name as never)) return { key, kind: name as 'code' };
      if (name !== 'children') throw new NotCovered();
      const page = this.pages.push({ first: this.argument(field, 'first'), after: this.argument(field, 'after') }) - 1;
      return { key, kind: 'children', page, fields: this.connection(field.selectionSet) };
    });
  }

  private connection(selectionSet: SelectionSetNode | undefined): ConnectionField[] {
    return this.fields(selectionSet, 'RegionConnection').map((field): ConnectionField => {
      const key = keyOf(field);
      switch (field.name.value) {
        case '__typename': return { key, kind: 'constant', value: 'RegionConnection' };
        case 'totalCount': return { key, kind: 'totalCount' };
        case 'nodes': return { key, kind: 'nodes', fields: this.region(field.selectionSet) };
        case 'edges': return { key, kind: 'edges', fields: this.edge(field.selectionSet) };
        case 'pageInfo': return { key, kind: 'pageInfo', fields: this.pageInfo(field.selectionSet) };
        default: throw new NotCovered();
      }
    });
  }

  private edge(selectionSet: SelectionSetNode | undefined): EdgeField[] {
    return this.fields(selectionSet, 'RegionEdge').map((field): EdgeField => {
      const key = keyOf(field);
      switch (field.name.value) {
        case '__typename': return { key, kind: 'constant', value: 'RegionEdge' };
        case 'cursor': return { key, kind: 'cursor', prefix: CURSOR_PREFIX };
        case 'node': return { key, kind: 'node', fields: this.region(field.selectionSet) };
        default: throw new NotCovered();
      }
    });
  }

  private pageInfo(selectionSet: SelectionSetNode | undefined): PageInfoField[] {
    return this.fields(selectionSet, 'PageInfo').map((field): PageInfoField => {
      const key = keyOf(field);
      switch (field.name.value) {
        case '__typename': return { key, kind: 'constant', value: 'PageInfo' };
        case 'hasNextPage': return { key, kind: 'hasNextPage' };
        case 'hasPreviousPage': return { key, kind: 'hasPreviousPage' };
        case 'startCursor': return { key, kind: 'startCursor', prefix: CURSOR_PREFIX };
        case 'endCursor': return { key, kind: 'endCursor', prefix: CURSOR_PREFIX };
        default: throw new NotCovered();
      }
    });
  }
}

const keyOf = (field: FieldNode) => field.alias?.value ?? field.name.value;

/** The plan of an operation, or null when the shape does not cover it. */
function readPlan(document: DocumentNode, operation: OperationDefinitionNode): TreePlan | null {
  if (operation.operation !== 'query' || operation.directives?.length) return null;
  const fragments = new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  const defaulted = new Set((operation.variableDefinitions ?? []).filter((v) => v.defaultValue || v.directives?.length).map((v) => v.variable.name.value));
  const reader = new ShapeReader(fragments, defaulted);
  try {
    const roots = reader.fields(operation.selectionSet, 'Query');
    const root = roots[0];
    if (roots.length !== 1 || root!.name.value !== 'region') return null;
    const code = reader.argument(root!, 'code');
    if (!code) return null;
    const fields = reader.region(root!.selectionSet);
    return { rootKey: keyOf(root!), code, pages: reader.pages, query: new RegionTreeQuery(fields) };
  } catch (error) {
    if (error instanceof NotCovered) return null;
    throw error;
  }
}

/** By the operation's node, which Apollo keeps with the parsed document of a repeated query. */
const plans = new WeakMap<OperationDefinitionNode, TreePlan | null>();

/** The cached plan of an operation of a document (null: not covered). */
export function treePlanOf(document: DocumentNode, operation: OperationDefinitionNode): TreePlan | null {
  let plan = plans.get(operation);
  if (plan === undefined) plans.set(operation, (plan = readPlan(document, operation)));
  return plan;
}
