/**
 * Row sources of an export: the transactions, trail steps and accounts of a region's subtree over a
 * period, read in batches (keyset on seq) from ONE repeatable-read snapshot, so that the counts
 * taken first, the access-log row and every batch describe the same state of the ledger and memory
 * stays bounded whatever the size of the export.
 *
 * In scope is what the API's `transactions(filter: {regionCode, includeDescendants: true})` returns:
 * a transaction whose region or counterpart lies in the subtree (a county sees the allocations it
 * received from the city, with the city's side of their postings).
 */
import type pg from 'pg';
import { LedgerError } from '../errors.js';
import { loadTransactions } from '../queries.js';
import { computeTrialBalance, type TrialBalanceLine } from '../periods/trial-balance.js';
import type { AccountKind, FundingSource, PayeeType, TransactionKind, TransactionRecord } from '../types.js';

export interface ExportScope {
  regionCode: string;
  regionName: string;
  /** Last code of the subtree (region.subtree_max). */
  subtreeMax: string;
  from: string | null;
  to: string | null;
  fundLine: string | null;
}

export interface ChainHead {
  /** Seq of the newest transaction in the snapshot ('0' for an empty ledger). */
  seq: string;
  hash: string | null;
}

/** One step of a payment's trail back to its appropriation (see LedgerQueries.trail). */
export interface TrailRow {
  paymentSeq: string;
  paymentDate: string;
  payeeType: PayeeType | null;
  payeeId: string | null;
  paymentAmount: bigint;
  /** 0 = the payment itself, then each step up towards the appropriation. */
  depth: number;
  kind: TransactionKind;
  seq: string;
  effectiveDate: string;
  regionCode: string;
  documentNo: string | null;
  /** The transaction's largest debit: the amount that moved. */
  amount: bigint;
  actor: string;
  lotId: string;
  lotDocumentNo: string;
  fiscalYear: number;
  fundingSource: FundingSource;
  fundLine: string;
}

export interface AccountRow {
  id: string;
  regionCode: string;
  fundLine: string;
  kind: AccountKind;
  payeeType: PayeeType | null;
  payeeId: string | null;
}

/** The longest one statement of an export may run (ms). */
const EXPORT_STATEMENT_TIMEOUT_MS = 300_000;

/** Transactions in scope, as SQL over `t` with the scope's parameters $1…$5. */
const IN_SCOPE = `(t.region_code between $1 and $2 or t.counterpart_region_code between $1 and $2)
  and ($3::date is null or t.effective_date >= $3::date) and ($4::date is null or t.effective_date <= $4::date)
  and ($5::text is null or t.fund_line = $5::text)`;

/** The trail steps of the payments in `pay` (a CTE of id, seq, lot_id), numbered as LedgerQueries.trail numbers them. */
const TRAIL_STEPS = `
  up as (
    select pay.id as pay_id, l.id as lot_id, l.parent_lot_id, l.created_by_transaction_id as created_by, 0 as level
    from pay join ledger.lot l on l.id = pay.lot_id
    union all
    select up.pay_id, l.id, l.parent_lot_id, l.created_by_transaction_id, up.level + 1 from up join ledger.lot l on l.id = up.parent_lot_id),
  linked as (
    select up.pay_id, up.lot_id, up.level, t.id as tx_id, t.seq from up join ledger.transaction t on t.id = up.created_by
    union all
    select up.pay_id, up.lot_id, up.level, t.id, t.seq from up join ledger.transaction t on t.allocation_id = up.created_by and t.kind = 'ALLOCATION_RECEIVED'),
  steps as (
    select pay.id as pay_id, pay.lot_id, 0 as depth, pay.id as tx_id from pay
    union all
    select pay_id, lot_id, row_number() over (partition by pay_id order by level, seq desc)::int, tx_id from linked where tx_id <> pay_id)`;

export class BooksReader {
  private readonly regionNames = new Map<string, string>();
  private fundLineNames = new Map<string, string>();
  private trialBalance: Promise<TrialBalanceLine[]> | null = null;

  private constructor(
    private readonly client: pg.PoolClient,
    readonly scope: ExportScope,
  ) {}

