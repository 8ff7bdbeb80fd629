/**
 * The ledger over GraphQL: thin wrappers around ledger/ (writes) and its queries (reads). Who may
 * see or act on which region and record is ledger/access.ts; a write's referenced record is checked
 * there, before the write's other values are parsed.
 */
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Authorized } from '../authorization.js';
import { Money, parseMoney } from '../scalars.js';
import type { Context } from '../context.js';
import { badUserInput } from '../errors.js';
import { fromGlobalId, PageArgs, resolvePage } from '../relay.js';
import { Region } from '../hierarchy/region.type.js';
import {
  AllocateInput,
  AppropriateInput,
  Balance,
  DisburseInput,
  FundLine,
  LedgerTransaction,
  LedgerTransactionConnection,
  LedgerTransactionConnectionTypes,
  LedgerVerification,
  Lot,
  Posting,
  PostPayload,
  ReceiveAllocationInput,
  ReturnFundsInput,
  ReverseInput,
  TrailStep,
  TransactionFilter,
} from './ledger.type.js';
import type { WriteOutcome } from '../../ledger/approvals/index.js';
import { Proposal } from './approval.type.js';
import * as v from '../../platform/validate.js';
import {
  balanceAfterFor, lotsInScope, regionFor, requireReceivable, requireReturnable, requireReversible, trailStepTransaction, visibleLot, visibleTransaction,
} from '../../ledger/access.js';
import { regionIfVisible } from '../../hierarchy/access.js';
import { requirePayeeInScope } from '../../payments/payees.js';
import { MAX_BATCH_LINES } from '../../ledger/types.js';

/** The internal id inside a global id of the expected type. */
function internalId(id: string, type: 'LedgerTransaction' | 'Lot', field: string): string {
  const decoded = fromGlobalId(id, field);
  if (decoded.type !== type || !/^[1-9][0-9]{0,17}$/.test(decoded.key)) throw badUserInput(`"${id}" is not a ${type} id`, field);
  return decoded.key;
}
const optionalId = (id: string | null | undefined, type: 'LedgerTransaction' | 'Lot', field: string) =>
  id == null ? null : internalId(id, type, field);


/** The transaction written, or the proposal waiting for approval (ledger/approvals decides which). */
const payload = (result: WriteOutcome) =>
  Object.assign(new PostPayload(), {
    transaction: result.transaction ? LedgerTransaction.from(result.transaction) : null,
    proposal: result.proposal ? Proposal.from(result.proposal) : null,
    replayed: result.replayed,
  });

function disburseRequest(ctx: Context, input: DisburseInput, prefix = '') {
  const regionCode = regionFor(ctx.viewer, 'ledger:disburse', input.regionCode, `${prefix}regionCode`);
  return { ...input, regionCode, amount: parseMoney(input.amount, `${prefix}amount`), lotId: optionalId(input.lotId, 'Lot', `${prefix}lotId`) };
}

@ArgsType()
class BalancesArgs {
  @Field({ description: 'The region (12 digits or prefix).' }) regionCode!: string;
  @Field(() => String, { nullable: true, description: 'One fund line; all when omitted.' }) fundLine?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD: the exact balance at the end of that date; now when omitted.' }) asOf?: string | null;
  @Field(() => Boolean, { defaultValue: true, description: 'Include every region below.' }) includeDescendants!: boolean;
}

@Resolver()
export class LedgerResolver {
  @Mutation(() => PostPayload, { description: 'Record money entering the ledger at a region (creates a root lot).' })
  async appropriate(@Arg('input', () => AppropriateInput, { description: 'The mutation’s input (each field described on its input type).' }) input: AppropriateInput, @Ctx() ctx: Context): Promise<PostPayload> {
    const regionCode = regionFor(ctx.viewer, 'ledger:appropriate', input.regionCode, 'regionCode');
    return payload(await ctx.approvals.appropriate({ ...input, regionCode, amount: parseMoney(input.amount, 'amount') }, ctx.viewer.subject));
  }

