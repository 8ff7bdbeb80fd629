/** The change feed over GraphQL: a thin wrapper around sync/feed.ts. */
import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../context.js';
import { readChanges, DEFAULT_FEED_PAGE, MAX_FEED_PAGE } from '../../sync/feed.js';
import type { ChangeType as CT } from '../../sync/types.js';
import { ChangeConnection, ChangeType } from './changes.type.js';

@Resolver()
export class ChangesResolver {
  @Query(() => ChangeConnection, {
    description:
      '变更流: every insert and change of the exported objects in your jurisdiction, in commit order, never missing one (docs/sync.md). ' +
      'Start from the `cursor` of a snapshot export (GET /export/v1/…); without `after` the feed starts at its beginning, which holds ' +
      'changes since the feed was installed only. Needs `sync:pull`. A cursor of another jurisdiction or another copy of the database: RESYNC_REQUIRED. ' +
      'The cursor of an export narrowed with `within` is followed within the same region.',
  })
  async changes(
    @Ctx() ctx: Context,
    @Arg('after', () => String, { nullable: true, description: 'A `cursor` from an earlier page or from a snapshot export’s first line.' }) after: string | null,
    @Arg('first', () => Int, { nullable: true, description: `Changes per page, 1 to ${MAX_FEED_PAGE}; default ${DEFAULT_FEED_PAGE}.` }) first: number | null,
    @Arg('types', () => [ChangeType], { nullable: true, description: 'Only these kinds (default: every kind you may read).' }) types: CT[] | null,
    @Arg('within', () => String, {
      nullable: true,
      description:
        'Only what lies within this region of your jurisdiction (12-digit code or its 2/4/6/9-digit prefix), as an export `?within=` shows it. ' +
        'A cursor keeps the `within` of the export it comes from and is followed within it anyway; given with `after`, it must be that region ' +
        '(BAD_USER_INPUT otherwise). Default: the cursor’s, or your whole jurisdiction.',
    })
    within: string | null,
  ): Promise<ChangeConnection> {
    const page = await readChanges(ctx.pool, ctx.viewer, { after: after ?? null, first, types, within });
    return ChangeConnection.from(page, after ?? null);
  }
}
