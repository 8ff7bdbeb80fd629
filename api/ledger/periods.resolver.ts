/** Periods over GraphQL: thin wrappers around ledger/periods (which applies the viewer's scope and the rules). */
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { PeriodBlockedError, type PeriodBlocker } from '../../ledger/errors.js';
import { toGlobalId } from '../relay.js';
import {
  ClosePeriodPayload,
  Period,
  PeriodException,
  PeriodInput,
  ReopenPeriodPayload,
  RequestPeriodReopenInput,
  SealPeriodPayload,
  TrialBalance,
} from './periods.type.js';

@Resolver()
export class PeriodResolver {
  @Query(() => [Period], { description: '会计期间: the months of a region and fund line from `from` to `to` (YYYY-MM, inclusive, at most 120), with their state and history.' })
  async periods(
    @Arg('regionCode', { description: 'Region code: 12 digits, or the 2/4/6/9-digit prefix.' }) regionCode: string,
    @Arg('fundLine', { description: '资金线 of the periods.' }) fundLine: string,
    @Arg('from', { description: 'YYYY-MM' }) from: string,
    @Arg('to', { description: 'YYYY-MM' }) to: string,
    @Ctx() ctx: Context,
  ): Promise<Period[]> {
    return (await ctx.periods.list(ctx.viewer, regionCode, fundLine, from, to)).map(Period.from);
  }

  @Query(() => TrialBalance, { description: '试算平衡表 of a month: the sealed one if the month is sealed, else computed now from the postings.' })
  async trialBalance(
    @Arg('regionCode', { description: 'Region code: 12 digits, or the 2/4/6/9-digit prefix.' }) regionCode: string,
    @Arg('fundLine', { description: '资金线 of the trial balance.' }) fundLine: string,
    @Arg('month', { description: 'YYYY-MM' }) month: string,
    @Arg('includeDescendants', { defaultValue: true, description: 'Sum over every region below too.' }) includeDescendants: boolean,
    @Ctx() ctx: Context,
  ): Promise<TrialBalance> {
    return TrialBalance.from(await ctx.periods.trialBalance(ctx.viewer, regionCode, fundLine, month, includeDescendants));
  }

  @Mutation(() => ClosePeriodPayload, { description: '结账: close a month of a region and fund line (and every earlier month). Refused (PERIOD_CLOSE_BLOCKED, extensions.blockers) while allocations to or from the region are in transit.' })
  async closePeriod(@Arg('input', () => PeriodInput, { description: 'The mutation’s input (each field described on its input type).' }) input: PeriodInput, @Ctx() ctx: Context): Promise<ClosePeriodPayload> {
    const period = await ctx.periods.close(ctx.viewer, input).catch(withNodeIds);
    return Object.assign(new ClosePeriodPayload(), { period: Period.from(period) });
  }

  @Mutation(() => PeriodException, { description: 'Ask for the latest closed month to be reopened: reason and expiry; someone else approves it with reopenPeriod.' })
  async requestPeriodReopen(@Arg('input', () => RequestPeriodReopenInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RequestPeriodReopenInput, @Ctx() ctx: Context): Promise<PeriodException> {
    return PeriodException.from(await ctx.periods.requestReopen(ctx.viewer, input));
  }

  @Mutation(() => ReopenPeriodPayload, { description: '反结账: approve a reopening request (not your own: SELF_APPROVAL); the month is open until the request expires.' })
  async reopenPeriod(@Arg('requestId', () => ID, { description: 'The requestId of a PeriodReopenRequest.' }) requestId: string, @Ctx() ctx: Context): Promise<ReopenPeriodPayload> {
    const { period, exception } = await ctx.periods.reopen(ctx.viewer, requestId);
    return Object.assign(new ReopenPeriodPayload(), { period: Period.from(period), request: PeriodException.from(exception) });
  }

  @Mutation(() => SealPeriodPayload, { description: '封账: seal a closed month (by the city; regions below with money in the fund line first) and store its trial balance.' })
  async sealPeriod(@Arg('input', () => PeriodInput, { description: 'The mutation’s input (each field described on its input type).' }) input: PeriodInput, @Ctx() ctx: Context): Promise<SealPeriodPayload> {
    const { period, trialBalance } = await ctx.periods.seal(ctx.viewer, input).catch(withNodeIds);
    return Object.assign(new SealPeriodPayload(), { period: Period.from(period), trialBalance: TrialBalance.from(trialBalance) });
  }
}

/** The node type of each kind of blocker's id: a caller passes it on as it is (receiveAllocation(allocationId:), node(id:)). */
const BLOCKER_TYPE: Record<PeriodBlocker['kind'], string> = {
  ALLOCATION_IN_TRANSIT: 'LedgerTransaction',
  CRITICAL_AUDIT_FINDING: 'AuditFinding',
  SUBTREE_NOT_SEALED: 'Region',
};

/** PERIOD_CLOSE_BLOCKED with each blocker's id as the API's global id (the ledger names rows by their own ids). */
function withNodeIds(error: unknown): never {
  if (!(error instanceof PeriodBlockedError)) throw error;
  throw new PeriodBlockedError(error.message, error.blockers.map((b) => ({ ...b, id: toGlobalId(BLOCKER_TYPE[b.kind], b.id) })));
}

@Resolver(() => TrialBalance)
export class TrialBalanceResolver {
  @FieldResolver(() => Boolean, { nullable: true, description: 'Sealed: recomputed now from the postings up to atSeq, do the figures still match? (null when not sealed)' })
  async reproduced(@Root() tb: TrialBalance, @Ctx() ctx: Context): Promise<boolean | null> {
    if (!tb.sealed) return null;
    return ctx.periods.reproduces(tb.regionCode, tb.fundLine, tb.month);
  }
}
