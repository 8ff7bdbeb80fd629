/**
 * Idempotency keys belong to the region that records the transaction: two counties using the same
 * key neither collide nor learn of each other; a retry still replays and a changed request under
 * the same key still conflicts — within its own region, naming only its own transaction. Receipts
 * take the key space of the receiver, returns of the returning lot's region, reversals of the
 * original's region.
 */
import { firstRegionBelow } from '../support/database.js';
import { errorCodes, useXuzhouApi } from '../support/api.js';
import { CITY, FENG, PEI } from '../fixtures/index.js';

const live = useXuzhouApi();
const A = FENG; // 丰县
const B = PEI; // 沛县
let n = 0;
const key = (p: string) => `${p}-${process.pid}-${++n}`;
const villages: Record<string, string> = {};

const POST = (mutation: string, input: string) =>
  `mutation ($i: ${input}!) { ${mutation}(input: $i) { replayed transaction { id regionCode postings { lotId regionCode } } } }`;
const ALLOCATE = POST('allocate', 'AllocateInput');
const RECEIVE = POST('receiveAllocation', 'ReceiveAllocationInput');
const DISBURSE = POST('disburse', 'DisburseInput');
const REVERSE = POST('reverse', 'ReverseInput');
const RETURN = POST('returnFunds', 'ReturnFundsInput');

const finance = (region: string) => live.api.as('FINANCE_OFFICER', region);

