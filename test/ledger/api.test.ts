/** The ledger over GraphQL, end to end over HTTP: writes, reads, the Money scalar and error codes. */
import { authHeader, errorCodes, useXuzhouApi } from '../support/api.js';
import { CITY, COUNTY } from '../fixtures/index.js';

const live = useXuzhouApi();

let as: Record<string, string>;
let countyClerk: Record<string, string>;
let countyFinance: Record<string, string>;
beforeAll(async () => {
  as = await authHeader('FINANCE_OFFICER', CITY, { subject: 'finance-officer-7' });
  countyClerk = await authHeader('CIVIL_AFFAIRS_OFFICER', COUNTY, { subject: 'county-clerk-3' });
  // The receipt is the county's own act (ledger/access.ts): confirmed with the county's credential.
  countyFinance = await authHeader('FINANCE_OFFICER', COUNTY, { subject: 'county-finance-5' });
});
let n = 0;
const key = (p: string) => `${p}-${Date.now()}-${++n}`;

const TX = `transaction { id seq kind actor documentNo effectiveDate hash prevHash postings { accountKind amount balanceAfter lotId } }`;

async function appropriate(amount: string, fundLine = 'SENIOR_ALLOWANCE') {
  const res = await live.api.gql(
    `mutation ($i: AppropriateInput!) { appropriate(input: $i) { replayed ${TX} } }`,
    { i: { idempotencyKey: key('app'), effectiveDate: '2026-01-05', regionCode: CITY, fundLine, amount, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕3号' } },
    as,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.appropriate;
}

async function villageOfCounty(): Promise<string> {
  const res = await live.api.gql(`{ region(code: "${COUNTY}") { descendants(level: VILLAGE, first: 1) { nodes { code } } } }`);
  return res.data!.region.descendants.nodes[0].code;
}

test('a payment travels city → county → payee and its trail leads back to the document, recorded with the actor', async () => {
  const app = await appropriate('100000000');
  expect(app.transaction.actor).toBe('finance-officer-7');
  const lotId = app.transaction.postings[0].lotId;
  const alloc = await live.api.gql(
    `mutation ($i: AllocateInput!) { allocate(input: $i) { ${TX} } }`,
    { i: { idempotencyKey: key('alloc'), effectiveDate: '2026-01-10', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: '30000000', lotId, documentNo: '徐民〔2026〕12号' } },
    as,
  );
  expect(alloc.errors).toBeUndefined();
  const recv = await live.api.gql(
    `mutation ($i: ReceiveAllocationInput!) { receiveAllocation(input: $i) { ${TX} } }`,
    { i: { idempotencyKey: key('recv'), effectiveDate: '2026-01-15', allocationId: alloc.data!.allocate.transaction.id } },
    countyFinance,
  );
  expect(recv.errors).toBeUndefined();
  const village = await villageOfCounty();
  const pay = await live.api.gql(
    `mutation ($i: DisburseInput!) { disburse(input: $i) { replayed transaction { id kind payeeId beneficiaryVillage { code level } region { name } } } }`,
    { i: { idempotencyKey: key('pay'), effectiveDate: '2026-02-01', regionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: '30000', payeeType: 'PERSON', payeeId: 'P-001', serviceMonth: '2026-01', benefitCode: 'SA_MONTHLY', villageCode: village } },
    countyClerk,
  );
  expect(pay.errors).toBeUndefined();
  expect(pay.data!.disburse.transaction).toMatchObject({ kind: 'DISBURSEMENT', payeeId: 'P-001', beneficiaryVillage: { code: village, level: 'VILLAGE' }, region: { name: '丰县' } });

  const trail = await live.api.gql(
    `query ($t: ID!) { trail(transactionId: $t) { depth transaction { kind actor documentNo effectiveDate region { code } } lot { regionCode documentNo fiscalYear } } }`,
    { t: pay.data!.disburse.transaction.id },
  );
  expect(trail.errors).toBeUndefined();
  expect(trail.data!.trail.map((s: any) => [s.transaction.kind, s.transaction.region.code, s.transaction.actor])).toEqual([
    ['DISBURSEMENT', COUNTY, 'county-clerk-3'],
    ['ALLOCATION_RECEIVED', COUNTY, 'county-finance-5'],
    ['ALLOCATION', CITY, 'finance-officer-7'],
    ['APPROPRIATION', CITY, 'finance-officer-7'],
  ]);
  expect(trail.data!.trail.at(-1).transaction.documentNo).toBe('苏财社〔2026〕3号');

  const lot = await live.api.gql(`query ($l: ID!) { lot(id: $l) { documentNo children { regionCode documentNo parent { id } } balances { accountKind balance } transactions { totalCount nodes { kind } } } }`, { l: lotId });
  expect(lot.data!.lot.children).toEqual([{ regionCode: COUNTY, documentNo: '徐民〔2026〕12号', parent: { id: lotId } }]);
  expect(lot.data!.lot.transactions.nodes.map((t: any) => t.kind)).toEqual(['APPROPRIATION', 'ALLOCATION']);
  expect(lot.data!.lot.transactions.totalCount).toBe(2);

  const balances = await live.api.gql(`{ now: balances(regionCode: "${CITY}", fundLine: "SENIOR_ALLOWANCE") { accountKind balance }
    before: balances(regionCode: "${CITY}", fundLine: "SENIOR_ALLOWANCE", asOf: "2026-01-12") { accountKind balance } }`);
  const map = (rows: any[]) => Object.fromEntries(rows.map((r) => [r.accountKind, r.balance]));
  expect(map(balances.data!.now)).toEqual({ FUNDING_SOURCE: '-100000000', AVAILABLE: '99970000', IN_TRANSIT_DOWN: '0', EXPENDITURE: '30000' });
  expect(map(balances.data!.before)).toEqual({ FUNDING_SOURCE: '-100000000', AVAILABLE: '70000000', IN_TRANSIT_DOWN: '30000000', EXPENDITURE: '0' });

  const lines = await live.api.gql(`{ fundLines { code nameZh } }`);
  expect(lines.data!.fundLines.map((l: any) => l.nameZh)).toEqual(['特困供养', '机构补贴', '项目补助', '尊老金', '运营经费']);

  const verify = await live.api.gql(`{ verifyLedger { ok firstBrokenSeq checked headSeq } }`);
  expect(verify.data!.verifyLedger).toMatchObject({ ok: true, firstBrokenSeq: null });

  const list = await live.api.gql(`{ transactions(filter: { regionCode: "${COUNTY}", kind: DISBURSEMENT, payeeId: "P-001" }) { totalCount nodes { payeeId } } }`);
  expect(list.data!.transactions).toEqual({ totalCount: 1, nodes: [{ payeeId: 'P-001' }] });
  const node = await live.api.gql(`query ($id: ID!) { node(id: $id) { __typename ... on LedgerTransaction { kind } } }`, { id: pay.data!.disburse.transaction.id });
  expect(node.data!.node).toEqual({ __typename: 'LedgerTransaction', kind: 'DISBURSEMENT' });
});

test('money travels as a string of digits; fractions, exponents, negatives and > 64 bits are BAD_USER_INPUT and write nothing', async () => {
  const count = async () => (await live.db.pool.query('select count(*)::int as n from ledger.transaction')).rows[0].n;
  const before = await count();
  for (const amount of ['1.5', '1e3', '-100', '0', '9223372036854775808', '12abc', '']) {
    const res = await live.api.gql(
      `mutation ($i: AppropriateInput!) { appropriate(input: $i) { replayed } }`,
      { i: { idempotencyKey: key('bad'), effectiveDate: '2026-01-05', regionCode: CITY, fundLine: 'OPERATIONS', amount, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: 'x' } },
    );
    expect([amount, errorCodes(res)]).toEqual([amount, ['BAD_USER_INPUT']]);
    expect(res.errors![0]!.extensions!.field).toBe('amount');
  }
  const literal = await live.api.gql(`mutation { appropriate(input: { idempotencyKey: "lit", effectiveDate: "2026-01-05", regionCode: "${CITY}",
    fundLine: "OPERATIONS", amount: 2.5, fiscalYear: 2026, fundingSource: OWN_BUDGET, documentNo: "x" }) { replayed } }`);
  expect(errorCodes(literal)).toEqual(['BAD_USER_INPUT']);
  expect(await count()).toBe(before);

  const big = await appropriate('9223372036854775807', 'PROJECT_GRANT');
  expect(big.transaction.postings.map((p: any) => p.amount).sort()).toEqual(['-9223372036854775807', '9223372036854775807']);
});

test('business refusals carry their codes', async () => {
  const app = await appropriate('1000', 'FACILITY_SUBSIDY');
  const village = await villageOfCounty();
  const overspend = await live.api.gql(
    `mutation ($i: AllocateInput!) { allocate(input: $i) { replayed } }`,
    { i: { idempotencyKey: key('a'), effectiveDate: '2026-01-10', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'FACILITY_SUBSIDY', amount: '1001', lotId: app.transaction.postings[0].lotId, documentNo: 'd' } },
  );
  expect(errorCodes(overspend)).toEqual(['INSUFFICIENT_FUNDS']);
  const i = { idempotencyKey: key('same'), effectiveDate: '2026-01-10', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'FACILITY_SUBSIDY', amount: '10', documentNo: 'd' };
  const first = await live.api.gql(`mutation ($i: AllocateInput!) { allocate(input: $i) { replayed transaction { id } } }`, { i });
  const replay = await live.api.gql(`mutation ($i: AllocateInput!) { allocate(input: $i) { replayed transaction { id } } }`, { i });
  expect(replay.data!.allocate).toEqual({ replayed: true, transaction: first.data!.allocate.transaction });
  const conflict = await live.api.gql(`mutation ($i: AllocateInput!) { allocate(input: $i) { replayed } }`, { i: { ...i, amount: '11' } });
  expect(errorCodes(conflict)).toEqual(['IDEMPOTENCY_CONFLICT']);
  const rev = { idempotencyKey: key('r'), effectiveDate: '2026-01-11', transactionId: first.data!.allocate.transaction.id, reason: '错误下达' };
  expect(errorCodes(await live.api.gql(`mutation ($i: ReverseInput!) { reverse(input: $i) { replayed } }`, { i: rev }))).toEqual([]);
  expect(errorCodes(await live.api.gql(`mutation ($i: ReverseInput!) { reverse(input: $i) { replayed } }`, { i: { ...rev, idempotencyKey: key('r2') } }))).toEqual(['ALREADY_REVERSED']);
  const missing = await live.api.gql(`{ transaction(id: "TGVkZ2VyVHJhbnNhY3Rpb246OTk5OTk5") { id } }`);
  expect(missing.data!.transaction).toBeNull();
  expect(errorCodes(await live.api.gql(`{ trail(transactionId: "TGVkZ2VyVHJhbnNhY3Rpb246OTk5OTk5") { depth } }`))).toEqual(['NOT_FOUND']);
  const wrongVillage = await live.api.gql(
    `mutation ($i: DisburseInput!) { disburse(input: $i) { replayed } }`,
    { i: { idempotencyKey: key('p'), effectiveDate: '2026-02-01', regionCode: COUNTY, fundLine: 'FACILITY_SUBSIDY', amount: '1', payeeType: 'FACILITY', payeeId: 'F-1', serviceMonth: '2026-13', benefitCode: 'FS_OPERATING', villageCode: village } },
  );
  expect(errorCodes(wrongVillage)).toEqual(['BAD_USER_INPUT']);
  expect(wrongVillage.errors![0]!.extensions!.field).toBe('serviceMonth');
});

test('disburseBatch writes every line or none', async () => {
  const app = await appropriate('5000', 'HARDSHIP_SUPPORT');
  const village = await villageOfCounty();
  // Money at the city itself (a city can pay too): lines draw on the appropriated lot.
  const line = (i: number, amount: string) => ({
    idempotencyKey: key(`b${i}`), effectiveDate: '2026-02-01', regionCode: CITY, fundLine: 'HARDSHIP_SUPPORT', amount,
    payeeType: 'PERSON', payeeId: `E-${i}`, serviceMonth: '2026-02', benefitCode: 'HS_BASIC_LIVING', villageCode: village,
  });
  const count = async () => (await live.db.pool.query(`select count(*)::int as n from ledger.transaction where fund_line = 'HARDSHIP_SUPPORT'`)).rows[0].n;
  const before = await count();
  const tooMuch = await live.api.gql(`mutation ($l: [DisburseInput!]!) { disburseBatch(lines: $l) { replayed } }`, { l: [line(1, '2000'), line(2, '2000'), line(3, '2000')] });
  expect(errorCodes(tooMuch)).toEqual(['INSUFFICIENT_FUNDS']);
  expect(await count()).toBe(before);
  const lines = [line(4, '2000'), line(5, '2000'), line(6, '1000')];
  const ok = await live.api.gql(`mutation ($l: [DisburseInput!]!) { disburseBatch(lines: $l) { replayed transaction { seq payeeId } } }`, { l: lines });
  expect(ok.errors).toBeUndefined();
  expect(ok.data!.disburseBatch.map((r: any) => r.transaction.payeeId)).toEqual(['E-4', 'E-5', 'E-6']);
  const seqs = ok.data!.disburseBatch.map((r: any) => BigInt(r.transaction.seq));
  expect(seqs[1] - seqs[0]).toBe(1n);
  expect(seqs[2] - seqs[1]).toBe(1n);
  const again = await live.api.gql(`mutation ($l: [DisburseInput!]!) { disburseBatch(lines: $l) { replayed } }`, { l: lines });
  expect(again.data!.disburseBatch.map((r: any) => r.replayed)).toEqual([true, true, true]);
  expect(app.transaction.kind).toBe('APPROPRIATION');
});

test("a lot's transactions are a connection: pages in chain order with a total", async () => {
  const app = await appropriate('5000000');
  const lotId = app.transaction.postings[0].lotId;
  for (let i = 0; i < 4; i++) {
    const res = await live.api.gql(
      `mutation ($i: AllocateInput!) { allocate(input: $i) { transaction { id } } }`,
      { i: { idempotencyKey: key('page-alloc'), effectiveDate: '2026-01-10', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: '1000', lotId, documentNo: `徐民〔2026〕${20 + i}号` } },
      as,
    );
    expect(res.errors).toBeUndefined();
  }
  const q = `query ($l: ID!, $after: String) { lot(id: $l) { transactions(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { kind seq } } } }`;
  const first = (await live.api.gql(q, { l: lotId })).data!.lot.transactions;
  expect(first.totalCount).toBe(5);
  expect(first.nodes.map((t: any) => t.kind)).toEqual(['APPROPRIATION', 'ALLOCATION']);
  expect(first.pageInfo.hasNextPage).toBe(true);
  const second = (await live.api.gql(q, { l: lotId, after: first.pageInfo.endCursor })).data!.lot.transactions;
  const third = (await live.api.gql(q, { l: lotId, after: second.pageInfo.endCursor })).data!.lot.transactions;
  const seqs = [...first.nodes, ...second.nodes, ...third.nodes].map((t: any) => BigInt(t.seq));
  expect(seqs).toHaveLength(5);
  expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
  expect(third.pageInfo.hasNextPage).toBe(false);
});
