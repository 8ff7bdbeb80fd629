/** Limits of the GraphQL endpoint (docs/security.md): each refuses with a clear error before anything runs. */
import { DEFAULT_LIMITS } from '../../api/hardening.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { authHeader, errorCodes, startTestApi, useXuzhouApi } from '../support/api.js';

const live = useXuzhouApi();

test(`depth beyond ${DEFAULT_LIMITS.maxDepth} is refused`, async () => {
  const deep = (n: number) => `{ region(code: "320321") { ${'parent { '.repeat(n)}code${' }'.repeat(n)} } }`;
  expect((await live.api.gql(deep(DEFAULT_LIMITS.maxDepth - 2))).errors).toBeUndefined();
  const res = await live.api.gql(deep(DEFAULT_LIMITS.maxDepth + 1));
  expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  expect(res.errors![0]!.message).toMatch(/depth limit of 12/i);
});

test(`more than ${DEFAULT_LIMITS.maxAliases} aliases are refused`, async () => {
  const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: region(code: "3203") { code }`).join(' ')} }`;
  expect((await live.api.gql(aliases(DEFAULT_LIMITS.maxAliases))).errors).toBeUndefined();
  const res = await live.api.gql(aliases(DEFAULT_LIMITS.maxAliases + 1));
  expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  expect(res.errors![0]!.message).toMatch(/aliases limit/i);
});

test(`more than ${DEFAULT_LIMITS.maxDirectives} directives are refused`, async () => {
  // Two directives per aliased field: a0: region @include { code @include }, …
  const directives = (n: number) =>
    `{ ${Array.from({ length: Math.ceil(n / 2) }, (_, i) => `a${i}: region(code: "3203") @include(if: true) { code ${2 * i + 1 < n ? '@include(if: true)' : ''} }`).join(' ')} }`;
  expect((await live.api.gql(directives(DEFAULT_LIMITS.maxDirectives))).errors).toBeUndefined();
  const res = await live.api.gql(directives(DEFAULT_LIMITS.maxDirectives + 1));
  expect(errorCodes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  expect(res.errors![0]!.message).toMatch(/directives limit/i);
});

test(`documents over ${DEFAULT_LIMITS.maxTokens} tokens are refused (large inputs travel as variables)`, async () => {
  const res = await live.api.gql(`{ region(code: "3203") { ${'code '.repeat(DEFAULT_LIMITS.maxTokens)} } }`);
  expect(res.status).toBe(400);
  expect(errorCodes(res)).toEqual(['GRAPHQL_PARSE_FAILED']);
  expect(res.errors![0]!.message).toMatch(/more th\w+ 2000 tokens/i);
});

test('an operation whose pages multiply past the complexity limit is refused before it runs', async () => {
  const res = await live.api.gql(`{ regions(first: 500) { nodes { descendants(first: 500) { nodes { children(first: 500) { nodes { code } } } } } } }`);
  expect(res.status).toBe(400);
  expect(errorCodes(res)).toEqual(['QUERY_TOO_COMPLEX']);
  expect(res.errors![0]!.extensions).toMatchObject({ limit: DEFAULT_LIMITS.maxComplexity });
  expect((res.errors![0]!.extensions!.complexity as number) > DEFAULT_LIMITS.maxComplexity).toBe(true);
  // The same shape with small pages is fine.
  expect((await live.api.gql(`{ regions(first: 5) { nodes { descendants(first: 5) { nodes { children(first: 5) { nodes { code } } } } } } }`)).errors).toBeUndefined();
});

test('the estimate follows the variables that size it (page sizes, @include), whatever the others hold', async () => {
  const query = `query ($n: Int!, $level: RegionLevel, $withChildren: Boolean!) {
    regions(first: $n, level: $level) { nodes { code children(first: 10) @include(if: $withChildren) { nodes { code } } } } }`;
  const cost = async (variables: Record<string, unknown>) => {
    const res = await live.api.gql(query, variables);
    expect(res.errors).toBeUndefined();
    return res.extensions!.cost.requested as number;
  };
  const small = await cost({ n: 2, level: 'COUNTY', withChildren: false });
  const large = await cost({ n: 20, level: 'COUNTY', withChildren: false });
  const withChildren = await cost({ n: 2, level: 'COUNTY', withChildren: true });
  expect(large).toBeGreaterThan(small);
  expect(withChildren).toBeGreaterThan(small);
  // Asked again with another filter, and again as first asked: the same estimates.
  expect(await cost({ n: 2, level: 'TOWN', withChildren: false })).toBe(small);
  expect(await cost({ n: 20, level: 'COUNTY', withChildren: false })).toBe(large);
  expect(await cost({ n: 2, level: 'COUNTY', withChildren: true })).toBe(withChildren);
});

test('variables that do not coerce are BAD_USER_INPUT, not an internal error', async () => {
  const res = await live.api.gql(`query ($l: RegionLevel) { regions(level: $l) { totalCount } }`, { l: 'GALAXY' });
  expect(res.status).toBe(400);
  expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
});

test('batched operations (a JSON array) are refused', async () => {
  const response = await fetch(live.api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await authHeader('CITY_ADMIN')) },
    body: JSON.stringify([{ query: '{ fundLines { code } }' }, { query: '{ fundLines { code } }' }]),
  });
  expect(response.status).toBe(400);
  expect(await response.text()).toMatch(/batch/i);
});

