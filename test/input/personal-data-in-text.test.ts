/**
 * Free text that lives for ever — a ledger memo, document number or reversal reason inside the hash
 * chain, and the keys a caller chooses there (idempotency key, payee id), a reason in the registry's append-only records and access log — must not carry a valid
 * ID number (GB 11643: 18 characters in one piece; named as an ID, in any grouping, or the legacy 15 digits) or a mainland mobile number: PERSONAL_DATA_IN_TEXT, nothing written,
 * and the message does not repeat the number.
 */
import { firstRegionBelow } from '../support/database.js';
import { errorCodes, useXuzhouApi, type GraphQLResponse } from '../support/api.js';
import { idNumber, registerElder } from '../registry/support.js';
import { CITY, COUNTY } from '../fixtures/index.js';

const live = useXuzhouApi();

let village: string;
let n = 0;
const key = (p: string) => `${p}-${process.pid}-${++n}`;
const ID = idNumber('1948-02-29', 'FEMALE', '320321'); // a valid number: date, check character
const BROKEN_ID = `${ID.slice(0, 17)}${ID[17] === '0' ? '1' : '0'}`; // the same with a wrong check character
const LEGACY_ID = `${ID.slice(0, 6)}${ID.slice(8, 17)}`; // the same person's 15-digit number of before 1999 (YYMMDD)

const DISBURSE = `mutation ($i: DisburseInput!) { disburse(input: $i) { transaction { id memo } } }`;
const payment = (overrides: Record<string, unknown>) => ({
  idempotencyKey: key('pay'), effectiveDate: '2026-03-10', regionCode: CITY, fundLine: 'OPERATIONS', amount: '100', payeeType: 'CONTRACTOR',
  payeeId: 'C-1', serviceMonth: '2026-03', benefitCode: 'SERVICE_FEE', villageCode: village, ...overrides,
});

async function counts(): Promise<string> {
  const { rows } = await live.db.pool.query(
    `select (select count(*) from ledger.transaction) t, (select count(*) from registry.access_log) a, (select count(*) from registry.category_membership_end) e`,
  );
  return JSON.stringify(rows[0]);
}

function expectRefused(response: GraphQLResponse, field: string): void {
  expect({ codes: errorCodes(response), field: response.errors?.[0]?.extensions?.field }).toEqual({ codes: ['PERSONAL_DATA_IN_TEXT'], field });
  expect(JSON.stringify(response.errors)).not.toContain(ID);
  expect(JSON.stringify(response.errors)).not.toContain('13912345678');
}

beforeAll(async () => {
  village = await firstRegionBelow(live.db.pool, COUNTY, 'VILLAGE');
  const funded = await live.api.gql(`mutation ($i: AppropriateInput!) { appropriate(input: $i) { replayed } }`, {
    i: { idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'OPERATIONS', amount: '1000000', fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '徐财〔2026〕1号' },
  });
  expect(funded.errors).toBeUndefined();
});