  @Mutation(() => PostPayload, { description: 'Issue money to a region below (in transit until received; creates a child lot).' })
  async allocate(@Arg('input', () => AllocateInput, { description: 'The mutation’s input (each field described on its input type).' }) input: AllocateInput, @Ctx() ctx: Context): Promise<PostPayload> {
    const fromRegionCode = regionFor(ctx.viewer, 'ledger:allocate', input.fromRegionCode, 'fromRegionCode');
    const toRegionCode = regionFor(ctx.viewer, 'ledger:allocate', input.toRegionCode, 'toRegionCode');
    const request = { ...input, fromRegionCode, toRegionCode, amount: parseMoney(input.amount, 'amount'), lotId: optionalId(input.lotId, 'Lot', 'lotId') };
    return payload(await ctx.approvals.allocate(request, ctx.viewer.subject));
  }

  @Mutation(() => PostPayload, { description: 'Confirm receipt of an allocation (at most once), with a credential of the receiving region itself: not of the issuer above it (FORBIDDEN).' })
  @Authorized('ledger:allocate')
  async receiveAllocation(@Arg('input', () => ReceiveAllocationInput, { description: 'The mutation’s input (each field described on its input type).' }) input: ReceiveAllocationInput, @Ctx() ctx: Context): Promise<PostPayload> {
    const allocationId = internalId(input.allocationId, 'LedgerTransaction', 'allocationId');
    await requireReceivable(ctx.viewer, ctx.loaders, allocationId);
    return payload(await ctx.approvals.receiveAllocation({ ...input, allocationId }, ctx.viewer.subject));
  }

  @Mutation(() => PostPayload, { description: 'Pay a payee from a lot (named, or the oldest by fiscal year with enough money).' })
  async disburse(@Arg('input', () => DisburseInput, { description: 'The mutation’s input (each field described on its input type).' }) input: DisburseInput, @Ctx() ctx: Context): Promise<PostPayload> {
    const request = disburseRequest(ctx, input);
    await requirePayeeInScope(ctx.viewer, ctx.registryLoaders, input.payeeType, input.payeeId, 'payeeId');
    return payload(await ctx.approvals.disburse(request, ctx.viewer.subject));
  }

  @Mutation(() => [PostPayload], { description: `Many disbursements (a monthly run), each with its own idempotency key, in one database transaction: all are written or none. At most ${MAX_BATCH_LINES} lines.` })
  async disburseBatch(@Arg('lines', () => [DisburseInput], { description: 'The disbursements, all written or none, each with its own idempotency key.' }) lines: DisburseInput[], @Ctx() ctx: Context): Promise<PostPayload[]> {
    if (lines.length > MAX_BATCH_LINES) throw badUserInput(`at most ${MAX_BATCH_LINES} lines per batch, got ${lines.length}`, 'lines');
    const requests = lines.map((line, index) => disburseRequest(ctx, line, `lines.${index}.`));
    await Promise.all(lines.map((line, index) => requirePayeeInScope(ctx.viewer, ctx.registryLoaders, line.payeeType, line.payeeId, `lines.${index}.payeeId`)));
    return (await ctx.approvals.disburseBatch(requests, ctx.viewer.subject)).map(payload);
  }

  @Mutation(() => PostPayload, { description: "Send a lot's unspent money back to its parent lot (lineage kept), with a credential of the lot's region itself (FORBIDDEN from above)." })
  @Authorized('ledger:allocate')
  async returnFunds(@Arg('input', () => ReturnFundsInput, { description: 'The mutation’s input (each field described on its input type).' }) input: ReturnFundsInput, @Ctx() ctx: Context): Promise<PostPayload> {
    const lotId = internalId(input.lotId, 'Lot', 'lotId');
    await requireReturnable(ctx.viewer, ctx.loaders, lotId);
    return payload(await ctx.approvals.returnFunds({ ...input, amount: parseMoney(input.amount, 'amount'), lotId }, ctx.viewer.subject));
  }

