/** Helpers for ledger tests: a ledger on a private database copy holding 徐州市, and ready-made requests. */
import { Ledger } from '../../ledger/ledger.js';
import { LedgerQueries } from '../../ledger/queries.js';
import type { DisburseInput } from '../../ledger/types.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

export const CITY = '320300000000'; // 徐州市
export const COUNTY = '320321000000'; // 丰县
export const OTHER_COUNTY = '320322000000'; // 沛县

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

let counter = 0;
export const key = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

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
  const appropriation = await fx.ledger.appropriate(
    { idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine, amount, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' },
    actor,
  );
  const allocation = await fx.ledger.allocate(
    { idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine, amount, documentNo: '徐财社〔2026〕7号', lotId: appropriation.transaction.postings[0]!.lotId },
    actor,
  );
  await fx.ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-03-05', allocationId: allocation.transaction.id }, actor);
  return allocation.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!.lotId;
}
