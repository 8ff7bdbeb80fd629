/** Approvals over GraphQL, end to end over HTTP, with the seeded policies: proposals in the write payloads, held money in balances, the error codes. */
import { authHeader, errorCodes, useXuzhouApi } from '../support/api.js';
import { restoreInitialPolicies } from './approvals-support.js';
import { CITY, COUNTY, OTHER_COUNTY } from './support.js';

const live = useXuzhouApi();
let proposer: Record<string, string>;
let approver: Record<string, string>;
let outsider: Record<string, string>;
let civil: Record<string, string>;
beforeAll(async () => {
  await restoreInitialPolicies(live.db.pool);
  proposer = await authHeader('FINANCE_OFFICER', CITY, { subject: 'fo-zhang' });
  approver = await authHeader('FINANCE_OFFICER', CITY, { subject: 'fo-li' });
  outsider = await authHeader('FINANCE_OFFICER', OTHER_COUNTY, { subject: 'fo-pei' });
  civil = await authHeader('CIVIL_AFFAIRS_OFFICER', CITY, { subject: 'ca-wang' });
});
let n = 0;
const key = (p: string) => `${p}-${Date.now()}-${++n}`;

const PROPOSAL = `proposal { id status operation amount held proposedBy expiresAt items { kind idempotencyKey regionCode } }`;
const appropriation = (amount: string) => ({
  idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕3号',
});
const approve = (id: string, as: Record<string, string>) =>
  live.api.gql(`mutation ($id: ID!) { approve(id: $id) { proposal { status decidedBy } transactions { id kind proposedBy approvedBy actor idempotencyKey proposal { id status } } } }`, { id }, as);

async function approvedAppropriation(amount: string): Promise<string> {
  const res = await live.api.gql(`mutation ($i: AppropriateInput!) { appropriate(input: $i) { transaction { id } ${PROPOSAL} } }`, { i: appropriation(amount) }, proposer);
  const approved = await approve(res.data!.appropriate.proposal.id, approver);
  expect(approved.errors).toBeUndefined();
  return approved.data!.approve.transactions[0].id;
}

test('an appropriation answers with a proposal; the proposer cannot approve it, an officer of another county cannot either; a colleague posts it', async () => {
  const input = appropriation('100000000');
  const res = await live.api.gql(`mutation ($i: AppropriateInput!) { appropriate(input: $i) { replayed transaction { id } ${PROPOSAL} } }`, { i: input }, proposer);
  expect(res.errors).toBeUndefined();
  const proposal = res.data!.appropriate.proposal;
  expect(res.data!.appropriate).toMatchObject({ replayed: false, transaction: null });
  expect(proposal).toMatchObject({ status: 'PENDING', operation: 'APPROPRIATION', amount: '100000000', held: '0', proposedBy: 'fo-zhang', items: [{ kind: 'APPROPRIATION', idempotencyKey: input.idempotencyKey, regionCode: CITY }] });
  const again = await live.api.gql(`mutation ($i: AppropriateInput!) { appropriate(input: $i) { replayed proposal { id } } }`, { i: input }, proposer);
  expect(again.data!.appropriate).toEqual({ replayed: true, proposal: { id: proposal.id } });

  const pending = await live.api.gql(`query ($r: String!) { pendingApprovals(regionCode: $r) { id } }`, { r: CITY }, approver);
  expect(pending.data!.pendingApprovals.map((p: { id: string }) => p.id)).toContain(proposal.id);

  expect(errorCodes(await approve(proposal.id, proposer))).toEqual(['SELF_APPROVAL']);
  expect(errorCodes(await approve(proposal.id, outsider))).toEqual(['FORBIDDEN']);
  expect(errorCodes(await approve(proposal.id, civil))).toEqual(['FORBIDDEN']); // no ledger:approve
  expect(errorCodes(await approve('not-an-id', approver))).toEqual(['BAD_USER_INPUT']);

  const approved = await approve(proposal.id, approver);
  expect(approved.errors).toBeUndefined();
  expect(approved.data!.approve).toMatchObject({
    proposal: { status: 'APPROVED', decidedBy: 'fo-li' },
    transactions: [{ kind: 'APPROPRIATION', proposedBy: 'fo-zhang', approvedBy: 'fo-li', actor: 'fo-zhang', idempotencyKey: input.idempotencyKey, proposal: { id: proposal.id, status: 'APPROVED' } }],
  });
  expect(errorCodes(await approve(proposal.id, approver))).toEqual(['PROPOSAL_NOT_PENDING']);
  // The original request again: the transaction it became.
  const replay = await live.api.gql(`mutation ($i: AppropriateInput!) { appropriate(input: $i) { replayed transaction { id } proposal { id } } }`, { i: input }, proposer);
  expect(replay.data!.appropriate).toEqual({ replayed: true, transaction: { id: approved.data!.approve.transactions[0].id }, proposal: null });
});

