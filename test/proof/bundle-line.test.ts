/**
 * The v2 compact transaction line: the exporter's encoder (ledger/proof/bundle-line.ts) and the
 * offline verifier's own decoder (verifier/lib/tx-line.js) agree field for field, on every text a
 * field may hold (tabs, newlines, backslashes, the two characters `\N`, the empty string, Chinese).
 */
import fc from 'fast-check';
import { POSTING_FIELDS, TRANSACTION_FIELDS, escapeField, transactionLine } from '../../ledger/proof/bundle-line.js';
import { verifierModule } from './support.js';

let line: any;
beforeAll(async () => {
  line = await verifierModule('tx-line.js');
});

const record = (overrides: Record<string, unknown> = {}) => ({
  ...Object.fromEntries(TRANSACTION_FIELDS.map((name, i) => [name, `${name}-${i}`])),
  postings: [
    { id: '1', accountId: '10', lotId: '7', amount: '-12345', effectiveDate: '2026-03-10' },
    { id: '2', accountId: '11', lotId: '7', amount: '12345', effectiveDate: '2026-03-10' },
  ],
  ...overrides,
});

test('both sides have the same field lists, in the same order', () => {
  expect(line.TRANSACTION_FIELDS).toEqual([...TRANSACTION_FIELDS]);
  expect(line.POSTING_FIELDS).toEqual([...POSTING_FIELDS]);
  expect(TRANSACTION_FIELDS).toEqual(expect.arrayContaining(['proposalId', 'proposedBy', 'approvedBy']));
});

test('a line is T, the fields, the posting count and five fields a posting, tab-separated', () => {
  const text = transactionLine(record({ memo: null }));
  expect(text.endsWith('\n')).toBe(true);
  const fields = text.slice(0, -1).split('\t');
  expect(fields.length).toBe(1 + TRANSACTION_FIELDS.length + 1 + 2 * POSTING_FIELDS.length);
  expect(fields[0]).toBe('T');
  expect(fields[1 + TRANSACTION_FIELDS.indexOf('memo')]).toBe('\\N');
  expect(fields[1 + TRANSACTION_FIELDS.length]).toBe('2');
});

test('escapes: NULL is \\N; backslash, tab, newline and CR are escaped; everything else is as it is', () => {
  expect(escapeField(null)).toBe('\\N');
  expect(escapeField(undefined)).toBe('\\N');
  expect(escapeField('')).toBe('');
  expect(escapeField('\\N')).toBe('\\\\N');
  expect(escapeField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
  expect(escapeField(`O'Brien 三月 尊老金`)).toBe(`O'Brien 三月 尊老金`);
  expect(line.escapeField('a\tb\nc\rd\\e')).toBe(escapeField('a\tb\nc\rd\\e'));
});

test('decode(encode(record)) is the record, for any text in any field (fast-check)', () => {
  const text = fc.oneof(fc.constant(null), fc.string(), fc.string({ unit: fc.constantFrom('\\', '\t', '\n', '\r', 'N', '\'', '三', 'a') }));
  fc.assert(
    fc.property(fc.array(text, { minLength: TRANSACTION_FIELDS.length, maxLength: TRANSACTION_FIELDS.length }), fc.array(fc.array(text, { minLength: 5, maxLength: 5 }), { maxLength: 4 }), (values, postings) => {
      const t = {
        ...Object.fromEntries(TRANSACTION_FIELDS.map((name, i) => [name, values[i]])),
        postings: postings.map((p) => Object.fromEntries(POSTING_FIELDS.map((name, i) => [name, p[i]]))),
      };
      const encoded = transactionLine(t);
      expect(encoded.indexOf('\n')).toBe(encoded.length - 1); // one line, whatever the fields hold
      const decoded = line.parseTransactionLine(encoded.slice(0, -1));
      expect(decoded).toEqual({ type: 'transaction', compact: true, ...t });
      expect(line.formatTransactionLine(decoded)).toBe(encoded.slice(0, -1));
    }),
    { numRuns: 300 },
  );
});

test('malformed lines are refused with a reason', () => {
  const good = transactionLine(record()).slice(0, -1);
  expect(() => line.parseTransactionLine(good.split('\t').slice(0, -1).join('\t'))).toThrow(/fields/);
  expect(() => line.parseTransactionLine(good + '\textra')).toThrow(/fields/);
  expect(() => line.parseTransactionLine(good.replace('memo-12', 'a\\qb'))).toThrow(/unknown escape "\\q"/);
  expect(() => line.parseTransactionLine(good.replace('memo-12', 'trailing\\'))).toThrow(/unknown escape/);
  expect(() => line.parseTransactionLine('X' + good.slice(1))).toThrow(/transaction line/);
  const count = good.split('\t');
  count[1 + TRANSACTION_FIELDS.length] = '-1';
  expect(() => line.parseTransactionLine(count.join('\t'))).toThrow(/posting count/);
});
