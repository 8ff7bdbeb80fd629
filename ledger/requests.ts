/**
 * Requests: each write's input checked (BAD_USER_INPUT and friends before any connection is taken),
 * hashed for idempotency, and turned into a plan that reads what it needs on the writing connection
 * and fills in its kind's journal template (ledger/journal.ts).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { badInput, LedgerError } from './errors.js';
import { readRegion } from './idempotency.js';
import { journalPostings, mirrorPostings } from './journal.js';
import { positiveFen } from './money.js';
import type { Plan, PlanningContext } from './planning.js';
import { loadTransactions } from './queries.js';
import {
  FUNDING_SOURCES,
  PAYEE_TYPES,
  type AllocateInput,
  type AppropriateInput,
  type DisburseInput,
  type ReceiveAllocationInput,
  type ReturnFundsInput,
  type ReverseInput,
  type TransactionKind,
} from './types.js';
import * as v from './validate.js';

/** A validated request: its idempotency key, the hash of its canonical payload, and how to plan it. */
export interface Request {
  idempotencyKey: string;
  /**
   * The region the transaction will be recorded at (its region_code), whose key space the
   * idempotency key belongs to: known from the request, or read from the immutable row it refers
   * to (a receipt's allocation, a return's lot, a reversal's original); null when that row does not
   * exist (the plan then refuses the request, so no key can be taken).
   */
  keyRegion: string | ((client: pg.PoolClient) => Promise<string | null>);
  effectiveDate: string;
  memo: string | null;
  requestHash: Buffer;
  plan: (tx: PlanningContext) => Promise<Plan>;
  /** What the plan will read, so that a group reads it for all its requests in one statement. */
  reads?: { regions: string[]; available: [regionCode: string, fundLine: string][] };
  /** Set when the request is an approved proposal's (ledger/approvals): recorded inside the hash. */
  approval?: { proposalId: string; proposedBy: string; approvedBy: string };
}

