/**
 * Holes found by the security review of the scope rules (docs/security.md, docs/registry.md
 * "Authorization"), each fixed: these tests keep them closed.
 */
import { toGlobalId } from '../../api/relay.js';
import { Ledger } from '../../ledger/ledger.js';
import { errorCodes, useXuzhouApi } from '../support/api.js';
import { checkCharacter } from '../../platform/id-number.js';
import { FENG, FENG_V1, FENG_V2, PEI, PEI_V1, idNumber, registerElder, registerFacility } from '../registry/support.js';
import { CITY } from '../fixtures/index.js';

const live = useXuzhouApi();
const gid = toGlobalId;
let n = 0;
const key = (p: string) => `review-${p}-${++n}`;

describe('ledger: a county caller and the city lot', () => {
  const ids = {} as { rootLot: string; allocation: string };

  beforeAll(async () => {
    const ledger = new Ledger(live.db.pool);
    const app = await ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-03-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 10_000_000n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕99号' }, 'city-finance');
    ids.rootLot = app.transaction.postings[0]!.lotId;
    // The city's other business: an allocation to 沛县 from the same root lot.
    await ledger.allocate({ idempotencyKey: key('alloc-pei'), effectiveDate: '2026-03-02', fromRegionCode: CITY, toRegionCode: PEI, fundLine: 'SENIOR_ALLOWANCE', amount: 3_000_000n, documentNo: '徐财社〔2026〕98号', lotId: ids.rootLot }, 'city-finance');
    const alloc = await ledger.allocate({ idempotencyKey: key('alloc-feng'), effectiveDate: '2026-03-03', fromRegionCode: CITY, toRegionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000_000n, documentNo: '徐财社〔2026〕99号', lotId: ids.rootLot }, 'city-finance');
    ids.allocation = alloc.transaction.id;
  });

  test('trail(allocation) as a county auditor returns the city root lot (region, documentNo, balances) — the lot itself is FORBIDDEN by lot(id)', async () => {
    const auditor = live.api.as('AUDITOR', FENG);
    // The direct route is closed…
    expect(errorCodes(await auditor.gql(`query ($id: ID!) { lot(id: $id) { id } }`, { id: gid('Lot', ids.rootLot) }))).toEqual(['FORBIDDEN']);
    // …but the trail of the allocation 丰县 received hands it over as step 0's lot.
    const res = await auditor.gql(
      `query ($id: ID!) { trail(transactionId: $id) { depth transaction { kind } lot { id regionCode documentNo fundingSource balances { accountKind balance } } } }`,
      { id: gid('LedgerTransaction', ids.allocation) },
    );
    const lots = (res.data?.trail ?? []).map((s: any) => s.lot);
    // Every lot a county auditor is shown must be the county's (security.md: "Lots: the lot's region is in scope").
    expect(lots.filter((l: any) => l && !l.regionCode.startsWith('320321'))).toEqual([]);
    expect(errorCodes(res)).toContain('FORBIDDEN');
  });

  test('postings of an allocation received by a county expose the city lot’s running balance (balanceAfter of the city’s AVAILABLE account)', async () => {
    const auditor = live.api.as('AUDITOR', FENG);
    const res = await auditor.gql(`query ($id: ID!) { transaction(id: $id) { kind postings { accountKind regionCode lotId amount balanceAfter } } }`, {
      id: gid('LedgerTransaction', ids.allocation),
    });
    expect(res.errors).toBeUndefined();
    const cityAvailable = res.data!.transaction.postings.find((p: any) => p.accountKind === 'AVAILABLE' && p.regionCode === CITY);
    // 10,000,000 − 3,000,000 (沛县's allocation) − 1,000,000: the city's remaining money and, by difference, its other allocations.
    // A county may see that it received 1,000,000, not what the city has left in its own lot.
    expect(cityAvailable?.balanceAfter).not.toBe('6000000');
  });
});

