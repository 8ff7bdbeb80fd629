/**
 * The tables of the books: 序时账 (every posting of every transaction, the journal an auditor reads
 * line by line) and 资金溯源 (each payment's chain back to its appropriation). Payees appear by
 * their registry number (the ledger never holds an ID number).
 */
import type { TrialBalanceLine } from '../periods/trial-balance.js';
import type { PostingRecord, TransactionRecord } from '../types.js';
import { ACCOUNT_KIND_ZH, FUNDING_SOURCE_ZH, KIND_ZH, PAYEE_TYPE_ZH } from './labels.js';
import type { BooksReader, TrailRow } from './sources.js';
import type { Column, Table } from './table.js';

export interface PostingRow {
  transaction: TransactionRecord;
  posting: PostingRecord;
}

function postingColumns(names: BooksReader): Column<PostingRow>[] {
  return [
    { header: '交易序号', width: 10, kind: 'integer', value: (r) => r.transaction.seq },
    { header: '记账日期', width: 12, kind: 'date', value: (r) => r.transaction.effectiveDate },
    { header: '交易类型', width: 10, kind: 'text', value: (r) => KIND_ZH[r.transaction.kind] },
    { header: '文号', width: 24, kind: 'text', value: (r) => r.transaction.documentNo },
    { header: '资金线', width: 12, kind: 'text', value: (r) => names.fundLineName(r.transaction.fundLine) },
    { header: '交易地区代码', width: 14, kind: 'text', value: (r) => r.transaction.regionCode },
    { header: '交易地区', width: 16, kind: 'text', value: (r) => names.regionName(r.transaction.regionCode) },
    { header: '对方地区', width: 16, kind: 'text', value: (r) => names.regionName(r.transaction.counterpartRegionCode) },
    { header: '科目', width: 10, kind: 'text', value: (r) => ACCOUNT_KIND_ZH[r.posting.accountKind] },
    { header: '账户地区代码', width: 14, kind: 'text', value: (r) => r.posting.regionCode },
    { header: '账户地区', width: 16, kind: 'text', value: (r) => names.regionName(r.posting.regionCode) },
    { header: '收款人类型', width: 10, kind: 'text', value: (r) => (r.posting.payeeType ? PAYEE_TYPE_ZH[r.posting.payeeType] : null) },
    { header: '收款人编号', width: 18, kind: 'text', value: (r) => r.posting.payeeId },
    { header: '资金批次', width: 10, kind: 'integer', value: (r) => r.posting.lotId },
    { header: '借方金额(元)', width: 16, kind: 'yuan', total: true, value: (r) => (r.posting.amount > 0n ? r.posting.amount : null) },
    { header: '贷方金额(元)', width: 16, kind: 'yuan', total: true, value: (r) => (r.posting.amount < 0n ? -r.posting.amount : null) },
    { header: '摘要', width: 30, kind: 'text', value: (r) => r.transaction.memo ?? r.transaction.reason },
    { header: '经办人', width: 24, kind: 'text', value: (r) => r.transaction.actor },
    { header: '登记时间(UTC)', width: 26, kind: 'text', value: (r) => r.transaction.recordedAt },
    { header: '交易哈希', width: 66, kind: 'text', value: (r) => r.transaction.hash },
  ];
}

async function* postingsOf(batches: AsyncIterable<TransactionRecord[]>): AsyncGenerator<PostingRow[]> {
  for await (const batch of batches) yield batch.flatMap((transaction) => transaction.postings.map((posting) => ({ transaction, posting })));
}

export function transactionsTable(reader: BooksReader): Table<PostingRow> {
  return { sheetName: '序时账', columns: postingColumns(reader), batches: postingsOf(reader.transactionBatches()) };
}

function trailColumns(names: BooksReader): Column<TrailRow>[] {
  return [
    { header: '支付交易序号', width: 12, kind: 'integer', value: (r) => r.paymentSeq },
    { header: '支付日期', width: 12, kind: 'date', value: (r) => r.paymentDate },
    { header: '收款人类型', width: 10, kind: 'text', value: (r) => (r.payeeType ? PAYEE_TYPE_ZH[r.payeeType] : null) },
    { header: '收款人编号', width: 18, kind: 'text', value: (r) => r.payeeId },
    { header: '支付金额(元)', width: 16, kind: 'yuan', value: (r) => r.paymentAmount },
    { header: '步骤', width: 6, kind: 'integer', value: (r) => r.depth },
    { header: '环节', width: 10, kind: 'text', value: (r) => KIND_ZH[r.kind] },
    { header: '交易序号', width: 10, kind: 'integer', value: (r) => r.seq },
    { header: '记账日期', width: 12, kind: 'date', value: (r) => r.effectiveDate },
    { header: '地区代码', width: 14, kind: 'text', value: (r) => r.regionCode },
    { header: '地区', width: 16, kind: 'text', value: (r) => names.regionName(r.regionCode) },
    { header: '文号', width: 24, kind: 'text', value: (r) => r.documentNo },
    { header: '金额(元)', width: 16, kind: 'yuan', value: (r) => r.amount },
    { header: '资金线', width: 12, kind: 'text', value: (r) => names.fundLineName(r.fundLine) },
    { header: '资金批次', width: 10, kind: 'integer', value: (r) => r.lotId },
    { header: '批次文号', width: 24, kind: 'text', value: (r) => r.lotDocumentNo },
    { header: '预算年度', width: 10, kind: 'integer', value: (r) => r.fiscalYear },
    { header: '资金来源', width: 14, kind: 'text', value: (r) => FUNDING_SOURCE_ZH[r.fundingSource] ?? r.fundingSource },
    { header: '经办人', width: 24, kind: 'text', value: (r) => r.actor },
  ];
}

export function trailTable(reader: BooksReader): Table<TrailRow> {
  return { sheetName: '资金溯源', columns: trailColumns(reader), batches: reader.trailBatches() };
}

/**
 * 试算平衡表: per account kind its total (资金批次 empty), then its lots. Balances are signed like
 * postings (debit +, credit −); no 合计 row, since the lot rows repeat their kind's total.
 */
const TRIAL_BALANCE_COLUMNS: Column<TrialBalanceLine>[] = [
  { header: '科目', width: 12, kind: 'text', value: (r) => ACCOUNT_KIND_ZH[r.accountKind] },
  { header: '科目代码', width: 18, kind: 'text', value: (r) => r.accountKind },
  { header: '资金批次', width: 10, kind: 'integer', value: (r) => r.lotId },
  { header: '期初余额(元)', width: 18, kind: 'yuan', value: (r) => r.opening },
  { header: '借方(元)', width: 18, kind: 'yuan', value: (r) => r.debits },
  { header: '贷方(元)', width: 18, kind: 'yuan', value: (r) => r.credits },
  { header: '期末余额(元)', width: 18, kind: 'yuan', value: (r) => r.closing },
];

export function trialBalanceTable(lines: readonly TrialBalanceLine[]): Table<TrialBalanceLine> {
  return { sheetName: '试算平衡表', columns: TRIAL_BALANCE_COLUMNS, batches: (async function* () { yield lines; })() };
}
