/** The ledger's vocabulary (docs/ledger.md "Model"). Plain data: no GraphQL, no ORM. */

/** The most lines one batch (disburseBatch, a monthly run) may carry: written in one database transaction. */
export const MAX_BATCH_LINES = 100_000;

export const TRANSACTION_KINDS = ['APPROPRIATION', 'ALLOCATION', 'ALLOCATION_RECEIVED', 'DISBURSEMENT', 'RETURN', 'REVERSAL'] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

export const ACCOUNT_KINDS = ['FUNDING_SOURCE', 'AVAILABLE', 'IN_TRANSIT_DOWN', 'EXPENDITURE'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export const PAYEE_TYPES = ['PERSON', 'FACILITY', 'PROJECT', 'OPERATOR', 'CONTRACTOR'] as const;
export type PayeeType = (typeof PAYEE_TYPES)[number];

export const FUNDING_SOURCES = [
  'CENTRAL_TRANSFER',
  'PROVINCIAL_TRANSFER',
  'CITY_TRANSFER',
  'OWN_BUDGET',
  'WELFARE_LOTTERY',
  'CENTRAL_BUDGET_INVESTMENT',
  'SPECIAL_BOND',
  'PARTY_BUILDING_FUND',
  'DONATION',
  'OTHER',
] as const;
export type FundingSource = (typeof FUNDING_SOURCES)[number];

/** Fields every write carries. */
export interface CommonInput {
  /** Unique forever; the same key with the same payload replays, with another payload conflicts. */
  idempotencyKey: string;
  /** YYYY-MM-DD: the accounting date the money moved (balances `asOf` use it). */
  effectiveDate: string;
  memo?: string | null;
}

export interface AppropriateInput extends CommonInput {
  regionCode: string;
  fundLine: string;
  amount: bigint;
  fiscalYear: number;
  fundingSource: FundingSource;
  /** 文号 of the document that authorises the money. */
  documentNo: string;
}

export interface AllocateInput extends CommonInput {
  fromRegionCode: string;
  toRegionCode: string;
  fundLine: string;
  amount: bigint;
  /** The lot to allocate from; the oldest (by fiscal year) lot with enough money when omitted. */
  lotId?: string | null;
  documentNo: string;
}

export interface ReceiveAllocationInput extends CommonInput {
  allocationId: string;
  documentNo?: string | null;
}

export interface DisburseInput extends CommonInput {
  regionCode: string;
  fundLine: string;
  amount: bigint;
  payeeType: PayeeType;
  payeeId: string;
  /** YYYY-MM: the month the benefit or service is for. */
  serviceMonth: string;
  benefitCode: string;
  /** The village the beneficiary belongs to (inside the paying region). */
  villageCode: string;
  lotId?: string | null;
  documentNo?: string | null;
}

export interface ReturnFundsInput extends CommonInput {
  /** The (child) lot whose unspent money goes back to its parent lot. */
  lotId: string;
  amount: bigint;
  documentNo?: string | null;
}

export interface ReverseInput extends CommonInput {
  transactionId: string;
  reason: string;
  documentNo?: string | null;
}

export interface PostingRecord {
  id: string;
  accountId: string;
  accountKind: AccountKind;
  regionCode: string;
  fundLine: string;
  payeeType: PayeeType | null;
  payeeId: string | null;
  lotId: string;
  amount: bigint;
  /** Running balance of (account, lot) after this posting. */
  balanceAfter: bigint;
}

export interface TransactionRecord {
  id: string;
  seq: string;
  kind: TransactionKind;
  idempotencyKey: string;
  fundLine: string;
  regionCode: string;
  counterpartRegionCode: string | null;
  effectiveDate: string;
  recordedAt: string;
  documentNo: string | null;
  memo: string | null;
  actor: string;
  reversesId: string | null;
  reason: string | null;
  allocationId: string | null;
  payeeType: PayeeType | null;
  payeeId: string | null;
  serviceMonth: string | null;
  benefitCode: string | null;
  beneficiaryVillageCode: string | null;
  prevHash: string;
  hash: string;
  /** An approved proposal's transaction: the proposal, who proposed and who approved it (all inside the hash); null otherwise. */
  proposalId: string | null;
  proposedBy: string | null;
  approvedBy: string | null;
  postings: PostingRecord[];
}

export interface PostResult {
  transaction: TransactionRecord;
  /** True when the idempotency key had already been used with this same request: nothing new was written. */
  replayed: boolean;
}

export interface LotRecord {
  id: string;
  fundLine: string;
  regionCode: string;
  parentLotId: string | null;
  fiscalYear: number;
  fundingSource: FundingSource;
  documentNo: string;
  createdByTransactionId: string;
}
