/** Queries and relations of the hierarchy. Thin: parse arguments, call a loader or the repository, wrap the result; who may see which region is hierarchy/access.ts. */
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Authorized } from '../authorization.js';
import { parseRegionCode, type RegionLevel as Level } from '../../platform/region-code.js';
import type { RegionFilter } from '../../hierarchy/region.repository.js';
import type { RegionRecord } from '../../hierarchy/region-record.js';
import type { Context } from '../context.js';
import { badUserInput } from '../errors.js';
import { namedRegion, regionIfVisible, regionsVisible, requireBelowVisible, visibleRegion } from '../../hierarchy/access.js';
import { PageArgs, resolvePage, type ResolvedPage } from '../relay.js';
import { Region, RegionConnection, RegionConnectionTypes, RegionCounts, RegionLevel } from './region.type.js';
import { isRegionCode } from '../../platform/region-code.js';

const MAX_SEARCH_LENGTH = 50;

/** A region code argument as typed (12 digits or a 2/4/6/9-digit prefix), or BAD_USER_INPUT naming the field. */
export function parseCode(input: string, field: string): string {
  return parseRegionCode(input, field);
}

function page(args: PageArgs): ResolvedPage {
  return resolvePage(args, isRegionCode);
}

const connection = (rows: RegionRecord[], resolved: ResolvedPage, countTotal: () => Promise<number>) =>
  RegionConnectionTypes.build(rows.map(Region.from), resolved, (r) => r.code, countTotal);

@ArgsType()
class RegionsArgs extends PageArgs {
  @Field(() => RegionLevel, { nullable: true, description: 'Only regions of this level.' })
  level?: Level | null;

  @Field(() => String, { nullable: true, description: 'Only direct children of this region (code, or its 2/4/6/9-digit prefix).' })
  parentCode?: string | null;

  @Field(() => String, { nullable: true, description: 'Only regions anywhere below this region.' })
  within?: string | null;

  @Field(() => String, { nullable: true, description: `Substring of the Chinese name (1–${MAX_SEARCH_LENGTH} characters), e.g. "徐州" or "街道".` })
  search?: string | null;
}

@ArgsType()
class DescendantsArgs extends PageArgs {
  @Field(() => RegionLevel, { nullable: true, description: 'Only descendants of this level.' })
  level?: Level | null;
}

@Resolver(() => Region)
export class RegionResolver {
  @Query(() => Region, { nullable: true, description: 'One region by code: the 12-digit NBS code or its 2/4/6/9-digit prefix (320321 = 丰县). Null if unknown.' })
  @Authorized('hierarchy:read')
  async region(@Arg('code', () => String, { description: '12-digit NBS code, or its 2/4/6/9-digit prefix.' }) code: string, @Ctx() ctx: Context): Promise<Region | null> {
    const parsed = parseCode(code, 'code');
    const record = await visibleRegion(ctx.viewer, ctx.loaders, parsed, `region ${parsed}`);
    return record ? Region.from(record) : null;
  }

  @Query(() => RegionConnection, { description: 'Regions ordered by code, filtered by level, parent, subtree and name.' })
  @Authorized('hierarchy:read')
  async regions(@Args(() => RegionsArgs) args: RegionsArgs, @Ctx() ctx: Context): Promise<RegionConnection> {
    const resolved = page(args);
    const search = args.search?.trim();
    if (args.search != null && (!search || search.length > MAX_SEARCH_LENGTH)) {
      throw badUserInput(`search must be 1 to ${MAX_SEARCH_LENGTH} characters`, 'search');
    }
    const filter: RegionFilter = {
      level: args.level ?? null,
      parentCode: args.parentCode == null ? null : await namedRegion(ctx.viewer, ctx.loaders, args.parentCode, 'parentCode'),
      withinCode: args.within == null ? null : await namedRegion(ctx.viewer, ctx.loaders, args.within, 'within'),
      search: search ?? null,
      scope: ctx.viewer.scopeRange,
    };
    const rows = resolved.first === 0 ? [] : await ctx.regions.list(filter, resolved);
    return connection(rows, resolved, () => ctx.regions.count(filter));
  }

  @FieldResolver(() => Region, { nullable: true, description: 'The region directly above; null for a province.' })
  async parent(@Root() region: Region, @Ctx() ctx: Context): Promise<Region | null> {
    const record = await regionIfVisible(ctx.viewer, ctx.loaders, region.parentCode);
    return record ? Region.from(record) : null;
  }

  @FieldResolver(() => [Region], { description: 'All regions above, from the province down to the parent.' })
  async ancestors(@Root() region: Region, @Ctx() ctx: Context): Promise<Region[]> {
    return regionsVisible(ctx.viewer, await ctx.loaders.ancestors.load(region.code)).map(Region.from);
  }

  @FieldResolver(() => RegionConnection, { description: 'Regions directly below, ordered by code.' })
  async children(@Root() region: Region, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<RegionConnection> {
    requireBelowVisible(ctx.viewer, region.code);
    const resolved = page(args);
    const rows = resolved.first === 0 ? [] : await ctx.loaders.children.load({ owner: region.code, page: resolved, extra: null });
    return connection(rows, resolved, () => ctx.loaders.childCount.load(region.code));
  }

  @FieldResolver(() => RegionConnection, { description: 'All regions below (optionally of one level), ordered by code: one indexed range scan.' })
  async descendants(@Root() region: Region, @Args(() => DescendantsArgs) args: DescendantsArgs, @Ctx() ctx: Context): Promise<RegionConnection> {
    requireBelowVisible(ctx.viewer, region.code);
    const resolved = page(args);
    const level = args.level ?? null;
    const rows = resolved.first === 0 ? [] : await ctx.loaders.descendants.load({ owner: region.code, page: resolved, extra: level });
    return connection(rows, resolved, async () => {
      const counts = await ctx.loaders.descendantCounts.load(region.code);
      return level ? (counts[level] ?? 0) : Object.values(counts).reduce((sum, n) => sum + n, 0);
    });
  }

  @FieldResolver(() => RegionCounts, { description: 'Number of descendants at each level below.' })
  async counts(@Root() region: Region, @Ctx() ctx: Context): Promise<RegionCounts> {
    requireBelowVisible(ctx.viewer, region.code);
    const counts = await ctx.loaders.descendantCounts.load(region.code);
    return Object.assign(new RegionCounts(), {
      cities: counts.CITY ?? 0,
      counties: counts.COUNTY ?? 0,
      towns: counts.TOWN ?? 0,
      villages: counts.VILLAGE ?? 0,
      total: Object.values(counts).reduce((sum, n) => sum + n, 0),
    });
  }
}
