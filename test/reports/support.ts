/**
 * A realistic small ledger for export tests: money appropriated to 徐州市 on two fund lines,
 * allocated two levels down (city → 丰县 → a town) and received, one allocation to 沛县 still in
 * transit, payments by the county and the town, a return of unspent money from the town, and a
 * reversed payment — spread over March and April 2026.
 */
import { PassThrough, type Writable } from 'node:stream';
import { createLedgerFixture, CITY, COUNTY, OTHER_COUNTY, key, type LedgerFixture } from '../ledger/support.js';
import { firstRegionBelow } from '../support/database.js';
import { exportBooks, operatorCaller, parseExportRequest, type ExportStart } from '../../ledger/reports/index.js';

export { CITY, COUNTY, OTHER_COUNTY };

export interface BooksFixture extends LedgerFixture {
  town: string;
  townVillages: string[];
  /** Ids of the payments made (the reversed one included). */
  payments: string[];
}

const ACTOR = 'finance@320300000000';

export async function createBooksFixture(): Promise<BooksFixture> {
  const fx = await createLedgerFixture();
  const town = await firstRegionBelow(fx.db.pool, COUNTY, 'TOWN');
  const { rows } = await fx.db.pool.query(`select code from region where level = 'VILLAGE' and code between $1 and (select subtree_max from region where code = $1) order by code limit 5`, [town]);
  const townVillages = rows.map((r) => r.code as string);
  const l = fx.ledger;
  const lotOf = (r: { transaction: { postings: { accountKind: string; lotId: string }[] } }, kind: string) => r.transaction.postings.find((p) => p.accountKind === kind)!.lotId;

  const senior = await l.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 100_000_000n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号', memo: '2026年尊老金省级补助' }, ACTOR);
  await l.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-03', regionCode: CITY, fundLine: 'HARDSHIP_SUPPORT', amount: 25_000_012n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '徐财社〔2026〕3号' }, ACTOR);
  const toCounty = await l.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-05', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: 30_000_000n, documentNo: '徐财社〔2026〕7号', lotId: lotOf(senior, 'AVAILABLE') }, ACTOR);
  await l.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-03-08', allocationId: toCounty.transaction.id }, ACTOR);
  await l.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-09', fromRegionCode: CITY, toRegionCode: OTHER_COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: 12_345_678n, documentNo: '徐财社〔2026〕8号' }, ACTOR);
  const countyLot = lotOf(toCounty, 'IN_TRANSIT_DOWN');
  const toTown = await l.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-12', fromRegionCode: COUNTY, toRegionCode: town, fundLine: 'SENIOR_ALLOWANCE', amount: 5_000_000n, documentNo: '丰财社〔2026〕2号', lotId: countyLot }, ACTOR);
  await l.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-03-15', allocationId: toTown.transaction.id, documentNo: '镇财〔2026〕1号' }, ACTOR);
  const townLot = lotOf(toTown, 'IN_TRANSIT_DOWN');

  const payments: string[] = [];
  const pay = async (region: string, village: string, amount: bigint, date: string, payee: string, lotId?: string) => {
    const r = await l.disburse({ idempotencyKey: key('pay'), effectiveDate: date, regionCode: region, fundLine: 'SENIOR_ALLOWANCE', amount, payeeType: 'PERSON', payeeId: payee, serviceMonth: date.slice(0, 7), benefitCode: 'SA_MONTHLY', villageCode: village, lotId: lotId ?? null, documentNo: `丰民〔2026〕${payments.length + 10}号`, memo: payments.length === 0 ? '=SUM(A1) 公式注入测试' : null }, ACTOR);
    payments.push(r.transaction.id);
    return r;
  };
  for (let i = 0; i < 6; i++) await pay(COUNTY, fx.villages[10 + i]!, 10_000n + BigInt(i * 37), '2026-03-20', `E3203210000${i}`, countyLot);
  for (let i = 0; i < 6; i++) await pay(town, townVillages[i % townVillages.length]!, 20_001n + BigInt(i), i < 3 ? '2026-03-25' : '2026-04-10', `E3203211000${i}`, townLot);
  const wrong = await pay(town, townVillages[0]!, 99_999n, '2026-04-12', 'E32032110099', townLot);
  await l.reverse({ idempotencyKey: key('rev'), effectiveDate: '2026-04-13', transactionId: wrong.transaction.id, reason: '重复发放' }, ACTOR);
  await l.returnFunds({ idempotencyKey: key('ret'), effectiveDate: '2026-04-20', lotId: townLot, amount: 100_005n, documentNo: '镇财〔2026〕9号' }, ACTOR);
  return { ...fx, town, townVillages, payments };
}

/** Runs an export as the command line would (operator caller) and collects the bytes. */
export async function exportToBuffer(fx: LedgerFixture, args: Record<string, string>): Promise<{ bytes: Buffer; start: ExportStart }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const start = await exportBooks(fx.db.pool, operatorCaller('test:exporter'), parseExportRequest(args), out as Writable);
  return { bytes: Buffer.concat(chunks), start };
}
