/** Facilities, caregivers, stays, services, the 1:10 ratio, payee links and the N+1 bound, against a real PostgreSQL. */
import { authHeader, errorCodes, useXuzhouApi } from '../support/api.js';
import type { Role } from '../../auth/roles.js';
import { CITY, FENG, FENG_V1, FENG_V2, idNumber, PEI, PEI_V1, registerElder, registerFacility, tolerateDropTermination } from './support.js';

const live = useXuzhouApi();
beforeAll(() => tolerateDropTermination(live.db.pool));

async function ok<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await live.api.gql(query, variables);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data as T;
}

describe('facilities: ratings, beds, staffing', () => {
  let home: { id: string; registryNo: string };
  beforeAll(async () => {
    home = await registerFacility(live.api, { name: '丰县区域性养老服务中心', type: 'REGIONAL_CARE_CENTRE', villageCode: FENG_V1, operatorName: '徐州颐养集团', uscc: '52320321MJ5123456X', operatingSince: '2022-06-01' });
  });

  test('registration validates and refuses duplicates', async () => {
    const dup = await live.api.gql(`mutation ($i: RegisterFacilityInput!) { registerFacility(input: $i) { id } }`, {
      i: { name: '丰县区域性养老服务中心', type: 'REGIONAL_CARE_CENTRE', villageCode: FENG_V1, operatingModel: 'PUBLIC_BUILT_PUBLIC_RUN' },
    });
    expect([errorCodes(dup), dup.errors![0]!.extensions!.field]).toEqual([['ALREADY_EXISTS'], 'name']);
    const badType = await live.api.gql(`mutation ($i: RegisterFacilityInput!) { registerFacility(input: $i) { id } }`, {
      i: { name: 'X', type: 'CASINO', villageCode: FENG_V1, operatingModel: 'PUBLIC_BUILT_PUBLIC_RUN' },
    });
    expect([errorCodes(badType), badType.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'type']);
    const badUscc = await live.api.gql(`mutation ($i: RegisterFacilityInput!) { registerFacility(input: $i) { id } }`, {
      i: { name: 'Y', type: 'MEAL_POINT', villageCode: FENG_V1, operatingModel: 'PUBLIC_BUILT_PUBLIC_RUN', uscc: 'ABC' },
    });
    expect(badUscc.errors![0]!.extensions!.field).toBe('uscc');
  });

  test('star ratings and bed inventories are appended; the current one is by date', async () => {
    const rate = (i: Record<string, unknown>) => live.api.gql(`mutation ($i: RateFacilityInput!) { rateFacility(input: $i) { level ratedOn validUntil } }`, { i: { facilityId: home.id, ...i } });
    expect((await rate({ level: 3, ratedOn: '2022-09-01', validUntil: '2025-08-31' })).errors).toBeUndefined();
    expect((await rate({ level: 4, ratedOn: '2025-09-01', validUntil: '2028-08-31', certificateNo: '苏养评〔2025〕88号' })).errors).toBeUndefined();
    const six = await rate({ level: 6, ratedOn: '2025-09-01' });
    expect([errorCodes(six), six.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'level']);
    const beds = (i: Record<string, unknown>) => live.api.gql(`mutation ($i: RecordBedInventoryInput!) { recordBedInventory(input: $i) { asOf approved actual occupied } }`, { i: { facilityId: home.id, ...i } });
    expect((await beds({ asOf: '2025-01-01', approved: 300, actual: 280, nursing: 280, inclusive: 150, occupied: 200 })).errors).toBeUndefined();
    expect((await beds({ asOf: '2026-01-01', approved: 300, actual: 300, nursing: 300, inclusive: 150, occupied: 240 })).errors).toBeUndefined();
    const over = await beds({ asOf: '2026-02-01', approved: 300, actual: 300, nursing: 300, inclusive: 150, occupied: 301 });
    expect([errorCodes(over), over.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'occupied']);
    const d = await ok(`query ($id: ID!) { facility(id: $id) {
      r2024: rating(asOf: "2024-01-01") { level } r2026: rating(asOf: "2026-01-01") { level } r2029: rating(asOf: "2029-01-01") { level }
      ratingHistory { level } b2025: beds(asOf: "2025-06-01") { occupied } beds { occupied } bedHistory { asOf } typeInfo { nameZh residential } village { name } } }`, { id: home.id });
    expect(d.facility).toMatchObject({
      r2024: { level: 3 }, r2026: { level: 4 }, r2029: null, ratingHistory: [{ level: 3 }, { level: 4 }],
      b2025: { occupied: 200 }, beds: { occupied: 240 }, bedHistory: [{ asOf: '2025-01-01' }, { asOf: '2026-01-01' }],
      typeInfo: { nameZh: '区域性养老服务中心', residential: true },
    });
  });

  test('stays never overlap for one elder (database exclusion constraint); discharge closes once', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber('1936-01-01'), name: '入住甲', hukouVillageCode: FENG_V1 });
    const admit = (i: Record<string, unknown>) => live.api.gql(`mutation ($i: AdmitInput!) { admitElder(input: $i) { id admittedOn dischargedOn } }`, { i: { elderId: elder.id, facilityId: home.id, ...i } });
    const first = await admit({ admittedOn: '2025-01-01', dischargedOn: '2025-06-01' });
    expect(first.errors).toBeUndefined();
    expect(errorCodes(await admit({ admittedOn: '2025-05-31' }))).toEqual(['STAY_OVERLAP']);
    const second = await admit({ admittedOn: '2025-06-01', bedCode: 'A-101', fundingMode: 'HARDSHIP_CENTRALISED' });
    expect(second.errors).toBeUndefined();
    expect(errorCodes(await admit({ admittedOn: '2026-01-01' }))).toEqual(['STAY_OVERLAP']);
    const discharge = (stayId: string, dischargedOn: string) => live.api.gql(`mutation ($i: DischargeInput!) { dischargeElder(input: $i) { dischargedOn } }`, { i: { stayId, dischargedOn } });
    expect((await discharge(second.data!.admitElder.id, '2026-03-01')).data!.dischargeElder).toEqual({ dischargedOn: '2026-03-01' });
    expect(errorCodes(await discharge(second.data!.admitElder.id, '2026-04-01'))).toEqual(['ALREADY_EXISTS']);
    await expect(live.db.pool.query(`update registry.stay set admitted_on = '2020-01-01' where id = $1`, [Buffer.from(first.data!.admitElder.id, 'base64url').toString().split(':')[1]])).rejects.toThrow(/only an open stay/);
    const stays = await ok(`query ($id: ID!) { elder(id: $id) { stays(first: 10) { totalCount nodes { admittedOn dischargedOn facility { name } } } active: stays(activeOn: "2025-07-01") { totalCount } } }`, { id: elder.id });
    expect(stays.elder.stays.totalCount).toBe(2);
    expect(stays.elder.active.totalCount).toBe(1);
  });

  test('the 1:10 certified-caregiver ratio per facility and month', async () => {
    const centre = await registerFacility(live.api, { name: '配比测试敬老院', type: 'RURAL_WELFARE_HOME', villageCode: FENG_V2 });
    // 21 residents overlapping 2026-05 (one discharged on 05-01 does not count: discharge dates are exclusive), one admitted 06-01.
    for (let i = 0; i < 23; i++) {
      const e = await registerElder(live.api, { idNumber: idNumber('1940-01-01'), name: '住户', hukouVillageCode: FENG_V2 });
      const range = i === 21 ? { admittedOn: '2026-01-01', dischargedOn: '2026-05-01' } : i === 22 ? { admittedOn: '2026-06-01' } : { admittedOn: i < 10 ? '2026-05-31' : '2025-01-01' };
      await ok(`mutation ($i: AdmitInput!) { admitElder(input: $i) { id } }`, { i: { elderId: e.id, facilityId: centre.id, ...range } });
    }
    const caregiver = async (certified: boolean) =>
      (await ok(`mutation ($i: RegisterCaregiverInput!) { registerCaregiver(input: $i) { id certified name } }`, {
        i: { name: '护理员', regionCode: FENG, ...(certified ? { certificateNo: `HL-${Math.random().toString(36).slice(2)}`, certificateLevel: 'INTERMEDIATE' } : {}) },
      })).registerCaregiver;
    const assign = (caregiverId: string, role = 'CAREGIVER', month = '2026-05') => ok(`mutation ($i: AssignCaregiverInput!) { assignCaregiver(input: $i) { month certified } }`, { i: { caregiverId, facilityId: centre.id, month, role } });
    const c1 = await caregiver(true);
    const c2 = await caregiver(true);
    const c3 = await caregiver(false);
    const nurse = await caregiver(true);
    expect(c1.name).toBe('护**');
    await assign(c1.id);
    await assign(c2.id);
    await assign(c3.id);
    await assign(nurse.id, 'NURSE');
    await assign(c1.id, 'CAREGIVER', '2026-04');
    const twice = await live.api.gql(`mutation ($i: AssignCaregiverInput!) { assignCaregiver(input: $i) { month } }`, { i: { caregiverId: c1.id, facilityId: centre.id, month: '2026-05' } });
    expect(errorCodes(twice)).toEqual(['ALREADY_EXISTS']);
    const uncertified = await live.api.gql(`mutation ($i: AssignCaregiverInput!) { assignCaregiver(input: $i) { month } }`, { i: { caregiverId: c3.id, facilityId: centre.id, month: '2026-06', certified: true } });
    expect(uncertified.errors![0]!.extensions!.field).toBe('certified');

    const q = `query ($id: ID!, $m: String) { facility(id: $id) { staffing(month: $m) { month residents caregivers certifiedCaregivers requiredCertifiedCaregivers residentsPerCertifiedCaregiver meetsStandard shortfall } } }`;
    expect((await ok(q, { id: centre.id, m: '2026-05' })).facility.staffing).toEqual({
      month: '2026-05', residents: 21, caregivers: 3, certifiedCaregivers: 2, requiredCertifiedCaregivers: 3, residentsPerCertifiedCaregiver: 10.5, meetsStandard: false, shortfall: 1,
    });
    expect((await ok(q, { id: centre.id, m: '2026-04' })).facility.staffing).toMatchObject({ residents: 12, certifiedCaregivers: 1, requiredCertifiedCaregivers: 2, meetsStandard: false });
    const list = `{ staffingRatios(month: "2026-05", belowStandardOnly: true, first: 50) { totalCount nodes { facility { name } staffing { residents shortfall } } } }`;
    const below = (await ok(list)).staffingRatios;
    expect(below.nodes).toContainEqual({ facility: { name: '配比测试敬老院' }, staffing: { residents: 21, shortfall: 1 } });
    expect(below.totalCount).toBe(below.nodes.length);
    const certifiedCount = (await ok(`{ caregivers(certified: true, first: 2) { totalCount nodes { certified } } all: caregivers { totalCount } }`));
    expect(certifiedCount.caregivers.totalCount).toBe(3);
    expect(certifiedCount.all.totalCount).toBe(4);
    expect(certifiedCount.caregivers.nodes).toEqual([{ certified: true }, { certified: true }]);
    await assign((await caregiver(true)).id);
    expect((await ok(q, { id: centre.id, m: '2026-05' })).facility.staffing).toMatchObject({ certifiedCaregivers: 3, meetsStandard: true, shortfall: 0 });
    expect((await ok(list)).staffingRatios.nodes.map((n: any) => n.facility.name)).not.toContain('配比测试敬老院');
    const roster = await ok(`query ($id: ID!) { facility(id: $id) { staffAssignments(month: "2026-05") { role certified caregiver { certified } } } }`, { id: centre.id });
    expect(roster.facility.staffAssignments).toHaveLength(5);
    // The caregivers are registered at the county; a verifier of the facility's village sees them through its roster only.
    const verifier = live.api.as('VILLAGE_VERIFIER', FENG_V2);
    const viaRoster = await verifier.gql(`query ($id: ID!) { facility(id: $id) { staffAssignments(month: "2026-05") { caregiver { name } } } }`, { id: centre.id });
    expect(viaRoster.errors).toBeUndefined();
    expect(viaRoster.data!.facility.staffAssignments.map((a: any) => a.caregiver.name)).toEqual(Array(5).fill('护**'));
    expect(errorCodes(await verifier.gql(`query ($id: ID!) { caregiver(id: $id) { name } }`, { id: c1.id }))).toEqual(['FORBIDDEN']);
  });

  test('service records with a configurable type list', async () => {
    const types = await ok(`{ serviceTypes { code nameZh bundles } }`);
    expect(types.serviceTypes.filter((t: any) => t.bundles.includes('SIX_ASSISTS')).map((t: any) => t.nameZh)).toEqual(['助餐', '助浴', '助洁', '助医', '助行', '助急']);
    const elder = await registerElder(live.api, { idNumber: idNumber('1941-04-04'), name: '服务对象', hukouVillageCode: FENG_V1, residenceVillageCode: FENG_V2 });
    const rec = (i: Record<string, unknown>, role: Role = 'VILLAGE_VERIFIER', jurisdiction = FENG_V2) =>
      live.api.as(role, jurisdiction).gql(`mutation ($i: RecordServiceInput!) { recordService(input: $i) { id serviceType subsidised unitPrice villageCode serviceTypeInfo { nameZh } } }`, {
        i: { elderId: elder.id, facilityId: home.id, serviceType: 'MEAL', startedAt: '2026-05-06T11:30:00+08:00', subsidised: true, unitPrice: '800', ...i },
      });
    const first = await rec({});
    expect(first.errors).toBeUndefined();
    expect(first.data!.recordService).toMatchObject({ serviceType: 'MEAL', subsidised: true, unitPrice: '800', villageCode: FENG_V2, serviceTypeInfo: { nameZh: '助餐' } });
    // The provider stands in another village: the verifier may record the service but not read the provider through it.
    const nested = `query ($id: ID!) { node(id: $id) { ... on ServiceRecord { provider { name } elder { name } } } }`;
    expect((await ok(nested, { id: first.data!.recordService.id })).node).toEqual({ provider: { name: '丰县区域性养老服务中心' }, elder: { name: '服***' } });
    const crossing = await live.api.as('VILLAGE_VERIFIER', FENG_V2).gql(nested, { id: first.data!.recordService.id });
    expect(errorCodes(crossing)).toEqual(['FORBIDDEN']);
    expect(crossing.errors![0]!.path).toEqual(['node', 'provider']);
    const update = await live.api.gql(`mutation ($id: ID!) { updateFacility(id: $id, input: { status: SUSPENDED, operatorName: "新运营方" }) { status operatorName name } }`, { id: home.id });
    expect(update.data!.updateFacility).toEqual({ status: 'SUSPENDED', operatorName: '新运营方', name: '丰县区域性养老服务中心' });
    const changes = await live.db.pool.query(`select fields from registry.change_log where entity_type = 'Facility' order by id desc limit 1`);
    expect(changes.rows[0].fields.sort()).toEqual(['operatorName', 'status']);
    await live.api.gql(`mutation ($id: ID!) { updateFacility(id: $id, input: { status: OPERATING }) { status } }`, { id: home.id });
    await ok(`mutation ($i: RecordVitalStatusInput!) { recordVitalStatus(input: $i) { status } }`, { i: { elderId: elder.id, status: 'DECEASED', deathDate: '2026-05-10', source: 'CREMATION' } });
    const afterDeath = await rec({ startedAt: '2026-05-11T09:00:00+08:00' });
    expect([errorCodes(afterDeath), afterDeath.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'startedAt']);
    // the morning after, in China (still the 10th in UTC): after the death too
    const nextMorning = await rec({ startedAt: '2026-05-11T07:30:00+08:00' });
    expect([errorCodes(nextMorning), nextMorning.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'startedAt']);
    expect((await rec({ startedAt: '2026-05-10T23:30:00+08:00' })).errors).toBeUndefined(); // the day itself
    const admitAfterDeath = await live.api.gql(`mutation ($i: AdmitInput!) { admitElder(input: $i) { id } }`, { i: { elderId: elder.id, facilityId: home.id, admittedOn: '2026-06-01' } });
    expect([errorCodes(admitAfterDeath), admitAfterDeath.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'admittedOn']);
    const define = (i: Record<string, unknown>, role: Role = 'CITY_ADMIN', jurisdiction = CITY) =>
      live.api.as(role, jurisdiction).gql(`mutation ($i: DefineServiceTypeInput!) { defineServiceType(input: $i) { code nameZh bundles active } }`, { i });
    expect((await define({ code: 'SHOPPING', nameZh: '助购', nameEn: 'shopping', bundles: ['XUZHOU_EXTRA'] })).data!.defineServiceType).toEqual({ code: 'SHOPPING', nameZh: '助购', bundles: ['XUZHOU_EXTRA'], active: true });
    expect(errorCodes(await define({ code: 'SHOPPING', nameZh: '助购', nameEn: 'shopping' }, 'CIVIL_AFFAIRS_OFFICER', FENG))).toEqual(['FORBIDDEN']);
    expect((await define({ code: 'bad code', nameZh: 'x', nameEn: 'x' })).errors![0]!.extensions!.field).toBe('code');
    expect((await rec({ serviceType: 'SHOPPING', startedAt: '2026-05-01T10:00:00+08:00' })).errors).toBeUndefined();
    await define({ code: 'SHOPPING', nameZh: '助购', nameEn: 'shopping', active: false });
    const retired = await rec({ serviceType: 'SHOPPING', startedAt: '2026-05-02T10:00:00+08:00' });
    expect([errorCodes(retired), retired.errors![0]!.message]).toEqual([['BAD_USER_INPUT'], 'service type SHOPPING is no longer in use']);
    const bad = await rec({ serviceType: 'MASSAGE' });
    expect([errorCodes(bad), bad.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'serviceType']);
    expect(errorCodes(await rec({}, 'VILLAGE_VERIFIER', PEI_V1))).toEqual(['FORBIDDEN']);
    const list = await ok(`query ($id: ID!) { elder(id: $id) { serviceRecords(first: 5) { totalCount nodes { serviceType } } } facility(id: "${home.id}") { serviceRecords(serviceType: "MEAL") { totalCount } } }`, { id: elder.id });
    expect(list.elder.serviceRecords.totalCount).toBe(3); // (with the one on the day of the death)
    expect(list.facility.serviceRecords.totalCount).toBeGreaterThanOrEqual(1);
  });

  test('scope per role for facilities (single, node, list, writes)', async () => {
    const peiHome = await registerFacility(live.api, { name: '沛县敬老院', type: 'RURAL_WELFARE_HOME', villageCode: PEI_V1 });
    const table: [Role, string, boolean, boolean, boolean][] = [
      // role, jurisdiction, sees 丰县 home, sees 沛县 home, may rate the 丰县 home
      ['CITY_ADMIN', CITY, true, true, true],
      ['CIVIL_AFFAIRS_OFFICER', FENG, true, false, true],
      ['CIVIL_AFFAIRS_OFFICER', PEI, false, true, false],
      ['FINANCE_OFFICER', CITY, true, true, false],
      ['AUDITOR', PEI, false, true, false],
      ['VILLAGE_VERIFIER', FENG_V1, true, false, false],
      ['SYSTEM_CLIENT', FENG, true, false, false],
    ];
    for (const [role, jurisdiction, seesFeng, seesPei, mayRate] of table) {
      const as = live.api.as(role, jurisdiction);
      for (const [f, visible] of [[home, seesFeng], [peiHome, seesPei]] as const) {
        const res = await as.gql(`query ($id: ID!) { facility(id: $id) { id } node(id: $id) { id } }`, { id: f.id });
        expect([role, jurisdiction, f.id, visible ? [] : ['FORBIDDEN', 'FORBIDDEN']]).toEqual([role, jurisdiction, f.id, errorCodes(res)]);
      }
      const list = await as.gql(`{ facilities(first: 500) { nodes { id villageCode } } }`);
      const ids = list.data!.facilities.nodes.map((n: any) => n.id);
      expect([role, ids.includes(home.id), ids.includes(peiHome.id)]).toEqual([role, seesFeng, seesPei]);
      const rate = await as.gql(`mutation ($i: RateFacilityInput!) { rateFacility(input: $i) { level } }`, { i: { facilityId: home.id, level: 4, ratedOn: '2026-01-01' } });
      expect([role, jurisdiction, errorCodes(rate)]).toEqual([role, jurisdiction, mayRate ? [] : ['FORBIDDEN']]);
    }
    // A stay links an elder of 沛县 and a home of 丰县: visible from either side, each side checked on its own.
    const peiElder = await registerElder(live.api, { idNumber: idNumber('1935-05-05', 'FEMALE', '320322'), name: '跨县入住', hukouVillageCode: PEI_V1 });
    const stay = await ok(`mutation ($i: AdmitInput!) { admitElder(input: $i) { id } }`, { i: { elderId: peiElder.id, facilityId: home.id, admittedOn: '2026-02-01' } });
    const sq = `query ($id: ID!) { node(id: $id) { ... on Stay { admittedOn elder { name } facility { name } } } }`;
    const fromPei = await live.api.as('CIVIL_AFFAIRS_OFFICER', PEI).gql(sq, { id: stay.admitElder.id });
    expect(fromPei.data!.node).toEqual({ admittedOn: '2026-02-01', elder: { name: '跨***' }, facility: null });
    expect([errorCodes(fromPei), fromPei.errors![0]!.path]).toEqual([['FORBIDDEN'], ['node', 'facility']]);
    const fromFeng = await live.api.as('CIVIL_AFFAIRS_OFFICER', FENG).gql(sq, { id: stay.admitElder.id });
    expect([errorCodes(fromFeng), fromFeng.errors![0]!.path]).toEqual([['FORBIDDEN'], ['node', 'elder']]);
    expect(errorCodes(await live.api.as('VILLAGE_VERIFIER', FENG_V2).gql(sq, { id: stay.admitElder.id }))).toEqual(['FORBIDDEN']);
    const dischargeFromPei = await live.api.as('CIVIL_AFFAIRS_OFFICER', PEI).gql(`mutation ($i: DischargeInput!) { dischargeElder(input: $i) { id } }`, { i: { stayId: stay.admitElder.id, dischargedOn: '2026-03-01' } });
    expect(errorCodes(dischargeFromPei)).toEqual(['FORBIDDEN']);

    const widen = await live.api.as('CIVIL_AFFAIRS_OFFICER', FENG).gql(`{ facilities(filter: { within: "320300" }) { nodes { id } } }`);
    expect(errorCodes(widen)).toEqual(['FORBIDDEN']);
    const registerOutside = await live.api.as('CIVIL_AFFAIRS_OFFICER', FENG).gql(`mutation ($i: RegisterFacilityInput!) { registerFacility(input: $i) { id } }`, {
      i: { name: '越权', type: 'MEAL_POINT', villageCode: PEI_V1, operatingModel: 'PUBLIC_BUILT_PUBLIC_RUN' },
    });
    expect(errorCodes(registerOutside)).toEqual(['FORBIDDEN']);
  });
});

