/**
 * The ledger's read side: transactions, balances (exact as of any date), lots with their lineage,
 * the audit trail of a payment, and chain verification. Plain SQL on a pg pool or client.
 */
import type pg from 'pg';
import { badInput, LedgerError } from './errors.js';
import { ACCOUNT_KINDS, type AccountKind, type LotRecord, type PayeeType, type PostingRecord, type TransactionKind, type TransactionRecord } from './types.js';
import * as v from './validate.js';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** verifyLedger works through the chain in chunks of this many seqs, this many at a time. */
const VERIFY_CHUNK = 50_000n;
const VERIFY_PARALLEL = 4;

/** The columns of a TransactionRecord (table alias t); also the RETURNING list of the header insert. */
export const TX_COLUMNS = `t.id::text, t.seq::text, t.kind, t.idempotency_key as "idempotencyKey", t.fund_line as "fundLine",
  t.region_code as "regionCode", t.counterpart_region_code as "counterpartRegionCode", t.effective_date::text as "effectiveDate",
  to_char(t.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "recordedAt", t.document_no as "documentNo",
  t.memo, t.actor, t.reverses_id::text as "reversesId", t.reason, t.allocation_id::text as "allocationId",
  t.payee_type as "payeeType", t.payee_id as "payeeId", t.service_month as "serviceMonth", t.benefit_code as "benefitCode",
  t.beneficiary_village_code as "beneficiaryVillageCode", encode(t.prev_hash, 'hex') as "prevHash", encode(t.hash, 'hex') as hash,
  t.proposal_id::text as "proposalId", t.proposed_by as "proposedBy", t.approved_by as "approvedBy"`;

/** Transactions by id, with their postings, in the order asked (missing ids are left out). */
export async function loadTransactions(db: Queryable, ids: readonly string[]): Promise<TransactionRecord[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query(`select ${TX_COLUMNS} from ledger.transaction t where t.id = any($1::bigint[])`, [ids]);
  const postings = await db.query(
    `select p.transaction_id::text as tx, p.id::text, p.account_id::text as "accountId", p.account_kind as "accountKind",
            p.region_code as "regionCode", p.fund_line as "fundLine", a.payee_type as "payeeType", a.payee_id as "payeeId",
            p.lot_id::text as "lotId", p.amount::text as amount, p.balance_after::text as "balanceAfter"
     from ledger.posting p join ledger.account a on a.id = p.account_id
     where p.transaction_id = any($1::bigint[]) order by p.id`,
    [ids],
  );
  const byTx = new Map<string, PostingRecord[]>();
  for (const { tx, amount, balanceAfter, ...rest } of postings.rows) {
    const list = byTx.get(tx) ?? [];
    list.push({ ...rest, amount: BigInt(amount), balanceAfter: BigInt(balanceAfter) });
    byTx.set(tx, list);
  }
  const found = new Map(rows.map((row) => [row.id as string, { ...row, postings: byTx.get(row.id) ?? [] } as TransactionRecord]));
  return ids.map((id) => found.get(id)).filter((t): t is TransactionRecord => t !== undefined);
}

export interface TransactionFilter {
  regionCode?: string | null;
  /** With regionCode: also transactions of every region below it. */
  includeDescendants?: boolean | null;
  fundLine?: string | null;
  kind?: TransactionKind | null;
  payeeType?: PayeeType | null;
  payeeId?: string | null;
  serviceMonth?: string | null;
  effectiveFrom?: string | null;
  effectiveTo?: string | null;
  documentNo?: string | null;
}

export interface BalanceLine {
  accountKind: AccountKind;
  /** Signed, debit positive: FUNDING_SOURCE is ≤ 0 (money that came in), the others ≥ 0. */
  balance: bigint;
  /** Held by pending proposals (ledger/approvals): only AVAILABLE money is held, 0 for the other kinds. */
  held: bigint;
  /** balance − held: what can still be spent (never below zero: the database refuses holds and spends beyond it). */
  available: bigint;
}

export interface TrailStep {
  /** 0 = the payment itself, then each step up towards the appropriation. */
  depth: number;
  transaction: TransactionRecord;
  lot: LotRecord;
}

