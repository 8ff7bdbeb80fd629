/**
 * Every query and mutation of the schema, run as each role, inside and outside its jurisdiction:
 * allowed or FORBIDDEN, never someone else's data. A schema field without a row in this table
 * fails the suite, so new operations must state who may use them.
 */
import { Ledger } from '../../ledger/ledger.js';
import type { Role } from '../../auth/roles.js';
import { printSdl } from '../../api/schema.js';
import { buildSchema } from 'graphql';
import { errorCodes, useXuzhouApi, type GraphQLResponse } from '../support/api.js';

const live = useXuzhouApi();

const CITY = '320300000000';
const A = '320321000000'; // 丰县: the jurisdiction of the county-level callers
const B = '320322000000'; // 沛县: another county
const NANJING = '320100000000'; // outside the city admin's jurisdiction

interface Fixture {
  villageA: string;
  villageB: string;
  townA: string;
  lotA: string;
  lotB: string;
  receiptA: string;
  receiptB: string;
  paymentA: string;
  paymentB: string;
}

const fx = {} as Fixture;
let ledger: Ledger;
let n = 0;
const key = (p: string) => `${p}-${++n}-${Date.now()}`;
const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');

async function firstBelow(code: string, level: string): Promise<string> {
  const { rows } = await live.db.pool.query(`select code from region where level = $2 and code > $1 and code <= (select subtree_max from region where code = $1) order by code limit 1`, [code, level]);
  return rows[0].code;
}

/** City appropriation → allocation to a county (not yet received): the allocation. */
async function allocateTo(county: string, amount = 1_000_000n) {
  const app = await ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' }, 'seed');
  return ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount, documentNo: '徐财社〔2026〕7号', lotId: app.transaction.postings[0]!.lotId }, 'seed');
}

async function fundAndPay(county: string, village: string) {
  const alloc = await allocateTo(county, 100_000_000n);
  const receipt = await ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-03-05', allocationId: alloc.transaction.id }, 'seed');
  const lot = receipt.transaction.postings.find((p) => p.regionCode === county)!.lotId;
  const payment = await pay(county, village, lot);
  return { lot, receipt: receipt.transaction.id, payment };
}

async function pay(county: string, village: string, lotId?: string) {
  const p = await ledger.disburse({ idempotencyKey: key('pay'), effectiveDate: '2026-03-10', regionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 100n, payeeType: 'PERSON', payeeId: 'P-1', serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: village, ...(lotId ? { lotId } : {}) }, 'seed');
  return p.transaction.id;
}

beforeAll(async () => {
  ledger = new Ledger(live.db.pool);
  fx.villageA = await firstBelow(A, 'VILLAGE');
  fx.villageB = await firstBelow(B, 'VILLAGE');
  fx.townA = await firstBelow(A, 'TOWN');
  const a = await fundAndPay(A, fx.villageA);
  const b = await fundAndPay(B, fx.villageB);
  Object.assign(fx, { lotA: a.lot, lotB: b.lot, receiptA: a.receipt, receiptB: b.receipt, paymentA: a.payment, paymentB: b.payment });
});

type Side = 'in' | 'out';
interface Caller {
  role: Role;
  jurisdiction: () => string;
}
const CALLERS: Caller[] = [
  { role: 'CITY_ADMIN', jurisdiction: () => CITY },
  { role: 'FINANCE_OFFICER', jurisdiction: () => A },
  { role: 'CIVIL_AFFAIRS_OFFICER', jurisdiction: () => A },
  { role: 'VILLAGE_VERIFIER', jurisdiction: () => fx.villageA },
  { role: 'AUDITOR', jurisdiction: () => A },
  { role: 'SYSTEM_CLIENT', jurisdiction: () => A },
];

/** The region a caller's "in scope" case names: their own jurisdiction; "out": the other county (Nanjing for the city). */
const regionFor = (c: Caller, side: Side) => (side === 'in' ? c.jurisdiction() : c.role === 'CITY_ADMIN' ? NANJING : B);
/** County-level objects: A's for "in" (inside every jurisdiction but the village's), B's for "out". */
const county = (side: Side) => (side === 'in' ? A : B);
const village = (side: Side) => (side === 'in' ? fx.villageA : fx.villageB);

