/**
 * Every query and mutation of the schema, run as each role, inside and outside its jurisdiction:
 * allowed or FORBIDDEN, never someone else's data. A schema field without a row in this table
 * fails the suite, so new operations must state who may use them.
 */
import { toGlobalId } from '../../api/relay.js';
import { firstRegionBelow } from '../support/database.js';
import { Ledger } from '../../ledger/ledger.js';
import { Periods } from '../../ledger/periods/periods.js';
import { ApprovalPolicies, Approvals } from '../../ledger/approvals/index.js';
import { Viewer } from '../../auth/viewer.js';
import type { Role } from '../../auth/roles.js';
import { printSdl } from '../../api/schema.js';
import { buildSchema } from 'graphql';
import { errorCodes, useXuzhouApi, type GraphQLResponse } from '../support/api.js';
import { FULL_ITEMS, idNumber, registerElder, registerFacility } from '../registry/support.js';
import { encodeCursor } from '../../sync/cursor.js';
import { CITY, FENG, PEI, fundCounty } from '../fixtures/index.js';
import { databaseEpoch } from '../../sync/feed.js';
import { plantFinding } from '../audit/support.js';
import { COSIGNATURE_ED25519, cosignatureLine, signerFromSeed } from '../../ledger/proof/note.js';

const live = useXuzhouApi();

const A = FENG; // 丰县: the jurisdiction of the county-level callers
const B = PEI; // 沛县: another county
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
  /** Registry records: side A in the village verifier's village, side B in the other county. */
  elderA: string;
  elderB: string;
  idNumberA: string;
  idNumberB: string;
  facilityA: string;
  facilityB: string;
  caregiverA: string;
  caregiverB: string;
  /** Audit findings of county A and county B. */
  findingA: string;
  findingB: string;
}

const fx = {} as Fixture;

/** The latest checkpoint with a cosignature of a witness the server is configured with. */
const witness = signerFromSeed('audit.test/witness', Buffer.alloc(32, 42), COSIGNATURE_ED25519);
async function cosignedLatestCheckpoint(): Promise<string> {
  const proofs = live.api.app.proofs;
  if (!proofs.keys.witnesses.some((w) => w.vkey === witness.vkey)) proofs.keys.witnesses.push(witness);
  await proofs.step();
  const { note } = (await proofs.latest())!;
  return `${note}${cosignatureLine(witness, note.slice(0, note.indexOf('\n\n') + 1), BigInt(Math.floor(Date.now() / 1000)))}\n`;
}
let ledger: Ledger;
let n = 0;
const key = (p: string) => `${p}-${++n}-${Date.now()}`;
const gid = toGlobalId;

const firstBelow = (code: string, level: string) => firstRegionBelow(live.db.pool, code, level);

/** City appropriation → allocation to a county (not yet received): the allocation. */
async function allocateTo(county: string, amount = 1_000_000n) {
  return (await fundCounty(ledger, county, { amount, actor: 'seed', receive: false })).allocation;
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
  fx.findingA = await plantFinding(live.db.pool, fx.villageA);
  fx.findingB = await plantFinding(live.db.pool, fx.villageB);
  for (const side of ['A', 'B'] as const) {
    const village = side === 'A' ? fx.villageA : fx.villageB;
    const county = side === 'A' ? A : B;
    const id = idNumber('1944-06-15', 'MALE', county.slice(0, 6));
    const elder = await registerElder(live.api, { idNumber: id, name: `张${side}`, hukouVillageCode: village, phone: '13800001234' });
    const facility = await registerFacility(live.api, { name: `敬老院${side}`, villageCode: village });
    const caregiver = await live.api.gql(`mutation ($i: RegisterCaregiverInput!) { registerCaregiver(input: $i) { id } }`, { i: { name: `护理员${side}`, regionCode: county } });
    Object.assign(fx, { [`elder${side}`]: elder.id, [`idNumber${side}`]: id, [`facility${side}`]: facility.id, [`caregiver${side}`]: caregiver.data!.registerCaregiver.id });
    // One logged unmasking per side, so the access log has a row of each county.
    const seen = await live.api.gql(`query ($id: ID!) { elder(id: $id) { personal(reason: "核对") { name } } }`, { id: elder.id });
    expect(seen.errors).toBeUndefined();
  }
});