test('an allocation above its threshold holds the money: balances show it held, beside what is still available; rejecting releases it', async () => {
  await approvedAppropriation('300000000'); // 300万元 at the city
  const balance = async () =>
    (await live.api.gql(`query ($r: String!) { balances(regionCode: $r, fundLine: "SENIOR_ALLOWANCE", includeDescendants: false) { accountKind balance held available } }`, { r: CITY }, approver))
      .data!.balances.find((b: { accountKind: string }) => b.accountKind === 'AVAILABLE');
  const before = await balance();
  const res = await live.api.gql(
    `mutation ($i: AllocateInput!) { allocate(input: $i) { transaction { id } ${PROPOSAL} } }`,
    { i: { idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: '150000000', documentNo: '徐财社〔2026〕7号' } },
    proposer,
  );
  expect(res.errors).toBeUndefined();
  const proposal = res.data!.allocate.proposal;
  expect(proposal).toMatchObject({ status: 'PENDING', operation: 'ALLOCATION', held: '150000000' });
  const during = await balance();
  expect(BigInt(during.held) - BigInt(before.held)).toBe(150000000n);
  expect(BigInt(during.available)).toBe(BigInt(during.balance) - BigInt(during.held));
  // A small allocation (below 100万元) goes through at once.
  const small = await live.api.gql(
    `mutation ($i: AllocateInput!) { allocate(input: $i) { transaction { id } proposal { id } } }`,
    { i: { idempotencyKey: key('alloc'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: '1000', documentNo: '徐财社〔2026〕8号' } },
    proposer,
  );
  expect(small.data!.allocate).toMatchObject({ transaction: { id: expect.any(String) }, proposal: null });

  const reject = (reason: string, as = approver) => live.api.gql(`mutation ($id: ID!, $r: String!) { reject(id: $id, reason: $r) { status decisionReason held } }`, { id: proposal.id, r: reason }, as);
  expect(errorCodes(await reject(''))).toEqual(['BAD_USER_INPUT']);
  expect(errorCodes(await reject('no', outsider))).toEqual(['FORBIDDEN']);
  expect((await reject('文号有误')).data!.reject).toEqual({ status: 'REJECTED', decisionReason: '文号有误', held: '0' });
  expect((await balance()).held).toBe(before.held);
});

test('approval policies: every reader sees them; only the city admin changes one, and the history keeps the old value', async () => {
  const list = await live.api.gql(`{ approvalPolicies { fundLine operation minAmount } }`, {}, civil);
  expect(list.data!.approvalPolicies).toContainEqual({ fundLine: 'OPERATIONS', operation: 'DISBURSEMENT_BATCH', minAmount: '50000000' });
  const change = (as: Record<string, string>) =>
    live.api.gql(`mutation ($i: ChangeApprovalPolicyInput!) { changeApprovalPolicy(input: $i) { minAmount previousMinAmount changedBy } }`, { i: { fundLine: 'OPERATIONS', operation: 'DISBURSEMENT', minAmount: '1000000', reason: '运营经费单笔1万元起复核' } }, as);
  expect(errorCodes(await change(approver))).toEqual(['FORBIDDEN']);
  const admin = await authHeader('CITY_ADMIN', CITY, { subject: 'admin-chen' });
  expect((await change(admin)).data!.changeApprovalPolicy).toEqual({ minAmount: '1000000', previousMinAmount: '5000000', changedBy: 'admin-chen' });
  const history = await live.api.gql(`{ approvalPolicyHistory(fundLine: "OPERATIONS") { operation minAmount previousMinAmount changedBy } }`, {}, civil);
  expect(history.data!.approvalPolicyHistory[0]).toEqual({ operation: 'DISBURSEMENT', minAmount: '1000000', previousMinAmount: '5000000', changedBy: 'admin-chen' });
});
