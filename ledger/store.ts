/**
 * The ledger's inserts: lots, accounts, postings and transaction headers of planned requests, each
 * kind of row in one set-based statement (unnest of arrays) whatever the number of requests.
 * Hand-written SQL, not the ORM: this is the write path's hot loop, and its statements (their names,
 * their shapes, which of them are prepared) were chosen by measurement (docs/performance.md).
 */
import type pg from 'pg';
import { inOrder } from '../platform/pipeline.js';
import { accountKey, type AccountKey } from './journal.js';
import type { Plan } from './planning.js';
import { TX_COLUMNS } from './queries.js';
import type { Request } from './requests.js';
import type { PostingRecord, TransactionRecord } from './types.js';

/** Statements over at most this many rows are named (prepared); larger ones (big batches) are planned for their size. */
const PREPARED_MAX_ROWS = 1024;

/**
 * A hot statement of the write path, named when it carries few rows: PostgreSQL then parses and plans
 * it once per connection instead of on every group (its generic plan is made for small arrays).
 */
export function hot(name: string, text: string, values: unknown[], rows: number): pg.QueryConfig {
  return rows <= PREPARED_MAX_ROWS ? { name: `ledger_${name}`, text, values } : { text, values };
}

const NO_ACCOUNTS: ReadonlyMap<string, string> = new Map();

/** What insertPlanned wrote: each request's transaction, and the ids of the accounts its postings use, by account key. */
export interface Inserted {
  records: TransactionRecord[];
  accounts: Map<string, string>;
}

/**
 * The transaction's COMMIT sent in the same flight as its rows (the group writer's last round trip):
 * `sent` is told as soon as that flight has gone.
 */
export interface CommitWithRows {
  sent: () => void;
}

/** A planned request with the id its transaction will have. */
export interface Planned {
  request: Request;
  actor: string;
  plan: Plan;
  id: string;
}

/**
 * Inserts what the postings of planned requests need (a new lot, new accounts) and builds their
 * insert, sorted by lot (lot locks in ascending order). Shared by insertPlanned and
 * insertPostingsOnly.
 */
async function stagePostings(client: pg.PoolClient, planned: Planned[], known: ReadonlyMap<string, string>) {
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
  const accounts = await accountIds(client, [...accountKeys.values()], known);
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
  const postingsStatement = hot('insert_postings',
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
  );
  return { postingsStatement, accounts, accountById };
}

/**
 * Inserts only the postings of planned requests (after their lots and accounts): the posting
 * trigger checks them as it would in a real write — balances as of their dates, holds, periods.
 * For a dry run under a savepoint the caller rolls back (approvals: a proposal must be postable).
 */
export async function insertPostingsOnly(client: pg.PoolClient, planned: Planned[]): Promise<void> {
  const { postingsStatement } = await stagePostings(client, planned, NO_ACCOUNTS);
  await client.query(postingsStatement);
}

/**
 * Inserts planned requests (with their transaction ids): lots, accounts, postings sorted by lot (so
 * lot locks are taken in ascending order), then the headers in request order (each takes its seq
 * and hash). Answers each request's transaction as stored, from RETURNING (no read-back). With
 * `commit`, COMMIT follows the headers in their flight: answers come back only if it committed; if
 * any statement fails, the transaction is over (rolled back) and the error is thrown.
 */
export async function insertPlanned(client: pg.PoolClient, planned: Planned[], known: ReadonlyMap<string, string> = NO_ACCOUNTS, commit?: CommitWithRows): Promise<Inserted> {
  const { postingsStatement, accounts, accountById } = await stagePostings(client, planned, known);
  const column = <T>(pick: (f: Planned) => T) => planned.map(pick);
  const headersStatement = hot('insert_transactions',
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
  );
  // Postings first (sorted by lot: lot locks in ascending order), then the headers in request order
  // (each takes its seq and hash); one round trip on the group writer's pipelined connection.
  const flight = inOrder(client, commit ? [postingsStatement, headersStatement, 'commit'] : [postingsStatement, headersStatement]);
  commit?.sent();
  const [inserted, headers, committed] = (await flight) as [pg.QueryResult, pg.QueryResult, pg.QueryResult?];
  // COMMIT of a transaction that failed answers ROLLBACK without an error: never taken for a commit.
  if (commit && committed?.command !== 'COMMIT') throw new Error(`internal: the transaction's COMMIT answered ${committed?.command}`);
  const byTx = new Map<string, PostingRecord[]>();
  for (const { tx, amount, balanceAfter, ...rest } of inserted.rows) {
    const account = accountById.get(rest.accountId)!;
    const list = byTx.get(tx) ?? [];
    list.push({ ...rest, payeeType: account.payeeType, payeeId: account.payeeId, amount: BigInt(amount), balanceAfter: BigInt(balanceAfter) });
    byTx.set(tx, list);
  }
  for (const list of byTx.values()) list.sort((a, b) => compareIds(a.id, b.id));

  const records = new Map(headers.rows.map((row) => [row.id as string, { ...row, postings: byTx.get(row.id) ?? [] } as TransactionRecord]));
  return { records: planned.map((f) => records.get(f.id)!), accounts };
}

/**
 * Finds or creates the accounts (accounts are append-only rows, created on first use). Ids in
 * `known` (committed accounts, ReferenceCache.accounts) are taken as they are: no statement at all
 * when every account is known.
 */
export async function accountIds(client: pg.PoolClient, keys: AccountKey[], known: ReadonlyMap<string, string> = NO_ACCOUNTS): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const unknown = new Map<string, AccountKey>();
  for (const k of keys) {
    const key = accountKey(k);
    const id = known.get(key);
    if (id) ids.set(key, id);
    else unknown.set(key, k);
  }
  if (unknown.size) for (const [key, id] of await findOrCreateAccounts(client, [...unknown.values()])) ids.set(key, id);
  return ids;
}

async function findOrCreateAccounts(client: pg.PoolClient, unique: AccountKey[]): Promise<Map<string, string>> {
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

/** Orders bigint ids given as text (shorter is smaller), without parsing them. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