  @Mutation(() => PostPayload, { description: 'Post the mirror of an earlier transaction (reason required; at most once).' })
  @Authorized('ledger:reverse')
  async reverse(@Arg('input', () => ReverseInput, { description: 'The mutation’s input (each field described on its input type).' }) input: ReverseInput, @Ctx() ctx: Context): Promise<PostPayload> {
    const transactionId = internalId(input.transactionId, 'LedgerTransaction', 'transactionId');
    await requireReversible(ctx.viewer, ctx.loaders, transactionId);
    return payload(await ctx.approvals.reverse({ ...input, transactionId }, ctx.viewer.subject));
  }

  @Query(() => [FundLine], { description: 'The fund lines (资金线).' })
  async fundLines(@Ctx() ctx: Context): Promise<FundLine[]> {
    const rows = await ctx.sql.query<FundLine>(`select code, name_zh as "nameZh", name_en as "nameEn" from ledger.fund_line order by sort_order, code`);
    return rows.map((row) => Object.assign(new FundLine(), row));
  }

  @Query(() => LedgerTransaction, { nullable: true, description: '记账凭证: one ledger transaction by id, if in your jurisdiction.' })
  @Authorized('ledger:read')
  async transaction(@Arg('id', () => ID, { description: 'Global id of the transaction.' }) id: string, @Ctx() ctx: Context): Promise<LedgerTransaction | null> {
    const record = await visibleTransaction(ctx.viewer, ctx.loaders, internalId(id, 'LedgerTransaction', 'id'));
    return record ? LedgerTransaction.from(record) : null;
  }

  @Query(() => LedgerTransactionConnection, { description: 'Transactions in chain order (seq), filtered.' })
  @Authorized('ledger:read')
  async transactions(
    @Arg('filter', () => TransactionFilter, { nullable: true, description: 'Which transactions; all given conditions must hold.' }) filter: TransactionFilter | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: Context,
  ): Promise<LedgerTransactionConnection> {
    const resolved = resolvePage(page, (key) => /^[0-9]{1,18}$/.test(key));
    const f = { ...(filter ?? {}) };
    // Scope: a named region must be in the jurisdiction; none means the whole jurisdiction. Either way the
    // region filter keeps every row inside it (a transaction is in when its region or counterpart is).
    if (f.regionCode != null) f.regionCode = regionFor(ctx.viewer, 'ledger:read', f.regionCode, 'filter.regionCode');
    else Object.assign(f, { regionCode: ctx.viewer.jurisdiction, includeDescendants: true });
    const rows = resolved.first === 0 ? [] : await ctx.ledgerQueries.transactions(f, resolved.first + 1, resolved.after);
    return LedgerTransactionConnectionTypes.build(rows.map(LedgerTransaction.from), resolved, (t) => t.seq, () => ctx.ledgerQueries.countTransactions(f));
  }

  @Query(() => [Balance], { description: 'Balance per account kind of a region (and below), exact as of the end of a date.' })
  async balances(@Args(() => BalancesArgs) args: BalancesArgs, @Ctx() ctx: Context): Promise<Balance[]> {
    const regionCode = regionFor(ctx.viewer, 'ledger:read', args.regionCode, 'regionCode');
    const fundLine = args.fundLine == null ? null : v.code(args.fundLine, 'fundLine');
    const asOf = args.asOf == null ? null : v.isoDate(args.asOf, 'asOf');
    return (await ctx.ledgerQueries.balances(regionCode, fundLine, asOf, args.includeDescendants)).map(Balance.from);
  }

  @Query(() => Lot, { nullable: true, description: '资金批次: lineage up (parent) and consumption down (children, transactions).' })
  async lot(@Arg('id', () => ID, { description: 'Global id of the lot (资金批次).' }) id: string, @Ctx() ctx: Context): Promise<Lot | null> {
    const record = await visibleLot(ctx.viewer, ctx.loaders, internalId(id, 'Lot', 'id'));
    return record ? Lot.from(record) : null;
  }

