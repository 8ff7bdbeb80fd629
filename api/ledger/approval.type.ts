/** GraphQL types of four-eyes approvals (审批) and commitments (预留). */
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import type { ApprovalOperation as AO, PolicyChangeRecord, PolicyRecord, ProposalItemRecord, ProposalRecord, ProposalStatus as PS } from '../../ledger/approvals/index.js';
import type { TransactionKind as TK } from '../../ledger/types.js';
import { Money } from '../scalars.js';
import { Node, toGlobalId } from '../relay.js';
import { TransactionKind } from './ledger.type.js';

export const ApprovalOperation = {
  APPROPRIATION: 'APPROPRIATION', ALLOCATION: 'ALLOCATION', ALLOCATION_RECEIVED: 'ALLOCATION_RECEIVED', DISBURSEMENT: 'DISBURSEMENT',
  DISBURSEMENT_BATCH: 'DISBURSEMENT_BATCH', RETURN: 'RETURN', REVERSAL: 'REVERSAL',
} as const satisfies Record<AO, AO>;
registerEnumType(ApprovalOperation, {
  name: 'ApprovalOperation',
  description: 'What an approval policy applies to: one kind of ledger write, or a whole disburseBatch by its total.',
  valuesConfig: {
    APPROPRIATION: { description: '预算安排: appropriate' },
    ALLOCATION: { description: '下达: allocate' },
    ALLOCATION_RECEIVED: { description: '到账: receiveAllocation' },
    DISBURSEMENT: { description: '发放: one disburse (and each line of a batch)' },
    DISBURSEMENT_BATCH: { description: '批量发放: a whole disburseBatch, by the total of each fund line' },
    RETURN: { description: '退回: returnFunds' },
    REVERSAL: { description: '冲销: reverse' },
  },
});

export const ProposalStatus = { PENDING: 'PENDING', APPROVED: 'APPROVED', REJECTED: 'REJECTED', EXPIRED: 'EXPIRED' } as const satisfies Record<PS, PS>;
registerEnumType(ProposalStatus, {
  name: 'ProposalStatus',
  description: 'Where a proposal stands.',
  valuesConfig: {
    PENDING: { description: '待审批: waiting for a second person; its money is held' },
    APPROVED: { description: '已批准: posted as ledger transactions' },
    REJECTED: { description: '已驳回: refused with a reason; its hold is released' },
    EXPIRED: { description: '已过期: not approved in time; it holds nothing' },
  },
});

@ObjectType({ description: '审批规则: when a write of one fund line and operation needs a second person.' })
export class ApprovalPolicy {
  @Field({ description: 'The fund line (资金线) it applies to.' }) fundLine!: string;
  @Field(() => ApprovalOperation, { description: 'The operation it applies to.' }) operation!: AO;
  @Field(() => Money, { nullable: true, description: 'Fen from which approval is needed (0: always); null: never.' }) minAmount!: string | null;
  @Field({ description: 'Who set it (the subject of their token; "system" for the initial policy).' }) changedBy!: string;
  @Field(() => DateTimeISOResolver, { description: 'When it was set.' }) changedAt!: string;
  @Field(() => ID, { description: 'The change (history row) that set it.' }) changeId!: string;

  static from(record: PolicyRecord): ApprovalPolicy {
    return Object.assign(new ApprovalPolicy(), record, { minAmount: record.minAmount?.toString() ?? null });
  }
}

@ObjectType({ description: '审批规则变更: one change of a policy, kept for ever (who, when, old and new value, why).' })
export class ApprovalPolicyChange extends ApprovalPolicy {
  @Field(() => Money, { nullable: true, description: 'The threshold before this change (null: never, or no policy before).' }) previousMinAmount!: string | null;
  @Field(() => ID, { nullable: true, description: 'The change this one replaced.' }) previousChangeId!: string | null;
  @Field({ description: 'Why it was changed.' }) reason!: string;