interface Case {
  /** Who is allowed (inside their jurisdiction). Outside it, everyone is refused. */
  allowed: Role[];
  /** Cases that cannot be built for this caller (no object outside the city exists). */
  skip?: (c: Caller, side: Side) => boolean;
  /** The roles whose "in" objects are not theirs (the village verifier sees county objects as out of scope). */
  run: (c: Caller, side: Side) => Promise<GraphQLResponse>;
}

const READERS: Role[] = ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER', 'AUDITOR'];
const EVERYONE: Role[] = ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER', 'VILLAGE_VERIFIER', 'AUDITOR', 'SYSTEM_CLIENT'];
const noObjectsOutsideTheCity = (c: Caller, side: Side) => c.role === 'CITY_ADMIN' && side === 'out';
const as = (c: Caller) => live.api.as(c.role, c.jurisdiction());

const write = (input: string, mutation: string, selection = 'transaction { id }') => `mutation ($i: ${input}!) { ${mutation}(input: $i) { ${selection} } }`;

const CASES: Record<string, Case> = {
  // ---- queries
  region: { allowed: EVERYONE, run: (c, s) => as(c).gql(`query ($c: String!) { region(code: $c) { code } }`, { c: regionFor(c, s) }) },
  regions: { allowed: EVERYONE, run: (c, s) => as(c).gql(`query ($c: String!) { regions(within: $c, first: 5) { nodes { code } } }`, { c: regionFor(c, s) }) },
  node: { allowed: EVERYONE, run: (c, s) => as(c).gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: gid('Region', regionFor(c, s)) }) },
  nodes: { allowed: READERS, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [gid('LedgerTransaction', s === 'in' ? fx.paymentA : fx.paymentB)] }) },
  fundLines: { allowed: EVERYONE, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ fundLines { code } }`) },
  transaction: { allowed: READERS, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($id: ID!) { transaction(id: $id) { id } }`, { id: gid('LedgerTransaction', s === 'in' ? fx.paymentA : fx.paymentB) }) },
  transactions: { allowed: READERS, run: (c, s) => as(c).gql(`query ($r: String!) { transactions(filter: { regionCode: $r, includeDescendants: true }, first: 5) { nodes { id } } }`, { r: s === 'in' ? county('in') : regionFor(c, 'out') }) },
  balances: { allowed: READERS, run: (c, s) => as(c).gql(`query ($r: String!) { balances(regionCode: $r) { accountKind balance } }`, { r: s === 'in' ? county('in') : regionFor(c, 'out') }) },
  lot: { allowed: READERS, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($id: ID!) { lot(id: $id) { id } }`, { id: gid('Lot', s === 'in' ? fx.lotA : fx.lotB) }) },
  trail: { allowed: READERS, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($id: ID!) { trail(transactionId: $id) { depth } }`, { id: gid('LedgerTransaction', s === 'in' ? fx.paymentA : fx.paymentB) }) },
  verifyLedger: { allowed: ['CITY_ADMIN', 'AUDITOR'], skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ verifyLedger { ok } }`) },

  // ---- mutations (each allowed attempt must succeed; each refused one must write nothing)
  appropriate: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER'],
    run: (c, s) => as(c).gql(write('AppropriateInput', 'appropriate'), { i: { idempotencyKey: key('m-app'), effectiveDate: '2026-04-01', regionCode: s === 'in' ? county('in') : regionFor(c, 'out'), fundLine: 'OPERATIONS', amount: '1000', fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '丰财〔2026〕1号' } }),
  },
  allocate: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => {
      const from = county(s);
      const to = await firstBelow(from, 'TOWN');
      return as(c).gql(write('AllocateInput', 'allocate'), { i: { idempotencyKey: key('m-alloc'), effectiveDate: '2026-04-02', fromRegionCode: from, toRegionCode: to, fundLine: 'SENIOR_ALLOWANCE', amount: '100', documentNo: '丰民〔2026〕2号' } });
    },
  },
  receiveAllocation: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => {
      const alloc = await allocateTo(county(s), 500n);
      return as(c).gql(write('ReceiveAllocationInput', 'receiveAllocation'), { i: { idempotencyKey: key('m-recv'), effectiveDate: '2026-04-03', allocationId: gid('LedgerTransaction', alloc.transaction.id) } });
    },
  },
  disburse: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: (c, s) => as(c).gql(write('DisburseInput', 'disburse'), { i: { idempotencyKey: key('m-pay'), effectiveDate: '2026-04-10', regionCode: county(s), fundLine: 'SENIOR_ALLOWANCE', amount: '100', payeeType: 'PERSON', payeeId: 'P-2', serviceMonth: '2026-04', benefitCode: 'SA_MONTHLY', villageCode: village(s) } }),
  },
  disburseBatch: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: (c, s) => as(c).gql(`mutation ($l: [DisburseInput!]!) { disburseBatch(lines: $l) { transaction { id } } }`, { l: [1, 2].map((i) => ({ idempotencyKey: key(`m-batch${i}`), effectiveDate: '2026-04-10', regionCode: county(s), fundLine: 'SENIOR_ALLOWANCE', amount: '100', payeeType: 'PERSON', payeeId: `P-${i}`, serviceMonth: '2026-04', benefitCode: 'SA_MONTHLY', villageCode: village(s) })) }),
  },
  returnFunds: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: (c, s) => as(c).gql(write('ReturnFundsInput', 'returnFunds'), { i: { idempotencyKey: key('m-ret'), effectiveDate: '2026-04-11', lotId: gid('Lot', s === 'in' ? fx.lotA : fx.lotB), amount: '100' } }),
  },
  reverse: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => {
      const payment = await pay(county(s), village(s));
      return as(c).gql(write('ReverseInput', 'reverse'), { i: { idempotencyKey: key('m-rev'), effectiveDate: '2026-04-12', transactionId: gid('LedgerTransaction', payment), reason: '重复发放' } });
    },
  },
};

/** Objects of county A are outside a village verifier's jurisdiction, whatever their "side". */
function expectedAllowed(c: Caller, name: string, side: Side): boolean {
  if (side === 'out' || !CASES[name]!.allowed.includes(c.role)) return false;
  const countyLevelObject = !['region', 'regions', 'node', 'fundLines'].includes(name);
  return !(c.role === 'VILLAGE_VERIFIER' && countyLevelObject);
}

async function transactionCount(): Promise<number> {
  const { rows } = await live.db.pool.query(`select count(*)::int as n from ledger.transaction`);
  return rows[0].n;
}

test('every query and mutation of the schema has a row in the table', async () => {
  const schema = buildSchema(await printSdl());
  const operations = [...Object.keys(schema.getQueryType()!.getFields()), ...Object.keys(schema.getMutationType()!.getFields())];
  expect(operations.filter((op) => !(op in CASES))).toEqual([]);
});

const rows = CALLERS.flatMap((c) => Object.keys(CASES).flatMap((name) => (['in', 'out'] as Side[]).map((side) => [c.role, name, side, c] as const)));

test.each(rows)('%s · %s · %s of scope', async (_role, name, side, caller) => {
  const testCase = CASES[name]!;
  if (testCase.skip?.(caller, side)) return;
  const before = await transactionCount();
  const res = await testCase.run(caller, side);
  const codes = errorCodes(res);
  if (expectedAllowed(caller, name, side)) {
    expect(codes).toEqual([]);
    expect(res.data).toBeTruthy();
  } else {
    expect(codes).toContain('FORBIDDEN');
    expect(JSON.stringify(res.data ?? null)).not.toMatch(/"id":"/); // no object leaked
    // A refused write writes nothing (allocateTo/pay seed their own rows before the call: count after them).
  }
  if (!expectedAllowed(caller, name, side) && !['receiveAllocation', 'reverse'].includes(name)) {
    expect(await transactionCount()).toBe(before);
  }
});
