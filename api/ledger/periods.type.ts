/** GraphQL types of accounting periods (会计期间) and sealed trial balances (试算平衡表). */
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import type { PeriodEventRecord, PeriodExceptionRecord, PeriodRecord, TrialBalanceRecord } from '../../ledger/periods/periods.js';
import type { TrialBalanceLine as LineRecord } from '../../ledger/periods/trial-balance.js';
import type { AccountKind as AK } from '../../ledger/types.js';
import { Money } from '../scalars.js';
import { toGlobalId } from '../relay.js';
import { AccountKind } from './ledger.type.js';

export const PeriodState = { OPEN: 'OPEN', CLOSED: 'CLOSED', SEALED: 'SEALED' } as const;
registerEnumType(PeriodState, {
  name: 'PeriodState',
  description: 'The state of a (region, fund line, month).',
  valuesConfig: {
    OPEN: { description: '未结账: postings dated in the month are accepted' },
    CLOSED: { description: '已结账: no posting may be dated in the month (nor any earlier month); reopened only through an approved exception, until it expires' },
    SEALED: { description: '已封账: closed for good, its trial balance stored; never reopens (corrections are reversals in an open month)' },
  },
});

export const PeriodAction = { CLOSE: 'CLOSE', REOPEN: 'REOPEN', SEAL: 'SEAL' } as const;
registerEnumType(PeriodAction, {
  name: 'PeriodAction',
  description: 'What happened to a period.',
  valuesConfig: {
    CLOSE: { description: '结账: closed (or closed again early after a reopening)' },
    REOPEN: { description: '反结账: reopened through an approved exception, until the exception expires' },
    SEAL: { description: '封账: sealed, with its trial balance' },
  },
});

@ObjectType({ description: 'One event in the history of a period (append-only).' })
export class PeriodEvent {
  @Field(() => PeriodAction, { description: 'What was done to the period (结账, 反结账, 封账).' }) action!: keyof typeof PeriodAction;
  @Field({ description: 'Who did it (the subject of their token).' }) actor!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the database recorded it.' }) at!: string;
  @Field(() => ID, { nullable: true, description: 'REOPEN: the reopening request (exception record) it approved.' }) requestId!: string | null;
  @Field(() => String, { nullable: true, description: 'SEAL: the ledger seq (chain head) the trial balance was computed at.' }) atSeq!: string | null;
  @Field(() => String, { nullable: true, description: 'SEAL: the hash of that transaction (hex).' }) atHash!: string | null;

  static from(r: PeriodEventRecord): PeriodEvent {
    const { exceptionId, ...rest } = r;
    return Object.assign(new PeriodEvent(), rest, { requestId: exceptionId });
  }
}

@ObjectType({ description: '会计期间: a month of one region and fund line.' })
export class Period {
  @Field({ description: '12-digit code of the period’s region.' }) regionCode!: string;
  @Field({ description: '资金线: fund line code (see fundLines), e.g. SENIOR_ALLOWANCE.' }) fundLine!: string;
  @Field({ description: 'YYYY-MM' }) month!: string;
  @Field(() => PeriodState, { description: 'Effective now (a reopening that expired counts as CLOSED; a month before a closed one is CLOSED with it).' })
  state!: keyof typeof PeriodState;
  @Field(() => DateTimeISOResolver, { nullable: true, description: 'While the month is open through a reopening: when it closes again by itself.' })
  reopenedUntil!: string | null;
  @Field(() => [PeriodEvent], { description: 'The history of this month, oldest first.' }) events!: PeriodEvent[];

  static from(r: PeriodRecord): Period {
    return Object.assign(new Period(), r, { events: r.events.map(PeriodEvent.from) });
  }
}

@ObjectType('PeriodReopenRequest', { description: '反结账申请 (the exception record): a request to reopen a closed month, approved (reopenPeriod) by someone other than the requester.' })
export class PeriodException {
  @Field(() => ID, { description: 'Pass it to reopenPeriod (a plain number, not a global id: requests are reached through their period).' }) requestId!: string;
  @Field({ description: '12-digit code of the period’s region.' }) regionCode!: string;
  @Field({ description: '资金线: fund line code (see fundLines), e.g. SENIOR_ALLOWANCE.' }) fundLine!: string;
  @Field({ description: 'YYYY-MM' }) month!: string;
  @Field({ description: 'Why the month must be reopened (kept forever: no personal data).' }) reason!: string;
  @Field({ description: 'Who asked for the reopening.' }) requestedBy!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the reopening was asked for.' }) requestedAt!: string;
  @Field(() => DateTimeISOResolver, { description: 'The reopening ends then (the month is CLOSED again); an unapproved request lapses.' }) expiresAt!: string;
  @Field(() => String, { nullable: true, description: 'Who approved it (never the requester).' }) approvedBy!: string | null;
  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When another person approved it (null while pending).' }) approvedAt!: string | null;