  @Query(() => [TrailStep], { description: 'The audit trail of a transaction (typically a disbursement): each step back to the appropriation.' })
  @Authorized('ledger:read')
  async trail(@Arg('transactionId', () => ID, { description: 'Global id of the transaction whose money is traced back to its appropriation.' }) transactionId: string, @Ctx() ctx: Context): Promise<TrailStep[]> {
    const id = internalId(transactionId, 'LedgerTransaction', 'transactionId');
    await visibleTransaction(ctx.viewer, ctx.loaders, id);
    // The chain of authority of a payment in scope is the caller's business all the way up (LEDGER.md P5):
    // every step is listed with its document, dates and actor; only following a step recorded outside the
    // jurisdiction into its full transaction or lot is refused (TrailStepResolver).
    return (await ctx.ledgerQueries.trail(id)).map((s) => {
      const largestDebit = s.transaction.postings.reduce((max, p) => (p.amount > max ? p.amount : max), 0n);
      return Object.assign(new TrailStep(), {
        depth: s.depth,
        kind: s.transaction.kind,
        regionCode: s.transaction.regionCode,
        effectiveDate: s.transaction.effectiveDate,
        recordedAt: s.transaction.recordedAt,
        documentNo: s.transaction.documentNo,
        actor: s.transaction.actor,
        amount: largestDebit.toString(),
        lotDocumentNo: s.lot.documentNo,
        fiscalYear: s.lot.fiscalYear,
        fundingSource: s.lot.fundingSource,
        inScope: ctx.viewer.canSeeTransaction(s.transaction),
        record: s.transaction,
        lotRecord: s.lot,
      });
    });
  }

  @Query(() => LedgerVerification, { description: 'Recompute the hash chain over [fromSeq, toSeq] (default: all) and report the first broken sequence number.' })
  @Authorized('ledger:verify')
  async verifyLedger(
    @Arg('fromSeq', () => String, { nullable: true, description: 'First sequence number to check (default 1).' }) fromSeq: string | null,
    @Arg('toSeq', () => String, { nullable: true, description: 'Last sequence number to check (default the head).' }) toSeq: string | null,
    @Ctx() ctx: Context,
  ): Promise<LedgerVerification> {
    return LedgerVerification.from(await ctx.ledgerQueries.verify(fromSeq ?? null, toSeq ?? null));
  }
}

async function regionOrNull(ctx: Context, code: string | null): Promise<Region | null> {
  const record = await regionIfVisible(ctx.viewer, ctx.loaders, code);
  return record ? Region.from(record) : null;
}

@Resolver(() => LedgerTransaction)
export class LedgerTransactionResolver {
  @FieldResolver(() => Region, { description: 'The region that acted.' }) async region(@Root() t: LedgerTransaction, @Ctx() ctx: Context) {
    return regionOrNull(ctx, t.regionCode);
  }

  @FieldResolver(() => Region, { nullable: true, description: 'The other region of an allocation, receipt or return.' }) async counterpartRegion(@Root() t: LedgerTransaction, @Ctx() ctx: Context) {
    return regionOrNull(ctx, t.counterpartRegionCode);
  }

  @FieldResolver(() => Region, { nullable: true, description: 'The village of the beneficiary of a disbursement, when recorded.' }) async beneficiaryVillage(@Root() t: LedgerTransaction, @Ctx() ctx: Context) {
    return regionOrNull(ctx, t.beneficiaryVillageCode);
  }

  @FieldResolver(() => LedgerTransaction, { nullable: true, description: 'The transaction a reversal mirrors.' })
  async reverses(@Root() t: LedgerTransaction, @Ctx() ctx: Context) {
    const record = t.reversesId ? await visibleTransaction(ctx.viewer, ctx.loaders, t.reversesId) : null;
    return record ? LedgerTransaction.from(record) : null;
  }

  @FieldResolver(() => LedgerTransaction, { nullable: true, description: 'The allocation a receipt confirms.' })
  async allocation(@Root() t: LedgerTransaction, @Ctx() ctx: Context) {
    const record = t.allocationId ? await visibleTransaction(ctx.viewer, ctx.loaders, t.allocationId) : null;
    return record ? LedgerTransaction.from(record) : null;
  }
}

