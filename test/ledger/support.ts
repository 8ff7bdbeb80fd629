/** Helpers for ledger tests: a ledger on a private database copy holding 徐州市, and ready-made requests. */
import pg from 'pg';
import { Ledger } from '../../ledger/ledger.js';
import { LedgerQueries } from '../../ledger/queries.js';
import type { DisburseInput } from '../../ledger/types.js';
import { createTestDatabase, tolerateDropTermination, type TestDatabase } from '../support/database.js';

import { COUNTY, fundCounty as fundCountyOf, key } from '../fixtures/index.js';

export { CITY, COUNTY, OTHER_COUNTY, key } from '../fixtures/index.js';

export interface LedgerFixture {
  db: TestDatabase;
  ledger: Ledger;
  queries: LedgerQueries;
  /** Villages of 丰县 (for disbursements paid by the county). */
  villages: string[];
}

export async function createLedgerFixture(): Promise<LedgerFixture> {
  const db = await createTestDatabase({ withXuzhou: true });
  const { rows } = await db.pool.query(
    `select code from region where level = 'VILLAGE' and code between $1 and (select subtree_max from region where code = $1) order by code limit 50`,
    [COUNTY],
  );
  return { db, ledger: new Ledger(db.pool), queries: new LedgerQueries(db.pool), villages: rows.map((r) => r.code) };
}


export function disbursement(fx: LedgerFixture, overrides: Partial<DisburseInput> = {}): DisburseInput {
  return {
    idempotencyKey: key('pay'),
    effectiveDate: '2026-03-10',
    regionCode: COUNTY,
    fundLine: 'SENIOR_ALLOWANCE',
    amount: 10000n,
    payeeType: 'PERSON',
    payeeId: 'elder-1',
    serviceMonth: '2026-03',
    benefitCode: 'SA_MONTHLY',
    villageCode: fx.villages[0]!,
    ...overrides,
  };
}

/** City appropriation → allocation to 丰县 → receipt: returns the county's lot id. */
export async function fundCounty(fx: LedgerFixture, amount: bigint, fundLine = 'SENIOR_ALLOWANCE', actor = 'test-finance'): Promise<string> {
  return (await fundCountyOf(fx.ledger, COUNTY, { amount, fundLine, actor })).lot;
}

/**
 * A close of April of `regionCode` and `fundLine` held open — its event written, the period lock
 * taken, not yet committed — while `write` runs on a ledger of its own connections: the write must
 * wait for the close (still unsettled 300 ms later), then be refused with PERIOD_CLOSED.
 */
export async function expectRefusedBehindHeldClose(fx: LedgerFixture, regionCode: string, fundLine: string, write: (ledger: Ledger) => Promise<unknown>): Promise<void> {
  const client = await fx.db.pool.connect();
  const other = new pg.Pool({ connectionString: fx.db.url, max: 2 });
  tolerateDropTermination(other);
  try {
    await client.query('begin; set local role sunshine_app');
    await client.query(`insert into ledger.period_event (region_code, fund_line, month, action, actor) values ($1, $2, '2026-04-01', 'CLOSE', 'fo-2')`, [regionCode, fundLine]);
    let settled = false;
    const racing = write(new Ledger(other)).finally(() => (settled = true));
    racing.catch(() => {}); // (awaited below; not an unhandled rejection meanwhile)
    await new Promise((r) => setTimeout(r, 300));
    if (settled) throw new Error('the write did not wait for the close');
    await client.query('commit');
    await expect(racing).rejects.toMatchObject({ code: 'PERIOD_CLOSED' });
  } finally {
    client.release();
    await other.end();
  }
}