export interface VerifyResult {
  fromSeq: string;
  toSeq: string;
  checked: number;
  ok: boolean;
  firstBrokenSeq: string | null;
  headSeq: string | null;
  headHash: string | null;
}

const LOT_COLUMNS = `l.id::text, l.fund_line as "fundLine", l.region_code as "regionCode", l.parent_lot_id::text as "parentLotId",
  l.fiscal_year as "fiscalYear", l.funding_source as "fundingSource", l.document_no as "documentNo",
  l.created_by_transaction_id::text as "createdByTransactionId"`;

/** One line per account kind (zero where no posting), from rows of (kind, summed balance as text). */
function perAccountKind(rows: { kind: AccountKind; balance: string }[], held = 0n): BalanceLine[] {
  const byKind = new Map(rows.map((r) => [r.kind, BigInt(r.balance)]));
  return ACCOUNT_KINDS.map((accountKind) => {
    const balance = byKind.get(accountKind) ?? 0n;
    const onHold = accountKind === 'AVAILABLE' ? held : 0n;
    return { accountKind, balance, held: onHold, available: balance - onHold };
  });
}

/** What pending proposals hold now on lots of regions in [low, high] (one fund line or all; with asOf, proposals dated up to it). */
const HELD_SQL = `select coalesce(sum(h.amount), 0)::text as held
  from ledger.hold h join ledger.lot l on l.id = h.lot_id join ledger.proposal p on p.id = h.proposal_id
  where l.region_code between $1 and $2 and ($3::text is null or l.fund_line = $3) and ($4::date is null or p.effective_date <= $4)
    and h.expires_at > now() and not exists (select from ledger.proposal_decision d where d.proposal_id = h.proposal_id)`;

export class LedgerQueries {
  constructor(private readonly db: Queryable) {}

  transactionsById(ids: readonly string[]): Promise<TransactionRecord[]> {
    return loadTransactions(this.db, ids);
  }

  /** Transactions in chain order (seq), after `afterSeq`; up to `limit` rows. */
  async transactions(filter: TransactionFilter, limit: number, afterSeq: string | null): Promise<TransactionRecord[]> {
    const params: unknown[] = [];
    const where = await this.filterSql(filter, params);
    const after = params.push(afterSeq ?? '0');
    const lim = params.push(limit);
    const { rows } = await this.db.query(
      `select t.id::text from ledger.transaction t where ${where} and t.seq > $${after}::bigint order by t.seq limit $${lim}`,
      params,
    );
    return loadTransactions(this.db, rows.map((r) => r.id));
  }

  async countTransactions(filter: TransactionFilter): Promise<number> {
    const params: unknown[] = [];
    const where = await this.filterSql(filter, params);
    const { rows } = await this.db.query(`select count(*)::int as n from ledger.transaction t where ${where}`, params);
    return rows[0].n;
  }

  private async filterSql(filter: TransactionFilter, params: unknown[]): Promise<string> {
    const where: string[] = ['true'];
    if (filter.regionCode) {
      const region = await this.region(filter.regionCode, 'regionCode');
      if (filter.includeDescendants) {
        const lo = params.push(region.code);
        const hi = params.push(region.subtreeMax);
        where.push(`(t.region_code between $${lo} and $${hi} or t.counterpart_region_code between $${lo} and $${hi})`);
      } else {
        const p = params.push(region.code);
        where.push(`(t.region_code = $${p} or t.counterpart_region_code = $${p})`);
      }
    }
    if (filter.fundLine) where.push(`t.fund_line = $${params.push(v.code(filter.fundLine, 'fundLine'))}`);
    if (filter.kind) where.push(`t.kind = $${params.push(filter.kind)}`);
    if (filter.payeeType) where.push(`t.payee_type = $${params.push(filter.payeeType)}`);
    if (filter.payeeId) where.push(`t.payee_id = $${params.push(v.requireText(filter.payeeId, 'payeeId', 64))}`);
    if (filter.serviceMonth) where.push(`t.service_month = $${params.push(v.month(filter.serviceMonth, 'serviceMonth'))}`);
    if (filter.effectiveFrom) where.push(`t.effective_date >= $${params.push(v.isoDate(filter.effectiveFrom, 'effectiveFrom'))}::date`);
    if (filter.effectiveTo) where.push(`t.effective_date <= $${params.push(v.isoDate(filter.effectiveTo, 'effectiveTo'))}::date`);
    if (filter.documentNo) where.push(`t.document_no = $${params.push(v.requireText(filter.documentNo, 'documentNo', 100))}`);
    return where.join(' and ');
  }

