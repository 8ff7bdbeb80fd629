import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Journal, appropriationRequestHash } from '../lib/journal.js';

// A city (320300000000) appropriates and allocates to a county (320321000000), which receives,
// pays a person, returns some and reverses the payment: the accounts and lots each leg must use.
const CITY = '320300000000';
const COUNTY = '320321000000';

/** `edit` changes the bundle's lot records before the check reads them. */
function ledger(edit = (_lots) => {}) {
  const accounts = new Map(
    [
      ['1', 'AVAILABLE', CITY],
      ['2', 'FUNDING_SOURCE', CITY],
      ['3', 'IN_TRANSIT_DOWN', CITY],
      ['4', 'AVAILABLE', COUNTY],
      ['5', 'EXPENDITURE', COUNTY, 'PERSON', 'elder-1'],
    ].map(([id, kind, regionCode, payeeType = null, payeeId = null]) => [id, { id, kind, regionCode, payeeType, payeeId, vouched: false }]),
  );
  const lots = new Map([
    ['10', { id: '10', regionCode: CITY, parentLotId: null, createdByTransactionId: '100', fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号', vouched: false }],
    ['11', { id: '11', regionCode: COUNTY, parentLotId: '10', createdByTransactionId: '101', fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '徐财社〔2026〕7号', vouched: false }],
  ]);
  const appropriation = {
    id: '100', kind: 'APPROPRIATION', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', effectiveDate: '2026-03-01', idempotencyKey: 'app-1', memo: null, documentNo: '苏财社〔2026〕1号',
    postings: legs(['1', '10', '500'], ['2', '10', '-500']),
  };
  appropriation.requestHash = appropriationRequestHash(appropriation, lots.get('10'), '500');
  edit(lots);
  const transactions = {
    appropriation,
    allocation: { id: '101', kind: 'ALLOCATION', regionCode: CITY, counterpartRegionCode: COUNTY, documentNo: '徐财社〔2026〕7号', postings: legs(['1', '10', '-300'], ['3', '11', '300']) },
    received: { id: '102', kind: 'ALLOCATION_RECEIVED', regionCode: COUNTY, counterpartRegionCode: CITY, allocationId: '101', postings: legs(['3', '11', '-300'], ['4', '11', '300']) },
    disbursement: { id: '103', kind: 'DISBURSEMENT', regionCode: COUNTY, payeeType: 'PERSON', payeeId: 'elder-1', postings: legs(['4', '11', '-100'], ['5', '11', '100']) },
    // (legs in either order: they are matched by sign)
    return: { id: '104', kind: 'RETURN', regionCode: COUNTY, counterpartRegionCode: CITY, postings: legs(['1', '10', 50n], ['4', '11', -50n]) },
    reversal: { id: '105', kind: 'REVERSAL', regionCode: COUNTY, reversesId: '103', postings: legs(['5', '11', '-100'], ['4', '11', '100']) },
  };
  const journal = new Journal();
  for (const lot of lots.values()) journal.addLot(lot);
  const check = (t) => [...journal.check(t, t.postings.map((p) => accounts.get(p.accountId)), t.postings.map((p) => lots.get(p.lotId)))];
  return { accounts, lots, transactions, check };
}
const legs = (...postings) => postings.map(([accountId, lotId, amount]) => ({ accountId, lotId, amount }));
const checks = (failures) => failures.map(([check]) => check);

test('a ledger whose every transaction follows its template passes, whatever the order of legs', () => {
  const { transactions, check } = ledger();
  for (const [name, t] of Object.entries(transactions)) assert.deepEqual(check(t), [], name);
});

test('a leg on an account of another kind, region or payee is an account.template failure', () => {
  const { transactions: t, check } = ledger();
  for (const name of ['appropriation', 'allocation', 'received']) check(t[name]);
  assert.deepEqual(check({ ...t.disbursement, payeeId: 'elder-2' }), [['account.template', `account 5 EXPENDITURE ${COUNTY} PERSON elder-2 (DISBURSEMENT)`, `EXPENDITURE ${COUNTY} PERSON elder-1`]]);
  assert.deepEqual(checks(check({ ...t.return, counterpartRegionCode: COUNTY })), ['account.template', 'lot.template']); // (its lot is the city's, not the county's, too)
});

test('a lot that names a transaction which does not create it, or that has another parent, region, document or source, is a lot.template failure', () => {
  {
    // "created by" its receipt (a forger who dropped the allocation)
    const { transactions: t, check } = ledger((lots) => (lots.get('11').createdByTransactionId = '102'));
    check(t.appropriation);
    assert.deepEqual(checks(check(t.allocation)), ['lot.template']);
    assert.match(check(t.received)[0][1], /^lot 11 created by the transaction that created it, not by 102 \(ALLOCATION_RECEIVED creates no lot\)$/);
  }
  {
    // not what the appropriation's request hash says
    const { transactions: t, check } = ledger((lots) => (lots.get('10').fundingSource = 'OWN_BUDGET'));
    assert.deepEqual(check(t.appropriation), [['lot.template', 'lot 10 of the fiscal year and funding source inside the request hash of transaction 100', '2026, OWN_BUDGET']]);
    assert.deepEqual(checks(check(t.allocation)), ['lot.template']); // and the child no longer keeps its parent's
  }
  {
    const { transactions: t, check } = ledger((lots) => Object.assign(lots.get('11'), { parentLotId: null, documentNo: 'forged' }));
    check(t.appropriation);
    assert.deepEqual(checks(check(t.allocation)), ['lot.template', 'lot.template']);
  }
});

test('a receipt of an allocation the bundle does not hold, and a reversal of a transaction it does not hold or on accounts no earlier transaction used, are named', () => {
  const { transactions: t, check } = ledger();
  check(t.appropriation);
  assert.deepEqual(check(t.received), [['bundle.reference', 'allocation 101 in the bundle, before its receipt', 'none']]);
  const alone = ledger();
  const failures = alone.check(alone.transactions.reversal);
  assert.deepEqual(checks(failures), ['bundle.reference', 'account.template', 'lot.template', 'account.template', 'lot.template']);
});

test('anything but one debit and one credit, or an unknown kind (Object.prototype names included), is named rather than matched', () => {
  const { transactions: t, check } = ledger();
  const three = { ...t.disbursement, postings: legs(['4', '11', '-100'], ['5', '11', '60'], ['5', '11', '40']) };
  assert.deepEqual(checks(check(three)), ['double-entry']);
  assert.deepEqual(checks(check({ ...t.disbursement, postings: legs(['4', '11', '0'], ['5', '11', '0']) })), ['double-entry']);
  assert.deepEqual(checks(check({ ...t.disbursement, postings: legs(['4', '11', '100'], ['5', '11', '100']) })), ['double-entry']);
  for (const kind of ['GIFT', '__proto__', 'constructor', 'toString']) assert.deepEqual(check({ ...t.disbursement, kind }), [['account.template', 'a known transaction kind', kind]]);
});