export function hashRequest(kind: string, payload: Record<string, unknown>): Buffer {
  const canonical = JSON.stringify([kind, Object.keys(payload).sort().map((k) => [k, payload[k] ?? null])], (_k, value) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  return createHash('sha256').update(canonical).digest();
}

export function common(input: { idempotencyKey: unknown; effectiveDate: unknown; memo?: unknown }) {
  return {
    idempotencyKey: v.identifier(input.idempotencyKey, 'idempotencyKey', 200),
    effectiveDate: v.isoDate(input.effectiveDate, 'effectiveDate'),
    memo: v.optionalFreeText(input.memo, 'memo', 2000),
  };
}

/** The validated request of one write of `kind` (the input is checked as that write's input). */
export function buildRequest(kind: TransactionKind, input: unknown): Request {
  switch (kind) {
    case 'APPROPRIATION': return appropriation(input as AppropriateInput);
    case 'ALLOCATION': return allocation(input as AllocateInput);
    case 'ALLOCATION_RECEIVED': return receipt(input as ReceiveAllocationInput);
    case 'DISBURSEMENT': return disbursement(input as DisburseInput);
    case 'RETURN': return returnRequest(input as ReturnFundsInput);
    case 'REVERSAL': return reversal(input as ReverseInput);
  }
}

export function appropriation(input: AppropriateInput): Request {
  const base = common(input);
  const regionCode = v.regionCode(input.regionCode, 'regionCode');
  const fundLine = v.code(input.fundLine, 'fundLine');
  const amount = positiveFen(input.amount);
  const fiscalYear = v.fiscalYear(input.fiscalYear, 'fiscalYear');
  const fundingSource = v.oneOf(input.fundingSource, FUNDING_SOURCES, 'fundingSource');
  const documentNo = v.documentNo(input.documentNo, 'documentNo');
  return {
    ...base,
    keyRegion: regionCode,
    requestHash: hashRequest('APPROPRIATION', { ...base, regionCode, fundLine, amount, fiscalYear, fundingSource, documentNo }),
    plan: async (ctx) => {
      await ctx.region(regionCode, 'regionCode');
      await ctx.fundLine(fundLine);
      return {
        kind: 'APPROPRIATION',
        fundLine,
        regionCode,
        documentNo,
        newLots: [{ fundLine, regionCode, parentLotId: null, fiscalYear, fundingSource, documentNo }],
        postings: journalPostings('APPROPRIATION', { fundLine, regionCode, amount }),
      };
    },
  };
}

export function allocation(input: AllocateInput): Request {
  const base = common(input);
  const from = v.regionCode(input.fromRegionCode, 'fromRegionCode');
  const to = v.regionCode(input.toRegionCode, 'toRegionCode');
  const fundLine = v.code(input.fundLine, 'fundLine');
  const amount = positiveFen(input.amount);
  const lotId = input.lotId == null ? null : v.id(input.lotId, 'lotId');
  const documentNo = v.documentNo(input.documentNo, 'documentNo');
  return {
    ...base,
    keyRegion: from,
    requestHash: hashRequest('ALLOCATION', { ...base, from, to, fundLine, amount, lotId, documentNo }),
    plan: async (ctx) => {
      const issuer = await ctx.region(from, 'fromRegionCode');
      const receiver = await ctx.region(to, 'toRegionCode');
      if (!(receiver.code > issuer.code && receiver.code <= issuer.subtreeMax)) {
        throw badInput(`region ${to} is not below region ${from}`, 'toRegionCode');
      }
      // A receipt is the receiving region's own act (ledger/access.ts), and no credential acts for a
      // village (auth/roles.ts ROLE_LEVELS): money sent to one would stay in transit for good.
      if (receiver.level === 'VILLAGE') {
        throw badInput(`region ${to} is a village: money is allocated to a town or above, whose officers confirm its receipt (a village's payments are made by the region that holds the money)`, 'toRegionCode');
      }
      await ctx.fundLine(fundLine);
      const source = await ctx.lot(await ctx.consumeLot(from, fundLine, amount, lotId));
      return {
        kind: 'ALLOCATION',
        fundLine,
        regionCode: from,
        counterpartRegionCode: to,
        documentNo,
        newLots: [
          { fundLine, regionCode: to, parentLotId: source.id, fiscalYear: source.fiscal_year, fundingSource: source.funding_source, documentNo },
        ],
        postings: journalPostings('ALLOCATION', { fundLine, regionCode: from, amount, lot: source.id }),
      };
    },
  };
}

/** The allocation a receipt confirms, checked: it exists, is an allocation, was not reversed, was issued no later. */
async function receivableAllocation(ctx: PlanningContext, allocationId: string, effectiveDate: string) {
  const { rows } = await ctx.client.query(
    `select t.kind, t.fund_line, t.region_code, t.counterpart_region_code, t.effective_date::text, t.document_no,
            l.id::text as lot_id, p.amount::text as amount,
            exists (select from ledger.transaction r where r.reverses_id = t.id) as reversed,
            exists (select from ledger.transaction r where r.allocation_id = t.id and r.kind = 'ALLOCATION_RECEIVED') as received
     from ledger.transaction t
     join ledger.lot l on l.created_by_transaction_id = t.id
     join ledger.posting p on p.transaction_id = t.id and p.account_kind = 'IN_TRANSIT_DOWN'
     where t.id = $1`,
    [allocationId],
  );
  const allocation = rows[0];
  if (!allocation) throw new LedgerError('NOT_FOUND', `no allocation ${allocationId}`, 'allocationId');
  if (allocation.kind !== 'ALLOCATION') throw badInput(`transaction ${allocationId} is a ${allocation.kind}, not an ALLOCATION`, 'allocationId');
  if (allocation.reversed) throw badInput(`allocation ${allocationId} was reversed`, 'allocationId');
  // Before the balance check: a second receipt found the in-transit account empty and answered
  // INSUFFICIENT_FUNDS, naming the issuing region's account and balance (found in review).
  if (allocation.received) throw new LedgerError('ALREADY_RECEIVED', `allocation ${allocationId} has already been received`, 'allocationId');
  ctx.claimReceipt(allocationId);
  if (effectiveDate < allocation.effective_date) {
    throw badInput(`an allocation issued on ${allocation.effective_date} cannot be received on ${effectiveDate}`, 'effectiveDate');
  }
  return allocation;
}

export function receipt(input: ReceiveAllocationInput): Request {
  const base = common(input);
  const allocationId = v.id(input.allocationId, 'allocationId');
  const documentNo = v.optionalDocumentNo(input.documentNo, 'documentNo');
  return {
    ...base,
    keyRegion: (client) => readRegion(client, 'select counterpart_region_code as region from ledger.transaction where id = $1', allocationId),
    requestHash: hashRequest('ALLOCATION_RECEIVED', { ...base, allocationId, documentNo }),
    plan: async (ctx) => {
      const allocation = await receivableAllocation(ctx, allocationId, base.effectiveDate);
      const amount = BigInt(allocation.amount);
      await ctx.credit(allocation.counterpart_region_code, allocation.fund_line, allocation.lot_id, amount);
      return {
        kind: 'ALLOCATION_RECEIVED',
        fundLine: allocation.fund_line,
        regionCode: allocation.counterpart_region_code,
        counterpartRegionCode: allocation.region_code,
        allocationId,
        documentNo: documentNo ?? allocation.document_no,
        newLots: [],
        postings: journalPostings('ALLOCATION_RECEIVED', {
          fundLine: allocation.fund_line,
          regionCode: allocation.counterpart_region_code,
          counterpartRegionCode: allocation.region_code,
          amount,
          lot: allocation.lot_id,
        }),
      };
    },
  };
}

export function disbursement(input: DisburseInput): Request {
  const base = common(input);
  const regionCode = v.regionCode(input.regionCode, 'regionCode');
  const fundLine = v.code(input.fundLine, 'fundLine');
  const amount = positiveFen(input.amount);
  const payeeType = v.oneOf(input.payeeType, PAYEE_TYPES, 'payeeType');
  const payeeId = v.payeeIdentifier(input.payeeId, payeeType, 'payeeId');
  const serviceMonth = v.month(input.serviceMonth, 'serviceMonth');
  const benefitCode = v.code(input.benefitCode, 'benefitCode');
  const villageCode = v.regionCode(input.villageCode, 'villageCode');
  const lotId = input.lotId == null ? null : v.id(input.lotId, 'lotId');
  const documentNo = v.optionalDocumentNo(input.documentNo, 'documentNo');
  return {
    ...base,
    keyRegion: regionCode,
    requestHash: hashRequest('DISBURSEMENT', {
      ...base, regionCode, fundLine, amount, payeeType, payeeId, serviceMonth, benefitCode, villageCode, lotId, documentNo,
    }),
    reads: { regions: [regionCode, villageCode], available: [[regionCode, fundLine]] },
    plan: async (ctx) => {
      const payer = await ctx.region(regionCode, 'regionCode');
      const village = await ctx.region(villageCode, 'villageCode');
      if (village.level !== 'VILLAGE') throw badInput(`region ${villageCode} is a ${village.level}, not a village`, 'villageCode');
      if (!(village.code >= payer.code && village.code <= payer.subtreeMax)) {
        throw badInput(`village ${villageCode} is not inside the paying region ${regionCode}`, 'villageCode');
      }
      await ctx.fundLine(fundLine);
      const lot = await ctx.consumeLot(regionCode, fundLine, amount, lotId);
      return {
        kind: 'DISBURSEMENT',
        fundLine,
        regionCode,
        documentNo,
        payeeType,
        payeeId,
        serviceMonth,
        benefitCode,
        beneficiaryVillageCode: villageCode,
        newLots: [],
        postings: journalPostings('DISBURSEMENT', { fundLine, regionCode, amount, lot, payee: { payeeType, payeeId } }),
      };
    },
  };
}

export function returnRequest(input: ReturnFundsInput): Request {
  const base = common(input);
  const lotId = v.id(input.lotId, 'lotId');
  const amount = positiveFen(input.amount);
  const documentNo = v.optionalDocumentNo(input.documentNo, 'documentNo');
  return {
    ...base,
    keyRegion: (client) => readRegion(client, 'select region_code as region from ledger.lot where id = $1', lotId),
    requestHash: hashRequest('RETURN', { ...base, lotId, amount, documentNo }),
    plan: async (ctx) => {
      const lot = await ctx.lot(lotId);
      if (!lot.parent_lot_id) throw badInput(`lot ${lotId} was appropriated, not allocated: there is no parent to return it to`, 'lotId');
      const parent = await ctx.lot(lot.parent_lot_id);
      await ctx.consumeLot(lot.region_code, lot.fund_line, amount, lot.id);
      await ctx.credit(parent.region_code, parent.fund_line, parent.id, amount);
      return {
        kind: 'RETURN',
        fundLine: lot.fund_line,
        regionCode: lot.region_code,
        counterpartRegionCode: parent.region_code,
        documentNo: documentNo ?? lot.document_no,
        newLots: [],
        // A child lot has its parent's fund line (an allocation keeps it), so one fund line serves both legs.
        postings: journalPostings('RETURN', {
          fundLine: lot.fund_line,
          regionCode: lot.region_code,
          counterpartRegionCode: parent.region_code,
          amount,
          lot: lot.id,
          counterpartLot: parent.id,
        }),
      };
    },
  };
}

/** The transaction a reversal mirrors, checked: it exists, is not a reversal, was not reversed, and (an allocation) was not received. */
async function reversibleTransaction(ctx: PlanningContext, transactionId: string) {
  const [original] = await loadTransactions(ctx.client, [transactionId]);
  if (!original) throw new LedgerError('NOT_FOUND', `no transaction ${transactionId}`, 'transactionId');
  if (original.kind === 'REVERSAL') throw badInput('a reversal cannot itself be reversed; post the correct transaction instead', 'transactionId');
  const { rowCount } = await ctx.client.query('select 1 from ledger.transaction where reverses_id = $1', [transactionId]);
  if (rowCount) throw new LedgerError('ALREADY_REVERSED', `transaction ${transactionId} has already been reversed`, 'transactionId');
  if (original.kind === 'ALLOCATION') {
    // Received (and the receipt not itself reversed): the money is at the receiver, who returns it instead.
    const received = await ctx.client.query(
      `select 1 from ledger.transaction r where r.allocation_id = $1
       and not exists (select from ledger.transaction x where x.reverses_id = r.id)`,
      [transactionId],
    );
    if (received.rowCount) throw badInput(`allocation ${transactionId} has been received; return the funds instead`, 'transactionId');
  }
  return original;
}

export function reversal(input: ReverseInput): Request {
  const base = common(input);
  const transactionId = v.id(input.transactionId, 'transactionId');
  const reason = v.freeText(input.reason, 'reason', 2000);
  const documentNo = v.optionalDocumentNo(input.documentNo, 'documentNo');
  return {
    ...base,
    keyRegion: (client) => readRegion(client, 'select region_code as region from ledger.transaction where id = $1', transactionId),
    requestHash: hashRequest('REVERSAL', { ...base, transactionId, reason, documentNo }),
    plan: async (ctx) => {
      const original = await reversibleTransaction(ctx, transactionId);
      // (the database refuses it too, SL013: a reversal dated earlier put money into a lot on a day it had none)
      if (base.effectiveDate < original.effectiveDate) {
        throw badInput(`a reversal is dated on or after the transaction it reverses: ${base.effectiveDate} is before ${original.effectiveDate}`, 'effectiveDate');
      }
      return {
        kind: 'REVERSAL',
        fundLine: original.fundLine,
        regionCode: original.regionCode,
        counterpartRegionCode: original.counterpartRegionCode,
        reversesId: original.id,
        reason,
        documentNo: documentNo ?? original.documentNo,
        payeeType: original.payeeType,
        payeeId: original.payeeId,
        serviceMonth: original.serviceMonth,
        benefitCode: original.benefitCode,
        beneficiaryVillageCode: original.beneficiaryVillageCode,
        newLots: [],
        postings: mirrorPostings(original.postings),
      };
    },
  };
}
