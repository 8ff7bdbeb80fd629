/**
 * What a request's plan reads and checks before anything is written: reference data (regions, fund
 * lines) kept across groups, and the AVAILABLE money of lots, with the bookkeeping of what the plans
 * of one database transaction have taken from them or brought into them so far.
 */
import type pg from 'pg';
import { isRegionCode } from '../platform/region-code.js';
import { badInput, LedgerError } from './errors.js';
import type { PlannedPosting } from './journal.js';
import { hot } from './store.js';
import type { PayeeType, TransactionKind } from './types.js';
import * as v from './validate.js';

/** A lot a transaction creates. */
export interface NewLot {
  fundLine: string;
  regionCode: string;
  parentLotId: string | null;
  fiscalYear: number;
  fundingSource: string;
  documentNo: string;
}

/** A read the plans need: its statement, and what its rows do to the planning context. */
export interface Read {
  statement: pg.QueryConfig;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  apply(rows: any[]): void;
}

/** A planned transaction: its header's fields, the lot it creates, its postings. */
export interface Plan {
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

  /** Beyond this many accounts the cache starts again (a county pays some tens of thousands of payees). */
  static readonly MAX_ACCOUNTS = 200_000;
  /**
   * Account ids by account key (journal.accountKey), of accounts known to be committed: accounts are
   * append-only rows and their key is unique, so a key's id never changes. A group whose accounts
   * are all known skips the account statement (a county pays the same payees every month).
   */
  readonly accounts = new Map<string, string>();

  /** Records account ids once the transaction that used them has committed (never before: a rolled-back one may have created them). */
  addAccounts(committed: Map<string, string>): void {
    if (this.accounts.size + committed.size > ReferenceCache.MAX_ACCOUNTS) this.accounts.clear();
    for (const [key, id] of committed) this.accounts.set(key, id);
  }
}

/** Reads a planner needs, on the writing connection, with bookkeeping of lot balances across the plans of one database transaction. */
export class PlanningContext {
  /** AVAILABLE balance per (region|fundLine|lotId) as seen by this request, after the plans made so far. */
  private readonly available = new Map<string, bigint>();

  /** Allocations received by the plans made so far in this transaction (a group may carry two receipts of one). */
  private readonly receipts = new Set<string>();

  /** Claims the receipt of `allocationId` for this plan: ALREADY_RECEIVED when an earlier plan of the transaction took it. */
  claimReceipt(allocationId: string): void {
    if (this.receipts.has(allocationId)) throw new LedgerError('ALREADY_RECEIVED', `allocation ${allocationId} has already been received`, 'allocationId');
    this.receipts.add(allocationId);
  }

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
    await this.load(this.availableRead(pairs));
  }

  /**
   * loadAvailable as a statement and what its rows do, for a writer that sends it together with
   * others (ledger/write.ts); null when every pair is loaded already.
   */
  availableRead(pairs: [regionCode: string, fundLine: string][]): Read | null {
    const wanted = [...new Map(pairs.map(([r, f]) => [`${r}|${f}`, [r, f] as const])).entries()].filter(([at]) => !this.lotsAt.has(at));
    if (!wanted.length) return null;
    // ledger.available_lots (Migration20261203200000_group_reads): planned once per connection, its
    // plan reaches every table through an index whatever its size then; the running balance is one
    // probe of ledger.lot_balance (see its migration for why not posting).
    const statement = hot('available_lots', 'select * from ledger.available_lots($1::text[], $2::text[])',
      [wanted.map(([, [r]]) => r), wanted.map(([, [, f]]) => f)], wanted.length);
    const apply = (rows: { region_code: string; fund_line: string; lot_id: string; fiscal_year: number; balance: string }[]) => {
      for (const [at] of wanted) this.lotsAt.set(at, []);
      for (const row of rows) {
        const key = this.availableKey(row.region_code, row.fund_line, row.lot_id);
        if (!this.available.has(key)) this.available.set(key, BigInt(row.balance));
        this.lotsAt.get(`${row.region_code}|${row.fund_line}`)!.push({ lotId: row.lot_id, fiscalYear: row.fiscal_year });
      }
    };
    return { statement, apply };
  }

  /** The regions the plans name, looked up in one statement (see availableRead); null when every region is known. */
  regionsRead(codes: string[]): Read | null {
    const missing = [...new Set(codes)].filter((code) => isRegionCode(code) && !this.reference.regions.has(code));
    if (!missing.length) return null;
    return {
      statement: hot('regions', 'select code, level, subtree_max from region where code = any($1::text[])', [missing], missing.length),
      apply: (rows: { code: string; level: string; subtree_max: string }[]) => {
        for (const row of rows) this.reference.addRegion({ code: row.code, level: row.level, subtreeMax: row.subtree_max });
      },
    };
  }

  private async load(read: Read | null): Promise<void> {
    if (read) read.apply((await this.client.query(read.statement)).rows);
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