let periods: Periods;
const seedViewer = new Viewer({ subject: 'seed-admin', roles: ['CITY_ADMIN'], jurisdiction: CITY });

let approvalsDomain: Approvals;
/** A fresh pending proposal recorded at a county (an appropriation of PROJECT_GRANT, which this file makes need approval), by a seed proposer. */
async function proposeAt(countyCode: string): Promise<string> {
  if (!approvalsDomain) {
    approvalsDomain = new Approvals(live.db.pool, ledger);
    await new ApprovalPolicies(live.db.pool).change(seedViewer, { fundLine: 'PROJECT_GRANT', operation: 'APPROPRIATION', minAmount: '0', reason: 'scope matrix' });
  }
  const { proposal } = await approvalsDomain.appropriate(
    { idempotencyKey: key('prop'), effectiveDate: '2026-04-01', regionCode: countyCode, fundLine: 'PROJECT_GRANT', amount: 500n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '丰财〔2026〕9号' },
    'seed-proposer',
  );
  return gid('Proposal', proposal!.id);
}
/** Closes a town's month 2009-01 of a fund line (again, if a case reopened it), as a seed admin. */
async function seedClose(town: string, fundLine: string): Promise<void> {
  periods ??= new Periods(live.db.pool);
  await periods.close(seedViewer, { regionCode: town, fundLine, month: '2009-01' }).catch((error) => {
    if (error.code !== 'PERIOD_STATE') throw error;
  });
}