  private async region(code: string, field: string): Promise<{ code: string; subtreeMax: string }> {
    v.regionCode(code, field);
    const { rows } = await this.db.query(`select code, subtree_max from region where code = $1`, [code]);
    if (!rows[0]) throw new LedgerError('NOT_FOUND', `no region with code ${code}`, field);
    return { code: rows[0].code, subtreeMax: rows[0].subtree_max };
  }

  /**
   * Balance per account kind of a region (and, with includeDescendants, every region below it) for
   * one fund line or all, exactly as of the end of `asOf` (by effective date; all postings when null).
   */
  async balances(regionCode: string, fundLine: string | null, asOf: string | null, includeDescendants: boolean): Promise<BalanceLine[]> {
    const region = await this.region(regionCode, 'regionCode');
    // From the daily totals the posting trigger keeps (a property test checks them against the postings).
    const params: unknown[] = [region.code, includeDescendants ? region.subtreeMax : region.code];
    let where = `d.region_code between $1 and $2`;
    if (fundLine) where += ` and d.fund_line = $${params.push(v.code(fundLine, 'fundLine'))}`;
    if (asOf) where += ` and d.effective_date <= $${params.push(v.isoDate(asOf, 'asOf'))}::date`;
    const { rows } = await this.db.query(
      `select d.account_kind as kind, sum(d.amount)::text as balance from ledger.daily_total d where ${where} group by d.account_kind`,
      params,
    );
    const held = await this.db.query(HELD_SQL, [params[0], params[1], fundLine, asOf]);
    return perAccountKind(rows, BigInt(held.rows[0].held));
  }

  async lots(ids: readonly string[]): Promise<LotRecord[]> {
    const { rows } = await this.db.query(`select ${LOT_COLUMNS} from ledger.lot l where l.id = any($1::bigint[])`, [ids]);
    const found = new Map(rows.map((r) => [r.id as string, r as LotRecord]));
    return ids.map((id) => found.get(id)).filter((l): l is LotRecord => l !== undefined);
  }

  /** The lot and every lot above it, nearest first. */
  async lineage(lotId: string): Promise<LotRecord[]> {
    const { rows } = await this.db.query(
      `with recursive up as (
         select l.*, 0 as depth from ledger.lot l where l.id = $1
         union all
         select l.*, up.depth + 1 from ledger.lot l join up on l.id = up.parent_lot_id)
       select ${LOT_COLUMNS} from up l order by l.depth`,
      [lotId],
    );
    return rows as LotRecord[];
  }

  async childLots(lotId: string): Promise<LotRecord[]> {
    const { rows } = await this.db.query(`select ${LOT_COLUMNS} from ledger.lot l where l.parent_lot_id = $1 order by l.id`, [lotId]);
    return rows as LotRecord[];
  }

  /** Transactions that moved money of this lot, in chain order. */
  async lotTransactions(lotId: string): Promise<TransactionRecord[]> {
    const { rows } = await this.db.query(
      `select t.id::text from ledger.transaction t where t.id in (select transaction_id from ledger.posting where lot_id = $1) order by t.seq`,
      [lotId],
    );
    return loadTransactions(this.db, rows.map((r) => r.id));
  }

  /** AVAILABLE / IN_TRANSIT_DOWN / EXPENDITURE totals of one lot. */
  async lotBalances(lotId: string): Promise<BalanceLine[]> {
    const { rows } = await this.db.query(
      `select account_kind as kind, sum(amount)::text as balance from ledger.posting where lot_id = $1 group by account_kind`,
      [lotId],
    );
    const held = await this.db.query('select ledger.lot_held($1)::text as held', [lotId]);
    return perAccountKind(rows, BigInt(held.rows[0].held));
  }

