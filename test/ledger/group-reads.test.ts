/**
 * The two reads each group of writes starts with (Migration20261203200000_group_reads): the
 * committed transactions carrying the group's idempotency keys, and the lots with their AVAILABLE
 * balances less pending holds. They are planned once per connection; the plan is made while the
 * ledger is small and stays in use as it grows, so it must probe an index for each pair asked and
 * read nothing else — on a ledger of a handful of rows PostgreSQL would otherwise scan whole tables
 * (or whole indexes, for a hash join), and keep doing so on a ledger of millions.
 */
import type pg from 'pg';
import { COUNTY, createLedgerFixture, disbursement, fundCounty, key, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
let lot: string;
beforeAll(async () => {
  fx = await createLedgerFixture();
  lot = await fundCounty(fx, 500_000n);
});
afterAll(async () => {
  await fx.db.drop();
});

const TABLES = ['ledger.transaction', 'ledger.lot', 'ledger.account', 'ledger.lot_balance', 'ledger.hold'];
const NO_SEQUENTIAL_SCANS = Object.fromEntries(TABLES.map((table) => [table, 0]));

/**
 * Runs `calls` in one transaction, on one connection (where the plans are kept), and returns what they read, the sequential scans they made of the
 * ledger's tables and the rows they fetched from each through an index.
 */
async function inOneTransaction<T>(calls: (client: pg.PoolClient) => Promise<T>): Promise<{ result: T; seqScans: Record<string, number>; fetched: Record<string, number> }> {
  const client = await fx.db.pool.connect();
  try {
    await client.query('begin');
    const result = await calls(client);
    const { rows } = await client.query(
      `select schemaname || '.' || relname as name, seq_scan, idx_tup_fetch from pg_stat_xact_user_tables where schemaname || '.' || relname = any($1)`,
      [TABLES],
    );
    await client.query('rollback');
    return {
      result,
      seqScans: Object.fromEntries(rows.map((r) => [r.name, Number(r.seq_scan)])),
      fetched: Object.fromEntries(rows.map((r) => [r.name, Number(r.idx_tup_fetch)])),
    };
  } finally {
    client.release();
  }
}

test('the committed transactions of a set of keys: those that exist, in any region asked, and never a sequential scan', async () => {
  const paid = await fx.ledger.disburse(disbursement(fx, { idempotencyKey: 'reads-1', amount: 1_000n }), 'clerk');
  for (let i = 0; i < 5; i++) await fx.ledger.disburse(disbursement(fx, { amount: 1_000n }), 'clerk');
  const { result, seqScans, fetched } = await inOneTransaction(async (client) => {
    let rows: Record<string, unknown>[] = [];
    // More than five calls: PL/pgSQL switches to its cached generic plan after five.
    for (let i = 0; i < 8; i++) {
      rows = (await client.query('select * from ledger.keyed_transactions($1::text[], $2::text[])', [[COUNTY, COUNTY, '320300000000'], ['reads-1', key('none'), 'reads-1']])).rows;
    }
    return rows;
  });
  expect(result).toEqual([{ id: paid.transaction.id, region_code: COUNTY, idempotency_key: 'reads-1', request_hash: expect.any(Buffer) }]);
  expect(seqScans).toEqual(NO_SEQUENTIAL_SCANS);
  expect(fetched['ledger.transaction']).toBe(8); // the one row found, once a call: no other transaction read
});

test('the lots of a region and fund line: AVAILABLE balance less what pending proposals hold, oldest first, and never a sequential scan', async () => {
  const balance = async () => BigInt((await fx.db.pool.query(
    `select b.balance_after from ledger.lot_balance b join ledger.account a on a.id = b.account_id
     where b.lot_id = $1 and a.kind = 'AVAILABLE' and a.region_code = $2`, [lot, COUNTY])).rows[0].balance_after);
  const { result, seqScans, fetched } = await inOneTransaction(async (client) => {
    let rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 8; i++) {
      rows = (await client.query('select * from ledger.available_lots($1::text[], $2::text[])', [[COUNTY, COUNTY], ['SENIOR_ALLOWANCE', 'HARDSHIP_SUPPORT']])).rows;
    }
    return rows;
  });
  expect(result).toEqual([{ region_code: COUNTY, fund_line: 'SENIOR_ALLOWANCE', lot_id: lot, fiscal_year: expect.any(Number), balance: String(await balance()) }]);
  expect(seqScans).toEqual(NO_SEQUENTIAL_SCANS);
  // Once a call: the lot, the county's AVAILABLE account (not its payees'), the lot's running balance.
  expect(fetched).toMatchObject({ 'ledger.lot': 8, 'ledger.account': 8, 'ledger.lot_balance': 8, 'ledger.hold': 0 });
});