  static override from(record: PolicyChangeRecord): ApprovalPolicyChange {
    return Object.assign(new ApprovalPolicyChange(), record, {
      minAmount: record.minAmount?.toString() ?? null,
      previousMinAmount: record.previousMinAmount?.toString() ?? null,
    });
  }
}

@InputType({ description: 'A new approval policy for one fund line and operation (CITY_ADMIN only).' })
export class ChangeApprovalPolicyInput {
  @Field({ description: 'The fund line (资金线).' }) fundLine!: string;
  @Field(() => ApprovalOperation, { description: 'The operation.' }) operation!: AO;
  @Field(() => Money, { nullable: true, description: 'Fen from which approval is needed (0: always); null: never.' }) minAmount?: string | null;
  @Field({ description: 'Why (kept in the history).' }) reason!: string;
}

@ObjectType({ description: 'One ledger write of a proposal (a batch has one per line).' })
export class ProposalItem {
  @Field(() => Int, { description: 'Position in the proposal (0 first).' }) n!: number;
  @Field(() => TransactionKind, { description: 'The kind of ledger transaction it becomes.' }) kind!: TK;
  @Field({ description: 'The region it is recorded at (12-digit code).' }) regionCode!: string;
  @Field({ description: 'Its idempotency key: the ledger transaction carries it once approved.' }) idempotencyKey!: string;

  static from(record: ProposalItemRecord): ProposalItem {
    return Object.assign(new ProposalItem(), record);
  }
}

@Directive('@key(fields: "id")')
@ObjectType('Proposal', { implements: Node, description: '待审批事项: a ledger write waiting for a second person; it holds its money (预留) until approved, rejected or expired.' })
export class Proposal implements Node {
  @Field(() => ID, { description: 'Global id (give it to approve or reject).' }) id!: string;
  internalId!: string;
  @Field(() => ApprovalOperation, { description: 'What it does (DISBURSEMENT_BATCH: a whole batch).' }) operation!: AO;
  @Field(() => ProposalStatus, { description: 'Where it stands.' }) status!: PS;
  @Field({ description: 'The region it is recorded at (12-digit code): the deepest region holding every line (a batch over two counties: their city); approvers need jurisdiction over it and over every line.' }) regionCode!: string;
  @Field({ description: 'The fund line (资金线) whose policy required approval.' }) fundLine!: string;
  @Field(() => Money, { description: 'Fen it moves (a batch: its total).' }) amount!: string;
  @Field(() => Money, { description: 'Fen it holds now (0 once decided or expired).' }) held!: string;
  @Field({ description: 'YYYY-MM-DD: the accounting date it will be posted with (a batch: its earliest line’s; each line is posted with its own).' }) effectiveDate!: string;
  @Field({ description: 'Who proposed it (经办人).' }) proposedBy!: string;
  @Field(() => DateTimeISOResolver, { description: 'When it was proposed.' }) proposedAt!: string;
  @Field(() => DateTimeISOResolver, { description: 'When it expires unless decided (APPROVAL_TTL_HOURS after it was proposed).' }) expiresAt!: string;
  @Field(() => String, { nullable: true, description: 'Who approved or rejected it (审批人); "system" for a recorded expiry.' }) decidedBy!: string | null;
  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When it was decided.' }) decidedAt!: string | null;
  @Field(() => String, { nullable: true, description: 'Why it was rejected.' }) decisionReason!: string | null;
  @Field(() => [ProposalItem], { description: 'The ledger writes it holds (one, or the lines of a batch).' }) items!: ProposalItem[];
  transactionIds!: string[];

  static from(record: ProposalRecord): Proposal {
    return Object.assign(new Proposal(), record, {
      id: toGlobalId('Proposal', record.id),
      internalId: record.id,
      amount: record.amount.toString(),
      held: record.held.toString(),
      items: record.items.map(ProposalItem.from),
    });
  }
}
