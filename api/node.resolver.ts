/** Relay global object identification: fetch any object by its opaque id. */
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { Context } from './context.js';
import { badUserInput } from './errors.js';
import { Region } from './hierarchy/region.type.js';
import { LedgerTransaction, Lot } from './ledger/ledger.type.js';
import { readTransaction, visibleLot } from '../ledger/access.js';
import { Proposal } from './ledger/approval.type.js';
import { fromGlobalId, Node } from './relay.js';
import { registryNodeLoaders } from './registry/nodes.js';
import { auditNodeLoaders } from './audit/audit.resolver.js';
import { isRegionCode } from '../platform/region-code.js';
import { isRecordId } from '../platform/validate.js';
import { visibleRegion } from '../hierarchy/access.js';

const MAX_NODES = 100;

/**
 * How to load each type from the key inside its id, with the same scope checks as the type's own
 * query (an object outside the caller's jurisdiction is FORBIDDEN, never returned). Types added
 * later register here. Federation's `_entities` resolves representations through the same table
 * (api/federation/entities.ts), so it applies exactly these checks.
 */
type NodeLoader = (key: string, ctx: Context) => Promise<Node | null>;

/** A Map, not an object: a type decoded from an id ("constructor", "__proto__", "toString") must never find a built-in. */
export const nodeLoaders = new Map<string, NodeLoader>(Object.entries({
  Region: async (key, ctx) => {
    const record = isRegionCode(key) ? await visibleRegion(ctx.viewer, ctx.loaders, key, 'region') : null;
    return record ? Region.from(record) : null;
  },
  LedgerTransaction: async (key, ctx) => {
    const record = /^[1-9][0-9]{0,17}$/.test(key) ? await readTransaction(ctx.viewer, ctx.loaders, key) : null;
    return record ? LedgerTransaction.from(record) : null;
  },
  Lot: async (key, ctx) => {
    const record = /^[1-9][0-9]{0,17}$/.test(key) ? await visibleLot(ctx.viewer, ctx.loaders, key) : null;
    return record ? Lot.from(record) : null;
  },
  Proposal: async (key, ctx) => {
    const record = /^[1-9][0-9]{0,17}$/.test(key) ? await ctx.approvals.get(ctx.viewer, key) : null;
    return record ? Proposal.from(record) : null;
  },
  ...(registryNodeLoaders as Record<string, NodeLoader>),
  ...(auditNodeLoaders as Record<string, NodeLoader>),
} satisfies Record<string, NodeLoader>));

async function loadNode(id: string, ctx: Context): Promise<Node | null> {
  const { type, key } = fromGlobalId(id);
  const load = nodeLoaders.get(type);
  // A key that no object of the type can have ("Elder:1e5", "Region:32") is the caller's mistake,
  // as in the type's own query: BAD_USER_INPUT, not null (null says: well-formed, no such object).
  if (!load || !(type === 'Region' ? isRegionCode(key) : isRecordId(key))) throw badUserInput(`"${id}" is not a valid id`, 'id');
  return load(key, ctx);
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global id; null if it does not exist.' })
  node(@Arg('id', () => ID, { description: 'A global id of any type.' }) id: string, @Ctx() ctx: Context): Promise<Node | null> {
    return loadNode(id, ctx);
  }

  @Query(() => [Node], { nullable: 'items', description: `Several objects by global id (at most ${MAX_NODES}), in the order asked; null for those that do not exist.` })
  nodes(@Arg('ids', () => [ID], { description: 'Global ids of any types (at most 100).' }) ids: string[], @Ctx() ctx: Context): Promise<(Node | null)[]> {
    if (ids.length > MAX_NODES) throw badUserInput(`at most ${MAX_NODES} ids per call, got ${ids.length}`, 'ids');
    // Each id stands alone: one that is malformed or out of scope is null with its own error, the rest still load.
    return Promise.all(ids.map((id) => loadNode(id, ctx).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))))) as Promise<(Node | null)[]>;
  }
}
