/** GraphQL types of the fund ledger (资金台账). */
import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import type { BalanceLine, LotRecord, PostingRecord, TransactionRecord, VerifyResult } from '../../ledger/index.js';
import type { AccountKind as AK, FundingSource as FS, PayeeType as PT, TransactionKind as TK } from '../../ledger/types.js';
import { Money } from '../scalars.js';
import { connectionTypes, Node, toGlobalId } from '../relay.js';
import { Proposal } from './approval.type.js';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const TransactionKind = enumOf<TK>(['APPROPRIATION', 'ALLOCATION', 'ALLOCATION_RECEIVED', 'DISBURSEMENT', 'RETURN', 'REVERSAL']);
registerEnumType(TransactionKind, {
  name: 'TransactionKind',
  description: 'What a ledger transaction does.',
  valuesConfig: {
    APPROPRIATION: { description: '预算安排/资金到达: money enters the ledger at a region, creating a root lot' },
    ALLOCATION: { description: '下达/拨付: a region issues money to a region below it (in transit until received); creates a child lot' },
    ALLOCATION_RECEIVED: { description: '到账: the receiving region confirms an allocation' },
    DISBURSEMENT: { description: '发放: payment to a payee (person, facility, project, operator, contractor)' },
    RETURN: { description: '退回: unspent money of a lot goes back to its parent lot' },
    REVERSAL: { description: '冲销: the mirror of one earlier transaction, with a reason; at most once' },
  },
});

export const AccountKind = enumOf<AK>(['FUNDING_SOURCE', 'AVAILABLE', 'IN_TRANSIT_DOWN', 'EXPENDITURE']);
registerEnumType(AccountKind, {
  name: 'AccountKind',
  description: '科目: the kinds of account each region holds per fund line.',
  valuesConfig: {
    FUNDING_SOURCE: { description: '资金来源: where money entered (credit-normal: balance ≤ 0)' },
    AVAILABLE: { description: '可用资金: money at a region not yet allocated or spent' },
    IN_TRANSIT_DOWN: { description: '已下达未到账: issued to a region below, not yet received' },
    EXPENDITURE: { description: '已支出: paid to final payees' },
  },
});

export const PayeeType = enumOf<PT>(['PERSON', 'FACILITY', 'PROJECT', 'OPERATOR', 'CONTRACTOR']);
registerEnumType(PayeeType, {
  name: 'PayeeType',
  description: 'Who received a disbursement (收款方类型).',
  valuesConfig: {
    PERSON: { description: '个人: an elder (payee id: the registry number E…)' },
    FACILITY: { description: '机构: a care facility (payee id: the registry number F…)' },
    PROJECT: { description: '项目: a project (construction, renovation)' },
    OPERATOR: { description: '运营方: an operator of services' },
    CONTRACTOR: { description: '承包方: a contractor' },
  },
});

export const FundingSource = enumOf<FS>([
  'CENTRAL_TRANSFER', 'PROVINCIAL_TRANSFER', 'CITY_TRANSFER', 'OWN_BUDGET', 'WELFARE_LOTTERY',
  'CENTRAL_BUDGET_INVESTMENT', 'SPECIAL_BOND', 'PARTY_BUILDING_FUND', 'DONATION', 'OTHER',
]);
registerEnumType(FundingSource, {
  name: 'FundingSource',
  description: 'Where appropriated money comes from (资金来源).',
  valuesConfig: {
    CENTRAL_TRANSFER: { description: '中央转移支付: central government transfer' },
    PROVINCIAL_TRANSFER: { description: '省级转移支付: provincial transfer' },
    CITY_TRANSFER: { description: '市级转移支付: city transfer' },
    OWN_BUDGET: { description: '本级财政: the region’s own budget' },
    WELFARE_LOTTERY: { description: '福彩公益金: welfare lottery fund' },
    CENTRAL_BUDGET_INVESTMENT: { description: '中央预算内投资: central budget investment' },
    SPECIAL_BOND: { description: '专项债券: special-purpose bond' },
    PARTY_BUILDING_FUND: { description: '党建经费: party-building fund' },
    DONATION: { description: '社会捐赠: donation' },
    OTHER: { description: '其他: other sources' },
  },
});

