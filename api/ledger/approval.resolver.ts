/** Approvals over GraphQL: thin wrappers around ledger/approvals (which applies the viewer's scope and the rules). */
import { Arg, Ctx, FieldResolver, ID, Mutation, ObjectType, Field, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context.js';
import { badUserInput } from '../errors.js';
import { fromGlobalId } from '../relay.js';
import { LedgerTransaction } from './ledger.type.js';
import { ApprovalPolicy, ApprovalPolicyChange, ChangeApprovalPolicyInput, Proposal } from './approval.type.js';
import { visibleTransaction } from '../../ledger/access.js';

/** The internal id inside a Proposal global id. */
function proposalId(id: string, field: string): string {
  const decoded = fromGlobalId(id, field);
  if (decoded.type !== 'Proposal' || !/^[1-9][0-9]{0,17}$/.test(decoded.key)) throw badUserInput(`"${id}" is not a Proposal id`, field);
  return decoded.key;
}

@ObjectType({ description: 'What approve returns: the proposal, now APPROVED, and the ledger transactions it became.' })
export class ApprovePayload {
  @Field(() => Proposal, { description: 'The proposal, now APPROVED.' }) proposal!: Proposal;
  @Field(() => [LedgerTransaction], { description: 'The transactions posted (one, or one per line of a batch), with proposedBy and approvedBy inside their hashes.' }) transactions!: LedgerTransaction[];
}

@Resolver()
export class ApprovalResolver {
  @Query(() => [ApprovalPolicy], { description: '审批规则: the current approval policy of every fund line and operation.' })
  async approvalPolicies(@Ctx() ctx: Context): Promise<ApprovalPolicy[]> {
    return (await ctx.approvalPolicies.list(ctx.viewer)).map(ApprovalPolicy.from);
  }

  @Query(() => [ApprovalPolicyChange], { description: 'The history of the approval policies (append-only), newest first, at most 1,000 changes.' })
  async approvalPolicyHistory(
    @Arg('fundLine', () => String, { nullable: true, description: 'One fund line; all when omitted.' }) fundLine: string | null,
    @Ctx() ctx: Context,
  ): Promise<ApprovalPolicyChange[]> {
    return (await ctx.approvalPolicies.history(ctx.viewer, fundLine ?? null)).map(ApprovalPolicyChange.from);
  }

  @Mutation(() => ApprovalPolicyChange, { description: 'Set the approval policy of a fund line and operation (CITY_ADMIN only); the old one stays in the history.' })
  async changeApprovalPolicy(@Arg('input', () => ChangeApprovalPolicyInput, { description: 'The new policy.' }) input: ChangeApprovalPolicyInput, @Ctx() ctx: Context): Promise<ApprovalPolicyChange> {
    return ApprovalPolicyChange.from(await ctx.approvalPolicies.change(ctx.viewer, input));
  }

  @Query(() => [Proposal], { description: '待审批: pending proposals recorded in a region and below (within your jurisdiction), oldest first, at most 500.' })
  async pendingApprovals(@Arg('regionCode', { description: '12-digit region code.' }) regionCode: string, @Ctx() ctx: Context): Promise<Proposal[]> {
    return (await ctx.approvals.pending(ctx.viewer, regionCode)).map(Proposal.from);
  }

  @Query(() => Proposal, { nullable: true, description: 'One proposal in your jurisdiction, whatever its status.' })
  async proposal(@Arg('id', () => ID, { description: 'Global id of the proposal.' }) id: string, @Ctx() ctx: Context): Promise<Proposal | null> {
    const record = await ctx.approvals.get(ctx.viewer, proposalId(id, 'id'));
    return record ? Proposal.from(record) : null;
  }

  @Mutation(() => ApprovePayload, { description: '批准: approve a pending proposal (not your own: SELF_APPROVAL); its hold is released and it is posted.' })
  async approve(@Arg('id', () => ID, { description: 'Global id of the proposal.' }) id: string, @Ctx() ctx: Context): Promise<ApprovePayload> {
    const { proposal, transactions } = await ctx.approvals.approve(ctx.viewer, proposalId(id, 'id'));
    return Object.assign(new ApprovePayload(), { proposal: Proposal.from(proposal), transactions: transactions.map(LedgerTransaction.from) });
  }

  @Mutation(() => Proposal, { description: '驳回: reject a pending proposal with a reason (the proposer may withdraw their own); its hold is released.' })
  async reject(
    @Arg('id', () => ID, { description: 'Global id of the proposal.' }) id: string,
    @Arg('reason', { description: 'Why (kept for ever: no personal data).' }) reason: string,
    @Ctx() ctx: Context,
  ): Promise<Proposal> {
    return Proposal.from(await ctx.approvals.reject(ctx.viewer, proposalId(id, 'id'), reason));
  }
}

@Resolver(() => Proposal)
export class ProposalResolver {
  @FieldResolver(() => [LedgerTransaction], { description: 'The ledger transactions it became (once approved; those in your jurisdiction).' })
  async transactions(@Root() proposal: Proposal, @Ctx() ctx: Context): Promise<LedgerTransaction[]> {
    const records = await Promise.all(proposal.transactionIds.map((id) => visibleTransaction(ctx.viewer, ctx.loaders, id).catch(() => null)));
    return records.filter((r) => r !== null).map(LedgerTransaction.from);
  }
}

@Resolver(() => LedgerTransaction)
export class LedgerTransactionProposalResolver {
  @FieldResolver(() => Proposal, { nullable: true, description: 'The approved proposal it comes from (null for an ordinary transaction).' })
  async proposal(@Root() t: LedgerTransaction, @Ctx() ctx: Context): Promise<Proposal | null> {
    if (!t.proposalId) return null;
    const record = await ctx.approvals.get(ctx.viewer, t.proposalId).catch(() => null);
    return record ? Proposal.from(record) : null;
  }
}
