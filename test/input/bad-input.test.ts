/**
 * Each class of bad input that once answered INTERNAL_SERVER_ERROR (or was silently changed) is a
 * BAD_USER_INPUT naming its field, and writes nothing: NUL bytes, lone surrogates, ids of
 * JavaScript built-ins, impossible dates, Money sent as a number or with leading zeros; and every
 * region-code argument accepts the same forms.
 */
import { toGlobalId } from '../../api/relay.js';
import { firstRegionBelow } from '../support/database.js';
import { errorCodes, useXuzhouApi, type GraphQLResponse } from '../support/api.js';
import { idNumber, registerElder, registerFacility } from '../registry/support.js';
import { CITY, COUNTY } from '../fixtures/index.js';

const live = useXuzhouApi();

let village: string;
let n = 0;
const key = (p: string) => `${p}-${process.pid}-${++n}`;

const APPROPRIATE = `mutation ($i: AppropriateInput!) { appropriate(input: $i) { replayed transaction { id idempotencyKey postings { amount lotId } } } }`;
const DISBURSE = `mutation ($i: DisburseInput!) { disburse(input: $i) { replayed transaction { id } } }`;
const BATCH = `mutation ($l: [DisburseInput!]!) { disburseBatch(lines: $l) { replayed } }`;

const appropriation = (overrides: Record<string, unknown> = {}) => ({
  idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'OPERATIONS', amount: '100000',
  fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '徐财〔2026〕1号', ...overrides,
});
const payment = (overrides: Record<string, unknown> = {}) => ({
  idempotencyKey: key('pay'), effectiveDate: '2026-03-10', regionCode: CITY, fundLine: 'OPERATIONS', amount: '100', payeeType: 'CONTRACTOR',
  payeeId: 'C-1', serviceMonth: '2026-03', benefitCode: 'SERVICE_FEE', villageCode: village, ...overrides,
});

/** Row counts of every table of the ledger and the registry: unchanged by a refused request. */
async function rows(): Promise<string> {
  const { rows: counts } = await live.db.pool.query(
    `select (select count(*) from ledger.transaction) t, (select count(*) from ledger.posting) p, (select count(*) from ledger.lot) l,
            (select count(*) from registry.access_log) a, (select count(*) from registry.elder) e, (select count(*) from registry.category_membership_end) c`,
  );
  return JSON.stringify(counts[0]);
}

function expectBadInput(response: GraphQLResponse, field: string, code = 'BAD_USER_INPUT'): void {
  expect({ codes: errorCodes(response), field: response.errors?.[0]?.extensions?.field }).toEqual({ codes: [code], field });
  expect(response.status).toBeLessThan(500);
}

beforeAll(async () => {
  village = await firstRegionBelow(live.db.pool, COUNTY, 'VILLAGE');
  const funded = await live.api.gql(APPROPRIATE, { i: appropriation({ amount: '100000000' }) });
  expect(funded.errors).toBeUndefined();
});

describe('NUL bytes and other control characters in any text argument', () => {
  test.each([
    ['memo', { memo: 'a\u0000b' }],
    ['documentNo', { documentNo: '徐\u0000' }],
    ['payeeId', { payeeId: 'C-\u0000' }],
    ['idempotencyKey', { idempotencyKey: 'k-\u0000' }],
    // C1 controls too: U+009B opens a terminal escape sequence as ESC does, U+0085 is a line break
    ['memo', { memo: 'a\u009b31mb' }],
    ['documentNo', { documentNo: '徐\u0085' }],
    ['payeeId', { payeeId: 'C-\u0090' }],
    ['idempotencyKey', { idempotencyKey: 'k-\u009f' }],
  ])('disburse %s', async (field, overrides) => {
    const before = await rows();
    expectBadInput(await live.api.gql(DISBURSE, { i: payment(overrides) }), field);
    expect(await rows()).toBe(before);
  });

  test('a disburseBatch line names its index', async () => {
    const before = await rows();
    expectBadInput(await live.api.gql(BATCH, { l: [payment(), payment({ memo: '\u0000' })] }), 'lines.1.memo');
    expect(await rows()).toBe(before);
  });

  test('queries: regions(search:), balances(fundLine:), accessLog subject', async () => {
    expectBadInput(await live.api.gql(`query ($s: String) { regions(search: $s) { totalCount } }`, { s: '街\u0000' }), 'search');
    expectBadInput(await live.api.gql(`query ($f: String) { balances(regionCode: "${CITY}", fundLine: $f) { accountKind } }`, { f: 'OPERATIONS\u0000' }), 'fundLine');
    expectBadInput(await live.api.gql(`query ($f: AccessLogFilterInput) { accessLog(filter: $f) { totalCount } }`, { f: { subject: 'x\u0000' } }), 'filter.subject');
  });
});

