/** Helpers for ledger tests: a ledger on a private database copy holding 徐州市, and ready-made requests. */
import { Ledger } from '../../ledger/ledger.js';
import { LedgerQueries } from '../../ledger/queries.js';
import type { DisburseInput } from '../../ledger/types.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

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
