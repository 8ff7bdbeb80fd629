/** GraphQL types of the change feed (变更流) for county systems. */
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeISOResolver, JSONObjectResolver } from 'graphql-scalars';
import { CHANGE_TYPES, type ChangeType as CT } from '../../sync/types.js';
import type { ChangeItem, ChangeOperation as CO, FeedPage } from '../../sync/feed.js';
import { PageInfo } from '../relay.js';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const ChangeType = enumOf<CT>(CHANGE_TYPES);
registerEnumType(ChangeType, {
  name: 'ChangeType',
  description: 'The kinds of object in the change feed and the snapshot export.',
  valuesConfig: {
    REGION: { description: '行政区划 Region (export path `regions`)' },
    ELDER: { description: '老年人 Elder (`elders`)' },
    FACILITY: { description: '养老服务设施 Facility (`facilities`)' },
    CAREGIVER: { description: '养老护理员 Caregiver (`caregivers`)' },
    STAY: { description: '入住 Stay (`stays`)' },
    SERVICE_RECORD: { description: '服务记录 ServiceRecord (`service-records`)' },
    ASSESSMENT: { description: '能力评估 Assessment (`assessments`)' },
    CATEGORY_MEMBERSHIP: { description: '身份 CategoryMembership: an elder’s special category (特困, 低保 …) for a period (`category-memberships`)' },
    LEDGER_TRANSACTION: { description: '记账凭证 LedgerTransaction with its postings, hash and approval (`transactions`; needs ledger:read)' },
    LOT: { description: '资金批次 Lot (`lots`; needs ledger:read)' },
  },
});

export const ChangeOperation = enumOf<CO>(['UPSERT', 'LEFT_SCOPE']);
registerEnumType(ChangeOperation, {
  name: 'ChangeOperation',
  description: 'What a mirror does with a change.',
  valuesConfig: {
    UPSERT: { description: '新增或变更: the object is in your jurisdiction; `state` is its current state — insert or replace it' },
    LEFT_SCOPE: { description: '移出辖区: the object is no longer in your jurisdiction (an elder whose household moved to another county); delete it from your copy' },
  },
});

@ObjectType('Change', { description: '变更: one insert or change of an exported object, in commit order. The same object may appear many times; each time with its state now.' })
export class Change {
  @Field(() => ChangeType, { description: 'Kind of object.' }) type!: CT;
  @Field(() => ID, { description: 'Global id of the object that changed (as with `node(id:)`; the change itself has no id).' }) objectId!: string;
  @Field(() => ChangeOperation, { description: 'UPSERT (the object as it is now) or LEFT_SCOPE (no longer in your jurisdiction).' }) operation!: CO;
  @Field(() => DateTimeISOResolver, { description: 'When the change was written, inside the transaction that committed it.' }) committedAt!: string;
  @Field(() => JSONObjectResolver, {
    nullable: true,
    description:
      'The object as you see it now, with the field names of its GraphQL type and `__typename` — the same rows as the snapshot export ' +
      '(personal fields masked; assessment `details` only with health:read; another region’s `balanceAfter` null). Null for LEFT_SCOPE.',
  })
  state!: Record<string, unknown> | null;
  @Field(() => String, { nullable: true, description: 'For a LEDGER_TRANSACTION: its SHA-256 chain hash (hex), to check against `verifyLedger` / the chain.' }) hash!: string | null;

  static from(item: ChangeItem): Change {
    const { id, ...rest } = item;
    return Object.assign(new Change(), rest, { objectId: id });
  }
}

@ObjectType('ChangeEdge', { description: 'A change and the cursor to resume after it.' })
export class ChangeEdge {
  @Field({ description: 'Opaque, durable: pass it as `after` to continue after this change.' }) cursor!: string;
  @Field(() => Change, { description: 'The item.' }) node!: Change;
}

@ObjectType('ChangeConnection', { description: 'A page of the change feed.' })
export class ChangeConnection {
  @Field(() => [ChangeEdge], { description: 'The items of this page with their cursors (Relay).' }) edges!: ChangeEdge[];
  @Field(() => [Change], { description: 'The nodes of `edges`.' }) nodes!: Change[];
  @Field(() => PageInfo, { description: '`hasNextPage`: more changes are readable now — ask again at once.' }) pageInfo!: PageInfo;
  @Field({
    description:
      'Where to continue: pass it as `after` next time. Never null, also for an empty page (the feed may have moved past other ' +
      'jurisdictions’ changes). Store it in the same transaction as the changes you applied.',
  })
  cursor!: string;
  @Field({
    description:
      'Committed changes are waiting beyond the feed’s horizon: a transaction still running on the database server holds the feed back ' +
      '(the feed never passes a transaction that might still commit). They come once it ends: ask again shortly.',
  })
  pending!: boolean;

  static from(page: FeedPage, after: string | null): ChangeConnection {
    const nodes = page.changes.map(Change.from);
    const edges = page.changes.map((c, i) => Object.assign(new ChangeEdge(), { cursor: c.cursor, node: nodes[i] }));
    return Object.assign(new ChangeConnection(), {
      edges,
      nodes,
      cursor: page.cursor,
      pending: page.pending,
      pageInfo: Object.assign(new PageInfo(), {
        hasNextPage: page.hasMore,
        hasPreviousPage: after !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? page.cursor,
      }),
    });
  }
}
