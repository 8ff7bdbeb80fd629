/** Amounts and hledger account names, without a database: exact yuan text, exact cells, safe and distinct names. */
import fc from 'fast-check';
import { accountName, accountPart, fenToYuan, yuanCell, yuanToFen } from '../../ledger/reports/index.js';
import { MAX_FEN } from '../../ledger/money.js';

test('fen → yuan text → fen is exact for every 64-bit amount', () => {
  expect(fenToYuan(0n)).toBe('0.00');
  expect(fenToYuan(5n)).toBe('0.05');
  expect(fenToYuan(-5n)).toBe('-0.05');
  expect(fenToYuan(123456789n)).toBe('1234567.89');
  expect(fenToYuan(MAX_FEN)).toBe('92233720368547758.07');
  fc.assert(fc.property(fc.bigInt({ min: -MAX_FEN, max: MAX_FEN }), (fen) => {
    const text = fenToYuan(fen);
    return /^-?[0-9]+\.[0-9]{2}$/.test(text) && yuanToFen(text) === fen;
  }));
});

test('a spreadsheet cell holds the exact amount: a number whose decimal form is the yuan text, else the text', () => {
  fc.assert(fc.property(fc.bigInt({ min: -MAX_FEN, max: MAX_FEN }), (fen) => {
    const cell = yuanCell(fen);
    return typeof cell === 'number' ? yuanToFen(String(cell)) === fen : cell === fenToYuan(fen);
  }));
  expect(yuanCell(1234567n)).toBe(12345.67);
  expect(yuanCell(10n)).toBe(0.1);
  expect(yuanCell(MAX_FEN)).toBe('92233720368547758.07'); // beyond a double's digits: text, never rounded
});

test('account name parts: no two spaces, no tab, no ; or : inside a part, and distinct inputs stay distinct', () => {
  expect(accountPart('E3203 21  x;y:z%')).toBe('E3203%2021%20%20x%3By%3Az%25');
  fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
    const [pa, pb] = [accountPart(a), accountPart(b)];
    return !/[\s;:]/.test(pa) && (a === b) === (pa === pb);
  }));
  const names = { regionName: () => '徐州市', fundLineName: () => '尊老金' };
  const account = { regionCode: '320300000000', fundLine: 'SENIOR_ALLOWANCE', kind: 'EXPENDITURE' as const, payeeType: 'PERSON' as const, payeeId: 'E 1;2' };
  expect(accountName(account, 'names', names)).toBe('徐州市 320300000000:尊老金:EXPENDITURE:PERSON:E%201%3B2');
  expect(accountName(account, 'codes', names)).toBe('320300000000:SENIOR_ALLOWANCE:EXPENDITURE:PERSON:E%201%3B2');
});