describe('text that is not valid Unicode', () => {
  test('a key with a lone surrogate is refused, and a key with a real astral character replays', async () => {
    const before = await rows();
    for (const lone of ['k-\ud800', 'k-\udfff', 'k-\udc00x']) expectBadInput(await live.api.gql(APPROPRIATE, { i: appropriation({ idempotencyKey: lone }) }), 'idempotencyKey');
    expectBadInput(await live.api.gql(DISBURSE, { i: payment({ payeeId: 'a\ud800b' }) }), 'payeeId');
    expect(await rows()).toBe(before);

    const input = appropriation({ idempotencyKey: `k-😀-${key('astral')}` });
    const first = await live.api.gql(APPROPRIATE, { i: input });
    const again = await live.api.gql(APPROPRIATE, { i: input });
    expect(first.data!.appropriate.transaction.idempotencyKey).toBe(input.idempotencyKey);
    expect(again.data!.appropriate).toEqual({ ...first.data!.appropriate, replayed: true });
  });

  test('everywhere, also in registry inputs and nested field arguments', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber('1944-06-15', 'MALE', '320321'), name: '张三', hukouVillageCode: village });
    const before = await rows();
    expectBadInput(await live.api.gql(`query ($id: ID!, $r: String!) { elder(id: $id) { personal(reason: $r) { name } } }`, { id: elder.id, r: '核对\ud800' }), 'reason');
    expectBadInput(await live.api.gql(`query ($id: ID!, $d: String) { elder(id: $id) { age(asOf: $d) } }`, { id: elder.id, d: '2026-01-01\udc00' }), 'asOf');
    expect(await rows()).toBe(before);
  });
});

test('a filter value that names nothing is BAD_USER_INPUT, not an empty or unfiltered answer', async () => {
  expectBadInput(await live.api.gql(`query { balances(regionCode: "${COUNTY}", fundLine: "NOPE") { accountKind } }`), 'fundLine');
  expectBadInput(await live.api.gql(`query { transactions(filter: { payeeId: "" }, first: 5) { totalCount } }`), 'payeeId');
  expectBadInput(await live.api.gql(`query { facilities(filter: { type: "NOPE" }, first: 5) { totalCount } }`), 'filter.type');
  // and the values that do name something still answer
  expect((await live.api.gql(`query { balances(regionCode: "${COUNTY}", fundLine: "SENIOR_ALLOWANCE") { accountKind } }`)).errors).toBeUndefined();
  const types = (await live.api.gql<{ facilityTypes: { code: string }[] }>(`query { facilityTypes { code } }`)).data!.facilityTypes;
  expect((await live.api.gql(`query { facilities(filter: { type: "${types[0]!.code}" }, first: 5) { totalCount } }`)).errors).toBeUndefined();
});

test('a malformed global id names the argument it came in, not "id"', async () => {
  const before = await rows();
  expectBadInput(await live.api.gql(DISBURSE, { i: payment({ lotId: '!!!' }) }), 'lotId');
  expectBadInput(await live.api.gql(`query { trail(transactionId: "bm9jb2xvbg") { actor } }`), 'transactionId');
  expectBadInput(await live.api.as('AUDITOR', CITY).gql(`query { accessLog(filter: { entityId: "%%" }) { totalCount } }`), 'filter.entityId');
  expect(await rows()).toBe(before);
});

