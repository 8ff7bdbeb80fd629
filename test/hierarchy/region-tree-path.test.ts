/**
 * The region tree path (api/hierarchy/region-tree-path.ts) answers exactly what the field resolvers
 * answer: every shape below is sent to a server with the path and to one without it, over the same
 * database, as several viewers, and the responses (status, data, errors) must be equal. The cases
 * cover the shapes the path takes (scalars, ids, __typename, aliases, fragments, nested children,
 * totalCount, nodes, edges and cursors, pageInfo, pages after a cursor, variables) and those it must
 * leave to graphql-js (out of scope, unknown region, bad arguments, uncovered fields), and which of
 * them it did answer is checked from the statements the database received.
 */
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { authHeader, startTestApi, type TestApi } from '../support/api.js';
import { CITY, FENG, PEI } from '../fixtures/regions.js';
import type { Role } from '../../auth/roles.js';
import { toCursor } from '../../api/relay.js';

let db: TestDatabase;
let resolved: TestApi;
let tree: TestApi;
/** The tree path with its answers kept (hierarchy/region-tree-cache.ts); `tree` reads every answer, so that its statements can be counted. */
let cached: TestApi;

beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  resolved = await startTestApi(db, { regionTrees: false });
  tree = await startTestApi(db, { regionTrees: true, regionCache: false });
  cached = await startTestApi(db, { regionTrees: true, regionCache: true });
  while (!cached.app.regionCache!.listening) await new Promise((resolve) => setTimeout(resolve, 10)); // it connects in the background
  village = (await db.pool.query(`select code from region where level = 'VILLAGE' and code like '320321%' order by code limit 1`)).rows[0].code;
});
afterAll(async () => {
  await resolved?.close();
  await tree?.close();
  await cached?.close();
  await db?.drop();
});

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  as?: [Role, string];
  /** Whether the tree path answers it, with its one statement (false: graphql-js does). */
  covered: boolean;
}

const DEEP = `{ region(code: "${CITY}") { name children(first: 20) { nodes { code name children(first: 50) { nodes { code name children(first: 100) { totalCount nodes { code name } } } } } } } }`;
const PAGE = `query ($c: String!, $f: Int, $a: String) { region(code: $c) { code children(first: $f, after: $a) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id code } } } } }`;
const FENG_TOWN = '320321100000';
/** A village of 丰县 and its town, looked up once the database is there (placeholders in the cases). */
const VILLAGE = '@village@';
const TOWN = '@town@';
let village = '';

const CASES: Case[] = [
  { name: 'the deep query', query: DEEP, covered: true },
  { name: 'the point lookup', query: `{ region(code: "${FENG}") { code name level parentCode } }`, covered: true },
  { name: 'a province (no parent)', query: `{ region(code: "32") { code level parentCode id } }`, covered: true },
  { name: 'ids, __typename and aliases at every level', query: `{ r: region(code: "3203") { __typename key: id c: code children(first: 3) { __typename n: totalCount nodes { __typename id level parentCode } pageInfo { __typename hasNextPage } edges { __typename cursor node { __typename code } } } } }`, covered: true },
  { name: 'fragments of the exact type', query: `query Q { region(code: "${FENG}") { ...R children(first: 2) { ... on RegionConnection { totalCount } nodes { ...R } } } } fragment R on Region { code name }`, covered: true },
  { name: 'the first page, by variables', query: PAGE, variables: { c: FENG, f: 3 }, covered: true },
  { name: 'a page after a cursor', query: PAGE, variables: { c: FENG, f: 2, a: toCursor(FENG_TOWN) }, covered: true },
  { name: 'the last page (no next page)', query: PAGE, variables: { c: FENG, f: 500, a: toCursor(FENG_TOWN) }, covered: true },
  { name: 'first: 0', query: PAGE, variables: { c: FENG, f: 0 }, covered: true },
  { name: 'the default page size', query: `{ region(code: "${CITY}") { children { totalCount nodes { code children { pageInfo { hasNextPage endCursor } nodes { code } } } } } }`, covered: true },
  { name: 'a village (no children)', query: `{ region(code: "${VILLAGE}") { code children(first: 5) { totalCount nodes { code } pageInfo { hasNextPage startCursor endCursor } } } }`, covered: true },
  { name: 'a county officer in the county', query: DEEP.replace(CITY, FENG), as: ['FINANCE_OFFICER', FENG], covered: true },
  { name: 'a county officer reads the city by name only', query: `{ region(code: "${CITY}") { code name } }`, as: ['FINANCE_OFFICER', FENG], covered: true },
  { name: 'a village verifier reads its village', query: `{ region(code: "${VILLAGE}") { name children { totalCount } } }`, as: ['VILLAGE_VERIFIER', VILLAGE], covered: true },
  { name: 'a county officer asks below the city', query: DEEP, as: ['FINANCE_OFFICER', FENG], covered: false },
  { name: 'a county officer asks for another county', query: `{ region(code: "${PEI}") { name children(first: 2) { nodes { code } } } }`, as: ['FINANCE_OFFICER', FENG], covered: false },
  { name: 'a village verifier reads its town (above it) by name', query: `{ region(code: "${TOWN}") { name } }`, as: ['VILLAGE_VERIFIER', VILLAGE], covered: true },
  { name: 'a village verifier asks below its town', query: `{ region(code: "${TOWN}") { name children(first: 3) { nodes { code } } } }`, as: ['VILLAGE_VERIFIER', VILLAGE], covered: false },
  { name: 'an unknown region', query: `{ region(code: "320399000000") { name children { totalCount } } }`, covered: false },
  { name: 'a malformed code', query: `query ($c: String!) { region(code: $c) { code } }`, variables: { c: '12ab' }, covered: false },
  { name: 'a code of the wrong type', query: `query ($c: String!) { region(code: $c) { code } }`, variables: { c: 3203 }, covered: false },
  { name: 'a missing variable', query: `query ($c: String!) { region(code: $c) { code } }`, covered: false },
  { name: 'page size out of range', query: PAGE, variables: { c: FENG, f: 501 }, covered: false },
  { name: 'a negative page size', query: PAGE, variables: { c: FENG, f: -1 }, covered: false },
  { name: 'a page size of the wrong type', query: PAGE, variables: { c: FENG, f: '3' }, covered: false },
  { name: 'a bad cursor', query: PAGE, variables: { c: FENG, f: 2, a: 'bm90LWEtY3Vyc29y' }, covered: false },
  { name: 'a variable with a default', query: `query ($f: Int = 2) { region(code: "${FENG}") { children(first: $f) { nodes { code } } } }`, covered: false },
  { name: 'a directive', query: `query ($x: Boolean!) { region(code: "${FENG}") { code name @include(if: $x) } }`, variables: { x: false }, covered: false },
  { name: 'a field the path does not build', query: `{ region(code: "${FENG}") { code updatedAt children(first: 2) { nodes { code parent { code } } } } }`, covered: false },
  { name: 'a response key asked twice', query: `{ region(code: "${FENG}") { code code } }`, covered: false },
  { name: 'another root field beside', query: `{ region(code: "${FENG}") { code } regions(first: 1) { nodes { code } } }`, covered: false },
  { name: 'a fragment on the interface', query: `{ region(code: "${FENG}") { ... on Node { id } } }`, covered: false },
];