/** A new elder of a side (for writes that change an elder for good: deaths, stays). */
async function freshElder(side: Side): Promise<string> {
  const village = side === 'in' ? fx.villageA : fx.villageB;
  const county = side === 'in' ? A : B;
  return (await registerElder(live.api, { idNumber: idNumber('1940-01-20', 'FEMALE', county.slice(0, 6)), name: '李四', hukouVillageCode: village })).id;
}
let months = 0;
/** A month not used before by this file (one assignment per caregiver, facility and month). */
const nextMonth = () => {
  const k = months++;
  return `${2010 + Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;
};
const elder = (side: Side) => (side === 'in' ? fx.elderA : fx.elderB);
const facility = (side: Side) => (side === 'in' ? fx.facilityA : fx.facilityB);
const caregiver = (side: Side) => (side === 'in' ? fx.caregiverA : fx.caregiverB);

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
  /** The "in" objects lie in the village verifier's own village (registry records of side A). */
  inVillage?: boolean;
  /** How a refusal looks when it is not FORBIDDEN: lists and look-ups that reveal nothing answer empty. */
  refusedAs?: (res: GraphQLResponse) => void;
  /** Cases that cannot be built for this caller (no object outside the city exists). */
  skip?: (c: Caller, side: Side) => boolean;
  /** The roles whose "in" objects are not theirs (the village verifier sees county objects as out of scope). */
  run: (c: Caller, side: Side) => Promise<GraphQLResponse>;
}

const READERS: Role[] = ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER', 'AUDITOR'];
/** Ledger reads: the readers, and the county system's credential (it pulls its ledger slice). */
const LEDGER_READERS: Role[] = [...READERS, 'SYSTEM_CLIENT'];
const EVERYONE: Role[] = ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER', 'VILLAGE_VERIFIER', 'AUDITOR', 'SYSTEM_CLIENT'];
const noObjectsOutsideTheCity = (c: Caller, side: Side) => c.role === 'CITY_ADMIN' && side === 'out';
const as = (c: Caller) => live.api.as(c.role, c.jurisdiction());

const write = (input: string, mutation: string, selection = 'transaction { id }') => `mutation ($i: ${input}!) { ${mutation}(input: $i) { ${selection} } }`;

const CASES: Record<string, Case> = {
  // ---- queries
  region: { allowed: EVERYONE, run: (c, s) => as(c).gql(`query ($c: String!) { region(code: $c) { code } }`, { c: regionFor(c, s) }) },
  regions: { allowed: EVERYONE, run: (c, s) => as(c).gql(`query ($c: String!) { regions(within: $c, first: 5) { nodes { code } } }`, { c: regionFor(c, s) }) },
  node: { allowed: EVERYONE, run: (c, s) => as(c).gql(`query ($id: ID!) { node(id: $id) { id } }`, { id: gid('Region', regionFor(c, s)) }) },
  // Federation: _entities resolves like node(id:) (test/federation/entities.test.ts covers every entity type); _service is the published SDL.
  _entities: { allowed: EVERYONE, inVillage: true, run: (c, s) => as(c).gql(`query ($r: [_Any!]!) { _entities(representations: $r) { ... on Region { id code } } }`, { r: [{ __typename: 'Region', code: regionFor(c, s) }] }) },
  _service: { allowed: EVERYONE, inVillage: true, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ _service { sdl } }`) },
  nodes: { allowed: LEDGER_READERS, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [gid('LedgerTransaction', s === 'in' ? fx.paymentA : fx.paymentB)] }) },
  fundLines: { allowed: EVERYONE, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ fundLines { code } }`) },
  transaction: { allowed: LEDGER_READERS, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($id: ID!) { transaction(id: $id) { id } }`, { id: gid('LedgerTransaction', s === 'in' ? fx.paymentA : fx.paymentB) }) },
  transactions: { allowed: LEDGER_READERS, run: (c, s) => as(c).gql(`query ($r: String!) { transactions(filter: { regionCode: $r, includeDescendants: true }, first: 5) { nodes { id } } }`, { r: s === 'in' ? county('in') : regionFor(c, 'out') }) },
  balances: { allowed: LEDGER_READERS, run: (c, s) => as(c).gql(`query ($r: String!) { balances(regionCode: $r) { accountKind balance } }`, { r: s === 'in' ? county('in') : regionFor(c, 'out') }) },
  lot: { allowed: LEDGER_READERS, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($id: ID!) { lot(id: $id) { id } }`, { id: gid('Lot', s === 'in' ? fx.lotA : fx.lotB) }) },
  trail: { allowed: LEDGER_READERS, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($id: ID!) { trail(transactionId: $id) { depth } }`, { id: gid('LedgerTransaction', s === 'in' ? fx.paymentA : fx.paymentB) }) },
  verifyLedger: { allowed: ['CITY_ADMIN', 'AUDITOR'], skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ verifyLedger { ok } }`) },
  // Checkpoints and proofs are about the whole (global) tree and reveal no region's data: every ledger reader, no "out".
  checkpoints: { allowed: LEDGER_READERS, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ checkpoints(first: 2) { nodes { treeSize } } }`) },
  consistencyProof: {
    allowed: LEDGER_READERS,
    skip: (_c, s) => s === 'out',
    run: async (c) => {
      await live.api.app.proofs.step();
      return as(c).gql(`{ consistencyProof(fromSize: 1, toSize: 1) { hashes } }`);
    },
  },

  // Approval policies are the city's rules (global, no region): every ledger reader sees them; only the city admin changes them.
  approvalPolicies: { allowed: LEDGER_READERS, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ approvalPolicies { fundLine operation minAmount } }`) },
  approvalPolicyHistory: { allowed: LEDGER_READERS, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ approvalPolicyHistory(fundLine: "OPERATIONS") { operation changedBy } }`) },
  changeApprovalPolicy: {
    allowed: ['CITY_ADMIN'],
    skip: (_c, s) => s === 'out',
    run: (c) => as(c).gql(`mutation ($i: ChangeApprovalPolicyInput!) { changeApprovalPolicy(input: $i) { changeId minAmount } }`, { i: { fundLine: 'OPERATIONS', operation: 'RETURN', minAmount: null, reason: '退回无需审批' } }),
  },
  pendingApprovals: { allowed: LEDGER_READERS, run: (c, s) => as(c).gql(`query ($r: String!) { pendingApprovals(regionCode: $r) { id status } }`, { r: s === 'in' ? county('in') : regionFor(c, 'out') }) },
  proposal: { allowed: LEDGER_READERS, skip: noObjectsOutsideTheCity, run: async (c, s) => as(c).gql(`query ($id: ID!) { proposal(id: $id) { id status } }`, { id: await proposeAt(county(s)) }) },
  // Deciding is the finance bureau's (ledger:approve), in the proposal's region; each call decides a fresh proposal of a seed proposer.
  approve: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => as(c).gql(`mutation ($id: ID!) { approve(id: $id) { proposal { status } transactions { id approvedBy } } }`, { id: await proposeAt(county(s)) }),
  },
  reject: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => as(c).gql(`mutation ($id: ID!) { reject(id: $id, reason: "凭证不全") { id status } }`, { id: await proposeAt(county(s)) }),
  },
  periods: { allowed: LEDGER_READERS, run: (c, s) => as(c).gql(`query ($r: String!) { periods(regionCode: $r, fundLine: "OPERATIONS", from: "2026-01", to: "2026-03") { month state } }`, { r: s === 'in' ? county('in') : regionFor(c, 'out') }) },
  trialBalance: { allowed: LEDGER_READERS, run: (c, s) => as(c).gql(`query ($r: String!) { trialBalance(regionCode: $r, fundLine: "SENIOR_ALLOWANCE", month: "2026-03") { sealed lines { accountKind closing } } }`, { r: s === 'in' ? county('in') : regionFor(c, 'out') }) },
  changes: {
    // The pull path: sync:pull. "Out of scope" is a cursor made under another jurisdiction: never served.
    allowed: ['CITY_ADMIN', 'SYSTEM_CLIENT'],
    refusedAs: (res) => {
      expect([['FORBIDDEN'], ['RESYNC_REQUIRED']]).toContainEqual(errorCodes(res));
      expect(res.data ?? null).toBeNull();
    },
    run: async (c, s) => {
      const after = s === 'in' ? null : encodeCursor({ epoch: await databaseEpoch(live.db.pool), jurisdiction: regionFor(c, 'out'), xid: '0', seq: '0', snapshot: null });
      return as(c).gql(`query ($a: String) { changes(after: $a, first: 5) { cursor nodes { objectId state } } }`, { a: after });
    },
  },

  // ---- mutations (each allowed attempt must succeed; each refused one must write nothing)
  closePeriod: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER'],
    // A fund line per role, a month before any money: each allowed close is the first of its period.
    run: (c, s) => as(c).gql(`mutation ($i: PeriodInput!) { closePeriod(input: $i) { period { state } } }`, { i: { regionCode: s === 'in' ? county('in') : regionFor(c, 'out'), fundLine: c.role === 'CITY_ADMIN' ? 'HARDSHIP_SUPPORT' : 'FACILITY_SUBSIDY', month: '2009-01' } }),
  },
  requestPeriodReopen: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => {
      const town = await firstBelow(county(s), 'TOWN');
      await seedClose(town, 'PROJECT_GRANT');
      return as(c).gql(`mutation ($i: RequestPeriodReopenInput!) { requestPeriodReopen(input: $i) { requestId requestedBy } }`, { i: { regionCode: town, fundLine: 'PROJECT_GRANT', month: '2009-01', reason: '补录', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } });
    },
  },
  reopenPeriod: {
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER'],
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => {
      const town = await firstBelow(county(s), 'TOWN');
      await seedClose(town, 'OPERATIONS');
      const exception = await periods.requestReopen(seedViewer, { regionCode: town, fundLine: 'OPERATIONS', month: '2009-01', reason: '补录', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      return as(c).gql(`mutation ($id: ID!) { reopenPeriod(requestId: $id) { period { state } } }`, { id: exception.id });
    },
  },
  sealPeriod: {
    // By the city: a county finance officer holds ledger:seal but not a city-level jurisdiction.
    allowed: ['CITY_ADMIN'],
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => {
      const town = await firstBelow(county(s), 'TOWN');
      await seedClose(town, 'FACILITY_SUBSIDY');
      return as(c).gql(`mutation ($i: PeriodInput!) { sealPeriod(input: $i) { period { state } trialBalance { atSeq } } }`, { i: { regionCode: town, fundLine: 'FACILITY_SUBSIDY', month: '2009-01' } });
    },
  },
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
  // A receipt and a return are the county's own acts (segregation of duties, ledger/access.ts): the
  // city admin has the county in scope, but is the issuer — refused like a caller outside it.
  receiveAllocation: {
    allowed: ['FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER'],
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
    allowed: ['FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER'],
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
  // ---- registry: queries
  elder: { allowed: EVERYONE, inVillage: true, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($id: ID!) { elder(id: $id) { id name } }`, { id: elder(s) }) },
  elderByIdNumber: {
    // Confirming an ID number is a clear read: personal:unmask, with a reason, logged.
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER', 'AUDITOR'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    // Without the permission: FORBIDDEN. With it, outside the jurisdiction the answer is null, as for an
    // unregistered number: nobody learns where someone is registered.
    refusedAs: (res) => {
      if (res.errors) expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      else expect(res.data!.elderByIdNumber).toBeNull();
    },
    run: (c, s) => as(c).gql(`query ($n: String!) { elderByIdNumber(idNumber: $n, reason: "核对身份") { id } }`, { n: s === 'in' ? fx.idNumberA : fx.idNumberB }),
  },
  elders: { allowed: EVERYONE, inVillage: true, run: (c, s) => as(c).gql(`query ($w: String!) { elders(filter: { within: $w }, first: 5) { nodes { id } } }`, { w: s === 'in' ? c.jurisdiction() : regionFor(c, 'out') }) },
  facility: { allowed: EVERYONE, inVillage: true, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($id: ID!) { facility(id: $id) { id name } }`, { id: facility(s) }) },
  facilities: { allowed: EVERYONE, inVillage: true, run: (c, s) => as(c).gql(`query ($w: String!) { facilities(filter: { within: $w }, first: 5) { nodes { id } } }`, { w: s === 'in' ? c.jurisdiction() : regionFor(c, 'out') }) },
  caregiver: { allowed: EVERYONE, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`query ($id: ID!) { caregiver(id: $id) { id } }`, { id: caregiver(s) }) },
  caregivers: { allowed: EVERYONE, inVillage: true, run: (c, s) => as(c).gql(`query ($w: String!) { caregivers(within: $w, first: 5) { nodes { id } } }`, { w: s === 'in' ? c.jurisdiction() : regionFor(c, 'out') }) },
  staffingRatios: { allowed: EVERYONE, inVillage: true, run: (c, s) => as(c).gql(`query ($w: String!) { staffingRatios(month: "2026-03", within: $w, first: 5) { totalCount } }`, { w: s === 'in' ? c.jurisdiction() : regionFor(c, 'out') }) },
  accessLog: {
    allowed: ['CITY_ADMIN', 'AUDITOR'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    // The log lists rows of records in scope only: asking for the other county's elder finds nothing.
    refusedAs: (res) => {
      const codes = errorCodes(res);
      if (codes.length) expect(codes).toEqual(['FORBIDDEN']);
      else expect(res.data!.accessLog.nodes).toEqual([]);
    },
    run: (c, s) => as(c).gql(`query ($e: ID!) { accessLog(filter: { entityId: $e }) { nodes { id entityId } } }`, { e: elder(s) }),
  },
  specialCategories: { allowed: EVERYONE, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ specialCategories { code } }`) },
  facilityTypes: { allowed: EVERYONE, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ facilityTypes { code } }`) },
  serviceTypes: { allowed: EVERYONE, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ serviceTypes { code } }`) },

  // ---- registry: mutations
  registerElder: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'],
    inVillage: true,
    run: (c, s) => as(c).gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: { idNumber: idNumber('1950-02-02', 'MALE', county(s).slice(0, 6)), name: '王五', hukouVillageCode: s === 'out' && c.role === 'CITY_ADMIN' ? '320102002001' : village(s) } }),
  },
  updateElder: { allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'], inVillage: true, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`mutation ($id: ID!) { updateElder(id: $id, input: { phone: "13900001111" }) { id } }`, { id: elder(s) }) },
  addElderCategory: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER', 'VILLAGE_VERIFIER'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => as(c).gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: await freshElder(s), category: 'DIBAO', validFrom: '2026-01-01' } }),
  },
  endElderCategory: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER', 'VILLAGE_VERIFIER'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => {
      const added = await live.api.gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: await freshElder(s), category: 'CHILDLESS_WIDOWED', validFrom: '2026-01-01' } });
      expect(added.errors).toBeUndefined();
      return as(c).gql(`mutation ($i: EndCategoryInput!) { endElderCategory(input: $i) { id } }`, { i: { membershipId: added.data!.addElderCategory.id, endedOn: '2026-06-30', reason: '核查不符' } });
    },
  },
  recordVitalStatus: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER', 'VILLAGE_VERIFIER'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => as(c).gql(`mutation ($i: RecordVitalStatusInput!) { recordVitalStatus(input: $i) { id } }`, { i: { elderId: await freshElder(s), status: 'DECEASED', deathDate: '2026-05-01', source: 'CREMATION' } }),
  },
  recordAssessment: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    run: (c, s) => as(c).gql(`mutation ($i: RecordAssessmentInput!) { recordAssessment(input: $i) { id } }`, { i: { elderId: elder(s), assessedOn: '2026-03-01', reason: 'FIRST', items: FULL_ITEMS } }),
  },
  registerFacility: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'],
    inVillage: true,
    run: (c, s) => as(c).gql(`mutation ($i: RegisterFacilityInput!) { registerFacility(input: $i) { id } }`, { i: { name: `日间照料中心${++n}`, type: 'ELDERLY_CARE_INSTITUTION', operatingModel: 'PUBLIC_BUILT_PRIVATE_RUN', villageCode: s === 'in' ? fx.villageA : c.role === 'CITY_ADMIN' ? '320102002001' : fx.villageB } }),
  },
  updateFacility: { allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'], inVillage: true, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`mutation ($id: ID!) { updateFacility(id: $id, input: { operatorName: "阳光养老服务有限公司" }) { id } }`, { id: facility(s) }) },
  rateFacility: { allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'], inVillage: true, skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`mutation ($i: RateFacilityInput!) { rateFacility(input: $i) { id } }`, { i: { facilityId: facility(s), level: 3, ratedOn: '2026-02-01' } }) },
  recordBedInventory: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    run: (c, s) => as(c).gql(`mutation ($i: RecordBedInventoryInput!) { recordBedInventory(input: $i) { id } }`, { i: { facilityId: facility(s), asOf: '2026-03-01', approved: 100, actual: 90, nursing: 60, inclusive: 30, occupied: 70 } }),
  },
  registerCaregiver: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'],
    inVillage: true,
    run: (c, s) => as(c).gql(`mutation ($i: RegisterCaregiverInput!) { registerCaregiver(input: $i) { id } }`, { i: { name: '赵六', regionCode: s === 'in' ? c.jurisdiction() : regionFor(c, 'out') } }),
  },
  assignCaregiver: { allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'], skip: noObjectsOutsideTheCity, run: (c, s) => as(c).gql(`mutation ($i: AssignCaregiverInput!) { assignCaregiver(input: $i) { id } }`, { i: { caregiverId: caregiver(s), facilityId: facility(s), month: nextMonth() } }) },
  admitElder: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => as(c).gql(`mutation ($i: AdmitInput!) { admitElder(input: $i) { id } }`, { i: { elderId: await freshElder(s), facilityId: facility(s), admittedOn: '2026-03-01' } }),
  },
  dischargeElder: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => {
      const stay = await live.api.gql(`mutation ($i: AdmitInput!) { admitElder(input: $i) { id } }`, { i: { elderId: await freshElder(s), facilityId: facility(s), admittedOn: '2026-03-01' } });
      return as(c).gql(`mutation ($i: DischargeInput!) { dischargeElder(input: $i) { id } }`, { i: { stayId: stay.data!.admitElder.id, dischargedOn: '2026-04-01' } });
    },
  },
  recordService: {
    allowed: ['CITY_ADMIN', 'CIVIL_AFFAIRS_OFFICER', 'VILLAGE_VERIFIER'],
    inVillage: true,
    skip: noObjectsOutsideTheCity,
    run: (c, s) => as(c).gql(`mutation ($i: RecordServiceInput!) { recordService(input: $i) { id } }`, { i: { elderId: elder(s), facilityId: facility(s), serviceType: 'MEAL', startedAt: '2026-03-05T11:30:00+08:00', subsidised: true } }),
  },
  // A witness's cosignature: the witness key proves it, the token only says who may hand it in.
  cosignCheckpoint: {
    allowed: ['CITY_ADMIN', 'AUDITOR'],
    skip: (_c, s) => s === 'out',
    run: async (c) => as(c).gql(`mutation ($n: String!) { cosignCheckpoint(note: $n) { treeSize } }`, { n: await cosignedLatestCheckpoint() }),
  },
  defineServiceType: {
    // The list is the city's: a county officer holds registry:write but not a city-wide jurisdiction.
    allowed: ['CITY_ADMIN'],
    skip: (_c, s) => s === 'out',
    run: (c) => as(c).gql(`mutation ($i: DefineServiceTypeInput!) { defineServiceType(input: $i) { code } }`, { i: { code: `VISIT_${++n}`, nameZh: '探访', nameEn: 'visit' } }),
  },

  // ---- audit (findings of side A lie in the village verifier's village, but the verifier has no audit permission)
  auditRules: { allowed: READERS, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ auditRules { id version } }`) },
  auditRuns: { allowed: READERS, skip: (_c, s) => s === 'out', run: (c) => as(c).gql(`{ auditRuns(first: 5) { totalCount nodes { id regionCode } } }`) },
  auditFindings: {
    allowed: READERS,
    run: (c, s) => as(c).gql(`query ($r: String!) { auditFindings(filter: { regionCode: $r }, first: 5) { totalCount nodes { id regionCode } } }`, { r: s === 'in' ? county('in') : regionFor(c, 'out') }),
  },
  auditFinding: {
    allowed: READERS,
    skip: noObjectsOutsideTheCity,
    run: (c, s) => as(c).gql(`query ($id: ID!) { auditFinding(id: $id) { id status history { action } } }`, { id: gid('AuditFinding', s === 'in' ? fx.findingA : fx.findingB) }),
  },
  auditSummary: { allowed: READERS, run: (c, s) => as(c).gql(`query ($r: String!) { auditSummary(regionCode: $r) { ruleId count } }`, { r: s === 'in' ? county('in') : regionFor(c, 'out') }) },
  runAudit: {
    allowed: ['CITY_ADMIN', 'AUDITOR'],
    run: (c, s) => as(c).gql(`mutation ($i: RunAuditInput!) { runAudit(input: $i) { id counts { findings } } }`, { i: { regionCode: s === 'in' ? county('in') : regionFor(c, 'out'), from: '2026-03', to: '2026-03', rules: ['AR-01', 'AR-03'] } }),
  },
  setAuditRuleParameter: {
    // Rule configuration is the city's.
    allowed: ['CITY_ADMIN'],
    run: (c, s) => as(c).gql(`mutation ($i: SetAuditRuleParameterInput!) { setAuditRuleParameter(input: $i) { ruleId value } }`, { i: { ruleId: 'AR-11', regionCode: s === 'in' ? county('in') : regionFor(c, 'out'), key: 'spendWithinDays', value: '45', validFrom: '2027-01-01' } }),
  },
  disposeFinding: {
    // Officers answer their region's findings; auditors confirm or dismiss; each call works a fresh finding.
    allowed: ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER', 'AUDITOR'],
    skip: noObjectsOutsideTheCity,
    run: async (c, s) => {
      const id = await plantFinding(live.db.pool, village(s));
      const action = c.role === 'AUDITOR' ? 'CONFIRM' : 'ANSWER';
      return as(c).gql(`mutation ($i: DisposeFindingInput!) { disposeFinding(input: $i) { id status } }`, { i: { findingId: gid('AuditFinding', id), action, reason: '已核实' } });
    },
  },
};

/** Objects of county A are outside a village verifier's jurisdiction, whatever their "side". */
function expectedAllowed(c: Caller, name: string, side: Side): boolean {
  const testCase = CASES[name]!;
  if (side === 'out' || !testCase.allowed.includes(c.role)) return false;
  const countyLevelObject = !testCase.inVillage && !['region', 'regions', 'node', 'fundLines', 'specialCategories', 'facilityTypes', 'serviceTypes'].includes(name);
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
  } else if (testCase.refusedAs && side === 'out') {
    testCase.refusedAs(res);
  } else {
    expect(codes).toContain('FORBIDDEN');
    expect(JSON.stringify(res.data ?? null)).not.toMatch(/"id":"/); // no object leaked
    // A refused write writes nothing (allocateTo/pay seed their own rows before the call: count after them).
  }
  if (!expectedAllowed(caller, name, side) && !['receiveAllocation', 'reverse'].includes(name)) {
    expect(await transactionCount()).toBe(before);
  }
});