describe('registry: birth dates in clear without personal:unmask', () => {
  // 丰县 household; the masked birth date is "1944-06-**".
  const BIRTH = '1944-06-17';
  let elder: { id: string };
  beforeAll(async () => {
    elder = await registerElder(live.api, { idNumber: idNumber(BIRTH, 'MALE'), name: '周九', hukouVillageCode: FENG_V2 });
  });

  test('Elder.age(asOf:) day by day gives the day of birth to a SYSTEM_CLIENT (masked, no personal:unmask) — and writes no access-log row', async () => {
    const client = live.api.as('SYSTEM_CLIENT', FENG);
    const days = Array.from({ length: 30 }, (_, i) => `2026-06-${String(i + 1).padStart(2, '0')}`);
    const ages: number[] = [];
    for (const chunk of [days.slice(0, 15), days.slice(15)]) {
      const res = await client.gql(`query ($id: ID!) { elder(id: $id) { birthDate ${chunk.map((d, i) => `a${i}: age(asOf: "${d}")`).join(' ')} } }`, { id: elder.id });
      expect(res.errors).toBeUndefined();
      expect(res.data!.elder.birthDate).toBe('1944-06-**');
      ages.push(...chunk.map((_, i) => res.data!.elder[`a${i}`]));
    }
    const { rows } = await live.db.pool.query(`select count(*)::int as n from registry.access_log where entity_type = 'Elder' and entity_id = $1`, [Buffer.from(elder.id, 'base64url').toString().split(':')[1]]);
    expect(rows[0].n).toBe(0); // …and nothing in the access log says so
    // A caller without personal:unmask must not be able to tell the days of the birth month apart.
    expect(new Set(ages).size).toBe(1);
  });

  test('elders(filter: { minAge, asOf }) counts are a day-precise oracle for the same birth date', async () => {
    const client = live.api.as('SYSTEM_CLIENT', FENG);
    const q = `query ($d: String!) { elders(filter: { within: "${FENG_V2}", minAge: 82, maxAge: 82, asOf: $d }) { totalCount } }`;
    const before = await client.gql(q, { d: '2026-06-16' });
    const on = await client.gql(q, { d: '2026-06-17' });
    expect(before.errors).toBeUndefined();
    expect(on.errors).toBeUndefined();
    // Same month, different day: the counts must not differ for a masked reader.
    expect(on.data!.elders.totalCount).toBe(before.data!.elders.totalCount);
  });
});

describe('registry: elderByIdNumber as a confirmation oracle over the masked ID number', () => {
  test('a SYSTEM_CLIENT (masked, no personal:unmask) recovers an elder’s full ID number from the masked fields and elderByIdNumber — nothing is logged', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber('1945-06-23', 'FEMALE'), name: '钱十二', hukouVillageCode: FENG_V1 });
    const client = live.api.as('SYSTEM_CLIENT', FENG);
    const seen = await client.gql(`query ($id: ID!) { elder(id: $id) { idNumber birthDate hukouVillageCode } }`, { id: elder.id });
    expect(seen.errors).toBeUndefined();
    const { idNumber: masked, birthDate, hukouVillageCode } = seen.data!.elder as { idNumber: string; birthDate: string; hukouVillageCode: string };
    expect(masked).toMatch(/^3203\*{10}[0-9]{3}[0-9X]$/);
    // Masked are only digits 5–6 (the county: the household county's, almost always) and 7–14 (the birth date, whose year and
    // month are shown). The sequence, sex digit and check character are in clear, and the check character prunes the days.
    const [year, month] = birthDate.split('-');
    const candidates: string[] = [];
    for (let day = 1; day <= 31; day++) {
      const first17 = `${masked.slice(0, 4)}${hukouVillageCode.slice(4, 6)}${year}${month}${String(day).padStart(2, '0')}${masked.slice(14, 17)}`;
      if (checkCharacter(first17) === masked.slice(17)) candidates.push(first17 + masked.slice(17));
    }
    expect(candidates.length).toBeLessThanOrEqual(4); // one request confirms which
    let recovered: string | undefined;
    for (let i = 0; i < candidates.length && !recovered; i += 20) {
      const chunk = candidates.slice(i, i + 20);
      const res = await client.gql(`{ ${chunk.map((c, j) => `c${j}: elderByIdNumber(idNumber: "${c}") { id }`).join(' ')} }`);
      chunk.forEach((c, j) => {
        if (res.data?.[`c${j}`]?.id === elder.id) recovered = c;
      });
    }
    // Today: recovered is the clear ID number (18 characters, of which the mask hid 10), and the access log has no row for it.
    const { rows } = await live.db.pool.query(`select count(*)::int as n from registry.access_log where entity_type = 'Elder' and entity_id = $1`, [Buffer.from(elder.id, 'base64url').toString().split(':')[1]]);
    expect(rows[0].n).toBe(0);
    expect(recovered).toBeUndefined();
  });
});