  /**
   * Opens the snapshot on a connection of its own (REPEATABLE READ, READ ONLY) and resolves the
   * region; NOT_FOUND when there is no such region. Call close() when done.
   */
  static async open(pool: pg.Pool, request: { regionCode: string; from: string | null; to: string | null; fundLine: string | null }): Promise<BooksReader> {
    const client = await pool.connect();
    try {
      await client.query('begin isolation level repeatable read read only');
      // An export reads a whole region's books: its counts and batches may take longer than the API's
      // per-statement limit (DB_STATEMENT_TIMEOUT_MS, 15 s), which guards interactive queries.
      await client.query(`set local statement_timeout = ${EXPORT_STATEMENT_TIMEOUT_MS}`);
      const { rows } = await client.query(`select code, name, subtree_max from region where code = $1`, [request.regionCode]);
      if (!rows[0]) throw new LedgerError('NOT_FOUND', `no region with code ${request.regionCode}`, 'region');
      if (request.fundLine) {
        const line = await client.query(`select 1 from ledger.fund_line where code = $1`, [request.fundLine]);
        if (!line.rows[0]) throw new LedgerError('NOT_FOUND', `no fund line ${request.fundLine}`, 'fundLine');
      }
      const reader = new BooksReader(client, { ...request, regionName: rows[0].name, subtreeMax: rows[0].subtree_max });
      const lines = await client.query(`select code, name_zh from ledger.fund_line`);
      reader.fundLineNames = new Map(lines.rows.map((r) => [r.code, r.name_zh]));
      reader.regionNames.set(rows[0].code, rows[0].name);
      return reader;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      client.release();
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.query('commit');
    } finally {
      this.client.release();
    }
  }

  /** Drops the connection instead of returning it (after a failure mid-stream). */
  abort(error: Error): void {
    this.client.release(error);
  }

  private get params(): unknown[] {
    const s = this.scope;
    return [s.regionCode, s.subtreeMax, s.from, s.to, s.fundLine];
  }

  /** The scope's parameters without its `from` date: from the ledger's beginning up to `to`. */
  private get paramsSinceBeginning(): unknown[] {
    const s = this.scope;
    return [s.regionCode, s.subtreeMax, null, s.to, s.fundLine];
  }

  regionName(code: string | null): string {
    return code ? (this.regionNames.get(code) ?? code) : '';
  }

  fundLineName(code: string): string {
    return this.fundLineNames.get(code) ?? code;
  }

  /** Loads the names of these regions (once each), for regionName(). */
  private async learnRegions(codes: Iterable<string | null>): Promise<void> {
    const unknown = [...new Set([...codes].filter((c): c is string => !!c && !this.regionNames.has(c)))];
    if (!unknown.length) return;
    const { rows } = await this.client.query(`select code, name from region where code = any($1::text[])`, [unknown]);
    for (const row of rows) this.regionNames.set(row.code, row.name);
  }

  async head(): Promise<ChainHead> {
    const { rows } = await this.client.query(`select t.seq::text, encode(t.hash, 'hex') as hash from ledger.transaction t order by t.seq desc limit 1`);
    return { seq: rows[0]?.seq ?? '0', hash: rows[0]?.hash ?? null };
  }

  /**
   * The month's trial balance of the scope's fund line, summed over the subtree, from this snapshot
   * (the same figures as the API's `trialBalance(includeDescendants: true)` at the same chain head).
   * Computed once: counted first, then written.
   */
  trialBalanceLines(month: string): Promise<TrialBalanceLine[]> {
    this.trialBalance ??= this.head().then((head) =>
      computeTrialBalance(this.client, { regionCode: this.scope.regionCode, fundLine: this.scope.fundLine!, monthStart: `${month}-01`, scope: 'SUBTREE', atSeq: head.seq }),
    );
    return this.trialBalance;
  }

  async countTransactions(): Promise<{ transactions: number; postings: number }> {
    const { rows } = await this.client.query(
      `select count(*)::int as transactions, coalesce(sum((select count(*) from ledger.posting p where p.transaction_id = t.id)), 0)::int as postings
       from ledger.transaction t where ${IN_SCOPE}`,
      this.params,
    );
    return rows[0];
  }

  async countTrailSteps(): Promise<number> {
    const { rows } = await this.client.query(
      `with recursive pay as (${this.paymentsSql('')}), ${TRAIL_STEPS} select count(*)::int as n from steps`,
      this.params,
    );
    return rows[0].n;
  }

  /** The transactions in scope with their postings, in chain order, `size` at a time. */
  async *transactionBatches(size = 1000): AsyncGenerator<TransactionRecord[]> {
    let after = '0';
    for (;;) {
      const { rows } = await this.client.query(
        `select t.id::text, t.seq::text from ledger.transaction t where ${IN_SCOPE} and t.seq > $6::bigint order by t.seq limit $7`,
        [...this.params, after, size],
      );
      if (!rows.length) return;
      const batch = await loadTransactions(this.client, rows.map((r) => r.id));
      await this.learnRegions(batch.flatMap((t) => [t.regionCode, t.counterpartRegionCode, ...t.postings.map((p) => p.regionCode)]));
      yield batch;
      after = rows[rows.length - 1].seq;
      if (rows.length < size) return;
    }
  }