@ObjectType({ description: '资金线: a fund line (reference data).' })
export class FundLine {
  @Field({ description: 'Fund line code, e.g. SENIOR_ALLOWANCE.' }) code!: string;
  @Field({ description: 'Chinese name of the fund line (e.g. 高龄津贴).' }) nameZh!: string;
  @Field({ description: 'English name of the fund line.' }) nameEn!: string;
}

@ObjectType({ description: '分录: one leg of a transaction; amounts are signed, debit positive.' })
export class Posting {
  @Field(() => AccountKind, { description: '科目: which account of the region the leg moves.' }) accountKind!: AK;
  @Field({ description: 'Region of the account.' }) regionCode!: string;
  @Field({ description: '资金线 of the account.' }) fundLine!: string;
  @Field(() => PayeeType, { nullable: true, description: 'Payee type of an expenditure leg.' }) payeeType!: PT | null;
  @Field(() => String, { nullable: true, description: 'Payee of an expenditure leg.' }) payeeId!: string | null;
  @Field(() => ID, { description: 'Global id of the lot (资金批次) this money belongs to.' }) lotId!: string;
  @Field(() => Money, { description: 'Signed amount in fen (debit positive) as a string of digits.' }) amount!: bigint;
  /** Read through PostingResolver.balanceAfter: only for accounts inside the caller's jurisdiction. */
  balanceAfter!: bigint;

  static from(record: PostingRecord): Posting {
    return Object.assign(new Posting(), record, { lotId: toGlobalId('Lot', record.lotId) });
  }
}

@Directive('@key(fields: "id")')
@ObjectType('LedgerTransaction', { implements: Node, description: '记账凭证: one ledger transaction, in the gapless hash chain.' })
export class LedgerTransaction implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  /** Internal numeric id (not exposed). */
  internalId!: string;
  @Field({ description: 'Position in the gapless global sequence (a string of digits).' }) seq!: string;
  @Field(() => TransactionKind, { description: 'What the transaction does (类型).' }) kind!: TK;
  @Field({ description: 'The caller’s idempotency key: the same key and request replays this transaction.' }) idempotencyKey!: string;
  @Field({ description: '资金线: fund line code (see fundLines), e.g. SENIOR_ALLOWANCE.' }) fundLine!: string;
  @Field({ description: 'The region that acted (issuer, receiver, payer).' }) regionCode!: string;
  @Field(() => String, { nullable: true, description: 'The other region of an allocation, receipt or return.' }) counterpartRegionCode!: string | null;
  @Field({ description: 'YYYY-MM-DD: the accounting date.' }) effectiveDate!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the database recorded it.' }) recordedAt!: string;
  @Field(() => String, { nullable: true, description: '文号: document number.' }) documentNo!: string | null;
  @Field(() => String, { nullable: true, description: '备注 as written.' }) memo!: string | null;
  @Field({ description: 'Who recorded it (inside the hash).' }) actor!: string;
  @Field(() => String, { nullable: true, description: 'Reason of a reversal.' }) reason!: string | null;
  @Field(() => PayeeType, { nullable: true, description: 'The payee type of a disbursement.' }) payeeType!: PT | null;
  @Field(() => String, { nullable: true, description: 'The payee of a disbursement (E…/F… for registry payees).' }) payeeId!: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM the benefit is for.' }) serviceMonth!: string | null;
  @Field(() => String, { nullable: true, description: '待遇项目: the benefit paid (SA_MONTHLY …), for disbursements.' }) benefitCode!: string | null;
  @Field(() => String, { nullable: true, description: 'Village the beneficiary belongs to.' }) beneficiaryVillageCode!: string | null;
  @Field({ description: 'SHA-256 of the previous transaction (hex).' }) prevHash!: string;
  @Field({ description: 'SHA-256 over prevHash and this transaction with its postings (hex).' }) hash!: string;
  @Field(() => [Posting], { description: '分录: the legs of the transaction (they sum to zero).' }) postings!: Posting[];
  @Field(() => String, { nullable: true, description: '经办人: who proposed it, when it comes from an approved proposal (inside the hash).' }) proposedBy!: string | null;
  @Field(() => String, { nullable: true, description: '审批人: who approved it, when it comes from an approved proposal (inside the hash).' }) approvedBy!: string | null;
  proposalId!: string | null;
  reversesId!: string | null;
  allocationId!: string | null;

  static from(record: TransactionRecord): LedgerTransaction {
    return Object.assign(new LedgerTransaction(), record, {
      id: toGlobalId('LedgerTransaction', record.id),
      internalId: record.id,
      postings: record.postings.map(Posting.from),
    });
  }
}