describe('registry: references into the other county', () => {
  const ids = {} as { caregiver: string; peiFacility: string; fengFacility: string; elder: string };

  beforeAll(async () => {
    ids.peiFacility = (await registerFacility(live.api, { name: '沛县评审养老院', villageCode: PEI_V1 })).id;
    ids.fengFacility = (await registerFacility(live.api, { name: '丰县评审养老院', villageCode: FENG_V1 })).id;
    const cg = await live.api.gql(`mutation ($i: RegisterCaregiverInput!) { registerCaregiver(input: $i) { id } }`, { i: { name: '吴护理', regionCode: FENG, certificateNo: 'REVIEW-CERT-1', certificateLevel: 'JUNIOR' } });
    expect(cg.errors).toBeUndefined();
    ids.caregiver = cg.data!.registerCaregiver.id;
    for (const facilityId of [ids.fengFacility, ids.peiFacility]) {
      const a = await live.api.gql(`mutation ($i: AssignCaregiverInput!) { assignCaregiver(input: $i) { id } }`, { i: { caregiverId: ids.caregiver, facilityId, month: '2026-03' } });
      expect(a.errors).toBeUndefined();
    }
    ids.elder = (await registerElder(live.api, { idNumber: idNumber('1940-02-02', 'FEMALE'), name: '郑十', hukouVillageCode: FENG_V1 })).id;
  });

  test('FORBIDDEN messages name the village or region of an out-of-scope facility or caregiver (enumerating ids maps the other county)', async () => {
    const peiCaregiver = await live.api.gql(`mutation ($i: RegisterCaregiverInput!) { registerCaregiver(input: $i) { id } }`, { i: { name: '沈护理', regionCode: PEI_V1 } });
    expect(peiCaregiver.errors).toBeUndefined();
    const officer = live.api.as('CIVIL_AFFAIRS_OFFICER', FENG);
    const res = await officer.gql(`query ($f: ID!, $c: ID!) { facility(id: $f) { id } caregiver(id: $c) { id } }`, { f: ids.peiFacility, c: peiCaregiver.data!.registerCaregiver.id });
    expect(errorCodes(res)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    // The refusal must not say where the record is (elders are refused without it: "elder E… is outside your jurisdiction").
    for (const error of res.errors!) expect(error.message).not.toContain(PEI_V1);
  });

  test('Caregiver.assignments lists assignments at facilities outside the jurisdiction (node(id) of the same assignment is FORBIDDEN)', async () => {
    const officer = live.api.as('CIVIL_AFFAIRS_OFFICER', FENG);
    const res = await officer.gql(`query ($id: ID!) { caregiver(id: $id) { assignments { id month role certified } } }`, { id: ids.caregiver });
    expect(res.errors).toBeUndefined();
    const assignmentIds: string[] = res.data!.caregiver.assignments.map((a: any) => a.id);
    const nodes = await officer.gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: assignmentIds });
    // Whatever a nested list returns must pass the same check as node(id): here one of the two is 沛县's.
    expect(errorCodes(nodes)).toEqual([]);
    expect(assignmentIds).toHaveLength(1);
  });

  test('recordService attributes a service to a facility of another county that the caller cannot see', async () => {
    const verifier = live.api.as('VILLAGE_VERIFIER', FENG_V1);
    // The caller may not see the provider…
    expect(errorCodes(await verifier.gql(`query ($id: ID!) { facility(id: $id) { id } }`, { id: ids.peiFacility }))).toEqual(['FORBIDDEN']);
    // …yet may write a subsidised, priced service record against it (admitElder checks both sides; recordService does not).
    const res = await verifier.gql(`mutation ($i: RecordServiceInput!) { recordService(input: $i) { id } }`, {
      i: { elderId: ids.elder, facilityId: ids.peiFacility, serviceType: 'MEAL', startedAt: '2026-03-05T11:30:00+08:00', subsidised: true, unitPrice: '1500' },
    });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    // (The same mutation also tells an unknown facility id — NOT_FOUND — from an existing one elsewhere.)
  });

  test('updateElder: the residence county moves a 沛县-household elder’s household to 丰县 (the current household village is never checked)', async () => {
    // Household in 沛县 (which registers, pays and audits the elder), living in 丰县.
    const elder = await registerElder(live.api, { idNumber: idNumber('1939-11-11', 'MALE', '320322'), name: '王十一', hukouVillageCode: PEI_V1, residenceVillageCode: FENG_V1 });
    const officer = live.api.as('CIVIL_AFFAIRS_OFFICER', FENG);
    const res = await officer.gql(`mutation ($id: ID!) { updateElder(id: $id, input: { hukouVillageCode: "${FENG_V2}" }) { hukouVillageCode } }`, { id: elder.id });
    // Changing a household registration takes the household county out of the record: it must be in scope too.
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    const pei = await live.api.as('CIVIL_AFFAIRS_OFFICER', PEI).gql(`query ($id: ID!) { elder(id: $id) { hukouVillageCode } }`, { id: elder.id });
    expect(pei.data?.elder?.hukouVillageCode).toBe(PEI_V1);
  });
});