const TREE_STATEMENT = / as tree from region r where r\.code = \$1::text$/;

/** Status and body as sent, byte for byte. */
async function send(api: TestApi, c: Case): Promise<{ status: number; body: string }> {
  const town = `${village.slice(0, 9)}000`;
  const fill = (text: string) => text.replaceAll(VILLAGE, village).replaceAll(TOWN, town);
  const as = c.as?.map(fill) as [Role, string] | undefined;
  const response = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await (as ? authHeader(as[0], as[1]) : authHeader('CITY_ADMIN'))) },
    body: JSON.stringify({ query: fill(c.query), variables: c.variables }),
  });
  return { status: response.status, body: await response.text() };
}

test.each(CASES.map((c) => [c.name, c] as const))('%s: the same answer with and without the tree path', async (_name, c) => {
  const expected = await send(resolved, c);
  const before = db.statements.length;
  const actual = await send(tree, c);
  expect(actual).toEqual(expected);
  const statements = db.statements.slice(before);
  expect(statements.length === 1 && TREE_STATEMENT.test(statements[0]!)).toBe(c.covered);
  if (c.covered) expect(JSON.parse(actual.body).errors).toBeUndefined();
  // With the answers kept: the same bytes the first time and again (the second from the cache where covered).
  expect(await send(cached, c)).toEqual(expected);
  const again = db.statements.length;
  expect(await send(cached, c)).toEqual(expected);
  if (c.covered) expect(db.statements.slice(again).filter((s) => TREE_STATEMENT.test(s))).toEqual([]);
});

test('the tree path answers the deep query with one statement', async () => {
  const before = db.statements.length;
  const response = await tree.gql(DEEP);
  expect(db.statements.length - before).toBe(1);
  const villages = response.data!.region.children.nodes.flatMap((c: any) => c.children.nodes.flatMap((t: any) => t.children.nodes));
  expect(villages.length).toBeGreaterThan(1000);
});

test('anonymous callers are refused before the tree path', async () => {
  const before = db.statements.length;
  const response = await tree.anonymous(`{ region(code: "${FENG}") { code } }`);
  expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(db.statements.length).toBe(before);
});

test('PostgreSQL escapes names exactly as JSON.stringify does (the answer is its text as it is)', async () => {
  const names = ['徐州市', 'a "quoted" name', 'back\\slash', 'line\nbreak\ttab\r', '\u0001\u001f\u007f', '\u2028\u2029', '😀 emoji', '/slash/'];
  const { rows } = await db.pool.query<{ json: string }>(`select to_json(n)::text as json from unnest($1::text[]) with ordinality as t (n, i) order by i`, [names]);
  expect(rows.map((r) => r.json)).toEqual(names.map((n) => JSON.stringify(n)));
});