/** Money at a county: city appropriation, allocation, receipt by the county. Returns the county's lot. */
async function fund(county: string): Promise<string> {
  const app = await live.api.gql(POST('appropriate', 'AppropriateInput'), {
    i: { idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: '1000000', fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' },
  });
  const alloc = await live.api.gql(ALLOCATE, {
    i: { idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: '100000', documentNo: '徐财社〔2026〕7号', lotId: app.data!.appropriate.transaction.postings[0].lotId },
  });
  const receipt = await finance(county).gql(RECEIVE, { i: { idempotencyKey: key('recv'), effectiveDate: '2026-03-03', allocationId: alloc.data!.allocate.transaction.id } });
  return receipt.data!.receiveAllocation.transaction.postings.find((p: { regionCode: string }) => p.regionCode === county).lotId;
}

const pay = (county: string, idempotencyKey: string, amount = '100') => ({
  idempotencyKey, effectiveDate: '2026-03-10', regionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount, payeeType: 'PERSON',
  payeeId: 'P-1', serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: villages[county],
});

beforeAll(async () => {
  villages[A] = await firstRegionBelow(live.db.pool, A, 'VILLAGE');
  villages[B] = await firstRegionBelow(live.db.pool, B, 'VILLAGE');
  await fund(A);
  await fund(B);
});

test('two counties may use the same key: both commit, each replays its own, a conflict names only its own transaction', async () => {
  const shared = key('shared');
  const a = await finance(A).gql(DISBURSE, { i: pay(A, shared) });
  const b = await finance(B).gql(DISBURSE, { i: pay(B, shared) });
  expect([a.errors, b.errors]).toEqual([undefined, undefined]);
  expect(a.data!.disburse.replayed).toBe(false);
  expect(b.data!.disburse.replayed).toBe(false);
  expect(b.data!.disburse.transaction.id).not.toBe(a.data!.disburse.transaction.id);

  const retryA = await finance(A).gql(DISBURSE, { i: pay(A, shared) });
  expect(retryA.data!.disburse).toEqual({ ...a.data!.disburse, replayed: true });

  const changedB = await finance(B).gql(DISBURSE, { i: pay(B, shared, '101') });
  expect(errorCodes(changedB)).toEqual(['IDEMPOTENCY_CONFLICT']);
  const idOf = (gid: string) => Buffer.from(gid, 'base64url').toString('utf8').split(':')[1]!;
  expect(changedB.errors![0]!.message).toContain(`transaction ${idOf(b.data!.disburse.transaction.id)}`);
  expect(changedB.errors![0]!.message).not.toContain(`transaction ${idOf(a.data!.disburse.transaction.id)})`);
});

test('the database keeps one key per recording region, for ever', async () => {
  const { rows } = await live.db.pool.query(
    `select pg_get_constraintdef(c.oid) as def from pg_constraint c
     where c.conrelid = 'ledger.transaction'::regclass and c.contype = 'u' and pg_get_constraintdef(c.oid) like '%idempotency_key%'`,
  );
  expect(rows.map((r) => r.def)).toEqual(['UNIQUE (region_code, idempotency_key)']);
  const twice = await live.db.pool.query(`select region_code, idempotency_key, count(*) from ledger.transaction group by 1, 2 having count(*) > 1`);
  expect(twice.rows).toEqual([]);
});

test('a receipt takes the receiver’s key space, a reversal the original’s, a return the lot’s region', async () => {
  const k = key('same-everywhere');
  const lotA = await fund(A);
  // The city allocates under k; the county receives under the same k: different regions, both commit.
  const internal = Buffer.from(lotA, 'base64url').toString('utf8').split(':')[1];
  const rootLot = (await live.db.pool.query(`select parent_lot_id::text as id from ledger.lot where id = $1`, [internal])).rows[0].id;
  const alloc = await live.api.gql(ALLOCATE, {
    i: { idempotencyKey: k, effectiveDate: '2026-03-04', fromRegionCode: CITY, toRegionCode: A, fundLine: 'SENIOR_ALLOWANCE', amount: '500', documentNo: '徐财社〔2026〕9号', lotId: Buffer.from(`Lot:${rootLot}`).toString('base64url') },
  });
  expect(alloc.errors).toBeUndefined();
  const receipt = await finance(A).gql(RECEIVE, { i: { idempotencyKey: k, effectiveDate: '2026-03-05', allocationId: alloc.data!.allocate.transaction.id } });
  expect(receipt.errors).toBeUndefined();
  expect(receipt.data!.receiveAllocation.transaction.regionCode).toBe(A);
  // The same key in 丰县's space is now taken (by the receipt): a payment of 丰县 under k conflicts, one of 沛县 does not.
  expect(errorCodes(await finance(A).gql(DISBURSE, { i: pay(A, k) }))).toEqual(['IDEMPOTENCY_CONFLICT']);
  expect((await finance(B).gql(DISBURSE, { i: pay(B, k) })).errors).toBeUndefined();
  // A reversal of 沛县's payment by the city is recorded at 沛县: k is taken there.
  const k2 = key('rev');
  const paidB = await finance(B).gql(DISBURSE, { i: pay(B, key('to-reverse')) });
  const reversed = await live.api.gql(REVERSE, { i: { idempotencyKey: k2, effectiveDate: '2026-03-11', transactionId: paidB.data!.disburse.transaction.id, reason: '重复发放' } });
  expect(reversed.data!.reverse.transaction.regionCode).toBe(B);
  expect((await live.api.gql(REVERSE, { i: { idempotencyKey: k2, effectiveDate: '2026-03-11', transactionId: paidB.data!.disburse.transaction.id, reason: '重复发放' } })).data!.reverse.replayed).toBe(true);
  expect((await finance(A).gql(DISBURSE, { i: pay(A, k2) })).errors).toBeUndefined();
  // A return is recorded at the returning lot's region.
  const returned = await finance(A).gql(RETURN, { i: { idempotencyKey: k2 + '-ret', effectiveDate: '2026-03-12', lotId: lotA, amount: '10' } });
  expect(returned.data!.returnFunds.transaction.regionCode).toBe(A);
  const again = await finance(A).gql(RETURN, { i: { idempotencyKey: k2 + '-ret', effectiveDate: '2026-03-12', lotId: lotA, amount: '10' } });
  expect(again.data!.returnFunds.replayed).toBe(true);
});

test('in one batch, a key may repeat across regions but not within one', async () => {
  const k = key('batch');
  const BATCH = `mutation ($l: [DisburseInput!]!) { disburseBatch(lines: $l) { replayed transaction { regionCode } } }`;
  const same = await live.api.gql(BATCH, { l: [pay(A, k), pay(A, k, '7')] });
  expect(errorCodes(same)).toEqual(['BAD_USER_INPUT']);
  const across = await live.api.gql(BATCH, { l: [pay(A, k), pay(B, k)] });
  expect(across.data!.disburseBatch.map((p: { transaction: { regionCode: string } }) => p.transaction.regionCode)).toEqual([A, B]);
});