  static from(r: PeriodExceptionRecord): PeriodException {
    const { id, ...rest } = r;
    return Object.assign(new PeriodException(), rest, { requestId: id });
  }
}

@ObjectType({ description: 'One line of a trial balance: an account kind over all lots (lotId null) or one lot.' })
export class TrialBalanceLine {
  @Field(() => AccountKind, { description: '科目 of the line.' }) accountKind!: AK;
  @Field(() => ID, { nullable: true, description: 'Global id of the lot (资金批次); null on the account kind\'s total.' }) lotId!: string | null;
  @Field(() => Money, { description: '期初: balance at the start of the month (signed: debit +, credit −).' }) opening!: bigint;
  @Field(() => Money, { description: '借方发生额: sum of the month\'s debits.' }) debits!: bigint;
  @Field(() => Money, { description: '贷方发生额: sum of the month\'s credits (a positive number).' }) credits!: bigint;
  @Field(() => Money, { description: '期末: opening + debits − credits.' }) closing!: bigint;

  static from(l: LineRecord): TrialBalanceLine {
    return Object.assign(new TrialBalanceLine(), l, { lotId: l.lotId === null ? null : toGlobalId('Lot', l.lotId) });
  }
}

@ObjectType({ description: '试算平衡表: a month of a region (and its subtree), sealed (stored at sealing, immutable) or computed now.' })
export class TrialBalance {
  @Field({ description: '12-digit code of the trial balance’s region.' }) regionCode!: string;
  @Field({ description: '资金线 of the trial balance.' }) fundLine!: string;
  @Field({ description: 'YYYY-MM' }) month!: string;
  @Field({ description: 'Summed over the region and every region below it.' }) includeDescendants!: boolean;
  @Field({ description: 'True: the figures stored when the month was sealed; false: computed now from the postings.' }) sealed!: boolean;
  @Field({ description: 'The ledger seq (chain head) the figures were computed at.' }) atSeq!: string;
  @Field(() => String, { nullable: true, description: 'The hash of that transaction (hex); null on an empty ledger.' }) atHash!: string | null;
  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When the month was sealed (封账); null while it is not.' }) sealedAt!: string | null;
  @Field(() => String, { nullable: true, description: 'Who sealed the month; null while it is not sealed.' }) sealedBy!: string | null;
  @Field(() => [TrialBalanceLine], { description: 'Per account kind (its total first), then per lot.' }) lines!: TrialBalanceLine[];

  static from(r: TrialBalanceRecord): TrialBalance {
    return Object.assign(new TrialBalance(), r, { lines: r.lines.map(TrialBalanceLine.from) });
  }
}

@InputType({ description: 'A period: region, fund line, month.' })
export class PeriodInput {
  @Field({ description: 'Region code: 12 digits, or the 2/4/6/9-digit prefix.' }) regionCode!: string;
  @Field({ description: '资金线: fund line code (see fundLines), e.g. SENIOR_ALLOWANCE.' }) fundLine!: string;
  @Field({ description: 'YYYY-MM' }) month!: string;
}

@InputType({ description: 'Ask for a closed month to be reopened (another person approves it with reopenPeriod).' })
export class RequestPeriodReopenInput extends PeriodInput {
  @Field({ description: 'Why (kept forever: no personal data).' }) reason!: string;
  @Field({ description: 'ISO 8601 date and time with its offset (2026-12-10T18:00:00+08:00), at most 31 days ahead: the reopening ends then.' }) expiresAt!: string;
}

@ObjectType({ description: 'What closePeriod answers.' })
export class ClosePeriodPayload {
  @Field(() => Period, { description: 'The period after the action.' }) period!: Period;
}

@ObjectType({ description: 'What reopenPeriod answers.' })
export class ReopenPeriodPayload {
  @Field(() => Period, { description: 'The period after the action.' }) period!: Period;
  @Field(() => PeriodException, { description: 'The approved request.' }) request!: PeriodException;
}

@ObjectType({ description: 'What sealPeriod answers.' })
export class SealPeriodPayload {
  @Field(() => Period, { description: 'The period after the action.' }) period!: Period;
  @Field(() => TrialBalance, { description: 'The sealed trial balance, summed over the region and its subtree.' }) trialBalance!: TrialBalance;
}