@Resolver(() => Posting)
export class PostingResolver {
  @FieldResolver(() => Money, {
    nullable: true,
    description:
      'Running balance of this account and lot after the posting; null for an account outside your jurisdiction (a county sees the ' +
      "city's leg of an allocation it received, not what the city has left).",
  })
  balanceAfter(@Root() posting: Posting, @Ctx() ctx: Context): bigint | null {
    return balanceAfterFor(ctx.viewer, posting);
  }
}

@Resolver(() => TrailStep)
export class TrailStepResolver {
  @FieldResolver(() => Region, { nullable: true, description: 'The region that recorded the step (regions above your jurisdiction are visible by name).' })
  async region(@Root() step: TrailStep, @Ctx() ctx: Context) {
    return regionOrNull(ctx, step.regionCode);
  }

  @FieldResolver(() => LedgerTransaction, { nullable: true, description: 'The full transaction; FORBIDDEN for a step outside your jurisdiction.' })
  async transaction(@Root() step: TrailStep, @Ctx() ctx: Context) {
    return LedgerTransaction.from(trailStepTransaction(ctx.viewer, step));
  }

  @FieldResolver(() => Lot, { nullable: true, description: 'The lot the step moved; FORBIDDEN when it belongs to a region outside your jurisdiction.' })
  async lot(@Root() step: TrailStep, @Ctx() ctx: Context) {
    const record = await visibleLot(ctx.viewer, ctx.loaders, step.lotRecord.id);
    return record ? Lot.from(record) : null;
  }
}

@Resolver(() => Lot)
export class LotResolver {
  @FieldResolver(() => Region, { description: 'The region that holds the lot.' }) async region(@Root() lot: Lot, @Ctx() ctx: Context) {
    return regionOrNull(ctx, lot.regionCode);
  }

  @FieldResolver(() => Lot, { nullable: true, description: 'The lot this one was allocated from.' })
  async parent(@Root() lot: Lot, @Ctx() ctx: Context) {
    const record = lot.parentLotId ? await visibleLot(ctx.viewer, ctx.loaders, lot.parentLotId) : null;
    return record ? Lot.from(record) : null;
  }

  @FieldResolver(() => [Lot], { description: 'This lot and every lot above it, up to the appropriated root.' })
  async lineage(@Root() lot: Lot, @Ctx() ctx: Context) {
    return lotsInScope(ctx.viewer, await ctx.loaders.lotLineage.load(lot.internalId)).map(Lot.from);
  }

  @FieldResolver(() => [Lot], { description: 'Lots allocated from this one.' })
  async children(@Root() lot: Lot, @Ctx() ctx: Context) {
    return lotsInScope(ctx.viewer, await ctx.loaders.lotChildren.load(lot.internalId)).map(Lot.from);
  }

  @FieldResolver(() => LedgerTransaction, { description: 'The appropriation or allocation that created this lot.' })
  async createdBy(@Root() lot: Lot, @Ctx() ctx: Context) {
    return LedgerTransaction.from((await visibleTransaction(ctx.viewer, ctx.loaders, lot.createdByTransactionId))!);
  }

  @FieldResolver(() => LedgerTransactionConnection, { description: 'The transactions that moved money of this lot, in chain order (a lot of a county can carry a year of monthly runs: paged).' })
  async transactions(@Root() lot: Lot, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<LedgerTransactionConnection> {
    const resolved = resolvePage(args, (key) => /^[0-9]{1,18}$/.test(key));
    const rows = resolved.first === 0 ? [] : await ctx.loaders.lotTransactions.load({ owner: lot.internalId, page: resolved, extra: null });
    return LedgerTransactionConnectionTypes.build(rows.map(LedgerTransaction.from), resolved, (t) => t.seq, () => ctx.loaders.lotTransactionCount.load(lot.internalId));
  }

  @FieldResolver(() => [Balance], { description: 'Where the money of this lot is now, per account kind.' })
  async balances(@Root() lot: Lot, @Ctx() ctx: Context) {
    return (await ctx.loaders.lotBalances.load(lot.internalId)).map(Balance.from);
  }
}
