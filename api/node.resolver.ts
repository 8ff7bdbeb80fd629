/** Relay global object identification: fetch any object by its opaque id. */
import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { Context } from './context.js';
import { badUserInput } from './errors.js';
import { Region } from './hierarchy/region.type.js';
import { LedgerTransaction, Lot } from './ledger/ledger.type.js';
import { fromGlobalId, Node } from './relay.js';
import { registryNodeLoaders } from './registry/registry.resolver.js';

const MAX_NODES = 100;

/** How to load each type from the key inside its id. Types added later register here. */
const loaders: Record<string, (key: string, ctx: Context) => Promise<Node | null>> = {
  Region: async (key, ctx) => {
    const record = /^[0-9]{12}$/.test(key) ? await ctx.loaders.regionByCode.load(key) : null;
    return record ? Region.from(record) : null;
  },
  LedgerTransaction: async (key, ctx) => {
    const record = /^[1-9][0-9]{0,17}$/.test(key) ? await ctx.loaders.transaction.load(key) : null;
    return record ? LedgerTransaction.from(record) : null;
  },
  Lot: async (key, ctx) => {
    const record = /^[1-9][0-9]{0,17}$/.test(key) ? await ctx.loaders.lot.load(key) : null;
    return record ? Lot.from(record) : null;
  },
  ...(registryNodeLoaders as Record<string, (key: string, ctx: Context) => Promise<Node | null>>),
};

async function loadNode(id: string, ctx: Context): Promise<Node | null> {
  const { type, key } = fromGlobalId(id);
  const load = loaders[type];
  if (!load) throw badUserInput(`"${id}" is not a valid id`, 'id');
  return load(key, ctx);
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Any object by its global id; null if it does not exist.' })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Node | null> {
    return loadNode(id, ctx);
  }

  @Query(() => [Node], { nullable: 'items', description: `Several objects by global id (at most ${MAX_NODES}), in the order asked; null for those that do not exist.` })
  nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context): Promise<(Node | null)[]> {
    if (ids.length > MAX_NODES) throw badUserInput(`at most ${MAX_NODES} ids per call, got ${ids.length}`, 'ids');
    return Promise.all(ids.map((id) => loadNode(id, ctx)));
  }
}