export const LedgerTransactionConnectionTypes = connectionTypes(LedgerTransaction, 'LedgerTransaction');
export const LedgerTransactionConnection = LedgerTransactionConnectionTypes.ConnectionType;
export type LedgerTransactionConnection = InstanceType<typeof LedgerTransactionConnection>;

@ObjectType({ description: 'Balance of one account kind.' })
export class Balance {
  @Field(() => AccountKind, { description: 'Which of the region’s accounts (科目) the balance is of.' }) accountKind!: AK;
  @Field(() => Money, { description: 'Signed, debit positive: FUNDING_SOURCE is ≤ 0, the others ≥ 0.' }) balance!: bigint;
  @Field(() => Money, { description: '预留: fen of it held now by pending proposals (only AVAILABLE money is held; with asOf, the proposals dated up to that day).' }) held!: bigint;
  @Field(() => Money, { description: '可用: balance less held — what others can still spend (never below zero).' }) available!: bigint;

  static from(line: BalanceLine): Balance {
    return Object.assign(new Balance(), line);
  }
}

@Directive('@key(fields: "id")')
@ObjectType('Lot', { implements: Node, description: '资金批次: the money of one document, followed down the hierarchy.' })
export class Lot implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  internalId!: string;
  @Field({ description: '资金线: fund line code (see fundLines), e.g. SENIOR_ALLOWANCE.' }) fundLine!: string;
  @Field({ description: '12-digit code of the region that holds the lot.' }) regionCode!: string;
  @Field(() => Int, { description: '预算年度 of the appropriation the lot descends from.' }) fiscalYear!: number;
  @Field(() => FundingSource, { description: '资金来源 of the appropriation the lot descends from.' }) fundingSource!: FS;
  @Field({ description: '文号 of the appropriation or allocation that created it.' }) documentNo!: string;
  parentLotId!: string | null;
  createdByTransactionId!: string;

  static from(record: LotRecord): Lot {
    return Object.assign(new Lot(), record, { id: toGlobalId('Lot', record.id), internalId: record.id });
  }
}

@ObjectType({
  description:
    'One step of an audit trail, from the payment up to the appropriation. Every step of the chain of authority is listed with its ' +
    'document, dates and actor — also the steps recorded above your jurisdiction (the city appropriation behind a county payment); ' +
    'the full transaction and lot of such a step are FORBIDDEN.',
})
export class TrailStep {
  @Field(() => Int, { description: '0 is the payment itself.' }) depth!: number;
  @Field(() => TransactionKind, { description: 'What the step’s transaction does.' }) kind!: TK;
  @Field({ description: 'The region that recorded the step (12-digit code).' }) regionCode!: string;
  @Field({ description: 'YYYY-MM-DD: the accounting date.' }) effectiveDate!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the ledger recorded it.' }) recordedAt!: string;
  @Field(() => String, { nullable: true, description: '文号 of the step itself.' }) documentNo!: string | null;
  @Field({ description: 'Who recorded it (the authenticated subject).' }) actor!: string;
  @Field(() => Money, { description: 'Fen moved by the step (the largest debit of its postings).' }) amount!: string;
  @Field({ description: '文号 of the lot (资金批次) the step moved: the appropriation or allocation that authorised the money.' }) lotDocumentNo!: string;
  @Field(() => Int, { description: '预算年度 of the lot at this step.' }) fiscalYear!: number;
  @Field(() => FundingSource, { description: '资金来源 of the lot at this step.' }) fundingSource!: FS;
  @Field({ description: 'Whether the step lies inside your jurisdiction (then `transaction` and `lot` can be followed).' }) inScope!: boolean;
  /** The records behind the step; the field resolvers give them out only in scope. */
  record!: TransactionRecord;
  lotRecord!: LotRecord;
}