test('global ids that decode to JavaScript built-in names are BAD_USER_INPUT through node and nodes', async () => {
  const builtIns = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__'].map((type) => toGlobalId(type, '1'));
  for (const id of builtIns) expectBadInput(await live.api.gql(`query ($id: ID!) { node(id: $id) { id } }`, { id }), 'id');
  const many = await live.api.gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [...builtIns, toGlobalId('Region', CITY)] });
  expect(many.data!.nodes).toEqual([...builtIns.map(() => null), { id: toGlobalId('Region', CITY) }]);
  expect(errorCodes(many)).toEqual(builtIns.map(() => 'BAD_USER_INPUT'));
});

describe('impossible dates: one date rule for every date and month argument', () => {
  const BAD_DATES = ['2026-02-30', '2025-02-29', '0000-01-01', '-2026-02-03', '+002026-02-03', '２０２６-０２-０３', '2026-2-3', '1879-12-31', '2201-01-01'];

  test.each(BAD_DATES)('%s', async (date) => {
    const before = await rows();
    expectBadInput(await live.api.gql(DISBURSE, { i: payment({ effectiveDate: date }) }), 'effectiveDate');
    expectBadInput(await live.api.gql(`query ($d: String) { balances(regionCode: "${CITY}", asOf: $d) { accountKind } }`, { d: date }), 'asOf');
    expectBadInput(await live.api.gql(`query ($f: TransactionFilter) { transactions(filter: $f) { totalCount } }`, { f: { effectiveFrom: date } }), 'effectiveFrom');
    expectBadInput(await live.api.gql(`query ($f: AccessLogFilterInput) { accessLog(filter: $f) { totalCount } }`, { f: { from: date } }), 'filter.from');
    expect(await rows()).toBe(before);
  });

  test.each(['0000-01', '2026-13', '2026-00', '+02026-01', '２０２６-０１', '2201-01'])('month %s', async (month) => {
    expectBadInput(await live.api.gql(`query ($m: String) { staffingRatios(month: $m) { totalCount } }`, { m: month }), 'month');
    expectBadInput(await live.api.gql(DISBURSE, { i: payment({ serviceMonth: month }) }), 'serviceMonth');
  });

  test('the range ends are valid dates and times', async () => {
    expect((await live.api.gql(`{ balances(regionCode: "${CITY}", asOf: "1880-01-01") { accountKind } }`)).errors).toBeUndefined();
    expect((await live.api.gql(`{ a: accessLog(filter: { from: "2026-03-01T08:00:00+08:00", to: "2200-12-31" }) { totalCount } }`)).errors).toBeUndefined();
    expectBadInput(await live.api.gql(`{ accessLog(filter: { from: "2026-03-01T24:00:00Z" }) { totalCount } }`), 'filter.from');
  });
});

describe('Money is a JSON string of ASCII digits without superfluous leading zeros', () => {
  test.each([9007199254740993, 1e5, 100])('the JSON number %s is refused (not rounded)', async (amount) => {
    const before = await rows();
    expectBadInput(await live.api.gql(APPROPRIATE, { i: appropriation({ amount }) }), 'amount');
    expect(await rows()).toBe(before);
  });

  test.each(['00012', '012', '+12', ' 12', '１２'])('the string %j is refused', async (amount) => {
    expectBadInput(await live.api.gql(APPROPRIATE, { i: appropriation({ amount }) }), 'amount');
  });

  test('an Int literal is refused with the field named; "9007199254740993" keeps every digit', async () => {
    const literal = await live.api.gql(`mutation { appropriate(input: { idempotencyKey: "${key('lit')}", effectiveDate: "2026-03-01", regionCode: "${CITY}",
      fundLine: "OPERATIONS", amount: 12, fiscalYear: 2026, fundingSource: OWN_BUDGET, documentNo: "x" }) { replayed } }`);
    expectBadInput(literal, 'amount');
    const exact = await live.api.gql(APPROPRIATE, { i: appropriation({ amount: '9007199254740993', fundLine: 'PROJECT_GRANT' }) });
    expect(exact.data!.appropriate.transaction.postings.map((p: { amount: string }) => p.amount).sort()).toEqual(['-9007199254740993', '9007199254740993']);
  });
});

