/** The batched Lot reads (many lots, one statement each) answer exactly what the one-lot reads answer. */
import { createLedgerFixture, disbursement, fundCounty, key, type LedgerFixture } from './support.js';

let fx: LedgerFixture;
beforeAll(async () => {
  fx = await createLedgerFixture();
});
afterAll(async () => {
  await fx.db.drop();
});

test('lineage, children, transactions and balances of many lots equal the per-lot reads', async () => {
  const countyLots = [await fundCounty(fx, 90_000n), await fundCounty(fx, 5_000n, 'OPERATIONS')];
  await fx.ledger.disburse(disbursement(fx, { amount: 1_000n, lotId: countyLots[0] }), 'c');
  await fx.ledger.disburse(disbursement(fx, { amount: 2_000n, lotId: countyLots[0], payeeId: 'elder-2' }), 'c');
  await fx.ledger.returnFunds({ idempotencyKey: key('ret'), effectiveDate: '2026-03-20', lotId: countyLots[0]!, amount: 500n }, 'c');
  const parents = (await fx.queries.lots(countyLots)).map((l) => l.parentLotId!);
  const ids = [...countyLots, ...parents, '999999999']; // an unknown lot too
  const [lineage, children, transactions, balances] = await Promise.all([
    fx.queries.lineageOfLots(ids),
    fx.queries.childLotsOfLots(ids),
    // As the API pages them (Lot.transactions), with the whole code range and a page larger than the lot.
    fx.queries.transactionPagesOfLots(ids, ['000000000000', '999999999999'], 1000, null),
    fx.queries.balancesOfLots(ids),
  ]);
  for (const id of ids) {
    expect(lineage.get(id)).toEqual(await fx.queries.lineage(id));
    expect(children.get(id)).toEqual(await fx.queries.childLots(id));
    expect(transactions.get(id)).toEqual(await fx.queries.lotTransactions(id));
    expect(balances.get(id)).toEqual(await fx.queries.lotBalances(id));
  }
  expect(lineage.get(countyLots[0]!)!.map((l) => l.id)).toEqual([countyLots[0], parents[0]]);
  expect(children.get(parents[0]!)!.map((l) => l.id)).toEqual([countyLots[0]]);
  expect(transactions.get(countyLots[0]!)!.map((t) => t.kind)).toEqual(['ALLOCATION', 'ALLOCATION_RECEIVED', 'DISBURSEMENT', 'DISBURSEMENT', 'RETURN']);
  expect(lineage.get('999999999')).toEqual([]);
});