@ObjectType({ description: 'Result of recomputing the hash chain.' })
export class LedgerVerification {
  @Field({ description: 'First sequence number checked.' }) fromSeq!: string;
  @Field({ description: 'Last sequence number checked.' }) toSeq!: string;
  @Field(() => Int, { description: 'Transactions checked.' }) checked!: number;
  @Field({ description: 'True when every hash, link and balance checked holds.' }) ok!: boolean;
  @Field(() => String, { nullable: true, description: 'The first sequence number whose hash or link does not verify.' }) firstBrokenSeq!: string | null;
  @Field(() => String, { nullable: true, description: 'Sequence number of the ledger’s head.' }) headSeq!: string | null;
  @Field(() => String, { nullable: true, description: 'Hash of the last transaction checked (hex), null when none.' }) headHash!: string | null;

  static from(result: VerifyResult): LedgerVerification {
    return Object.assign(new LedgerVerification(), result);
  }
}

@ObjectType({ description: 'What a ledger write returns: the transaction written, or — when the approval policy applies — the proposal waiting for a second person.' })
export class PostPayload {
  @Field(() => LedgerTransaction, { nullable: true, description: 'The transaction written; null when the write became a proposal.' }) transaction!: LedgerTransaction | null;
  @Field(() => Proposal, { nullable: true, description: '待审批事项: the proposal the write became (the approval policy applies); null when it was written at once.' }) proposal!: Proposal | null;
  @Field({ description: 'True when this idempotency key had already been used for the same request: nothing new was written.' }) replayed!: boolean;
}

@InputType({ description: 'Common fields of every ledger write.' })
class WriteInput {
  @Field({ description: 'Unique forever. The same key with the same payload replays; with another payload: IDEMPOTENCY_CONFLICT. Kept in the hash chain: no ID or phone numbers (PERSONAL_DATA_IN_TEXT).' }) idempotencyKey!: string;
  @Field({ description: 'YYYY-MM-DD.' }) effectiveDate!: string;
  @Field(() => String, { nullable: true, description: '备注: free text kept for ever in the hash chain; no ID or phone numbers (PERSONAL_DATA_IN_TEXT).' }) memo?: string | null;
}

@InputType({ description: '预算安排/资金到达: money entering the ledger at a region (a new root lot).' })
export class AppropriateInput extends WriteInput {
  @Field({ description: 'The region where the money arrives (12 digits or prefix).' }) regionCode!: string;
  @Field({ description: '资金线: fund line code (see fundLines), e.g. SENIOR_ALLOWANCE.' }) fundLine!: string;
  @Field(() => Money, { description: '金额: integer fen (分) as a string of digits.' }) amount!: string;
  @Field(() => Int, { description: '预算年度: fiscal year the money was appropriated for (2000–2100).' }) fiscalYear!: number;
  @Field(() => FundingSource, { description: '资金来源: where appropriated money comes from.' }) fundingSource!: FS;
  @Field({ description: '文号 of the authorising document.' }) documentNo!: string;
}

@InputType({ description: '下达/拨付: money issued to a region below, in transit until received.' })
export class AllocateInput extends WriteInput {
  @Field({ description: 'The region that issues the money (下达方).' }) fromRegionCode!: string;
  @Field({ description: 'A region below fromRegionCode.' }) toRegionCode!: string;
  @Field({ description: '资金线: fund line code (see fundLines), e.g. SENIOR_ALLOWANCE.' }) fundLine!: string;
  @Field(() => Money, { description: '金额: integer fen (分) as a string of digits.' }) amount!: string;
  @Field(() => ID, { nullable: true, description: 'Lot to allocate from; the oldest by fiscal year with enough money when omitted.' }) lotId?: string | null;
  @Field({ description: '文号: the document that authorises the money; no personal data.' }) documentNo!: string;
}