describe('payee links to the ledger', () => {
  test('a disbursement’s payee resolves to its Elder or Facility, and they list their payments', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber('1930-02-02'), name: '领钱老人', hukouVillageCode: FENG_V1 });
    const home = await registerFacility(live.api, { name: '收补贴的养老院', villageCode: FENG_V1 });
    const finance = await authHeader('FINANCE_OFFICER', CITY);
    const key = (p: string) => `${p}-${Math.random().toString(36).slice(2)}`;
    for (const fundLine of ['SENIOR_ALLOWANCE', 'FACILITY_SUBSIDY']) {
      const res = await live.api.gql(`mutation ($i: AppropriateInput!) { appropriate(input: $i) { replayed } }`, {
        i: { idempotencyKey: key('app'), effectiveDate: '2026-01-05', regionCode: CITY, fundLine, amount: '10000000', fiscalYear: 2026, fundingSource: 'CITY_TRANSFER', documentNo: '徐财社〔2026〕1号' },
      }, finance);
      expect(res.errors).toBeUndefined();
    }
    const pay = async (payeeType: string, payeeId: string, fundLine: string, amount: string) => {
      const res = await live.api.gql(`mutation ($i: DisburseInput!) { disburse(input: $i) { transaction { id } } }`, {
        i: { idempotencyKey: key('pay'), effectiveDate: '2026-02-01', regionCode: CITY, fundLine, amount, payeeType, payeeId, serviceMonth: '2026-01', benefitCode: 'SA_MONTHLY', villageCode: FENG_V1 },
      }, finance);
      expect(res.errors).toBeUndefined();
      return res.data!.disburse.transaction.id as string;
    };
    const t1 = await pay('PERSON', elder.registryNo, 'SENIOR_ALLOWANCE', '10000');
    const t2 = await pay('PERSON', elder.registryNo, 'SENIOR_ALLOWANCE', '10000');
    const t3 = await pay('FACILITY', home.registryNo, 'FACILITY_SUBSIDY', '500000');
    const t4 = await pay('PERSON', 'EXTERNAL-42', 'SENIOR_ALLOWANCE', '100');
    const payee = `query ($id: ID!) { transaction(id: $id) { payee { __typename ... on Elder { id name } ... on Facility { id name } } } }`;
    expect((await ok(payee, { id: t1 })).transaction.payee).toEqual({ __typename: 'Elder', id: elder.id, name: '领***' });
    expect((await ok(payee, { id: t3 })).transaction.payee).toEqual({ __typename: 'Facility', id: home.id, name: '收补贴的养老院' });
    expect((await ok(payee, { id: t4 })).transaction.payee).toBeNull();
    const pages = await ok(`query ($e: ID!, $f: ID!) {
      elder(id: $e) { payments(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { id amount: postings { amount } } } }
      facility(id: $f) { payments { totalCount nodes { id } } } }`, { e: elder.id, f: home.id });
    expect(pages.elder.payments.totalCount).toBe(2);
    expect(pages.elder.payments.nodes[0].id).toBe(t1);
    expect(pages.elder.payments.pageInfo.hasNextPage).toBe(true);
    const next = await ok(`query ($e: ID!, $a: String) { elder(id: $e) { payments(first: 5, after: $a) { nodes { id } } } }`, { e: elder.id, a: pages.elder.payments.pageInfo.endCursor });
    expect(next.elder.payments.nodes.map((n: any) => n.id)).toEqual([t2]);
    expect(pages.facility.payments).toEqual({ totalCount: 1, nodes: [{ id: t3 }] });
    // Payments are ledger data: a village verifier (no ledger:read) may see the elder, not the payments.
    const verifier = await live.api.as('VILLAGE_VERIFIER', FENG_V1).gql(`query ($e: ID!) { elder(id: $e) { name payments { totalCount } } }`, { e: elder.id });
    expect(errorCodes(verifier)).toEqual(['FORBIDDEN']);
    // A payee outside the caller's jurisdiction is not revealed.
    const outside = await live.api.as('AUDITOR', PEI).gql(payee, { id: t1 });
    expect(errorCodes(outside)).toContain('FORBIDDEN');
  });
});