test('CSRF prevention: a simple GET without a preflight-forcing header is refused', async () => {
  const url = `${live.api.url}?query=${encodeURIComponent('{ __typename }')}`;
  const simple = await fetch(url);
  expect(simple.status).toBe(400);
  expect(await simple.text()).toMatch(/CSRF/);
  const preflighted = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
  expect(preflighted.status).toBe(200);
});

describe('with tight server settings', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ withXuzhou: false });
  });
  afterAll(async () => db?.drop());

  test('request bodies over the size limit get 413 PAYLOAD_TOO_LARGE', async () => {
    const api = await startTestApi(db, { maxBody: '1kb' });
    try {
      const res = await api.gql(`{ fundLines { code } }`, { padding: 'x'.repeat(2048) });
      expect(res.status).toBe(413);
      expect(errorCodes(res)).toEqual(['PAYLOAD_TOO_LARGE']);
      expect((await api.gql(`{ fundLines { code } }`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  test('each credential has its own request budget per minute; past it, 429 RATE_LIMITED', async () => {
    const api = await startTestApi(db, { limits: { requestsPerMinute: 5 } });
    try {
      const auditor = api.as('AUDITOR');
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await auditor.gql(`{ fundLines { code } }`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const limited = await auditor.gql(`{ fundLines { code } }`);
      expect(errorCodes(limited)).toEqual(['RATE_LIMITED']);
      // Another credential is unaffected.
      expect((await api.as('SYSTEM_CLIENT').gql(`{ fundLines { code } }`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  test('behind a proxy (TRUST_PROXY) requests without a credential are limited per forwarded client address', async () => {
    process.env.TRUST_PROXY = '1';
    const api = await startTestApi(db, { limits: { requestsPerMinute: 2 } });
    delete process.env.TRUST_PROXY;
    try {
      const from = (ip: string) => api.anonymous(`{ fundLines { code } }`, undefined, { 'x-forwarded-for': ip });
      expect([(await from('10.0.0.1')).status, (await from('10.0.0.1')).status, (await from('10.0.0.1')).status]).toEqual([401, 401, 429]);
      expect((await from('10.0.0.2')).status).toBe(401); // another client, its own budget (and still no credential)
    } finally {
      await api.close();
    }
  });

  test('each subject has a budget of complexity points per minute; every answer says what it cost', async () => {
    const api = await startTestApi(db, { limits: { costPerMinute: 1_000 } });
    try {
      const auditor = api.as('AUDITOR');
      const query = `{ fundLines { code nameZh } }`;
      const first = await auditor.gql(query);
      expect(first.status).toBe(200);
      const cost = first.extensions!.cost;
      // Two limits, each named for what it limits (the per-operation maximum is not the per-minute budget).
      expect(Object.keys(cost).sort()).toEqual(['budgetPerMinute', 'budgetRemaining', 'budgetResetAt', 'maxPerOperation', 'requested']);
      expect(cost).toMatchObject({ maxPerOperation: DEFAULT_LIMITS.maxComplexity, budgetPerMinute: 1_000, budgetRemaining: 1_000 - cost.requested });
      expect(cost.requested).toBeGreaterThan(1);
      expect(Date.parse(cost.budgetResetAt)).toBeGreaterThan(Date.now());
      const calls = Math.floor(1_000 / cost.requested);
      for (let i = 1; i < calls; i++) expect((await auditor.gql(query)).status).toBe(200);
      const spent = await auditor.gql(query);
      expect(spent.status).toBe(429);
      expect(errorCodes(spent)).toEqual(['RATE_LIMITED']);
      expect(spent.errors![0]!.message).toMatch(/costs \d+ points/);
      // Another subject has its own budget.
      expect((await api.as('SYSTEM_CLIENT').gql(query)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  test('production mode: no introspection, no field suggestions, internal errors masked', async () => {
    const api = await startTestApi(db, { production: true });
    try {
      const introspection = await api.gql(`{ __schema { types { name } } }`);
      expect(introspection.status).toBe(400);
      expect(introspection.errors![0]!.message).toMatch(/introspection/i);
      const typo = await api.gql(`{ fundLine { code } }`);
      expect(errorCodes(typo)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(typo.errors![0]!.message).not.toMatch(/Did you mean/);
      const dev = await live.api.gql(`{ fundLine { code } }`);
      expect(dev.errors![0]!.message).toMatch(/Did you mean "fundLines"/);
    } finally {
      await api.close();
    }
  });
});
