/**
 * `_entities` is no back door: for every entity type, every role, inside and outside the
 * jurisdiction, it answers exactly what `node(id:)`/`nodes(ids:)` answers — data in scope,
 * FORBIDDEN (null at its index) outside — and it never turns a representation into data.
 */
import { isObjectType, parse } from 'graphql';
import type { Role } from '../../auth/roles.js';
import { createSchema } from '../../api/schema.js';
import { ENTITY_TYPES, MAX_REPRESENTATIONS } from '../../api/federation/entities.js';
import { fromGlobalId, toGlobalId } from '../../api/relay.js';
import { errorCodes, startTestApi, useXuzhouApi, type GraphQLResponse } from '../support/api.js';
import { CITY, seedEntities } from './support.js';
import { FENG, PEI } from '../fixtures/index.js';

const live = useXuzhouApi();

const A = FENG; // 丰县: the county-level callers' jurisdiction
const B = PEI; // 沛县
const NANJING = '320100000000';

let objectsA: Record<string, string>;
let objectsB: Record<string, string>;
let villageA: string;

beforeAll(async () => {
  ({ ids: objectsA, village: villageA } = await seedEntities(live.api, live.db.pool, A));
  ({ ids: objectsB } = await seedEntities(live.api, live.db.pool, B));
});

type Representation = Record<string, unknown>;

/** Every entity by its id key, and Region also by its code key; with the node id each stands for. */
function representationsOf(ids: Record<string, string>): { representations: Representation[]; nodeIds: string[] } {
  const typenames = Object.keys(ids).sort();
  const representations: Representation[] = typenames.map((typename) => ({ __typename: typename, id: ids[typename] }));
  const nodeIds = typenames.map((typename) => ids[typename]!);
  if (ids.Region) {
    representations.push({ __typename: 'Region', code: fromGlobalId(ids.Region).key });
    nodeIds.push(ids.Region);
  }
  return { representations, nodeIds };
}

/** What one index of a list answered: `Type:id`, `null`, or the error code at that index. */
function outcomes(res: GraphQLResponse, field: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => {
    const error = res.errors?.find((e) => e.path?.[0] === field && Number(e.path?.[1]) === index);
    if (error) return `error:${error.extensions?.code}`;
    const item = res.data?.[field]?.[index];
    return item ? `${item.__typename}:${item.id}` : 'null';
  });
}

const COMPARE = `query ($reps: [_Any!]!, $ids: [ID!]!) {
  _entities(representations: $reps) { __typename ... on Node { id } }
  nodes(ids: $ids) { __typename id }
}`;

async function compare(role: Role, jurisdiction: string, ids: Record<string, string>) {
  const { representations, nodeIds } = representationsOf(ids);
  const res = await live.api.as(role, jurisdiction).gql(COMPARE, { reps: representations, ids: nodeIds });
  const labels = representations.map((r) => `${r.__typename}${'code' in r ? ' by code' : ''}`);
  const label = (list: string[]) => list.map((outcome, i) => `${labels[i]} → ${outcome}`);
  return { entities: label(outcomes(res, '_entities', representations.length)), nodes: label(outcomes(res, 'nodes', nodeIds.length)), res };
}

const CALLERS: [Role, () => string][] = [
  ['CITY_ADMIN', () => CITY],
  ['FINANCE_OFFICER', () => A],
  ['CIVIL_AFFAIRS_OFFICER', () => A],
  ['VILLAGE_VERIFIER', () => villageA],
  ['AUDITOR', () => A],
  ['SYSTEM_CLIENT', () => A],
];

