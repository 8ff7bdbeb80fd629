/**
 * The HTTP edge: body-level failures, subscriptions and unknown persisted-query versions answer JSON
 * with a code of their own (never an HTML page, a stack or INTERNAL_SERVER_ERROR), in development and
 * production mode alike; /healthz, /readyz and /metrics.
 */
import zlib from 'node:zlib';
import { authHeader, errorCodes, startTestApi, type TestApi } from '../support/api.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
const apis: Record<'development' | 'production', TestApi> = {} as never;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  apis.development = await startTestApi(db, { production: false });
  apis.production = await startTestApi(db, { production: true });
});
afterAll(async () => {
  await apis.development?.close();
  await apis.production?.close();
  await db?.drop();
});

async function post(api: TestApi, body: string | Buffer, headers: Record<string, string>) {
  const response = await fetch(api.url, { method: 'POST', headers: { ...(await authHeader('CITY_ADMIN')), ...headers }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text };
}

const QUERY = JSON.stringify({ query: '{ fundLines { code } }' });

/** The answer is JSON in GraphQL's error shape with `code`, and nothing internal. */
function expectJsonError(answer: { status: number; type: string | null; text: string }, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.type).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text);
  expect(body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual([code]);
  expect(answer.text).not.toMatch(/<html|<pre|stack|node_modules|\.js:\d+|Internal server error/i);
}