describe('access log and ledger payees across the county line', () => {
  test('a clear read of a 丰县 resident by a 丰县 officer is missing from the 丰县 auditor’s access log (logged under the 沛县 household village only)', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber('1941-04-04', 'MALE', '320322'), name: '冯十三', hukouVillageCode: PEI_V1, residenceVillageCode: FENG_V1 });
    const officer = live.api.as('CIVIL_AFFAIRS_OFFICER', FENG, { subject: 'feng.officer@review' });
    const read = await officer.gql(`query ($id: ID!) { elder(id: $id) { personal(reason: "家访核对") { name idNumber } } }`, { id: elder.id });
    expect(read.errors).toBeUndefined();
    expect(read.data!.elder.personal.name).toBe('冯十三');
    const q = `query ($id: ID) { accessLog(filter: { entityId: $id }) { totalCount nodes { subject regionCode } } }`;
    const pei = await live.api.as('AUDITOR', PEI).gql(q, { id: elder.id });
    expect(pei.data!.accessLog.totalCount).toBe(1);
    // The jurisdiction in which the read was allowed (the residence) must be able to audit it.
    const feng = await live.api.as('AUDITOR', FENG).gql(q, { id: elder.id });
    expect(feng.errors).toBeUndefined();
    expect(feng.data!.accessLog.totalCount).toBe(1);
  });

  test('disburse pays a registry elder who belongs to another county (payee not checked against the payer’s jurisdiction)', async () => {
    const ledger = new Ledger(live.db.pool);
    await ledger.appropriate({ idempotencyKey: key('feng-app'), effectiveDate: '2026-03-01', regionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000_000n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '丰财〔2026〕1号' }, 'feng-finance');
    // Household and residence in 沛县: no business of 丰县.
    const elder = await registerElder(live.api, { idNumber: idNumber('1936-01-09', 'FEMALE', '320322'), name: '陈十四', hukouVillageCode: PEI_V1 });
    const officer = live.api.as('FINANCE_OFFICER', FENG);
    expect(errorCodes(await officer.gql(`query ($id: ID!) { elder(id: $id) { id } }`, { id: elder.id }))).toEqual(['FORBIDDEN']);
    const res = await officer.gql(`mutation ($i: DisburseInput!) { disburse(input: $i) { transaction { id payeeId } } }`, {
      i: { idempotencyKey: key('pay-pei-elder'), effectiveDate: '2026-03-10', regionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: '30000', payeeType: 'PERSON', payeeId: elder.registryNo, serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: FENG_V1 },
    });
    // A write names its payee as much as its payer: a registry payee outside the jurisdiction must be refused.
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    // …however the registry number is written: blanks around it, padded or unpadded — refused as
    // another spelling (the ledger keeps one) or as out of scope, never paid
    const no = elder.registryNo as string;
    const spellings = [` ${no}`, `${no} `, `E${no.slice(1).replace(/^0+/, '')}`, `E0${no.slice(1)}`, no.toLowerCase()];
    for (const payeeId of spellings) {
      const other = await officer.gql(`mutation ($i: DisburseInput!) { disburse(input: $i) { transaction { id payeeId } } }`, {
        i: { idempotencyKey: key('pay-pei-elder'), effectiveDate: '2026-03-10', regionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: '30000', payeeType: 'PERSON', payeeId, serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: FENG_V1 },
      });
      expect([payeeId, other.data?.disburse ?? null]).toEqual([payeeId, null]);
      expect(errorCodes(other)).toEqual([payeeId.trim() === no ? 'FORBIDDEN' : 'BAD_USER_INPUT']);
    }
    // and a facility's number is not a person's
    const asFacility = await officer.gql(`mutation ($i: DisburseInput!) { disburse(input: $i) { transaction { id } } }`, {
      i: { idempotencyKey: key('pay-kind'), effectiveDate: '2026-03-10', regionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount: '30000', payeeType: 'FACILITY', payeeId: no, serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: FENG_V1 },
    });
    expect([errorCodes(asFacility), asFacility.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'payeeId']);
  });
});