describe('who and when: Caregiver.updatedAt, StaffAssignment.recordedBy, Stay.recordedBy', () => {
  test('each is read through GraphQL as the database holds it', async () => {
    const officer = live.api.as('CIVIL_AFFAIRS_OFFICER', FENG);
    const asOfficer = async (query: string, variables: Record<string, unknown>) => {
      const res = await officer.gql(query, variables);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res.data as any;
    };
    const home = await registerFacility(live.api, { name: '记录人测试敬老院', type: 'RURAL_WELFARE_HOME', villageCode: FENG_V1 });
    const elder = await registerElder(live.api, { idNumber: idNumber('1938-03-03'), name: '记录甲', hukouVillageCode: FENG_V1 });
    const { registerCaregiver: caregiver } = await asOfficer(`mutation ($i: RegisterCaregiverInput!) { registerCaregiver(input: $i) { id createdAt updatedAt } }`, { i: { name: '护理员乙', regionCode: FENG } });
    const { assignCaregiver: assignment } = await asOfficer(`mutation ($i: AssignCaregiverInput!) { assignCaregiver(input: $i) { id recordedBy } }`, { i: { caregiverId: caregiver.id, facilityId: home.id, month: '2026-07' } });
    const { admitElder: stay } = await asOfficer(`mutation ($i: AdmitInput!) { admitElder(input: $i) { id recordedBy } }`, { i: { elderId: elder.id, facilityId: home.id, admittedOn: '2026-07-01' } });
    const key = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1];
    const db = async (table: string, column: string, id: string) => (await live.db.pool.query(`select ${column} as v from registry.${table} where id = $1`, [key(id)])).rows[0].v;

    const subject = `civil_affairs_officer@${FENG}`;
    expect(assignment.recordedBy).toBe(subject);
    expect(assignment.recordedBy).toBe(await db('staff_assignment', 'recorded_by', assignment.id));
    expect(stay.recordedBy).toBe(subject);
    expect(stay.recordedBy).toBe(await db('stay', 'recorded_by', stay.id));
    expect(new Date(caregiver.updatedAt).getTime()).toBe((await db('caregiver', 'updated_at', caregiver.id)).getTime());

    // The same fields read back, not only as a mutation's answer: by id, through node(id:), and nested.
    const read = await ok(`query ($c: ID!, $s: ID!, $f: ID!) {
      caregiver(id: $c) { updatedAt assignments { id recordedBy } }
      stay: node(id: $s) { ... on Stay { recordedBy } }
      facility(id: $f) { stays(first: 5) { nodes { id recordedBy } } } }`, { c: caregiver.id, s: stay.id, f: home.id });
    expect(read.caregiver).toEqual({ updatedAt: caregiver.updatedAt, assignments: [{ id: assignment.id, recordedBy: subject }] });
    expect(read.stay).toEqual({ recordedBy: subject });
    expect(read.facility.stays.nodes).toEqual([{ id: stay.id, recordedBy: subject }]);
  });
});