describe.each(['development', 'production'] as const)('in %s mode', (mode) => {
  test('a charset other than UTF-8 is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectJsonError(await post(apis[mode], QUERY, { 'content-type': 'application/json; charset=latin1' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // UTF-16 and UTF-32 too, which the JSON parser would have decoded (a UTF-16 body was answered 200)
    expectJsonError(await post(apis[mode], Buffer.from(QUERY, 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectJsonError(await post(apis[mode], QUERY, { 'content-type': 'application/json; charset="UTF-32"' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    for (const utf8 of ['utf-8', 'UTF-8', '"utf-8"']) expect((await post(apis[mode], QUERY, { 'content-type': `application/json; charset=${utf8}` })).status).toBe(200);
  });

  test('Content-Encoding: compress is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    expectJsonError(await post(apis[mode], QUERY, { 'content-type': 'application/json', 'content-encoding': 'compress' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('a corrupt gzip body is 400 BAD_REQUEST', async () => {
    const corrupt = zlib.gzipSync(QUERY).subarray(0, 12);
    expectJsonError(await post(apis[mode], Buffer.concat([corrupt, Buffer.from('not gzip')]), { 'content-type': 'application/json', 'content-encoding': 'gzip' }), 400, 'BAD_REQUEST');
    // A good gzip body is read.
    const good = await post(apis[mode], zlib.gzipSync(QUERY), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(JSON.parse(good.text).data.fundLines).toHaveLength(5);
  });

  test('malformed JSON is 400 BAD_REQUEST', async () => {
    expectJsonError(await post(apis[mode], '{"query": ', { 'content-type': 'application/json' }), 400, 'BAD_REQUEST');
  });
});

test('a subscription is OPERATION_NOT_SUPPORTED (HTTP 400)', async () => {
  const res = await apis.development.gql(`subscription { fundLines { code } }`);
  expect(res.status).toBe(400);
  expect(errorCodes(res)).toEqual(['OPERATION_NOT_SUPPORTED']);
});

test('a persistedQuery extension of an unknown version is PERSISTED_QUERY_VERSION_NOT_SUPPORTED', async () => {
  for (const persistedQuery of [{ version: 2, sha256Hash: 'a'.repeat(64) }, { version: 'x' }, 'v1', null]) {
    const answer = await post(apis.development, JSON.stringify({ query: '{ fundLines { code } }', extensions: { persistedQuery } }), { 'content-type': 'application/json' });
    expectJsonError(answer, 400, 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED');
  }
  // Over GET too.
  const query = new URLSearchParams({ query: '{ fundLines { code } }', extensions: JSON.stringify({ persistedQuery: { version: 3 } }) });
  const response = await fetch(`${apis.development.url}?${query}`, { headers: { ...(await authHeader('CITY_ADMIN')), 'apollo-require-preflight': 'true' } });
  expect(response.status).toBe(400);
  expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('PERSISTED_QUERY_VERSION_NOT_SUPPORTED');
  // Version 1 is Apollo's own (automatic persisted queries): an unknown hash is its PERSISTED_QUERY_NOT_FOUND.
  const unknownHash = await post(apis.development, JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'b'.repeat(64) } } }), { 'content-type': 'application/json' });
  expect(JSON.parse(unknownHash.text).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
});

test('an unknown path is a JSON 404, not an HTML page', async () => {
  const response = await fetch(apis.production.url.replace(/\/graphql$/, '/no/such/page'));
  expect(response.status).toBe(404);
  expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('NOT_FOUND');
});

test('/healthz answers without the database; /readyz checks it and the migrations', async () => {
  const base = apis.development.url.replace(/\/graphql$/, '');
  expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
  const ready = await fetch(`${base}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', ready: true, database: 'ok', pendingMigrations: [] });
});

/** The value of one sample line of the Prometheus text, or 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

test('/metrics: requests by operation and outcome with latencies, ledger commits and group sizes, chain-lock wait, the pool, rejections', async () => {
  const api = apis.development;
  const base = api.url.replace(/\/graphql$/, '');
  const scrape = async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };
  const before = await scrape();
  await api.gql(`query MetricsProbe { fundLines { code } }`);
  const refused = await api.gql(`query MetricsProbe { regions(first: 501) { totalCount } }`);
  expect(errorCodes(refused)).toEqual(['BAD_USER_INPUT']);
  await api.gql(
    `mutation MetricsAppropriate($i: AppropriateInput!) { appropriate(input: $i) { replayed } }`,
    { i: { idempotencyKey: 'metrics-1', effectiveDate: '2026-01-05', regionCode: '320300000000', fundLine: 'SENIOR_ALLOWANCE', amount: '1000', fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕9号' } },
  );
  await api.gql(`{ regions(first: 500) { nodes { descendants(first: 500) { nodes { children(first: 500) { nodes { code } } } } } } }`);
  const after = await scrape();

  const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
  expect(delta('sunshine_graphql_requests_total', { operation: 'MetricsProbe', outcome: 'ok' })).toBe(1);
  expect(delta('sunshine_graphql_requests_total', { operation: 'MetricsProbe', outcome: 'BAD_USER_INPUT' })).toBe(1);
  expect(delta('sunshine_graphql_request_duration_seconds_count', { operation: 'MetricsProbe', outcome: 'ok' })).toBe(1);
  expect(delta('sunshine_graphql_requests_total', { operation: 'MetricsAppropriate', outcome: 'ok' })).toBe(1);
  expect(delta('sunshine_ledger_commits_total')).toBeGreaterThanOrEqual(1);
  expect(delta('sunshine_ledger_group_size_count')).toBeGreaterThanOrEqual(1);
  expect(delta('sunshine_ledger_chain_lock_wait_seconds_count')).toBeGreaterThanOrEqual(1);
  expect(delta('sunshine_rejections_total', { reason: 'complexity' })).toBe(1);
  expect(after).toMatch(/sunshine_db_pool_connections\{[^}]*state="total"[^}]*\} \d+/);
  // Names clients make up do not grow the series without bound: an over-long one counts as "other".
  const othersBefore = sample(await scrape(), 'sunshine_graphql_requests_total', { operation: 'other', outcome: 'ok' });
  await api.gql(`query ${'L'.repeat(80)} { fundLines { code } }`);
  const scraped = await scrape();
  expect(sample(scraped, 'sunshine_graphql_requests_total', { operation: 'other', outcome: 'ok' }) - othersBefore).toBe(1);
  expect(scraped).not.toMatch(/L{80}/);
});

test('/metrics can require a token (METRICS_TOKEN)', async () => {
  const { createApp } = await import('../../api/server.js');
  const { pino } = await import('pino');
  const { secretKeySet } = await import('../../auth/tokens.js');
  const { TEST_JWT_SECRET } = await import('../support/api.js');
  const app = await createApp({ pool: db.pool, log: pino({ level: 'silent' }), production: true, keySet: secretKeySet(TEST_JWT_SECRET), metricsToken: 'scrape-secret' });
  const base = (await app.listen(0, '127.0.0.1')).replace(/\/graphql$/, '');
  try {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer scrape-secret' } })).status).toBe(200);
  } finally {
    await app.stop();
  }
});
