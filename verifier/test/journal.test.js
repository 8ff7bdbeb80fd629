import { test } from 'node:test';
import assert from 'node:assert/strict';
import { templateFailures } from '../lib/journal.js';

// A city (320300000000) allocates to a county (320321000000), which receives, pays a person and
// returns the rest: the accounts and lots each leg must use.
const CITY = '320300000000';
const COUNTY = '320321000000';
const accounts = new Map(
  [
    ['1', 'AVAILABLE', CITY],
    ['2', 'FUNDING_SOURCE', CITY],
    ['3', 'IN_TRANSIT_DOWN', CITY],
    ['4', 'AVAILABLE', COUNTY],
    ['5', 'EXPENDITURE', COUNTY, 'PERSON', 'elder-1'],
  ].map(([id, kind, regionCode, payeeType = null, payeeId = null]) => [id, { id, kind, regionCode, payeeType, payeeId }]),
);
const lots = new Map([
  ['10', { id: '10', regionCode: CITY, parentLotId: null, createdByTransactionId: '100' }],
  ['11', { id: '11', regionCode: COUNTY, parentLotId: '10', createdByTransactionId: '101' }],
]);
const check = (t) => templateFailures(t, (id) => accounts.get(id), (id) => lots.get(id));
const legs = (...postings) => postings.map(([accountId, lotId, amount]) => ({ accountId, lotId, amount }));

const valid = {
  appropriation: { id: '100', kind: 'APPROPRIATION', regionCode: CITY, postings: legs(['1', '10', '500'], ['2', '10', '-500']) },
  allocation: { id: '101', kind: 'ALLOCATION', regionCode: CITY, counterpartRegionCode: COUNTY, postings: legs(['1', '10', '-300'], ['3', '11', '300']) },
  received: { id: '102', kind: 'ALLOCATION_RECEIVED', regionCode: COUNTY, counterpartRegionCode: CITY, postings: legs(['3', '11', '-300'], ['4', '11', '300']) },
  disbursement: { id: '103', kind: 'DISBURSEMENT', regionCode: COUNTY, payeeType: 'PERSON', payeeId: 'elder-1', postings: legs(['4', '11', '-100'], ['5', '11', '100']) },
  // (legs in either order: they are matched by sign)
  return: { id: '104', kind: 'RETURN', regionCode: COUNTY, counterpartRegionCode: CITY, postings: legs(['1', '10', 50n], ['4', '11', -50n]) },
  reversal: { id: '105', kind: 'REVERSAL', regionCode: COUNTY, postings: legs(['5', '11', '-100'], ['4', '11', '100']) },
};

test('every kind of transaction that follows its template passes, whatever the order of its legs', () => {
  for (const [name, t] of Object.entries(valid)) assert.equal(check(t), null, name);
});

test('a leg on an account of another kind, region or payee is an account.template failure', () => {
  const otherPayee = { ...valid.disbursement, payeeId: 'elder-2' };
  assert.deepEqual(check(otherPayee), [['account.template', `account 5 EXPENDITURE ${COUNTY} PERSON elder-2 (DISBURSEMENT)`, `EXPENDITURE ${COUNTY} PERSON elder-1`]]);
  const wrongAccount = { ...valid.received, postings: legs(['3', '11', '-300'], ['1', '11', '300']) };
  assert.deepEqual(check(wrongAccount).map(([c]) => c), ['account.template', 'lot.template']);
  const counterpartSwapped = { ...valid.return, counterpartRegionCode: COUNTY };
  assert.equal(check(counterpartSwapped)[0][0], 'account.template');
});

test('a created lot that this transaction did not create, or with another parent or region, is a lot.template failure', () => {
  const elsewhere = { ...valid.allocation, id: '999' };
  assert.deepEqual(check(elsewhere), [['lot.template', 'lot 11 created by transaction 999 (ALLOCATION)', 'created by 101']]);
  const rootless = { ...valid.allocation, counterpartRegionCode: '320322000000' };
  assert.deepEqual(check(rootless).map(([c]) => c), ['lot.template']);
  const fromChild = { ...valid.appropriation, postings: legs(['1', '11', '500'], ['2', '11', '-500']) };
  assert.deepEqual(check(fromChild).map(([c]) => c).sort(), ['lot.template', 'lot.template', 'lot.template', 'lot.template']);
});

test('anything but one debit and one credit, or an unknown kind, is named rather than matched', () => {
  const three = { ...valid.disbursement, postings: legs(['4', '11', '-100'], ['5', '11', '60'], ['5', '11', '40']) };
  assert.equal(check(three)[0][0], 'account.template');
  assert.match(check(three)[0][2], /^3 posting\(s\)/);
  const zero = { ...valid.disbursement, postings: legs(['4', '11', '0'], ['5', '11', '0']) };
  assert.equal(check(zero)[0][0], 'account.template');
  const sameSide = { ...valid.disbursement, postings: legs(['4', '11', '100'], ['5', '11', '100']) };
  assert.equal(check(sameSide)[0][0], 'account.template');
  assert.deepEqual(check({ ...valid.disbursement, kind: 'GIFT' }), [['account.template', 'a known transaction kind', 'GIFT']]);
});
