/**
 * One request, one transaction: a mutation operation selects one root field. Two writes in one
 * request were two transactions — the first committed while the answer was `data: null` (found in
 * review) — so such a request is refused before anything runs, however the fields are spelt.
 */
import { authHeader, useXuzhouApi } from '../support/api.js';
import { CITY } from '../fixtures/index.js';

const live = useXuzhouApi();
let n = 0;
const input = (key: string, amount = '1000') => ({ idempotencyKey: key, effectiveDate: '2026-01-05', regionCode: CITY, fundLine: 'OPERATIONS', amount, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕9号' });

async function keysWritten(keys: string[]): Promise<string[]> {
  const { rows } = await live.db.pool.query(`select idempotency_key from ledger.transaction where idempotency_key = any($1) order by 1`, [keys]);
  return rows.map((r) => r.idempotency_key);
}

test('two mutations in one request — aliased, through fragments, with one made to fail — are refused and nothing is written', async () => {
  const as = await authHeader('FINANCE_OFFICER', CITY);
  const a = `one-a-${Date.now()}-${++n}`;
  const b = `one-b-${Date.now()}-${++n}`;
  const documents = [
    // the reviewer's case: the second fails validation of its input, the first would have committed
    [`mutation ($a: AppropriateInput!, $b: AppropriateInput!) { a: appropriate(input: $a) { replayed } b: appropriate(input: $b) { replayed } }`, { a: input(a), b: input(b, '-5') }],
    [`mutation ($a: AppropriateInput!, $b: AppropriateInput!) { ...W } fragment W on Mutation { a: appropriate(input: $a) { replayed } ... on Mutation { b: appropriate(input: $b) { replayed } } }`, { a: input(a), b: input(b) }],
    [`mutation ($a: AppropriateInput!, $b: AppropriateInput!, $no: Boolean = false) { a: appropriate(input: $a) { replayed } b: appropriate(input: $b) @include(if: $no) { replayed } }`, { a: input(a), b: input(b) }],
  ] as const;
  for (const [query, variables] of documents) {
    const res = await live.api.gql(query, variables, as);
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors![0]!.message).toMatch(/^a request carries one mutation, and this one has 2 \(a, b\)/);
  }
  expect(await keysWritten([a, b])).toEqual([]);
  // one mutation (with __typename beside it, and the same field twice under one key) is one transaction, as before
  const one = await live.api.gql(`mutation ($a: AppropriateInput!) { __typename appropriate(input: $a) { replayed } appropriate(input: $a) { replayed } }`, { a: input(a) }, as);
  expect(one.errors).toBeUndefined();
  expect(one.data).toEqual({ __typename: 'Mutation', appropriate: { replayed: false } });
  expect(await keysWritten([a, b])).toEqual([a]);
});