describe.each(CALLERS)('%s', (role, jurisdiction) => {
  test('inside the jurisdiction: the same answer as nodes(ids:), entity by entity', async () => {
    const { entities, nodes } = await compare(role, jurisdiction(), objectsA);
    expect(entities).toEqual(nodes);
    expect(entities.length).toBe(ENTITY_TYPES.length + 1);
    // The caller's own region always resolves.
    const own = await live.api.as(role, jurisdiction()).gql(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { code } } }`, { r: [{ __typename: 'Region', code: jurisdiction() }] });
    expect(own.errors).toBeUndefined();
    expect(own.data!._entities).toEqual([{ code: jurisdiction() }]);
  });

  test('outside the jurisdiction: FORBIDDEN at every index, no data', async () => {
    // Nothing of the city lies outside the city admin's jurisdiction: for it, a region elsewhere.
    const outside = role === 'CITY_ADMIN' ? { Region: toGlobalId('Region', NANJING) } : objectsB;
    const { entities, nodes, res } = await compare(role, jurisdiction(), outside);
    expect(entities).toEqual(nodes);
    for (const outcome of entities) expect(outcome).toMatch(/ → error:FORBIDDEN$/);
    expect(res.data!._entities.every((item: unknown) => item === null)).toBe(true);
  });
});

test('what each role resolves inside its jurisdiction follows its permissions', async () => {
  const seen = async (role: Role, jurisdiction: string) =>
    Object.fromEntries((await compare(role, jurisdiction, objectsA)).entities.map((line) => line.split(' → ')).map(([label, outcome]) => [label, outcome!.startsWith('error:') ? outcome : 'data']));
  const admin = await seen('CITY_ADMIN', CITY);
  expect(Object.values(admin).every((outcome) => outcome === 'data')).toBe(true);
  const system = await seen('SYSTEM_CLIENT', A);
  // A county system: hierarchy, registry and ledger reads; no access log, no audit findings.
  expect([system.LedgerTransaction, system.Lot]).toEqual(['data', 'data']);
  expect([system.AccessLogEntry, system.AuditFinding]).toEqual(['error:FORBIDDEN', 'error:FORBIDDEN']);
  expect([system.Elder, system.Facility, system.Region, system['Region by code']]).toEqual(['data', 'data', 'data', 'data']);
  // A village verifier: the records of its village, not the county's region, caregivers or money.
  const verifier = await seen('VILLAGE_VERIFIER', villageA);
  expect([verifier.Elder, verifier.Stay]).toEqual(['data', 'data']);
  expect([verifier.Caregiver, verifier.LedgerTransaction]).toEqual(['error:FORBIDDEN', 'error:FORBIDDEN']);
});

test('a representation is never passed through as data: its other fields are ignored', async () => {
  const res = await live.api.as('SYSTEM_CLIENT', A).gql(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Elder { id name hukouVillageCode } } }`, {
    r: [{ __typename: 'Elder', id: objectsA.Elder, name: '伪造', hukouVillageCode: B }],
  });
  expect(res.errors).toBeUndefined();
  const [elder] = res.data!._entities;
  expect(elder.id).toBe(objectsA.Elder);
  expect(elder.name).not.toBe('伪造');
  expect(elder.name).toMatch(/\*/); // masked for a county system
  expect(elder.hukouVillageCode).toBe(villageA);
});

test('representations that are not entities of this subgraph are refused at their index; the rest resolve', async () => {
  const representations: unknown[] = [
    { __typename: 'Region', code: A },
    { __typename: 'FundLine', code: 'SENIOR_ALLOWANCE' }, // an object type, but no entity
    { __typename: 'ElderPersonal', name: '张三' },
    { __typename: 'toString', id: objectsA.Elder },
    { __typename: 'Facility', id: objectsA.Elder }, // an Elder's id under another type
    { __typename: 'Elder' }, // no key
    { __typename: 'Region', code: '3203' }, // not a 12-digit code
    { __typename: 'Elder', id: 'not-an-id' },
    'Region',
    { __typename: 'Elder', id: toGlobalId('Elder', '999999999') }, // well-formed, missing: null, as node(id:)
  ];
  const res = await live.api.gql(`query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Node { id } } }`, { r: representations });
  expect(outcomes(res, '_entities', representations.length)).toEqual([
    `Region:${toGlobalId('Region', A)}`,
    ...Array(8).fill('error:BAD_USER_INPUT'),
    'null',
  ]);
  for (const error of res.errors!) expect(error.extensions?.field).toMatch(/^representations|^id$/);
  expect(res.data!._entities.slice(1)).toEqual(Array(9).fill(null));
});