describe('N+1', () => {
  test('a nested registry query costs a number of statements bounded by its depth, not by the rows', async () => {
    const query = (first: number) => `{ elders(first: ${first}) { nodes {
      name hukouVillage { name } categories { category } vitalStatus currentAssessment { level }
      stays(first: 3) { nodes { admittedOn facility { name rating { level } beds { occupied } } } }
      serviceRecords(first: 3) { nodes { serviceType provider { name } } } } } }`;
    live.db.statements.length = 0;
    const small = await ok(query(2));
    const fewStatements = live.db.statements.length;
    live.db.statements.length = 0;
    const large = await ok(query(200));
    expect(large.elders.nodes.length).toBeGreaterThan(20);
    expect(small.elders.nodes.length).toBe(2);
    if (process.env.DEBUG_STATEMENTS) console.log(live.db.statements.map((s) => s.replace(/\s+/g, ' ').slice(0, 90)).join('\n'));
    // About one statement per relation and depth (11 when every batch lands in one tick; DataLoader batches
    // per tick, so under load a relation can split into two): never one per row.
    expect(live.db.statements.length).toBeLessThanOrEqual(fewStatements + 4);
    expect(live.db.statements.length).toBeLessThanOrEqual(16);
    expect(live.db.statements.length).toBeLessThan(large.elders.nodes.length);
  });
});
