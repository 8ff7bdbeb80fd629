/**
 * GRAPHQL_JIT: the compiled executor (graphql-jit) answers exactly what graphql-js answers — every
 * operation in client/operations and a representative set of the test suite's requests (nested
 * connections, cursors, node(id), federation entities, ledger reads, scope refusals, bad input,
 * refused mutations), as several roles, compared response by response (status, data, errors).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, print, visit, type ASTNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { projectRoot } from '../../platform/config.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startTestApi, type TestApi } from '../support/api.js';
import type { Role } from '../../auth/roles.js';
import { Ledger } from '../../ledger/ledger.js';
import { toGlobalId } from '../../api/global-id.js';
import { CITY, COUNTY, fundCounty, key } from '../fixtures/index.js';

let db: TestDatabase;
let interpreted: TestApi;
let compiled: TestApi;

/** A disbursement of 丰县 for the operations that read one transaction (set once it is written). */
const seeded = { id: '' };

beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  const ledger = new Ledger(db.pool);
  const { lot } = await fundCounty(ledger, COUNTY, { amount: 100_000n });
  const village = await db.pool.query(`select code from region where level = 'VILLAGE' and code like $1 order by code limit 1`, [`${COUNTY.slice(0, 6)}%`]);
  const paid = await ledger.disburse({
    idempotencyKey: key('jit-pay'), effectiveDate: '2026-03-10', regionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: 5_000n, payeeType: 'PERSON',
    payeeId: 'E00000001', serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: village.rows[0].code, lotId: lot,
  }, 'test-finance');
  seeded.id = toGlobalId('LedgerTransaction', paid.transaction.id);
  interpreted = await startTestApi(db, { jit: false });
  compiled = await startTestApi(db, { jit: true });
});
afterAll(async () => {
  await interpreted?.close();
  await compiled?.close();
  await db?.drop();
});

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  as?: [Role, string];
}

/**
 * Every query of client/operations, with variables that reach data. Its mutations are left out here:
 * run twice, a write answers the second time as a replay, so the two executors would differ by
 * `replayed` alone (refused mutations are in SUITE; test/api/client-workflows.test.ts runs them).
 */