test(`at most ${MAX_REPRESENTATIONS} representations per call`, async () => {
  const r = Array.from({ length: MAX_REPRESENTATIONS + 1 }, () => ({ __typename: 'Region', code: A }));
  const res = await live.api.gql(`query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, { r });
  expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  expect(res.errors![0]!.extensions?.field).toBe('representations');
});

test('the complexity limit counts every representation', async () => {
  const strict = await startTestApi(live.db, { limits: { maxComplexity: 100 } });
  try {
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { code name } } }`;
    const reps = (count: number) => Array.from({ length: count }, () => ({ __typename: 'Region', code: A }));
    const small = await strict.gql(query, { r: reps(10) });
    expect(small.errors).toBeUndefined();
    expect(small.extensions?.cost?.requested).toBe(1 + 10 * 2);
    const large = await strict.gql(query, { r: reps(60) });
    expect(errorCodes(large)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(large.data).toBeUndefined();
  } finally {
    await strict.close();
  }
});

test('anonymous callers get nothing from _entities or _service', async () => {
  const entities = await live.api.anonymous(`query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, { r: [{ __typename: 'Region', code: A }] });
  expect(errorCodes(entities)).toEqual(['UNAUTHENTICATED']);
  const service = await live.api.anonymous(`{ _service { sdl } }`);
  expect(errorCodes(service)).toEqual(['UNAUTHENTICATED']);
});

test('_service answers the subgraph SDL: the federation link and every entity key', async () => {
  const res = await live.api.as('SYSTEM_CLIENT', A).gql(`{ _service { sdl } }`);
  expect(res.errors).toBeUndefined();
  const sdl: string = res.data!._service.sdl;
  expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])');
  expect(sdl).toMatch(/type Region implements Node @key\(fields: "code"\) @key\(fields: "id"\)/);
  for (const typename of ENTITY_TYPES) expect(sdl).toMatch(new RegExp(`type ${typename} implements Node[^{]*@key\\(fields: "id"\\)`));
  // The applied directives are what printSchema would drop; composition reads them (federation test).
  expect(() => parse(sdl)).not.toThrow();
});

test('the served schema keeps a __resolveReference on every entity type (schema building does not drop them)', async () => {
  const schema = await createSchema();
  for (const typename of ENTITY_TYPES) {
    const type = schema.getType(typename);
    expect(type && isObjectType(type)).toBe(true);
    const extensions = type!.extensions as { apollo?: { subgraph?: { resolveReference?: unknown } } };
    expect([typename, typeof extensions.apollo?.subgraph?.resolveReference]).toEqual([typename, 'function']);
  }
});

test('entity fetches are batched: the statements do not grow with the number of representations', async () => {
  const { rows } = await live.db.pool.query<{ code: string }>(`select code from region where level = 'VILLAGE' and code like '320321%' order by code limit 200`);
  const statementsFor = async (codes: string[]) => {
    live.db.statements.length = 0;
    const res = await live.api.as('CIVIL_AFFAIRS_OFFICER', A).gql(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { code name parent { name parent { name } } } } }`, { r: codes.map((code) => ({ __typename: 'Region', code })) });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities.map((r: { code: string }) => r.code)).toEqual(codes);
    return live.db.statements.length;
  };
  const few = await statementsFor(rows.slice(0, 5).map((r) => r.code));
  const many = await statementsFor(rows.map((r) => r.code));
  expect(rows).toHaveLength(200);
  expect(few).toBeGreaterThan(0);
  expect(many).toBe(few);
});