  // ---- the same Lot reads for many lots at once (one statement each, for DataLoaders) ------------

  /** lineage() of each lot, keyed by lot id (an unknown id maps to []). */
  async lineageOfLots(lotIds: readonly string[]): Promise<Map<string, LotRecord[]>> {
    const result = new Map<string, LotRecord[]>(lotIds.map((id) => [id, []]));
    if (!lotIds.length) return result;
    const { rows } = await this.db.query(
      `with recursive up as (
         select l.*, l.id as start_id, 0 as depth from ledger.lot l where l.id = any($1::bigint[])
         union all
         select l.*, up.start_id, up.depth + 1 from ledger.lot l join up on l.id = up.parent_lot_id)
       select l.start_id::text as "startId", ${LOT_COLUMNS} from up l order by l.start_id, l.depth`,
      [lotIds],
    );
    for (const { startId, ...lot } of rows) result.get(startId)?.push(lot as LotRecord);
    return result;
  }

  /** childLots() of each lot, keyed by lot id. */
  async childLotsOfLots(lotIds: readonly string[]): Promise<Map<string, LotRecord[]>> {
    const result = new Map<string, LotRecord[]>(lotIds.map((id) => [id, []]));
    if (!lotIds.length) return result;
    const { rows } = await this.db.query(`select ${LOT_COLUMNS} from ledger.lot l where l.parent_lot_id = any($1::bigint[]) order by l.id`, [lotIds]);
    for (const lot of rows as LotRecord[]) result.get(lot.parentLotId!)?.push(lot);
    return result;
  }

  /**
   * A page of the transactions paid to each of many payees of one type (chain order, after `afterSeq`,
   * up to `limit` each), keeping only those whose region or counterpart lies in [low, high]; keyed by
   * payee id. One statement for the page of every payee (a lateral walk of the payee index).
   */
  async transactionsOfPayees(
    payeeType: PayeeType,
    payeeIds: readonly string[],
    scope: readonly [string, string],
    limit: number,
    afterSeq: string | null,
  ): Promise<Map<string, TransactionRecord[]>> {
    const result = new Map<string, TransactionRecord[]>(payeeIds.map((id) => [id, []]));
    if (!payeeIds.length || limit <= 0) return result;
    const { rows } = await this.db.query(
      `select p.payee_id as payee, t.id::text as tx
       from unnest($1::text[]) p (payee_id)
       cross join lateral (
         select t.id, t.seq from ledger.transaction t
         where t.payee_type = $2 and t.payee_id = p.payee_id and t.seq > $3::bigint
           and (t.region_code between $4 and $5 or t.counterpart_region_code between $4 and $5)
         order by t.seq limit $6) t
       order by p.payee_id, t.seq`,
      [payeeIds, payeeType, afterSeq ?? '0', scope[0], scope[1], limit],
    );
    const loaded = new Map((await loadTransactions(this.db, rows.map((r) => r.tx as string))).map((t) => [t.id, t]));
    for (const row of rows) result.get(row.payee)?.push(loaded.get(row.tx)!);
    return result;
  }

  /** How many transactions were paid to each payee, inside [low, high] as above; keyed by payee id. */
  async countTransactionsOfPayees(payeeType: PayeeType, payeeIds: readonly string[], scope: readonly [string, string]): Promise<Map<string, number>> {
    const { rows } = payeeIds.length
      ? await this.db.query(
          `select t.payee_id as payee, count(*)::int as n from ledger.transaction t
           where t.payee_type = $2 and t.payee_id = any($1::text[])
             and (t.region_code between $3 and $4 or t.counterpart_region_code between $3 and $4)
           group by t.payee_id`,
          [payeeIds, payeeType, scope[0], scope[1]],
        )
      : { rows: [] };
    return new Map(rows.map((r) => [r.payee as string, r.n as number]));
  }