function clientOperations(): Case[] {
  const dir = path.join(projectRoot, 'client/operations');
  const variables: Record<string, Record<string, unknown>> = {
    RegionDetail: { code: '320321000000' },
    RegionChildren: { code: '320300000000', first: 5 },
    SearchRegions: { search: '镇', within: '320300000000', first: 10 },
    CountyBalances: { regionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE' },
    Journal: { filter: { regionCode: COUNTY }, first: 5 },
    TransactionDetail: seeded,
    Periods: { regionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', from: '2026-01', to: '2026-04' },
    Findings: { first: 5 },
    FindingDetail: { id: toGlobalId('AuditFinding', '1') },
    FindingSummaryByRule: { regionCode: CITY, from: '2026-01', to: '2026-12' },
    Elders: { filter: { within: COUNTY }, first: 5 },
  };
  return fs.readdirSync(dir).filter((f) => f.endsWith('.graphql')).flatMap((file) => {
    const document = parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const fragments = new Map(document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
    return document.definitions
      .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'query')
      .map((operation) => ({
        name: `client/operations/${file}: ${operation.name?.value}`,
        query: [operation, ...fragmentsUsed(operation, fragments)].map((d) => print(d)).join('\n'),
        variables: variables[operation.name?.value ?? ''] ?? {},
      }));
  });
}

/** The fragments a definition spreads, and theirs (a document with an unused fragment is invalid). */
function fragmentsUsed(definition: ASTNode, all: Map<string, FragmentDefinitionNode>, used = new Map<string, FragmentDefinitionNode>()): FragmentDefinitionNode[] {
  visit(definition, {
    FragmentSpread(spread) {
      const fragment = all.get(spread.name.value);
      if (!fragment || used.has(fragment.name.value)) return;
      used.set(fragment.name.value, fragment);
      fragmentsUsed(fragment, all, used);
    },
  });
  return [...used.values()];
}

const SUITE: Case[] = [
  { name: 'deep city → counties → towns → villages', query: `{ region(code: "320300000000") { name children(first: 20) { totalCount nodes { code name children(first: 50) { totalCount nodes { code name children(first: 100) { totalCount nodes { code name } } } } } } } }` },
  { name: 'point lookup', query: `{ region(code: "320321000000") { id code name level parentCode updatedAt } }` },
  { name: 'edges, cursors and the next page', query: `query ($a: String) { regions(level: TOWN, within: "3203", first: 3, after: $a) { edges { cursor node { id code } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`, variables: { a: null } },
  { name: 'a bad cursor', query: `{ regions(first: 2, after: "bm90LWEtY3Vyc29y") { nodes { code } } }` },
  { name: 'page size out of range', query: `{ region(code: "3203") { children(first: 501) { nodes { code } } } }` },
  { name: 'an unknown region', query: `{ region(code: "320399000000") { name } }` },
  { name: 'a malformed code in a variable', query: `query ($c: String!) { region(code: $c) { code } }`, variables: { c: '12ab' } },
  { name: 'a variable of the wrong type', query: `query ($c: String!) { region(code: $c) { code } }`, variables: { c: 3203 } },
  { name: 'node and nodes by id', query: `{ node(id: "UmVnaW9uOjMyMDMyMTAwMDAwMA") { __typename id ... on Region { name } } nodes(ids: ["UmVnaW9uOjMyMDMyMTAwMDAwMA", "UmVnaW9uOjMyMDM5OTAwMDAwMA"]) { id } }` },
  { name: 'counts, ancestors, parent, descendants', query: `{ region(code: "320321000000") { counts { towns villages total } ancestors { code } parent { name } descendants(level: TOWN, first: 5) { totalCount nodes { code name } } } }` },
  { name: 'search in the jurisdiction', query: `{ regions(search: "街道", first: 5) { totalCount nodes { code name parent { code } } } }` },
  { name: 'federation entities', query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { code name } } }`, variables: { r: [{ __typename: 'Region', code: '320321000000' }, { __typename: 'Region', code: '320399000000' }] } },
  { name: 'fund lines and balances', query: `{ fundLines { code nameZh nameEn } balances(regionCode: "320300000000") { regionCode fundLine accountKind balance } }` },
  { name: 'transactions of the ledger', query: `{ transactions(first: 5) { totalCount nodes { id kind } } }` },
  { name: '__typename and aliases', query: `{ __typename a: region(code: "320321000000") { name } b: region(code: "320322000000") { name } }` },
  { name: 'out of scope for a county officer', query: `{ region(code: "320322000000") { name children(first: 2) { nodes { code } } } }`, as: ['FINANCE_OFFICER', '320321000000'] },
  { name: 'a village verifier reads its village only', query: `{ region(code: "320321000000") { name } regions(first: 3) { nodes { code } } }`, as: ['VILLAGE_VERIFIER', '320321100201'] },
  { name: 'a refused mutation (no permission)', query: `mutation { appropriate(input: { idempotencyKey: "jit-1", effectiveDate: "2026-01-02", regionCode: "320300000000", fundLine: "SENIOR_ALLOWANCE", amount: "100", fiscalYear: 2026, fundingSource: "PROVINCIAL_TRANSFER", documentNo: "x" }) { replayed } }`, as: ['AUDITOR', '320300000000'] },
  { name: 'a mutation with bad input', query: `mutation { disburse(input: { idempotencyKey: "jit-2", effectiveDate: "2026-02-30", regionCode: "320321000000", fundLine: "SENIOR_ALLOWANCE", amount: "-5", payeeType: PERSON, payeeId: "E1", serviceMonth: "2026-02", benefitCode: "SA_MONTHLY", villageCode: "320321100201" }) { replayed } }` },
];

const send = (api: TestApi, c: Case) => (c.as ? api.as(c.as[0], c.as[1]).gql(c.query, c.variables) : api.gql(c.query, c.variables));

test.each([...clientOperations(), ...SUITE].map((c) => [c.name, c] as const))('%s: the same answer both ways', async (_name, c) => {
  const [a, b] = [await send(interpreted, c), await send(compiled, c)];
  expect(b).toEqual(a);
});

test('the client operations and the representative set reach data (not only errors)', async () => {
  for (const c of clientOperations()) expect((await send(compiled, c)).errors).toBeUndefined();
  expect((await send(compiled, SUITE[0]!)).data!.region.children.nodes.length).toBe(11);
});