test('every region-code argument accepts the same forms (12 digits or the 2/4/6/9-digit prefix)', async () => {
  const full = await live.api.gql(`{ balances(regionCode: "${CITY}") { accountKind balance } }`);
  const prefix = await live.api.gql(`{ balances(regionCode: "3203") { accountKind balance } }`);
  expect(prefix).toEqual(full);
  const filtered = await live.api.gql(`{ a: transactions(filter: { regionCode: "3203" }) { totalCount } b: transactions(filter: { regionCode: "${CITY}" }) { totalCount } }`);
  expect(filtered.data!.a).toEqual(filtered.data!.b);
  const written = await live.api.gql(APPROPRIATE, { i: appropriation({ regionCode: '3203' }) });
  expect(written.errors).toBeUndefined();
  const { rows: [tx] } = await live.db.pool.query('select region_code from ledger.transaction where id = (select max(id) from ledger.transaction)');
  expect(tx.region_code).toBe(CITY);
  const caregiver = await live.api.gql(`mutation { registerCaregiver(input: { name: "护理员", regionCode: "320321" }) { regionCode } }`);
  expect(caregiver.data!.registerCaregiver.regionCode).toBe(COUNTY);
  for (const bad of ['32032', '３２０３', '3203x', '']) {
    expectBadInput(await live.api.gql(`query ($c: String!) { balances(regionCode: $c) { accountKind } }`, { c: bad }), 'regionCode');
    expectBadInput(await live.api.gql(`query ($c: String!) { region(code: $c) { name } }`, { c: bad }), 'code');
  }
  const facility = await registerFacility(live.api, { name: '敬老院', villageCode: village });
  expect(facility.registryNo).toMatch(/^F/);
});

test('a recorded instant follows the same date rule: recordService(startedAt: "2026-02-30T…") is refused, not rolled over to March', async () => {
  const elder = await registerElder(live.api, { idNumber: idNumber('1944-06-15', 'MALE', '320321'), name: '李四', hukouVillageCode: village });
  const home = await registerFacility(live.api, { name: '日间照料中心', villageCode: village });
  const service = (startedAt: string, unitPrice = '800') =>
    live.api.gql(`mutation ($i: RecordServiceInput!) { recordService(input: $i) { id startedAt } }`, {
      i: { elderId: elder.id, facilityId: home.id, serviceType: 'MEAL', startedAt, subsidised: true, unitPrice },
    });
  for (const bad of ['2026-02-30T11:30:00+08:00', '2026-03-05T24:00:00+08:00', '0000-01-01T00:00:00Z', '2026-03-05', '+002026-03-05T11:30:00Z']) {
    expectBadInput(await service(bad), 'startedAt');
  }
  expectBadInput(await service('2026-03-05T11:30:00+08:00', '0800'), 'unitPrice');
  expect((await service('2026-03-05T11:30:00+08:00')).errors).toBeUndefined();
});

test('a variable of the wrong JSON type, a missing or unknown input field name the field too', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ i: payment({ memo: 12 }) }, 'memo'],
    [{ i: payment({ payeeType: 'NOBODY' }) }, 'payeeType'],
    [{ i: payment({ unexpected: 1 }) }, 'unexpected'],
    [{ i: Object.fromEntries(Object.entries(payment()).filter(([k]) => k !== 'payeeId')) }, 'payeeId'],
    [{}, 'input'],
  ];
  for (const [variables, field] of cases) expectBadInput(await live.api.gql(DISBURSE, variables), field);
  expectBadInput(await live.api.gql(BATCH, { l: [payment(), payment({ amount: true })] }), 'lines.1.amount');
  expectBadInput(await live.api.gql(`query ($f: TransactionFilter) { transactions(filter: $f) { totalCount } }`, { f: { kind: 'nope' } }), 'filter.kind');
  expectBadInput(await live.api.gql(`query ($m: String) { balances(regionCode: "${CITY}", asOf: $m) { accountKind } }`, { m: 20260301 }), 'asOf');
});