describe('the ledger', () => {
  test.each([
    ['memo', { memo: `王秀英 身份证${ID} 电话13912345678` }],
    ['memo', { memo: `身份证 ${ID.slice(0, 17)}${ID[17]!.toLowerCase()}` }],
    ['memo', { memo: '联系 139 1234 5678' }],
    // named as an ID: in any grouping, and the legacy 15-digit form
    ['memo', { memo: `身份证 ${ID.slice(0, 6)} ${ID.slice(6, 14)} ${ID.slice(14)}` }],
    ['memo', { memo: `证件号${ID.slice(0, 6)}-${ID.slice(6, 14)}-${ID.slice(14)}，已核实` }],
    ['memo', { memo: `身份证号 ${ID.slice(0, 4)} ${ID.slice(4, 8)} ${ID.slice(8, 12)} ${ID.slice(12, 16)} ${ID.slice(16)}` }],
    ['memo', { memo: `身份证：${ID.slice(0, 6)}\u2010${ID.slice(6, 14)}·${ID.slice(14)}` }],
    ['memo', { memo: `身份证号码：${ID.slice(0, 6)}  ${ID.slice(6, 14)}\t${ID.slice(14)} 电话另附` }],
    ['memo', { memo: `身份证 ${ID.slice(0, 6)}.${ID.slice(6, 14)}/${ID.slice(14)} ${'1234'}` }],
    ['memo', { memo: `老身份证 ${LEGACY_ID} 已换发` }],
    ['memo', { memo: `旧身份证号 ${LEGACY_ID.slice(0, 6)} ${LEGACY_ID.slice(6, 12)} ${LEGACY_ID.slice(12)}` }],
    // a zero-width space does not hide the one-piece form
    ['memo', { memo: `核对 ${ID.slice(0, 9)}\u200b${ID.slice(9)}` }],
    ['memo', { memo: `核对 ${ID.slice(0, 9)}\u00ad${ID.slice(9)}` }],
    ['memo', { memo: '联系：+86 13912345678' }],
    ['memo', { memo: '电话１３９１２３４５６７８' }],
    ['documentNo', { documentNo: `徐民〔2026〕${ID}` }],
    // keys a caller chooses are kept for ever too, and shown to roles that may not unmask
    ['payeeId', { payeeType: 'PERSON', payeeId: ID }],
    ['payeeId', { payeeId: '13912345678' }],
    ['idempotencyKey', { idempotencyKey: ID }],
    ['idempotencyKey', { idempotencyKey: `pay-13912345678` }],
  ])('disburse %s', async (field, overrides) => {
    const before = await counts();
    expectRefused(await live.api.gql(DISBURSE, { i: payment(overrides) }), field);
    expect(await counts()).toBe(before);
  });

  test('a key built of a code, a date and a counter is never refused by chance, even when its digits would make an ID number', async () => {
    for (const idempotencyKey of [`${ID.slice(0, 6)}-${ID.slice(6, 14)}-${ID.slice(14)}`, `pay-${LEGACY_ID}`]) {
      const res = await live.api.gql(DISBURSE, { i: payment({ idempotencyKey }) });
      expect([idempotencyKey, res.errors]).toEqual([idempotencyKey, undefined]);
    }
  });

  test('a reversal reason', async () => {
    const paid = await live.api.gql(DISBURSE, { i: payment({}) });
    const before = await counts();
    const reversal = await live.api.gql(`mutation ($i: ReverseInput!) { reverse(input: $i) { replayed } }`, {
      i: { idempotencyKey: key('rev'), effectiveDate: '2026-03-11', transactionId: paid.data!.disburse.transaction.id, reason: `重复发放给 ${ID}` },
    });
    expectRefused(reversal, 'reason');
    expect(await counts()).toBe(before);
  });

  test('numbers that are not personal data stay allowed: document numbers, amounts, an 18-digit number with a wrong check character, a 15-digit one that is no legacy ID, a longer number, and numbers not named as IDs', async () => {
    for (const memo of ['苏财社〔2026〕13号 第 1391234567 批', `流水 ${BROKEN_ID}`, `身份证 ${BROKEN_ID.slice(0, 6)} ${BROKEN_ID.slice(6)}`, '2026-03-10 发放 12345678901 分', '流水 123456789012345', `账户 ${ID}7`,
      // not named as IDs, numbers in groups and 15-digit numbers are other things, even when their digits would parse as one:
      // an old business registration number, a batch number of county, date and counter, a counter and a timestamp
      `营业执照注册号 ${LEGACY_ID}`, `营业执照证号 ${LEGACY_ID}`, `批次 ${ID.slice(0, 6)}-${ID.slice(6, 14)}-${ID.slice(14)}`,
      `已核对身份证，批次 ${ID.slice(0, 6)}-${ID.slice(6, 14)}-${ID.slice(14)}`, `key m-pay-${LEGACY_ID.slice(0, 2)}-${LEGACY_ID.slice(2)}`]) {
      const res = await live.api.gql(DISBURSE, { i: payment({ memo }) });
      expect([memo, res.errors]).toEqual([memo, undefined]);
      expect(res.data!.disburse.transaction.memo).toBe(memo);
    }
  });
});

describe('the registry', () => {
  test('an unmasking reason (access log) and a category end reason', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber('1944-06-15', 'MALE', '320321'), name: '张三', hukouVillageCode: village });
    const before = await counts();
    const unmask = await live.api.gql(`query ($id: ID!, $r: String!) { elder(id: $id) { personal(reason: $r) { name } } }`, { id: elder.id, r: `核对 13912345678 的来电` });
    expectRefused(unmask, 'reason');
    const category = await live.api.gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, {
      i: { elderId: elder.id, category: (await live.api.gql(`{ specialCategories { code } }`)).data!.specialCategories[0].code, validFrom: '2026-01-01' },
    });
    expect(category.errors).toBeUndefined();
    const end = await live.api.gql(`mutation ($i: EndCategoryInput!) { endElderCategory(input: $i) { id } }`, {
      i: { membershipId: category.data!.addElderCategory.id, endedOn: '2026-02-01', reason: `户籍迁出，新号码 ${ID}` },
    });
    expectRefused(end, 'reason');
    expect(await counts()).toBe(before);
    // the references kept in append-only history (shown to roles that may not unmask) too
    const code = (await live.api.gql(`{ specialCategories { code } }`)).data!.specialCategories[1].code;
    const histories = () => live.db.pool.query(`select (select count(*) from registry.category_membership) c, (select count(*) from registry.vital_event) v`).then((r) => JSON.stringify(r.rows[0]));
    const beforeHistory = await histories();
    expectRefused(await live.api.gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: elder.id, category: code, validFrom: '2026-03-01', sourceRef: ID } }), 'sourceRef');
    expectRefused(await live.api.gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: elder.id, category: code, validFrom: '2026-03-01', sourceSystem: '13912345678' } }), 'sourceSystem');
    expectRefused(await live.api.gql(`mutation ($i: RecordVitalStatusInput!) { recordVitalStatus(input: $i) { id } }`, { i: { elderId: elder.id, status: 'DECEASED', deathDate: '2026-03-02', source: 'CREMATION', sourceRef: `火化证 ${ID}` } }), 'sourceRef');
    expect(await histories()).toBe(beforeHistory);
  });
});
