/**
 * Segregation of duties between the two regions of a movement of money, over GraphQL against a real
 * PostgreSQL: a receipt (到账) is confirmed by the receiving county itself — never by the city that
 * issued the allocation (its jurisdiction covers the county), nor by a town below the county — and
 * so are a return of the county's money and the reversal of its receipt. A refusal is FORBIDDEN and
 * writes nothing; the county's own credential succeeds.
 */
import { toGlobalId } from '../../api/relay.js';
import { Ledger } from '../../ledger/ledger.js';
import { errorCodes, useXuzhouApi, type GraphQLResponse } from '../support/api.js';
import { firstRegionBelow } from '../support/database.js';
import { CITY, FENG, fundCounty, key } from '../fixtures/index.js';

const live = useXuzhouApi();
const COUNTY = FENG;
let ledger: Ledger;
let town: string;
beforeAll(async () => {
  ledger = new Ledger(live.db.pool);
  town = await firstRegionBelow(live.db.pool, COUNTY, 'TOWN');
});

const POST = (mutation: string, input: string) => `mutation ($i: ${input}!) { ${mutation}(input: $i) { replayed transaction { id kind regionCode actor } proposal { id } } }`;
const RECEIVE = POST('receiveAllocation', 'ReceiveAllocationInput');
const RETURN = POST('returnFunds', 'ReturnFundsInput');
const REVERSE = POST('reverse', 'ReverseInput');

const cityFinance = () => live.api.as('FINANCE_OFFICER', CITY, { subject: 'city-finance-1' });
const cityAdmin = () => live.api.as('CITY_ADMIN', CITY, { subject: 'city-admin-1' });
const townFinance = () => live.api.as('FINANCE_OFFICER', town, { subject: 'town-finance-1' });
const countyFinance = () => live.api.as('FINANCE_OFFICER', COUNTY, { subject: 'county-finance-1' });

/** Rows every write touches (proposals too: a refused reversal must not wait for approval either). */
async function written(): Promise<string> {
  const { rows } = await live.db.pool.query(
    `select (select count(*) from ledger.transaction) || '/' || (select count(*) from ledger.posting) || '/' || (select count(*) from ledger.proposal) as n`,
  );
  return rows[0].n;
}

async function refused(res: Promise<GraphQLResponse>, before: string): Promise<GraphQLResponse> {
  const answer = await res;
  expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
  expect(answer.data ?? null).toBeNull();
  expect(await written()).toBe(before);
  return answer;
}

const inTransit = () => fundCounty(ledger, COUNTY, { amount: 50_000n, actor: 'city-finance-1', receive: false });
const receiptOf = (allocationId: string) => ({ idempotencyKey: key('recv'), effectiveDate: '2026-03-05', allocationId: toGlobalId('LedgerTransaction', allocationId) });

test('the issuing city cannot confirm the arrival of its own allocation: FORBIDDEN naming the receiving county, nothing written', async () => {
  const { allocation } = await inTransit();
  const before = await written();
  const city = await refused(cityFinance().gql(RECEIVE, { i: receiptOf(allocation.transaction.id) }), before);
  expect(city.errors![0]!.message).toContain(`receiving region itself (${COUNTY})`);
  await refused(cityAdmin().gql(RECEIVE, { i: receiptOf(allocation.transaction.id) }), before);
  // The allocation is still in transit: nobody received it.
  const receipts = await live.db.pool.query(`select 1 from ledger.transaction where allocation_id = $1`, [allocation.transaction.id]);
  expect(receipts.rowCount).toBe(0);
});

test('a town below the receiving county cannot confirm it either (the receipt is the county’s act)', async () => {
  const { allocation } = await inTransit();
  const before = await written();
  const res = await refused(townFinance().gql(RECEIVE, { i: receiptOf(allocation.transaction.id) }), before);
  // Outside the town's scope: the message names nothing.
  expect(res.errors![0]!.message).not.toContain(COUNTY);
});

test('the receiving county confirms with its own credential; the receipt is recorded at the county with its officer as actor', async () => {
  const { allocation } = await inTransit();
  const res = await countyFinance().gql(RECEIVE, { i: receiptOf(allocation.transaction.id) });
  expect(res.errors).toBeUndefined();
  expect(res.data!.receiveAllocation.transaction).toMatchObject({ kind: 'ALLOCATION_RECEIVED', regionCode: COUNTY, actor: 'county-finance-1' });
});

