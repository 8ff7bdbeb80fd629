/**
 * The fund ledger's write side. Every public method is atomic and runs as the application role
 * `sunshine_app` (INSERT and SELECT only): a batch in a PostgreSQL transaction of its own, single
 * requests through the pool's group-commit writer (several requests per transaction, each under its
 * own savepoint when needed; see GroupWriter). The invariants themselves — append-only, balanced, no
 * overspend, gapless hash chain — are enforced by the database (see
 * migrations/Migration20261123010000_ledger.ts). This module turns requests into postings.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { AS_APP_ROLE, inTransaction } from '../platform/sql.js';
import { metrics } from '../platform/metrics.js';
import { badInput, fromDatabaseError, LedgerError } from './errors.js';
import { positiveFen } from './money.js';
import { loadTransactions, TX_COLUMNS } from './queries.js';
import {
  FUNDING_SOURCES,
  PAYEE_TYPES,
  type AccountKind,
  type AllocateInput,
  type AppropriateInput,
  type DisburseInput,
  type PayeeType,
  type PostResult,
  type PostingRecord,
  type TransactionRecord,
  type ReceiveAllocationInput,
  type ReturnFundsInput,
  type ReverseInput,
  type TransactionKind,
} from './types.js';
import * as v from './validate.js';
import { LOCK_CLASS, LEDGER_CHAIN_KEY, lockSql } from '../platform/locks.js';

const IDEMPOTENCY_LOCK_CLASS = LOCK_CLASS.LEDGER_IDEMPOTENCY;

interface AccountKey {
  regionCode: string;
  fundLine: string;
  kind: AccountKind;
  payeeType: PayeeType | null;
  payeeId: string | null;
}

interface NewLot {
  fundLine: string;
  regionCode: string;
  parentLotId: string | null;
  fiscalYear: number;
  fundingSource: string;
  documentNo: string;
}

/** A lot is either an existing id or one this transaction creates (index into `newLots`). */
type LotRef = { id: string } | { created: number };

interface PlannedPosting {
  account: AccountKey;
  lot: LotRef;
  amount: bigint;
}

interface Plan {
  kind: TransactionKind;
  fundLine: string;
  regionCode: string;
  counterpartRegionCode?: string | null;
  documentNo?: string | null;
  reversesId?: string | null;
  reason?: string | null;
  allocationId?: string | null;
  payeeType?: PayeeType | null;
  payeeId?: string | null;
  serviceMonth?: string | null;
  benefitCode?: string | null;
  beneficiaryVillageCode?: string | null;
  newLots: NewLot[];
  postings: PlannedPosting[];
}