  /**
   * A page of each lot's transactions (chain order, after `afterSeq`, up to `limit` each), keeping
   * those whose region or counterpart lies in [low, high]; keyed by lot id. One statement for all.
   */
  async transactionPagesOfLots(lotIds: readonly string[], scope: readonly [string, string], limit: number, afterSeq: string | null): Promise<Map<string, TransactionRecord[]>> {
    const result = new Map<string, TransactionRecord[]>(lotIds.map((id) => [id, []]));
    if (!lotIds.length || limit <= 0) return result;
    const { rows } = await this.db.query(
      `select l.id::text as lot, t.id::text as tx
       from unnest($1::bigint[]) l (id)
       cross join lateral (
         select t.id, t.seq from ledger.transaction t
         where t.id in (select p.transaction_id from ledger.posting p where p.lot_id = l.id)
           and t.seq > $2::bigint and (t.region_code between $3 and $4 or t.counterpart_region_code between $3 and $4)
         order by t.seq limit $5) t
       order by l.id, t.seq`,
      [lotIds, afterSeq ?? '0', scope[0], scope[1], limit],
    );
    const loaded = new Map((await loadTransactions(this.db, [...new Set(rows.map((r) => r.tx as string))])).map((t) => [t.id, t]));
    for (const row of rows) result.get(row.lot)?.push(loaded.get(row.tx)!);
    return result;
  }

  /** How many transactions moved money of each lot, inside [low, high] as above; keyed by lot id. */
  async countTransactionsOfLots(lotIds: readonly string[], scope: readonly [string, string]): Promise<Map<string, number>> {
    const { rows } = lotIds.length
      ? await this.db.query(
          `select p.lot_id::text as lot, count(distinct t.id)::int as n
           from ledger.posting p join ledger.transaction t on t.id = p.transaction_id
           where p.lot_id = any($1::bigint[]) and (t.region_code between $2 and $3 or t.counterpart_region_code between $2 and $3)
           group by p.lot_id`,
          [lotIds, scope[0], scope[1]],
        )
      : { rows: [] };
    return new Map(rows.map((r) => [r.lot as string, r.n as number]));
  }

  /** lotBalances() of each lot, keyed by lot id. */
  async balancesOfLots(lotIds: readonly string[]): Promise<Map<string, BalanceLine[]>> {
    const { rows } = lotIds.length
      ? await this.db.query(
          `select lot_id::text as lot, account_kind as kind, sum(amount)::text as balance from ledger.posting
           where lot_id = any($1::bigint[]) group by lot_id, account_kind`,
          [lotIds],
        )
      : { rows: [] as { lot: string; kind: AccountKind; balance: string }[] };
    const byLot = new Map<string, { kind: AccountKind; balance: string }[]>();
    for (const row of rows) byLot.set(row.lot, [...(byLot.get(row.lot) ?? []), row]);
    const held = lotIds.length
      ? await this.db.query('select l::text as lot, ledger.lot_held(l)::text as held from unnest($1::bigint[]) l', [lotIds])
      : { rows: [] as { lot: string; held: string }[] };
    const heldOf = new Map(held.rows.map((r) => [r.lot as string, BigInt(r.held)]));
    return new Map(lotIds.map((id) => [id, perAccountKind(byLot.get(id) ?? [], heldOf.get(id) ?? 0n)]));
  }

  /**
   * The audit trail of a payment: the disbursement, then for each lot up the lineage the
   * transaction(s) that brought the money there — receipt and allocation — up to the appropriation.
   */
  async trail(transactionId: string): Promise<TrailStep[]> {
    v.id(transactionId, 'transactionId');
    const [start] = await loadTransactions(this.db, [transactionId]);
    if (!start) throw new LedgerError('NOT_FOUND', `no transaction ${transactionId}`, 'transactionId');
    const lotId = start.postings[0]?.lotId;
    if (!lotId) throw badInput(`transaction ${transactionId} has no postings`, 'transactionId');
    const lineage = await this.lineage(start.kind === 'ALLOCATION' ? start.postings.find((p) => p.accountKind === 'AVAILABLE')!.lotId : lotId);
    const { rows } = await this.db.query(
      `select l.id::text as lot, t.id::text as tx
       from ledger.lot l join ledger.transaction t on t.id = l.created_by_transaction_id or (t.kind = 'ALLOCATION_RECEIVED' and t.allocation_id = l.created_by_transaction_id)
       where l.id = any($1::bigint[]) order by t.seq desc`,
      [lineage.map((l) => l.id)],
    );
    const txs = new Map((await loadTransactions(this.db, [...new Set(rows.map((r) => r.tx))])).map((t) => [t.id, t]));
    const steps: TrailStep[] = [{ depth: 0, transaction: start, lot: lineage[0]! }];
    let depth = 1;
    for (const lot of lineage) {
      for (const row of rows.filter((r) => r.lot === lot.id)) {
        if (row.tx === start.id) continue;
        steps.push({ depth: depth++, transaction: txs.get(row.tx)!, lot });
      }
    }
    return steps;
  }

