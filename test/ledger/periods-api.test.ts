/** Periods over HTTP: close (and its blockers), PERIOD_CLOSED, four-eyes reopening, sealing, trial balances; the maximal amount. */
import { authHeader, errorCodes, useXuzhouApi } from '../support/api.js';
import { CITY, COUNTY } from '../fixtures/index.js';

const live = useXuzhouApi();

let n = 0;
const key = (p: string) => `${p}-${Date.now()}-${++n}`;
let city: Record<string, string>;
let fo1: Record<string, string>;
let fo2: Record<string, string>;
beforeAll(async () => {
  city = await authHeader('CITY_ADMIN', CITY, { subject: 'city-admin-1' });
  fo1 = await authHeader('FINANCE_OFFICER', COUNTY, { subject: 'county-finance-1' });
  fo2 = await authHeader('FINANCE_OFFICER', COUNTY, { subject: 'county-finance-2' });
});

const gql = async (query: string, variables: Record<string, unknown>, headers: Record<string, string>) => live.api.gql(query, variables, headers);
const ok = <T>(res: { errors?: unknown; data?: T | null }) => {
  expect(res.errors).toBeUndefined();
  return res.data!;
};
const CLOSE = `mutation ($i: PeriodInput!) { closePeriod(input: $i) { period { month state events { action actor } } } }`;
const period = { regionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', month: '2026-03' };

test('closing a month, a back-dated payment refused with PERIOD_CLOSED, a four-eyes reopening, sealing and the sealed trial balance', async () => {
  const app = ok(await gql(`mutation ($i: AppropriateInput!) { appropriate(input: $i) { transaction { postings { lotId } } } }`,
    { i: { idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: '500000', fiscalYear: 2026, fundingSource: 'CITY_TRANSFER', documentNo: '徐财〔2026〕3号' } }, city));
  const alloc = ok(await gql(`mutation ($i: AllocateInput!) { allocate(input: $i) { transaction { id } } }`,
    { i: { idempotencyKey: key('alloc'), effectiveDate: '2026-03-03', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: '500000', lotId: app.appropriate.transaction.postings[0].lotId, documentNo: '徐财〔2026〕4号' } }, city));

  // In transit: the county cannot close March; the blocker is named by the id the API gave the
  // allocation (the one receiveAllocation below takes), not the ledger's row number.
  const blocked = await gql(CLOSE, { i: period }, fo1);
  expect(errorCodes(blocked)).toEqual(['PERIOD_CLOSE_BLOCKED']);
  expect(blocked.errors![0]!.extensions).toMatchObject({ blockers: [{ kind: 'ALLOCATION_IN_TRANSIT', id: alloc.allocate.transaction.id }] });
  const named = ok(await gql(`query ($id: ID!) { node(id: $id) { id ... on LedgerTransaction { kind } } }`, { id: (blocked.errors![0]!.extensions!.blockers as { id: string }[])[0]!.id }, fo1));
  expect(named.node).toEqual({ id: alloc.allocate.transaction.id, kind: 'ALLOCATION' });

  ok(await gql(`mutation ($i: ReceiveAllocationInput!) { receiveAllocation(input: $i) { transaction { id } } }`,
    { i: { idempotencyKey: key('recv'), effectiveDate: '2026-03-06', allocationId: alloc.allocate.transaction.id } }, fo1));
  const village = (await live.db.pool.query(`select code from region where level = 'VILLAGE' and code like '320321%' order by code limit 1`)).rows[0].code;
  const payment = (effectiveDate: string) => gql(`mutation ($i: DisburseInput!) { disburse(input: $i) { transaction { id } } }`,
    { i: { idempotencyKey: key('pay'), effectiveDate, regionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: '1200', payeeType: 'PERSON', payeeId: 'P-31', serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: village } }, fo1);
  ok(await payment('2026-03-20'));
  const closed = ok(await gql(CLOSE, { i: period }, fo1));
  expect(closed.closePeriod.period).toMatchObject({ month: '2026-03', state: 'CLOSED', events: [{ action: 'CLOSE', actor: 'county-finance-1' }] });

  const count = async () => (await live.db.pool.query(`select count(*)::int as n from ledger.transaction`)).rows[0].n;
  const before = await count();
  const late = await payment('2026-03-28');
  expect(errorCodes(late)).toEqual(['PERIOD_CLOSED']);
  expect(late.errors![0]!.message).toContain(`${COUNTY} SENIOR_ALLOWANCE 2026-03`);
  expect(await count()).toBe(before);

  // A reopening reason lives for ever: no phone or ID number in it.
  const leaky = await gql(`mutation ($i: RequestPeriodReopenInput!) { requestPeriodReopen(input: $i) { requestId } }`,
    { i: { ...period, reason: '补录 王某 电话 13912345678', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } }, fo1);
  expect(errorCodes(leaky)).toEqual(['PERSONAL_DATA_IN_TEXT']);

  // Reopening: asked by one officer, approved by another; the asker cannot approve.
  for (const expiresAt of ['2026-02-30T00:00:00Z', '2099-01-01', '2099-01-01T25:00:00Z', 'tomorrow']) {
    const refused = await gql(`mutation ($i: RequestPeriodReopenInput!) { requestPeriodReopen(input: $i) { requestId } }`, { i: { ...period, reason: '补录', expiresAt } }, fo1);
    expect([expiresAt, refused.errors?.[0]?.extensions]).toMatchObject([expiresAt, { code: 'BAD_USER_INPUT', field: 'expiresAt' }]);
    expect(refused.errors![0]!.message).not.toMatch(/future/); // a malformed time, not a past one
  }
  const asked = ok(await gql(`mutation ($i: RequestPeriodReopenInput!) { requestPeriodReopen(input: $i) { requestId requestedBy expiresAt } }`,
    { i: { ...period, reason: '补录迟到的发放名单', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } }, fo1));
  const id = asked.requestPeriodReopen.requestId;
  const self = await gql(`mutation ($id: ID!) { reopenPeriod(requestId: $id) { period { state } } }`, { id }, fo1);
  expect(errorCodes(self)).toEqual(['SELF_APPROVAL']);
  const reopened = ok(await gql(`mutation ($id: ID!) { reopenPeriod(requestId: $id) { period { state reopenedUntil } request { approvedBy } } }`, { id }, fo2));
  expect(reopened.reopenPeriod).toMatchObject({ period: { state: 'OPEN', reopenedUntil: asked.requestPeriodReopen.expiresAt }, request: { approvedBy: 'county-finance-2' } });
  ok(await payment('2026-03-28'));
  ok(await gql(CLOSE, { i: period }, fo2)); // closed again, before the expiry

  // Sealing is the city's.
  const SEAL = `mutation ($i: PeriodInput!) { sealPeriod(input: $i) { period { state } trialBalance { sealed atSeq atHash lines { accountKind lotId opening debits credits closing } } } }`;
  expect(errorCodes(await gql(SEAL, { i: period }, fo1))).toEqual(['FORBIDDEN']);
  const sealed = ok(await gql(SEAL, { i: period }, city));
  expect(sealed.sealPeriod.period.state).toBe('SEALED');
  const expenditure = sealed.sealPeriod.trialBalance.lines.find((l: { accountKind: string; lotId: string | null }) => l.accountKind === 'EXPENDITURE' && l.lotId === null);
  expect(expenditure).toMatchObject({ opening: '0', debits: '2400', credits: '0', closing: '2400' });

  const tb = ok(await gql(`query { trialBalance(regionCode: "${COUNTY}", fundLine: "SENIOR_ALLOWANCE", month: "2026-03", includeDescendants: false) { sealed reproduced atSeq lines { accountKind lotId closing } } }`, {}, fo1));
  expect(tb.trialBalance).toMatchObject({ sealed: true, reproduced: true, atSeq: sealed.sealPeriod.trialBalance.atSeq });
  const list = ok(await gql(`query { periods(regionCode: "${COUNTY}", fundLine: "SENIOR_ALLOWANCE", from: "2026-02", to: "2026-04") { month state events { action } } }`, {}, fo1));
  // (February closed with March, the first close, and sealed with it)
  expect(list.periods.map((p: { month: string; state: string }) => [p.month, p.state])).toEqual([['2026-02', 'SEALED'], ['2026-03', 'SEALED'], ['2026-04', 'OPEN']]);
  expect(list.periods[1].events.map((e: { action: string }) => e.action)).toEqual(['CLOSE', 'REOPEN', 'CLOSE', 'SEAL']);
  // Region-code arguments take the significant prefix, as everywhere in the API.
  const prefix = COUNTY.slice(0, 6);
  const byPrefix = ok(await gql(`query { periods(regionCode: "${prefix}", fundLine: "SENIOR_ALLOWANCE", from: "2026-02", to: "2026-04") { regionCode month state } trialBalance(regionCode: "${prefix}", fundLine: "SENIOR_ALLOWANCE", month: "2026-03", includeDescendants: false) { regionCode sealed atSeq } }`, {}, fo1));
  expect(byPrefix.periods.map((p: { regionCode: string; state: string }) => [p.regionCode, p.state])).toEqual([[COUNTY, 'SEALED'], [COUNTY, 'SEALED'], [COUNTY, 'OPEN']]);
  expect(byPrefix.trialBalance).toEqual({ regionCode: COUNTY, sealed: true, atSeq: sealed.sealPeriod.trialBalance.atSeq });

  // Bad input names its field.
  const bad = await gql(`query { periods(regionCode: "${COUNTY}", fundLine: "SENIOR_ALLOWANCE", from: "2026-13", to: "2026-04") { month } }`, {}, fo1);
  expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
});

test('appropriate with the documented maximum amount, twice on one day: no overflow, the balance is the exact sum', async () => {
  const max = '9223372036854775807';
  for (let i = 0; i < 2; i++) {
    ok(await gql(`mutation ($i: AppropriateInput!) { appropriate(input: $i) { transaction { id } } }`,
      { i: { idempotencyKey: key('max'), effectiveDate: '2026-09-01', regionCode: COUNTY, fundLine: 'OPERATIONS', amount: max, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '丰财〔2026〕9号' } }, city));
  }
  const res = ok(await gql(`query { balances(regionCode: "${COUNTY}", fundLine: "OPERATIONS", includeDescendants: false) { accountKind balance } }`, {}, city));
  const available = res.balances.find((b: { accountKind: string }) => b.accountKind === 'AVAILABLE');
  expect(available.balance).toBe((2n * BigInt(max)).toString());
});