/** A validated request: its idempotency key, the hash of its canonical payload, and how to plan it. */
interface Request {
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

/** A validated write request, for ledger/approvals (which holds it as a proposal or writes it once approved). */
export type LedgerRequest = Request;

/** What a request would do, planned but not written (ledger/approvals applies the policy to it and holds its money). */
export interface PlanSummary {
  kind: TransactionKind;
  fundLine: string;
  regionCode: string;
  /** Fen moved: the sum of the plan's debits. */
  amount: bigint;
  /** What it takes out of AVAILABLE, per existing lot (the money a proposal holds). */
  spends: { lotId: string; amount: bigint }[];
}

const accountKey = (a: AccountKey) => [a.regionCode, a.fundLine, a.kind, a.payeeType ?? '', a.payeeId ?? ''].join('|');

function hashRequest(kind: string, payload: Record<string, unknown>): Buffer {
  const canonical = JSON.stringify([kind, Object.keys(payload).sort().map((k) => [k, payload[k] ?? null])], (_k, value) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  return createHash('sha256').update(canonical).digest();
}

function common(input: { idempotencyKey: unknown; effectiveDate: unknown; memo?: unknown }) {
  return {
    idempotencyKey: v.requireText(input.idempotencyKey, 'idempotencyKey', 200),
    effectiveDate: v.isoDate(input.effectiveDate, 'effectiveDate'),
    memo: v.optionalFreeText(input.memo, 'memo', 2000),
  };
}

/**
 * Reference data that does not change under a writer's feet: a region's level and subtree follow from
 * its code, and fund lines are never removed. Only positive answers are kept (a region or fund line
 * may be added later). Shared by every group a writer runs.
 */
export class ReferenceCache {
  /** Beyond this many regions the cache starts again (a whole country is ~665,000). */
  static readonly MAX_REGIONS = 50_000;
  readonly fundLines = new Set<string>();
  readonly regions = new Map<string, { code: string; level: string; subtreeMax: string }>();

  addRegion(region: { code: string; level: string; subtreeMax: string }): void {
    if (this.regions.size >= ReferenceCache.MAX_REGIONS) this.regions.clear();
    this.regions.set(region.code, region);
  }
}

/** Reads a planner needs, on the writing connection, with bookkeeping of lot balances across the plans of one database transaction. */
class PlanningContext {
  /** AVAILABLE balance per (region|fundLine|lotId) as seen by this request, after the plans made so far. */
  private readonly available = new Map<string, bigint>();

  constructor(
    readonly client: pg.PoolClient,
    private readonly reference: ReferenceCache = new ReferenceCache(),
  ) {}

  async fundLine(code: string, field = 'fundLine'): Promise<string> {
    if (!this.reference.fundLines.has(code)) {
      const { rowCount } = await this.client.query('select 1 from ledger.fund_line where code = $1', [code]);
      if (!rowCount) throw badInput(`unknown fund line ${code}`, field);
      this.reference.fundLines.add(code);
    }
    return code;
  }

  async region(code: string, field: string): Promise<{ code: string; level: string; subtreeMax: string }> {
    v.regionCode(code, field);
    if (!this.reference.regions.has(code)) {
      const { rows } = await this.client.query('select code, level, subtree_max from region where code = $1', [code]);
      if (rows[0]) this.reference.addRegion({ code: rows[0].code, level: rows[0].level, subtreeMax: rows[0].subtree_max });
    }
    const region = this.reference.regions.get(code);
    if (!region) throw new LedgerError('NOT_FOUND', `no region with code ${code}`, field);
    return region;
  }

  async lot(id: string, field = 'lotId') {
    v.id(id, field);
    const { rows } = await this.client.query(
      `select id::text, fund_line, region_code, parent_lot_id::text, fiscal_year, funding_source, document_no
       from ledger.lot where id = $1`,
      [id],
    );
    if (!rows[0]) throw new LedgerError('NOT_FOUND', `no lot ${id}`, field);
    return rows[0] as {
      id: string; fund_line: string; region_code: string; parent_lot_id: string | null;
      fiscal_year: number; funding_source: string; document_no: string;
    };
  }

  private availableKey = (regionCode: string, fundLine: string, lotId: string) => `${regionCode}|${fundLine}|${lotId}`;

  /** Lots per region|fundLine, loaded once per request (a batch of 100,000 lines reads them once). */
  private readonly lotsAt = new Map<string, { lotId: string; fiscalYear: number }[]>();

  /**
   * AVAILABLE balance of the lots at a region and fund line, oldest fiscal year first, less what
   * pending proposals hold on them (ledger/approvals) and what earlier plans of this request took. Money AVAILABLE at a region is always in lots of that region
   * (appropriated there or allocated to it), so the lot index bounds the search; each balance is
   * the last running balance of (account, lot): one index probe.
   */
  private async availableByLot(regionCode: string, fundLine: string): Promise<{ lotId: string; fiscalYear: number; balance: bigint }[]> {
    const at = `${regionCode}|${fundLine}`;
    if (!this.lotsAt.has(at)) await this.loadAvailable([[regionCode, fundLine]]);
    return this.lotsAt.get(at)!.map((lot) => ({ ...lot, balance: this.available.get(this.availableKey(regionCode, fundLine, lot.lotId)) ?? 0n }));
  }

  /** Loads the lots and AVAILABLE balances of many (region, fund line) pairs in one statement (a group plans them all at once). */
  async loadAvailable(pairs: [regionCode: string, fundLine: string][]): Promise<void> {
    const wanted = [...new Map(pairs.map(([r, f]) => [`${r}|${f}`, [r, f] as const])).entries()].filter(([at]) => !this.lotsAt.has(at));
    if (!wanted.length) return;
    // Not named: a generic plan of this join, made while the ledger was small, stays in use as it grows.
    // The running balance is one probe of ledger.lot_balance (see its migration for why not posting).
    const { rows } = await this.client.query(
      `select k.region_code, k.fund_line, l.id::text as lot_id, l.fiscal_year,
              (coalesce((select b.balance_after from ledger.lot_balance b
                         where b.account_id = a.id and b.lot_id = l.id), 0)
               - ledger.lot_held(l.id))::text as balance
       from unnest($1::text[], $2::text[]) k (region_code, fund_line)
       join ledger.lot l on l.region_code = k.region_code and l.fund_line = k.fund_line
       left join ledger.account a on a.region_code = l.region_code and a.fund_line = l.fund_line
                                 and a.kind = 'AVAILABLE' and a.payee_type is null
       order by l.fiscal_year, l.id`,
      [wanted.map(([, [r]]) => r), wanted.map(([, [, f]]) => f)],
    );
    for (const [at] of wanted) this.lotsAt.set(at, []);
    for (const row of rows) {
      const key = this.availableKey(row.region_code, row.fund_line, row.lot_id);
      if (!this.available.has(key)) this.available.set(key, BigInt(row.balance));
      this.lotsAt.get(`${row.region_code}|${row.fund_line}`)!.push({ lotId: row.lot_id, fiscalYear: row.fiscal_year });
    }
  }

  /** Regions looked up in one statement (a group plans them all at once). */
  async loadRegions(codes: string[]): Promise<void> {
    const missing = [...new Set(codes)].filter((code) => /^[0-9]{12}$/.test(code) && !this.reference.regions.has(code));
    if (!missing.length) return;
    const { rows } = await this.client.query(hot('regions', 'select code, level, subtree_max from region where code = any($1::text[])', [missing], missing.length));
    for (const row of rows) this.reference.addRegion({ code: row.code, level: row.level, subtreeMax: row.subtree_max });
  }

  /** The named lot, or the oldest (by fiscal year) lot with enough AVAILABLE money; records the consumption. */
  async consumeLot(regionCode: string, fundLine: string, amount: bigint, lotId: string | null | undefined): Promise<string> {
    const lots = await this.availableByLot(regionCode, fundLine);
    let chosen: string | undefined;
    if (lotId) {
      if (!lots.some((lot) => lot.lotId === lotId)) {
        await this.lot(lotId); // NOT_FOUND when it does not exist at all
        throw badInput(`lot ${lotId} is not a ${fundLine} lot of region ${regionCode}`, 'lotId');
      }
      // Checked here so that one request of a group fails alone, before anything is written; the
      // posting trigger (SL001, under the lot's lock) remains the guarantee.
      const balance = lots.find((lot) => lot.lotId === lotId)!.balance;
      if (balance < amount) {
        throw new LedgerError('INSUFFICIENT_FUNDS', `insufficient funds: ${fundLine} lot ${lotId} of region ${regionCode} has ${balance} fen available, the posting needs ${amount}`);
      }
      chosen = lotId;
    } else {
      chosen = lots.find((lot) => lot.balance >= amount)?.lotId;
      if (!chosen) {
        const total = lots.reduce((sum, lot) => sum + lot.balance, 0n);
        throw new LedgerError(
          'INSUFFICIENT_FUNDS',
          `no ${fundLine} lot of region ${regionCode} has ${amount} fen available (${lots.length} lots, ${total} fen in all)`,
        );
      }
    }
    const key = this.availableKey(regionCode, fundLine, chosen);
    const current = this.available.get(key) ?? 0n;
    this.available.set(key, current - amount);
    return chosen;
  }

  /** Money coming into a lot within this request (so later plans of a batch or group can spend it). */
  async credit(regionCode: string, fundLine: string, lotId: string, amount: bigint): Promise<void> {
    await this.availableByLot(regionCode, fundLine);
    const key = this.availableKey(regionCode, fundLine, lotId);
    if (this.available.has(key)) this.available.set(key, this.available.get(key)! + amount);
  }
}

export class Ledger {
  private readonly writer: GroupWriter;

  constructor(private readonly pool: pg.Pool) {
    this.writer = writerFor(pool);
  }

  // ---- requests -------------------------------------------------------------------------------

  private appropriation(input: AppropriateInput): Request {
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
          postings: [
            { account: { regionCode, fundLine, kind: 'AVAILABLE', payeeType: null, payeeId: null }, lot: { created: 0 }, amount },
            { account: { regionCode, fundLine, kind: 'FUNDING_SOURCE', payeeType: null, payeeId: null }, lot: { created: 0 }, amount: -amount },
          ],
        };
      },
    };
  }

  private allocation(input: AllocateInput): Request {
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
          postings: [
            { account: { regionCode: from, fundLine, kind: 'AVAILABLE', payeeType: null, payeeId: null }, lot: { id: source.id }, amount: -amount },
            { account: { regionCode: from, fundLine, kind: 'IN_TRANSIT_DOWN', payeeType: null, payeeId: null }, lot: { created: 0 }, amount },
          ],
        };
      },
    };
  }

  private receipt(input: ReceiveAllocationInput): Request {
    const base = common(input);
    const allocationId = v.id(input.allocationId, 'allocationId');
    const documentNo = v.optionalDocumentNo(input.documentNo, 'documentNo');
    return {
      ...base,
      keyRegion: (client) => readRegion(client, 'select counterpart_region_code as region from ledger.transaction where id = $1', allocationId),
      requestHash: hashRequest('ALLOCATION_RECEIVED', { ...base, allocationId, documentNo }),
      plan: async (ctx) => {
        const { rows } = await ctx.client.query(
          `select t.kind, t.fund_line, t.region_code, t.counterpart_region_code, t.effective_date::text, t.document_no,
                  l.id::text as lot_id, p.amount::text as amount,
                  exists (select from ledger.transaction r where r.reverses_id = t.id) as reversed
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
        if (base.effectiveDate < allocation.effective_date) {
          throw badInput(`an allocation issued on ${allocation.effective_date} cannot be received on ${base.effectiveDate}`, 'effectiveDate');
        }
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
          postings: [
            {
              account: { regionCode: allocation.region_code, fundLine: allocation.fund_line, kind: 'IN_TRANSIT_DOWN', payeeType: null, payeeId: null },
              lot: { id: allocation.lot_id },
              amount: -amount,
            },
            {
              account: { regionCode: allocation.counterpart_region_code, fundLine: allocation.fund_line, kind: 'AVAILABLE', payeeType: null, payeeId: null },
              lot: { id: allocation.lot_id },
              amount,
            },
          ],
        };
      },
    };
  }

  private disbursement(input: DisburseInput): Request {
    const base = common(input);
    const regionCode = v.regionCode(input.regionCode, 'regionCode');
    const fundLine = v.code(input.fundLine, 'fundLine');
    const amount = positiveFen(input.amount);
    const payeeType = v.oneOf(input.payeeType, PAYEE_TYPES, 'payeeType');
    const payeeId = v.requireText(input.payeeId, 'payeeId', 64);
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
          postings: [
            { account: { regionCode, fundLine, kind: 'AVAILABLE', payeeType: null, payeeId: null }, lot: { id: lot }, amount: -amount },
            { account: { regionCode, fundLine, kind: 'EXPENDITURE', payeeType, payeeId }, lot: { id: lot }, amount },
          ],
        };
      },
    };
  }

  private returnRequest(input: ReturnFundsInput): Request {
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
          postings: [
            { account: { regionCode: lot.region_code, fundLine: lot.fund_line, kind: 'AVAILABLE', payeeType: null, payeeId: null }, lot: { id: lot.id }, amount: -amount },
            { account: { regionCode: parent.region_code, fundLine: parent.fund_line, kind: 'AVAILABLE', payeeType: null, payeeId: null }, lot: { id: parent.id }, amount },
          ],
        };
      },
    };
  }

  private reversal(input: ReverseInput): Request {
    const base = common(input);
    const transactionId = v.id(input.transactionId, 'transactionId');
    const reason = v.freeText(input.reason, 'reason', 2000);
    const documentNo = v.optionalDocumentNo(input.documentNo, 'documentNo');
    return {
      ...base,
      keyRegion: (client) => readRegion(client, 'select region_code as region from ledger.transaction where id = $1', transactionId),
      requestHash: hashRequest('REVERSAL', { ...base, transactionId, reason, documentNo }),
      plan: async (ctx) => {
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
          postings: original.postings.map((p) => ({
            account: { regionCode: p.regionCode, fundLine: p.fundLine, kind: p.accountKind, payeeType: p.payeeType, payeeId: p.payeeId },
            lot: { id: p.lotId },
            amount: -p.amount,
          })),
        };
      },
    };
  }

  // ---- public writes --------------------------------------------------------------------------

  async appropriate(input: AppropriateInput, actor: string): Promise<PostResult> {
    return this.one(this.appropriation(input), actor);
  }

  async allocate(input: AllocateInput, actor: string): Promise<PostResult> {
    return this.one(this.allocation(input), actor);
  }

  async receiveAllocation(input: ReceiveAllocationInput, actor: string): Promise<PostResult> {
    return this.one(this.receipt(input), actor);
  }

  async disburse(input: DisburseInput, actor: string): Promise<PostResult> {
    return this.one(this.disbursement(input), actor);
  }

  /** Many disbursements, each with its own idempotency key, in ONE database transaction: all or nothing. */
  async disburseBatch(lines: DisburseInput[], actor: string): Promise<PostResult[]> {
    if (lines.length === 0) throw badInput('a batch needs at least one line', 'lines');
    const requests = lines.map((line, index) => {
      try {
        return this.disbursement(line);
      } catch (error) {
        if (error instanceof LedgerError) throw new LedgerError(error.code, `line ${index + 1}: ${error.message}`, error.field ? `lines.${index}.${error.field}` : undefined);
        throw error;
      }
    });
    const keys = new Set<string>();
    requests.forEach((r, index) => {
      const key = scopedKey(r.keyRegion as string, r.idempotencyKey); // a disbursement's region is in the request
      if (keys.has(key)) throw badInput(`line ${index + 1} repeats idempotency key ${r.idempotencyKey}`, `lines.${index}.idempotencyKey`);
      keys.add(key);
    });
    return this.execute(requests, actor);
  }

  async returnFunds(input: ReturnFundsInput, actor: string): Promise<PostResult> {
    return this.one(this.returnRequest(input), actor);
  }

  async reverse(input: ReverseInput, actor: string): Promise<PostResult> {
    return this.one(this.reversal(input), actor);
  }

  // ---- for ledger/approvals ------------------------------------------------------------------

  /** The validated request of one write (BAD_USER_INPUT etc. as the write itself would answer). */
  prepare(kind: TransactionKind, input: unknown): LedgerRequest {
    switch (kind) {
      case 'APPROPRIATION': return this.appropriation(input as AppropriateInput);
      case 'ALLOCATION': return this.allocation(input as AllocateInput);
      case 'ALLOCATION_RECEIVED': return this.receipt(input as ReceiveAllocationInput);
      case 'DISBURSEMENT': return this.disbursement(input as DisburseInput);
      case 'RETURN': return this.returnRequest(input as ReturnFundsInput);
      case 'REVERSAL': return this.reversal(input as ReverseInput);
    }
  }

  /** Submits a prepared request to the group writer (as the public writes do). */
  submit(request: LedgerRequest, actor: string): Promise<PostResult> {
    return this.one(request, actor);
  }

  /** Runs `fn` in one ledger transaction (application role, chain lock held from the start). */
  inWriteTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inLedgerTransaction(this.pool, fn).catch((error) => {
      throw fromDatabaseError(error) ?? error;
    });
  }

  /** Takes the idempotency-key locks of requests in a ledger transaction; answers each one's recording region. */
  async lockKeys(client: pg.PoolClient, requests: LedgerRequest[]): Promise<(string | null)[]> {
    return (await lockScopedKeys(client, requests)).map((k) => k.region);
  }

  /** Plans requests together on `client` (reads and checks only; nothing is written). */
  async planOnly(client: pg.PoolClient, requests: LedgerRequest[]): Promise<PlanSummary[]> {
    const ctx = new PlanningContext(client, this.writer.reference);
    const out: PlanSummary[] = [];
    for (const request of requests) {
      const plan = await request.plan(ctx);
      const spends = new Map<string, bigint>();
      for (const p of plan.postings) {
        if (p.account.kind === 'AVAILABLE' && p.amount < 0n && 'id' in p.lot) spends.set(p.lot.id, (spends.get(p.lot.id) ?? 0n) - p.amount);
      }
      const amount = plan.postings.reduce((sum, p) => (p.amount > 0n ? sum + p.amount : sum), 0n);
      out.push({ kind: plan.kind, fundLine: plan.fundLine, regionCode: plan.regionCode, amount, spends: [...spends].map(([lotId, a]) => ({ lotId, amount: a })) });
    }
    return out;
  }

  /** Writes requests all or nothing inside a transaction opened by inWriteTransaction (replays answered as usual). */
  async writeIn(client: pg.PoolClient, requests: LedgerRequest[], actor: string): Promise<PostResult[]> {
    const who = v.requireText(actor, 'actor', 200);
    const answers = await writeRequests(client, requests.map((request) => ({ request, actor: who, attempts: 0 })), this.writer.reference, true);
    return answers.map((a) => {
      if ('result' in a) return a.result;
      throw 'error' in a ? a.error : new Error('internal: an atomic write asked for a retry');
    });
  }

  private one(request: Request, actor: string): Promise<PostResult> {
    return this.writer.submit({ request, actor: v.requireText(actor, 'actor', 200), attempts: 0 });
  }

  /** Requests in ONE database transaction, all or nothing (disburseBatch). */
  private async execute(requests: Request[], actor: string): Promise<PostResult[]> {
    const who = v.requireText(actor, 'actor', 200);
    try {
      return await inLedgerTransaction(this.pool, async (client) => {
        const answers = await writeRequests(client, requests.map((request) => ({ request, actor: who, attempts: 0 })), this.writer.reference, true);
        return answers.map((a) => {
          if ('result' in a) return a.result;
          throw 'error' in a ? a.error : new Error('internal: an atomic write asked for a retry');
        });
      });
    } catch (error) {
      throw fromDatabaseError(error) ?? error;
    }
  }
}

// ---- the write protocol -------------------------------------------------------------------------

/** One request waiting to be written, with the actor it is recorded under. */
interface Pending {
  request: Request;
  actor: string;
  /** How many times it was sent back to the queue (a stale plan is retried once with fresh reads). */
  attempts: number;
}

type Answer = { result: PostResult } | { error: unknown } | { retry: true };

/** The chain head's lock (the header trigger takes the same one): every ledger writer takes it first. */
const CHAIN_LOCK_SQL = lockSql(LOCK_CLASS.LEDGER_CHAIN, LEDGER_CHAIN_KEY.HEAD);

/** The most requests one group takes (a longer group holds the chain lock longer). */
const MAX_GROUP = 256;

/** The longest a group waits for more requests before it starts (GroupWriter.gatherNext). */
const MAX_GATHER_MS = 4;

/** Statements over at most this many rows are named (prepared); larger ones (big batches) are planned for their size. */
const PREPARED_MAX_ROWS = 1024;

/**
 * A hot statement of the write path, named when it carries few rows: PostgreSQL then parses and plans
 * it once per connection instead of on every group (its generic plan is made for small arrays).
 */
function hot(name: string, text: string, values: unknown[], rows: number): pg.QueryConfig {
  return rows <= PREPARED_MAX_ROWS ? { name: `ledger_${name}`, text, values } : { text, values };
}

/**
 * Runs `fn` in one database transaction as the application role, holding the chain lock from the
 * start. Every ledger write takes its locks in the order chain → idempotency keys → lots → daily
 * totals, so writers (groups, batches, several processes) cannot deadlock; they are serialised by
 * the chain lock, which the header insert needs anyway until the commit.
 */
function inLedgerTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, requests = 1): Promise<T> {
  // Metrics (/metrics): the wait for the chain lock, and each commit with the requests it carried.
  const result = inTransaction(pool, fn, `${AS_APP_ROLE}; ${CHAIN_LOCK_SQL}`, metrics.chainLockWaited);
  return result.then((value) => (metrics.ledgerCommitted(requests), value));
}

/**
 * Group commit. Requests submitted while a group is being written wait in a queue; the next group
 * takes them all (up to MAX_GROUP) into ONE database transaction: one chain-lock hold and one WAL
 * flush serve them all. Each request stays atomic: a request that fails planning writes nothing,
 * and if the set-based insert of the group fails, it is rolled back to its savepoint and every
 * request is inserted again under its own savepoint, so only the failing one gets an error. A
 * caller's promise settles after COMMIT. One writer per pool (the API builds a Ledger per request).
 */
class GroupWriter {
  readonly reference = new ReferenceCache();
  private readonly queue: { item: Pending; resolve: (r: PostResult) => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  /** Groups written so far and requests in them (for tests and measurements). */
  readonly stats = { groups: 0, requests: 0 };

  constructor(private readonly pool: pg.Pool) {}

  submit(item: Pending): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.gather.expected) this.gather.arrived?.();
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * The gather window (see gatherNext). `expected`: the callers seen by the last group (those it
   * answered, who may send their next request now, and those who queued while it was written);
   * `lastMs`: how long that group took.
   */
  private readonly gather: { expected: number; lastMs: number; arrived?: () => void } = { expected: 1, lastMs: 0 };

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        await this.gatherNext();
        const group = this.queue.splice(0, MAX_GROUP);
        const started = performance.now();
        try {
          await this.run(group);
        } catch (error) {
          for (const g of group) g.reject(error);
        }
        this.gather.lastMs = performance.now() - started;
        this.gather.expected = Math.min(MAX_GROUP, group.length + this.queue.length);
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * Before a group starts, waits a little for the callers the last group answered: over HTTP they
   * come back one request parse at a time, and a group started at once would carry only those who
   * happened to be queued (≈4 of 8), paying its fixed cost (round trips, the chain lock, one WAL
   * flush) for half as many requests. The wait ends as soon as as many requests are queued as the
   * last group saw, and never lasts longer than a quarter of the last group's time nor
   * MAX_GATHER_MS, so a lone caller or a falling load costs at most that once.
   */
  private async gatherNext(): Promise<void> {
    const window = Math.min(MAX_GATHER_MS, this.gather.lastMs / 4);
    if (this.queue.length >= this.gather.expected || window < 0.05) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, window);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.gather.arrived = done;
    });
    this.gather.arrived = undefined;
  }

  private async run(group: GroupWriter['queue']): Promise<void> {
    let answers: Answer[];
    try {
      answers = await inLedgerTransaction(this.pool, (client) => writeRequests(client, group.map((g) => g.item), this.reference, false), group.length);
      this.stats.groups++;
      this.stats.requests += group.length;
    } catch (error) {
      // The group's transaction failed as a whole (at COMMIT, or a statement outside any savepoint):
      // nothing of it was written. If the data may be the cause (one request's), each request gets
      // a transaction of its own; a timeout or a lost connection would only repeat, once per request.
      if (group.length > 1 && !dataMayBeTheCause(error)) {
        for (const g of group) g.reject(fromDatabaseError(error) ?? error);
        return;
      }
      for (const g of group) {
        try {
          const [answer] = await inLedgerTransaction(this.pool, (client) => writeRequests(client, [g.item], this.reference, true));
          if (answer && 'result' in answer) g.resolve(answer.result);
          else g.reject(answer && 'error' in answer ? answer.error : new Error('internal: no answer'));
        } catch (error) {
          g.reject(fromDatabaseError(error) ?? error);
        }
      }
      return;
    }
    const retry: GroupWriter['queue'] = [];
    answers.forEach((answer, i) => {
      const g = group[i]!;
      if ('result' in answer) g.resolve(answer.result);
      else if ('error' in answer) g.reject(answer.error);
      else retry.push({ ...g, item: { ...g.item, attempts: g.item.attempts + 1 } });
    });
    this.queue.unshift(...retry);
  }
}

/** SQLSTATE classes a request's own data can cause: data exceptions, integrity, serialization, raised by triggers. */
function dataMayBeTheCause(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23|40|P0|SL)/.test(code);
}

const writers = new WeakMap<pg.Pool, GroupWriter>();
function writerFor(pool: pg.Pool): GroupWriter {
  let writer = writers.get(pool);
  if (!writer) writers.set(pool, (writer = new GroupWriter(pool)));
  return writer;
}

/** Groups written so far through this pool's writer and the requests in them. */
export function groupCommitStats(pool: pg.Pool): { groups: number; requests: number } {
  return { ...writerFor(pool).stats };
}

/** One key space per recording region: the map key of (region, idempotency key). */
function scopedKey(region: string | null, key: string): string {
  return `${region ?? '-'}/${key}`;
}

/** The recording region of a request whose region is in a row it refers to (immutable: ledger rows are append-only). */
async function readRegion(client: pg.PoolClient, sql: string, id: string): Promise<string | null> {
  const { rows } = await client.query<{ region: string | null }>(sql, [id]);
  return rows[0]?.region ?? null;
}

/** Each request's key with its region (read where it must be, once per request). */
async function scopedKeys(client: pg.PoolClient, requests: Request[]): Promise<{ region: string | null; key: string; scoped: string }[]> {
  const out: { region: string | null; key: string; scoped: string }[] = [];
  for (const request of requests) {
    const region = typeof request.keyRegion === 'string' ? request.keyRegion : await request.keyRegion(client);
    out.push({ region, key: request.idempotencyKey, scoped: scopedKey(region, request.idempotencyKey) });
  }
  return out;
}

/** Each request's scoped key, locked (advisory, in one order; ledger/approvals takes the same locks). */
async function lockScopedKeys(client: pg.PoolClient, requests: Request[]): Promise<{ region: string | null; key: string; scoped: string }[]> {
  const keyOf = await scopedKeys(client, requests);
  const scopedKeySet = [...new Set(keyOf.map((k) => k.scoped))];
  await client.query(hot('key_locks',
    `select pg_advisory_xact_lock(${IDEMPOTENCY_LOCK_CLASS}, b)
     from (select distinct hashtext(k) & 1023 as b from unnest($1::text[]) k order by 1) s`,
    [scopedKeySet], scopedKeySet.length,
  ));
  return keyOf;
}

interface Fresh {
  index: number;
  request: Request;
  actor: string;
  plan: Plan;
  attempts: number;
}

/**
 * Writes what is new and answers every request: its transaction (fresh or replayed) or its error.
 * `atomic` (a batch, or one request alone): the first error is thrown and the transaction aborts.
 * Otherwise (a group): errors are per request, and a failing request leaves no trace.
 */
async function writeRequests(client: pg.PoolClient, items: Pending[], reference: ReferenceCache, atomic: boolean): Promise<Answer[]> {
  // 1. Idempotency: keys are scoped to the recording region (one key space per region, so that
  //    jurisdictions cannot collide or learn of each other). Lock every scoped key (in one order),
  //    then look them up. Keys hash into 1,024 buckets, so a 100,000-line batch takes at most 1,024
  //    locks (PostgreSQL's lock table is finite).
  const keyOf = await lockScopedKeys(client, items.map((i) => i.request));
  const known = keyOf.filter((k) => k.region !== null);
  // Not named (nor the account and lot reads): their generic plans, made while the ledger was small,
  // stayed in use as it grew, and the write rate fell from 571 to 184/s within a minute (docs/performance.md).
  const existing = await client.query<{ id: string; region_code: string; idempotency_key: string; request_hash: Buffer }>(
    `select t.id::text, t.region_code, t.idempotency_key, t.request_hash
     from (select distinct * from unnest($1::text[], $2::text[])) k (region_code, idempotency_key)
     join ledger.transaction t on t.region_code = k.region_code and t.idempotency_key = k.idempotency_key`,
    [known.map((k) => k.region), known.map((k) => k.key)],
  );
  const byKey = new Map(existing.rows.map((row) => [scopedKey(row.region_code, row.idempotency_key), row]));
  // The transaction named is recorded at the request's own region, which the caller acts for.
  const conflict = (key: string, id: string) =>
    new LedgerError('IDEMPOTENCY_CONFLICT', `idempotency key ${key} was already used for a different request (transaction ${id})`, 'idempotencyKey');

  const answers: (Answer | undefined)[] = new Array(items.length);
  const replays = new Map<number, string>(); // request index → id of the committed transaction it replays
  const sameGroup = new Map<number, number>(); // request index → index of the earlier request of this group with its key
  const freshByKey = new Map<string, number>();
  const fresh: Fresh[] = [];
  const ctx = new PlanningContext(client, reference);
  const reads = items.flatMap((i, n) => (i.request.reads && !byKey.has(keyOf[n]!.scoped) ? [i.request.reads] : []));
  if (reads.length > 1) {
    await ctx.loadRegions(reads.flatMap((r) => r.regions));
    await ctx.loadAvailable(reads.flatMap((r) => r.available));
  }

  // 2. Plan every new request (reads and checks only: a refusal here writes nothing).
  for (const [index, { request, actor, attempts }] of items.entries()) {
    const scoped = keyOf[index]!.scoped;
    const previous = byKey.get(scoped);
    if (previous) {
      if (!previous.request_hash.equals(request.requestHash)) {
        if (atomic) throw conflict(request.idempotencyKey, previous.id);
        answers[index] = { error: conflict(request.idempotencyKey, previous.id) };
      } else replays.set(index, previous.id);
      continue;
    }
    const earlier = freshByKey.get(scoped);
    if (earlier !== undefined) {
      sameGroup.set(index, earlier); // decided once the earlier one is written
      continue;
    }
    try {
      const plan = await request.plan(ctx);
      if (plan.regionCode !== keyOf[index]!.region) throw new Error(`internal: a ${plan.kind} recorded at ${plan.regionCode} took its key at ${keyOf[index]!.region}`);
      fresh.push({ index, request, actor, attempts, plan });
      freshByKey.set(scoped, index);
    } catch (error) {
      if (atomic || !(error instanceof LedgerError)) throw error;
      answers[index] = { error };
    }
  }

  // 3. Insert. A group first tries all its requests in set-based statements; if that fails, it rolls
  //    back to its savepoint and inserts each request under a savepoint of its own.
  if (fresh.length) {
    const [, ids] = (await client.query(
      `savepoint ledger_group; select nextval('ledger.transaction_id_seq')::text as id from generate_series(1, ${fresh.length})`,
    )) as unknown as pg.QueryResult<{ id: string }>[];
    const withIds = fresh.map((f, i) => ({ ...f, id: ids!.rows[i]!.id }));
    try {
      const records = await insertPlanned(client, withIds);
      withIds.forEach((f, i) => (answers[f.index] = { result: { transaction: records[i]!, replayed: false } }));
    } catch (error) {
      if (atomic) throw error;
      await client.query('rollback to savepoint ledger_group');
      for (const f of withIds) {
        await client.query('savepoint ledger_request');
        try {
          const [record] = await insertPlanned(client, [f]);
          await client.query('release savepoint ledger_request');
          answers[f.index] = { result: { transaction: record!, replayed: false } };
        } catch (requestError) {
          await client.query('rollback to savepoint ledger_request');
          // Its plan was made alongside the others of the group (lot bookkeeping, checks that could
          // not see the others' rows): it goes once more to the next group, where it is planned
          // on what this group committed — so its answer is the one it would get after them.
          const again = withIds.length > 1 && f.attempts === 0;
          answers[f.index] = again ? { retry: true } : { error: fromDatabaseError(requestError) ?? requestError };
        }
      }
    }
  }

  // 4. Requests whose key an earlier request of this group carried: replays of it (or conflicts);
  //    if the earlier one failed, the key is still free and the request goes to the next group.
  for (const [index, earlier] of sameGroup) {
    const first = answers[earlier];
    const request = items[index]!.request;
    if (first && 'result' in first) {
      answers[index] = request.requestHash.equals(items[earlier]!.request.requestHash)
        ? { result: { transaction: first.result.transaction, replayed: true } }
        : { error: conflict(request.idempotencyKey, first.result.transaction.id) };
    } else {
      answers[index] = { retry: true };
    }
  }

  // 5. Replays of committed transactions, read in this transaction.
  if (replays.size) {
    const loaded = new Map((await loadTransactions(client, [...new Set(replays.values())])).map((t) => [t.id, t]));
    for (const [index, id] of replays) answers[index] = { result: { transaction: loaded.get(id)!, replayed: true } };
  }
  return answers.map((a) => a ?? { error: new Error('internal: a request was left without an answer') });
}

/**
 * Inserts planned requests (with their transaction ids): lots, accounts, postings sorted by lot (so
 * lot locks are taken in ascending order), then the headers in request order (each takes its seq
 * and hash). Answers each request's transaction as stored, from RETURNING (no read-back).
 */
async function insertPlanned(client: pg.PoolClient, planned: (Fresh & { id: string })[]): Promise<TransactionRecord[]> {
  // Lots (a plan creates at most one).
  const newLots = planned.flatMap((f) => {
    if (f.plan.newLots.length > 1) throw new Error('internal: a plan creates at most one lot');
    return f.plan.newLots.map((lot) => ({ ...lot, transactionId: f.id }));
  });
  const createdLot = new Map<string, string>();
  if (newLots.length) {
    const { rows } = await client.query<{ id: string; tx: string }>(
      `insert into ledger.lot (fund_line, region_code, parent_lot_id, fiscal_year, funding_source, document_no, created_by_transaction_id)
       select * from unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::text[], $7::bigint[])
       returning id::text, created_by_transaction_id::text as tx`,
      [
        newLots.map((l) => l.fundLine),
        newLots.map((l) => l.regionCode),
        newLots.map((l) => l.parentLotId),
        newLots.map((l) => l.fiscalYear),
        newLots.map((l) => l.fundingSource),
        newLots.map((l) => l.documentNo),
        newLots.map((l) => l.transactionId),
      ],
    );
    for (const row of rows) createdLot.set(row.tx, row.id);
  }
  const accountKeys = new Map(planned.flatMap((f) => f.plan.postings.map((p) => [accountKey(p.account), p.account] as const)));
  const accounts = await accountIds(client, [...accountKeys.values()]);
  const accountById = new Map([...accounts].map(([k, id]) => [id, accountKeys.get(k)!]));

  const postings = planned.flatMap((f) =>
    f.plan.postings.map((p) => ({
      transactionId: f.id,
      accountId: accounts.get(accountKey(p.account))!,
      lotId: 'id' in p.lot ? p.lot.id : createdLot.get(f.id)!,
      amount: p.amount,
      effectiveDate: f.request.effectiveDate,
    })),
  );
  postings.sort((a, b) => compareIds(a.lotId, b.lotId) || compareIds(a.transactionId, b.transactionId));
  const inserted = await client.query(hot('insert_postings',
    `insert into ledger.posting as p (transaction_id, account_id, lot_id, amount, effective_date)
     select * from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::date[])
     returning p.transaction_id::text as tx, p.id::text, p.account_id::text as "accountId", p.account_kind as "accountKind",
               p.region_code as "regionCode", p.fund_line as "fundLine", p.lot_id::text as "lotId", p.amount::text as amount,
               p.balance_after::text as "balanceAfter"`,
    [
      postings.map((p) => p.transactionId),
      postings.map((p) => p.accountId),
      postings.map((p) => p.lotId),
      postings.map((p) => p.amount.toString()),
      postings.map((p) => p.effectiveDate),
    ],
    postings.length,
  ));
  const byTx = new Map<string, PostingRecord[]>();
  for (const { tx, amount, balanceAfter, ...rest } of inserted.rows) {
    const account = accountById.get(rest.accountId)!;
    const list = byTx.get(tx) ?? [];
    list.push({ ...rest, payeeType: account.payeeType, payeeId: account.payeeId, amount: BigInt(amount), balanceAfter: BigInt(balanceAfter) });
    byTx.set(tx, list);
  }
  for (const list of byTx.values()) list.sort((a, b) => compareIds(a.id, b.id));

  const column = <T>(pick: (f: Fresh & { id: string }) => T) => planned.map(pick);
  const headers = await client.query(hot('insert_transactions',
    `insert into ledger.transaction as t (id, kind, idempotency_key, request_hash, fund_line, region_code, counterpart_region_code,
       effective_date, document_no, memo, actor, reverses_id, reason, allocation_id, payee_type, payee_id, service_month,
       benefit_code, beneficiary_village_code, proposal_id, proposed_by, approved_by)
     select u.id, u.kind, u.key, u.hash, u.fund_line, u.region, u.counterpart, u.effective_date, u.document_no, u.memo, u.actor,
            u.reverses, u.reason, u.allocation, u.payee_type, u.payee_id, u.service_month, u.benefit_code, u.village,
            u.proposal, u.proposed_by, u.approved_by
     from unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[], $8::date[], $9::text[],
                 $10::text[], $11::bigint[], $12::text[], $13::bigint[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],
                 $20::bigint[], $21::text[], $22::text[])
          with ordinality as u (id, kind, key, hash, fund_line, region, counterpart, effective_date, document_no, memo, reverses,
                                reason, allocation, payee_type, payee_id, service_month, benefit_code, village, actor,
                                proposal, proposed_by, approved_by, n)
     order by u.n
     returning ${TX_COLUMNS}`,
    [
      column((f) => f.id),
      column((f) => f.plan.kind),
      column((f) => f.request.idempotencyKey),
      column((f) => f.request.requestHash),
      column((f) => f.plan.fundLine),
      column((f) => f.plan.regionCode),
      column((f) => f.plan.counterpartRegionCode ?? null),
      column((f) => f.request.effectiveDate),
      column((f) => f.plan.documentNo ?? null),
      column((f) => f.request.memo),
      column((f) => f.plan.reversesId ?? null),
      column((f) => f.plan.reason ?? null),
      column((f) => f.plan.allocationId ?? null),
      column((f) => f.plan.payeeType ?? null),
      column((f) => f.plan.payeeId ?? null),
      column((f) => f.plan.serviceMonth ?? null),
      column((f) => f.plan.benefitCode ?? null),
      column((f) => f.plan.beneficiaryVillageCode ?? null),
      column((f) => f.actor),
      column((f) => f.request.approval?.proposalId ?? null),
      column((f) => f.request.approval?.proposedBy ?? null),
      column((f) => f.request.approval?.approvedBy ?? null),
    ],
    planned.length,
  ));
  const records = new Map(headers.rows.map((row) => [row.id as string, { ...row, postings: byTx.get(row.id) ?? [] } as TransactionRecord]));
  return planned.map((f) => records.get(f.id)!);
}

/** Finds or creates the accounts (accounts are append-only rows, created on first use). */
async function accountIds(client: pg.PoolClient, keys: AccountKey[]): Promise<Map<string, string>> {
    const unique = [...new Map(keys.map((k) => [accountKey(k), k])).values()];
    const cols = [
      unique.map((k) => k.regionCode),
      unique.map((k) => k.fundLine),
      unique.map((k) => k.kind),
      unique.map((k) => k.payeeType),
      unique.map((k) => k.payeeId),
    ];
    // Each join is a plain equality on the account_key index (payee columns null or not).
    const existing = `select a.id::text, a.region_code, a.fund_line, a.kind, a.payee_type, a.payee_id
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) k (region_code, fund_line, kind, payee_type, payee_id)
       join ledger.account a on a.region_code = k.region_code and a.fund_line = k.fund_line and a.kind = k.kind
         and a.payee_type = k.payee_type and a.payee_id = k.payee_id
       where k.payee_type is not null
       union all
       select a.id::text, a.region_code, a.fund_line, a.kind, a.payee_type, a.payee_id
       from unnest($1::text[], $2::text[], $3::text[], $4::text[]) k (region_code, fund_line, kind, payee_type)
       join ledger.account a on a.region_code = k.region_code and a.fund_line = k.fund_line and a.kind = k.kind
         and a.payee_type is null and a.payee_id is null
       where k.payee_type is null`;
    // One statement: the new accounts come from RETURNING, the others from the index (the statement's
    // snapshot does not see its own inserts, so none is counted twice).
    let { rows } = await client.query(
      `with created as (
         insert into ledger.account (region_code, fund_line, kind, payee_type, payee_id)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         on conflict on constraint account_key do nothing
         returning id::text, region_code, fund_line, kind, payee_type, payee_id)
       select * from created union all ${existing}`,
      cols,
    );
    // An account another transaction created (and committed) meanwhile is outside that snapshot.
    if (rows.length < unique.length) rows = (await client.query(existing, cols)).rows;
    return new Map(
      rows.map((r) => [accountKey({ regionCode: r.region_code, fundLine: r.fund_line, kind: r.kind, payeeType: r.payee_type, payeeId: r.payee_id }), r.id]),
    );
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