@InputType({ description: '到账: the receiving region confirms an allocation.' })
export class ReceiveAllocationInput extends WriteInput {
  @Field(() => ID, { description: 'The ALLOCATION transaction.' }) allocationId!: string;
  @Field(() => String, { nullable: true, description: '文号 of the receipt; no personal data.' }) documentNo?: string | null;
}

@InputType({ description: '发放: a payment to a payee for a service month.' })
export class DisburseInput extends WriteInput {
  @Field({ description: 'The region that pays (12 digits or prefix).' }) regionCode!: string;
  @Field({ description: '资金线: fund line code (see fundLines), e.g. SENIOR_ALLOWANCE.' }) fundLine!: string;
  @Field(() => Money, { description: '金额: integer fen (分) as a string of digits.' }) amount!: string;
  @Field(() => PayeeType, { description: '收款方类型: who received the money.' }) payeeType!: PT;
  @Field({ description: '收款方: payee id; for PERSON and FACILITY the registry number (E…/F…), never an ID or phone number (PERSONAL_DATA_IN_TEXT).' }) payeeId!: string;
  @Field({ description: 'YYYY-MM.' }) serviceMonth!: string;
  @Field({ description: 'Benefit code, e.g. SA_MONTHLY.' }) benefitCode!: string;
  @Field({ description: 'Village (12-digit code) of the beneficiary, inside regionCode.' }) villageCode!: string;
  @Field(() => ID, { nullable: true, description: 'Global id of the lot (资金批次) to pay from; default: the oldest lot with money (FIFO).' }) lotId?: string | null;
  @Field(() => String, { nullable: true, description: '文号: the payment order; no personal data.' }) documentNo?: string | null;
}

@InputType({ description: '退回: unspent money of an allocated lot back to its parent lot.' })
export class ReturnFundsInput extends WriteInput {
  @Field(() => ID, { description: 'The allocated lot whose unspent money goes back to its parent lot.' }) lotId!: string;
  @Field(() => Money, { description: '金额 returned, integer fen as a string of digits.' }) amount!: string;
  @Field(() => String, { nullable: true, description: '文号 of the return; no personal data.' }) documentNo?: string | null;
}

@InputType({ description: '冲销: the mirror of one earlier transaction, with a reason; at most once.' })
export class ReverseInput extends WriteInput {
  @Field(() => ID, { description: 'Global id of the transaction to reverse (冲销), at most once.' }) transactionId!: string;
  @Field({ description: 'Why (required).' }) reason!: string;
  @Field(() => String, { nullable: true, description: '文号 of the reversal; no personal data.' }) documentNo?: string | null;
}

@InputType({ description: 'Filter for transactions; all given conditions must hold.' })
export class TransactionFilter {
  @Field(() => String, { nullable: true, description: 'Region (12 digits or prefix) that recorded the transactions; default the caller’s jurisdiction.' }) regionCode?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'With regionCode: include every region below it.' }) includeDescendants?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Only this fund line (资金线).' }) fundLine?: string | null;
  @Field(() => TransactionKind, { nullable: true, description: 'Only transactions of this kind.' }) kind?: TK | null;
  @Field(() => PayeeType, { nullable: true, description: 'Only disbursements to payees of this type.' }) payeeType?: PT | null;
  @Field(() => String, { nullable: true, description: 'Only disbursements to this payee.' }) payeeId?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM.' }) serviceMonth?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, inclusive.' }) effectiveFrom?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, inclusive.' }) effectiveTo?: string | null;
  @Field(() => String, { nullable: true, description: 'Only transactions with this document number (文号).' }) documentNo?: string | null;
}