test('returning the county’s money and reversing its receipt are the county’s acts too', async () => {
  const { allocation } = await inTransit();
  const receipt = await countyFinance().gql(RECEIVE, { i: receiptOf(allocation.transaction.id) });
  expect(receipt.errors).toBeUndefined();
  const lotId = toGlobalId('Lot', allocation.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!.lotId);
  const ret = { idempotencyKey: key('ret'), effectiveDate: '2026-03-06', lotId, amount: '100' };
  const rev = { idempotencyKey: key('rev'), effectiveDate: '2026-03-07', transactionId: receipt.data!.receiveAllocation.transaction.id, reason: '到账有误' };

  let before = await written();
  const pulled = await refused(cityFinance().gql(RETURN, { i: ret }), before);
  expect(pulled.errors![0]!.message).toContain(`holds the lot itself (${COUNTY})`);
  await refused(cityFinance().gql(REVERSE, { i: rev }), before);

  const returned = await countyFinance().gql(RETURN, { i: ret });
  expect(returned.errors).toBeUndefined();
  expect(returned.data!.returnFunds.transaction).toMatchObject({ kind: 'RETURN', regionCode: COUNTY, actor: 'county-finance-1' });
  // …and the reversal of that return: not by the city, which received the money; by the county, yes.
  const undoReturn = { ...rev, idempotencyKey: key('rev'), transactionId: returned.data!.returnFunds.transaction.id };
  before = await written();
  await refused(cityFinance().gql(REVERSE, { i: undoReturn }), before);
  const undone = await countyFinance().gql(REVERSE, { i: undoReturn });
  expect(undone.errors).toBeUndefined();

  const reversed = await countyFinance().gql(REVERSE, { i: rev });
  expect(reversed.errors).toBeUndefined();
  expect(reversed.data!.reverse.transaction).toMatchObject({ kind: 'REVERSAL', regionCode: COUNTY });
});

test('the city still corrects a county payment (one party: no counterpart to stand in for)', async () => {
  const { allocation } = await fundCounty(ledger, COUNTY, { amount: 50_000n, actor: 'seed' });
  const village = await firstRegionBelow(live.db.pool, COUNTY, 'VILLAGE');
  const lotId = allocation.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!.lotId;
  const payment = await ledger.disburse(
    { idempotencyKey: key('pay'), effectiveDate: '2026-03-10', regionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: 100n, payeeType: 'PERSON', payeeId: 'P-9', serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: village, lotId },
    'seed',
  );
  const res = await cityFinance().gql(REVERSE, { i: { idempotencyKey: key('rev'), effectiveDate: '2026-03-11', transactionId: toGlobalId('LedgerTransaction', payment.transaction.id), reason: '重复发放' } });
  expect(res.errors).toBeUndefined();
  expect(res.data!.reverse.transaction).toMatchObject({ kind: 'REVERSAL', regionCode: COUNTY, actor: 'city-finance-1' });
});

test('no allocation to a village: no credential acts for one, so its receipt could never be confirmed (BAD_USER_INPUT on toRegionCode, nothing written)', async () => {
  // Until receipts became the receiving region's own act the town or county above confirmed it;
  // since then the money stayed in transit for good (blocking the county's close, found by AR-13),
  // and neither a receipt nor a return of the village's lot could be made by anyone.
  await fundCounty(ledger, COUNTY, { amount: 50_000n, actor: 'seed' });
  const village = await firstRegionBelow(live.db.pool, town, 'VILLAGE');
  const before = await written();
  for (const [from, officer] of [[COUNTY, countyFinance()], [town, townFinance()]] as const) {
    const res = await officer.gql(POST('allocate', 'AllocateInput'), {
      i: { idempotencyKey: key('alloc'), effectiveDate: '2026-03-08', fromRegionCode: from, toRegionCode: village, fundLine: 'SENIOR_ALLOWANCE', amount: '100', documentNo: '丰财〔2026〕3号' },
    });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.extensions!.field).toBe('toRegionCode');
  }
  expect(await written()).toBe(before);
  // The domain refuses it too (bench, demo and scripts call the ledger directly).
  await expect(ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-08', fromRegionCode: COUNTY, toRegionCode: village, fundLine: 'SENIOR_ALLOWANCE', amount: 100n, documentNo: '丰财〔2026〕3号' }, 'seed'))
    .rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'toRegionCode' });
});