  /** Recomputes the hash chain over [fromSeq, toSeq] (defaults: the whole chain). */
  async verify(fromSeq: string | null, toSeq: string | null): Promise<VerifyResult> {
    const head = await this.db.query(
      `select t.seq::text as seq, encode(t.hash, 'hex') as hash from ledger.transaction t order by t.seq desc limit 1`,
    );
    const headSeq: string | null = head.rows[0]?.seq ?? null;
    if (headSeq === null && fromSeq === null && toSeq === null) {
      return { fromSeq: '1', toSeq: '0', checked: 0, ok: true, firstBrokenSeq: null, headSeq: null, headHash: null };
    }
    const from = fromSeq ?? '1';
    const to = toSeq ?? headSeq ?? '0';
    for (const [value, field] of [[from, 'fromSeq'], [to, 'toSeq']] as const) {
      if (!/^[0-9]{1,18}$/.test(value)) throw badInput(`${field} must be a sequence number`, field);
    }
    if (BigInt(from) < 1n) throw badInput('fromSeq starts at 1', 'fromSeq');
    if (BigInt(to) < BigInt(from)) throw badInput('toSeq is before fromSeq', 'toSeq');
    // Chunks of VERIFY_CHUNK seqs (each also checks the link into it), VERIFY_PARALLEL at a time so
    // that every core works without taking the whole pool; the first broken seq is the smallest any
    // chunk reports.
    const chunks: [bigint, bigint][] = [];
    for (let a = BigInt(from); a <= BigInt(to); a += VERIFY_CHUNK) {
      chunks.push([a, a + VERIFY_CHUNK - 1n < BigInt(to) ? a + VERIFY_CHUNK - 1n : BigInt(to)]);
    }
    const answers: { broken: string | null; checked: number }[] = new Array(chunks.length);
    let next = 0;
    await Promise.all(
      // On one client (not a pool) the chunks go one after the other.
      Array.from({ length: Math.min('release' in this.db ? 1 : VERIFY_PARALLEL, chunks.length) }, async () => {
        while (next < chunks.length) {
          const i = next++;
          const [a, b] = chunks[i]!;
          const { rows } = await this.db.query(
            `select ledger.verify_chain($1, $2)::text as broken,
                    (select count(*)::int from ledger.transaction where seq between $1 and $2) as checked`,
            [a.toString(), b.toString()],
          );
          answers[i] = rows[0] as { broken: string | null; checked: number };
        }
      }),
    );
    const brokenSeqs = answers.map((r) => r.broken).filter((b): b is string => b !== null).map(BigInt);
    const broken = brokenSeqs.length ? brokenSeqs.reduce((m, b) => (b < m ? b : m)).toString() : null;
    const checked = answers.reduce((sum, r) => sum + r.checked, 0);
    const expected = headSeq === null ? 0n : (BigInt(to) < BigInt(headSeq) ? BigInt(to) : BigInt(headSeq)) - BigInt(from) + 1n;
    const missing = headSeq !== null && BigInt(checked) < expected;
    return {
      fromSeq: from,
      toSeq: to,
      checked,
      ok: broken === null && !missing,
      firstBrokenSeq: broken,
      headSeq,
      headHash: head.rows[0]?.hash ?? null,
    };
  }
}