  private paymentsSql(page: string): string {
    return `select t.id, t.seq, (select p.lot_id from ledger.posting p where p.transaction_id = t.id order by p.id limit 1) as lot_id
            from ledger.transaction t where ${IN_SCOPE} and t.kind = 'DISBURSEMENT' ${page}`;
  }

  /** The trail steps of every payment (DISBURSEMENT) in scope, payment by payment in chain order, `size` payments at a time. */
  async *trailBatches(size = 500): AsyncGenerator<TrailRow[]> {
    let after = '0';
    for (;;) {
      const { rows } = await this.client.query(
        `with recursive pay as (${this.paymentsSql('and t.seq > $6::bigint order by t.seq limit $7')}), ${TRAIL_STEPS}
         select p.seq::text as "paymentSeq", p.effective_date::text as "paymentDate", p.payee_type as "payeeType", p.payee_id as "payeeId",
                (select max(x.amount) from ledger.posting x where x.transaction_id = p.id)::text as "paymentAmount",
                s.depth, t.kind, t.seq::text, t.effective_date::text as "effectiveDate", t.region_code as "regionCode", t.document_no as "documentNo",
                (select max(x.amount) from ledger.posting x where x.transaction_id = t.id)::text as amount, t.actor,
                l.id::text as "lotId", l.document_no as "lotDocumentNo", l.fiscal_year as "fiscalYear", l.funding_source as "fundingSource", l.fund_line as "fundLine"
         from steps s join ledger.transaction p on p.id = s.pay_id join ledger.transaction t on t.id = s.tx_id join ledger.lot l on l.id = s.lot_id
         order by p.seq, s.depth`,
        [...this.params, after, size],
      );
      if (!rows.length) return;
      await this.learnRegions(rows.map((r) => r.regionCode));
      yield rows.map((r) => ({ ...r, paymentAmount: BigInt(r.paymentAmount), amount: BigInt(r.amount) }) as TrailRow);
      const last = rows[rows.length - 1].paymentSeq as string;
      after = last;
      const payments = new Set(rows.map((r) => r.paymentSeq)).size;
      if (payments < size) return;
    }
  }

  /**
   * With a `from` date: every account's balance the day before it, summed over the transactions that
   * would be in scope without the `from` limit (so opening balances plus the period's movements are
   * the balances at `to`); non-zero ones only, by account id. They sum to zero, as every transaction
   * does. Empty without `from`.
   */
  async openingBalances(): Promise<(AccountRow & { balance: bigint })[]> {
    if (!this.scope.from) return [];
    const { rows } = await this.client.query(
      `select a.id::text, a.region_code as "regionCode", a.fund_line as "fundLine", a.kind, a.payee_type as "payeeType", a.payee_id as "payeeId",
              sum(p.amount)::text as balance
       from ledger.transaction t join ledger.posting p on p.transaction_id = t.id join ledger.account a on a.id = p.account_id
       where ${IN_SCOPE} and t.effective_date < $6::date
       group by a.id having sum(p.amount) <> 0 order by a.id`,
      [...this.paramsSinceBeginning, this.scope.from],
    );
    await this.learnRegions(rows.map((r) => r.regionCode));
    return rows.map((r) => ({ ...r, balance: BigInt(r.balance) }));
  }

  /**
   * Every account a transaction in scope posts to, by id, `size` at a time (the journal declares them
   * first): one pass over the scope's postings through a cursor, rather than a probe per account.
   * `withOpening`: also those of the transactions before `from` (the opening entry's accounts).
   */
  async *accountBatches(size = 2000, withOpening = false): AsyncGenerator<AccountRow[]> {
    await this.client.query(
      `declare export_accounts no scroll cursor for
       select a.id::text, a.region_code as "regionCode", a.fund_line as "fundLine", a.kind, a.payee_type as "payeeType", a.payee_id as "payeeId"
       from ledger.account a
       where a.id in (select p.account_id from ledger.posting p join ledger.transaction t on t.id = p.transaction_id where ${IN_SCOPE})
       order by a.id`,
      withOpening ? this.paramsSinceBeginning : this.params,
    );
    try {
      for (;;) {
        const { rows } = await this.client.query(`fetch ${size} from export_accounts`);
        if (!rows.length) return;
        await this.learnRegions(rows.map((r) => r.regionCode));
        yield rows as AccountRow[];
        if (rows.length < size) return;
      }
    } finally {
      await this.client.query('close export_accounts');
    }
  }
}
