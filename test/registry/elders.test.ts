/** Elders over GraphQL against a real PostgreSQL: registration, validation, masking, unmask and the access log, history. */
import { errorCodes, useXuzhouApi } from '../support/api.js';
import type { Role } from '../../auth/roles.js';
import { CITY, ELDER_FIELDS, FENG, FENG_V1, FENG_V2, FULL_ITEMS, idNumber, PEI, PEI_V1, registerElder, tolerateDropTermination } from './support.js';
import { checkCharacter } from '../../platform/id-number.js';

const live = useXuzhouApi();
beforeAll(() => tolerateDropTermination(live.db.pool));

const count = async (table: string) => Number((await live.db.pool.query(`select count(*) from registry.${table}`)).rows[0].count);

describe('registration', () => {
  test('returns masked values only; birth date and sex come from the ID number', async () => {
    const id = idNumber('1944-06-15', 'FEMALE');
    const elder = await registerElder(live.api, { idNumber: id, name: '欧阳秀英', hukouVillageCode: FENG_V1, phone: '138 1234 5678' });
    expect(elder).toMatchObject({
      idNumber: `${id.slice(0, 4)}**********${id.slice(-4)}`,
      name: '欧阳**',
      phone: '138****5678',
      sex: 'FEMALE',
      birthDate: '1944-06-**',
      birthYear: 1944,
      hukouVillageCode: FENG_V1,
      residenceVillageCode: FENG_V1,
    });
    expect(elder.registryNo).toMatch(/^E[0-9]{8}$/);
    // Nothing personal is stored in clear.
    const row = (await live.db.pool.query(`select * from registry.elder where id = $1`, [elder.registryNo.slice(1)])).rows[0];
    const dump = JSON.stringify(row);
    expect(dump).not.toContain(id);
    expect(dump).not.toContain('欧阳秀英');
    expect(dump).not.toContain('13812345678');
  });

  test('validation errors name the field and write nothing', async () => {
    const before = await count('elder');
    const good = idNumber('1950-01-20', 'MALE');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ idNumber: good.slice(0, 17) + (good[17] === '0' ? '1' : '0'), name: '张三', hukouVillageCode: FENG_V1 }, 'BAD_USER_INPUT', 'idNumber'],
      [{ idNumber: good, name: '张三', hukouVillageCode: FENG_V1, sex: 'FEMALE' }, 'BAD_USER_INPUT', 'sex'],
      [{ idNumber: good, name: '张三', hukouVillageCode: FENG_V1, birthDate: '1950-01-21' }, 'BAD_USER_INPUT', 'birthDate'],
      [{ idNumber: good, name: '张三', hukouVillageCode: '320321999999' }, 'BAD_USER_INPUT', 'hukouVillageCode'],
      [{ idNumber: good, name: '张三', hukouVillageCode: FENG_V1, phone: '12345' }, 'BAD_USER_INPUT', 'phone'],
      [{ idNumber: good, name: '  ', hukouVillageCode: FENG_V1 }, 'BAD_USER_INPUT', 'name'],
      [{ idNumber: good, name: '张三', hukouVillageCode: FENG_V1, residenceVillageCode: '320321001000' }, 'BAD_USER_INPUT', 'residenceVillageCode'],
    ];
    for (const [input, code, field] of cases) {
      const res = await live.api.gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: input });
      expect([errorCodes(res), res.errors?.[0]?.extensions?.field]).toEqual([[code], field]);
      expect(res.errors![0]!.message).not.toContain(good);
    }
    expect(await count('elder')).toBe(before);
  });

  test('registering an ID number registered in another county is ALREADY_EXISTS without saying where, and writes nothing', async () => {
    const number = idNumber('1941-07-07', 'FEMALE', '320322');
    await registerElder(live.api, { idNumber: number, name: '沛县人', hukouVillageCode: PEI_V1 });
    const officer = live.api.as('CIVIL_AFFAIRS_OFFICER', FENG, { subject: 'feng-probe' });
    const before = await count('elder');
    const probe = await officer.gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: { idNumber: number, name: '某人', hukouVillageCode: FENG_V1 } });
    expect([errorCodes(probe), probe.errors![0]!.extensions!.field]).toEqual([['ALREADY_EXISTS'], 'idNumber']);
    expect(JSON.stringify(probe.errors)).not.toMatch(/320322|沛县|PEI/); // nothing about where
    expect(await count('elder')).toBe(before);
  });

  test('no asOf, filter or count tells the birth day, even to a role that may unmask (that takes personal { birthDate }, logged)', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber('1944-06-17', 'MALE', '320321'), name: '生日', hukouVillageCode: FENG_V1 });
    const auditor = live.api.as('AUDITOR', CITY);
    const ages = [];
    for (const day of ['2026-06-01', '2026-06-16', '2026-06-17', '2026-06-30']) {
      const res = await auditor.gql(`query ($id: ID!) { elder(id: $id) { age(asOf: "${day}") } elders(filter: { minAge: 82, asOf: "${day}", within: "${FENG_V1}" }) { totalCount nodes { id } } }`, { id: elder.id });
      ages.push([res.data!.elder.age, res.data!.elders.nodes.some((n: { id: string }) => n.id === elder.id)]);
    }
    expect(ages).toEqual([[82, true], [82, true], [82, true], [82, true]]); // the whole birth month alike
    expect((await auditor.gql(`query ($id: ID!) { elder(id: $id) { age(asOf: "2026-05-31") } }`, { id: elder.id })).data!.elder.age).toBe(81);
  });

  test('age filters are of the living on asOf: one who died before it is in no age band and no age range', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber('1946-01-10', 'FEMALE', '320321'), name: '故人', hukouVillageCode: FENG_V2 });
    const died = await live.api.gql(`mutation ($i: RecordVitalStatusInput!) { recordVitalStatus(input: $i) { status } }`, { i: { elderId: elder.id, status: 'DECEASED', deathDate: '2025-12-01', source: 'CREMATION' } });
    expect(died.errors).toBeUndefined();
    const has = async (filter: string) =>
      (await live.api.gql(`{ elders(filter: { within: "${FENG_V2}", ${filter} }, first: 500) { nodes { id } } }`)).data!.elders.nodes.some((n: { id: string }) => n.id === elder.id);
    expect(await has(`ageBand: SECURE_80_PLUS, asOf: "2026-06-01"`)).toBe(false);
    expect(await has(`minAge: 79, asOf: "2026-06-01"`)).toBe(false);
    expect(await has(`maxAge: 80, asOf: "2026-06-01"`)).toBe(false);
    expect(await has(`minAge: 79, asOf: "2025-11-30"`)).toBe(true); // alive then, 79
    expect(await has(`asOf: "2026-06-01"`)).toBe(true); // without an age filter the record is listed as before
  });

  test('a registered ID number is ALREADY_EXISTS, also in its legacy 15-digit form', async () => {
    const first17 = '32032119400512' + '135';
    const full = first17 + checkCharacter(first17);
    await registerElder(live.api, { idNumber: full, name: '李四', hukouVillageCode: FENG_V1 });
    const again = await live.api.gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: { idNumber: full, name: '李四', hukouVillageCode: FENG_V2 } });
    expect([errorCodes(again), again.errors![0]!.extensions!.field]).toEqual([['ALREADY_EXISTS'], 'idNumber']);
    const legacy = await live.api.gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: { idNumber: '320321400512135', name: '李四', hukouVillageCode: FENG_V1 } });
    expect(errorCodes(legacy)).toEqual(['ALREADY_EXISTS']);
    // A legacy number not yet registered is converted and found by either form.
    const converted = await registerElder(live.api, { idNumber: '320321380101137', name: '王五', hukouVillageCode: FENG_V1 });
    expect(converted).toMatchObject({ birthDate: '1938-01-**', sex: 'MALE', idNumber: expect.stringMatching(/^3203\*{10}0137|^3203\*{10}137[0-9X]$/) });
    const byNew = await live.api.gql(`query ($n: String!) { elderByIdNumber(idNumber: $n, reason: "核对身份") { id } }`, { n: '32032119380101137' + checkCharacter('32032119380101137') });
    expect(byNew.data!.elderByIdNumber.id).toBe(converted.id);
  });

  test('updates change only the given fields and are logged by field name', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber(), name: '赵六', hukouVillageCode: FENG_V1, phone: '13900001111' });
    const res = await live.api.gql(`mutation ($id: ID!, $i: UpdateElderInput!) { updateElder(id: $id, input: $i) { name phone residenceVillageCode } }`, {
      id: elder.id,
      i: { name: '赵六六', residenceVillageCode: FENG_V2 },
    });
    expect(res.data!.updateElder).toEqual({ name: '赵**', phone: '139****1111', residenceVillageCode: FENG_V2 });
    const log = await live.db.pool.query(`select fields, recorded_by from registry.change_log where entity_type = 'Elder' and entity_id = $1`, [elder.registryNo.slice(1)]);
    expect(log.rows).toEqual([{ fields: ['name', 'residenceVillage'], recorded_by: 'city_admin@320300000000' }]);
    const changes = await live.api.gql(`query ($id: ID!) { elder(id: $id) { createdBy updatedBy changes { fields recordedBy } } }`, { id: elder.id });
    expect(changes.data!.elder).toEqual({ createdBy: 'city_admin@320300000000', updatedBy: 'city_admin@320300000000', changes: [{ fields: ['name', 'residenceVillage'], recordedBy: 'city_admin@320300000000' }] });
  });
});

describe('masking and unmasking, per role', () => {
  let elder: { id: string; registryNo: string };
  const id = idNumber('1939-09-09', 'FEMALE');
  beforeAll(async () => {
    elder = await registerElder(live.api, { idNumber: id, name: '孙美丽', hukouVillageCode: FENG_V1, phone: '0516-83451234' });
  });

  const roles: [Role, string, boolean][] = [
    ['CITY_ADMIN', CITY, true],
    ['CIVIL_AFFAIRS_OFFICER', FENG, true],
    ['AUDITOR', CITY, true],
    ['FINANCE_OFFICER', CITY, false],
    ['VILLAGE_VERIFIER', FENG_V1, false],
    ['SYSTEM_CLIENT', FENG, false],
  ];

  test.each(roles)('%s sees every personal field masked by default', async (role, jurisdiction) => {
    const res = await live.api.as(role, jurisdiction).gql(`query ($id: ID!) { elder(id: $id) { idNumber name phone birthDate } }`, { id: elder.id });
    expect(res.errors).toBeUndefined();
    expect(res.data!.elder).toEqual({ idNumber: `3203**********${id.slice(-4)}`, name: '孙**', phone: '0516****1234', birthDate: '1939-09-**' });
  });

  test.each(roles)("%s at %s asking for clear values with a reason (allowed: %s) — one log row when allowed", async (role, jurisdiction, allowed) => {
    const before = await count('access_log');
    const res = await live.api.as(role, jurisdiction).gql(
      `query ($id: ID!) { elder(id: $id) { name personal(reason: "核查尊老金发放 ticket 42") { idNumber name phone birthDate } } }`,
      { id: elder.id },
    );
    if (!allowed) {
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      // The refusal stays at its field: the masked name still arrives.
      expect(res.data!.elder).toEqual({ name: '孙**', personal: null });
      expect(await count('access_log')).toBe(before);
      return;
    }
    expect(res.errors).toBeUndefined();
    expect(res.data!.elder.personal).toEqual({ idNumber: id, name: '孙美丽', phone: '051683451234', birthDate: '1939-09-09' });
    const rows = (await live.db.pool.query(`select * from registry.access_log order by id desc limit 1`)).rows;
    expect(await count('access_log')).toBe(before + 1);
    expect(rows[0]).toMatchObject({
      subject: `${role.toLowerCase()}@${jurisdiction}`,
      roles: [role],
      token_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      reason: '核查尊老金发放 ticket 42',
      entity_type: 'Elder',
      entity_id: elder.registryNo.slice(1).replace(/^0+/, ''),
      region_code: FENG_V1,
      fields: ['birthDate', 'idNumber', 'name', 'phone'],
    });
  });

  test('only the fields selected are logged; an empty reason is BAD_USER_INPUT and logs nothing', async () => {
    const before = await count('access_log');
    const res = await live.api.as('AUDITOR', CITY).gql(`query ($id: ID!) { elder(id: $id) { personal(reason: "抽查") { phone } } }`, { id: elder.id });
    expect(res.data!.elder.personal).toEqual({ phone: '051683451234' });
    expect((await live.db.pool.query(`select fields from registry.access_log order by id desc limit 1`)).rows[0].fields).toEqual(['phone']);
    for (const reason of ['', '   ']) {
      const empty = await live.api.as('AUDITOR', CITY).gql(`query ($id: ID!, $r: String!) { elder(id: $id) { personal(reason: $r) { name } } }`, { id: elder.id, r: reason });
      expect([errorCodes(empty), empty.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'reason']);
    }
    const missing = await live.api.as('AUDITOR', CITY).gql(`query ($id: ID!) { elder(id: $id) { personal { name } } }`, { id: elder.id });
    expect(errorCodes(missing)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await count('access_log')).toBe(before + 1);
  });

  test('out of jurisdiction: FORBIDDEN and nothing logged, even for an auditor', async () => {
    const before = await count('access_log');
    const res = await live.api.as('AUDITOR', PEI).gql(`query ($id: ID!) { elder(id: $id) { personal(reason: "x") { name } } }`, { id: elder.id });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(await count('access_log')).toBe(before);
  });

  test('auditors read the access log of their jurisdiction only; others may not', async () => {
    const q = `query ($id: ID) { accessLog(filter: { entityId: $id }, first: 100) { totalCount nodes { subject roles tokenId reason entityType entityId regionCode fields accessedAt } } }`;
    const city = await live.api.as('AUDITOR', CITY).gql(q, { id: elder.id });
    expect(city.errors).toBeUndefined();
    expect(city.data!.accessLog.totalCount).toBeGreaterThanOrEqual(4);
    expect(city.data!.accessLog.nodes[0]).toMatchObject({ subject: 'city_admin@320300000000', entityType: 'Elder', entityId: elder.id, regionCode: FENG_V1 });
    const county = await live.api.as('AUDITOR', PEI).gql(q, { id: elder.id });
    expect(county.data!.accessLog.totalCount).toBe(0);
    for (const role of ['VILLAGE_VERIFIER', 'FINANCE_OFFICER', 'SYSTEM_CLIENT'] as Role[]) {
      const res = await live.api.as(role, role === 'VILLAGE_VERIFIER' ? FENG_V1 : CITY).gql(q, { id: null });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    }
  });

  test('the access log is append-only, even for the table owner', async () => {
    await expect(live.db.pool.query(`update registry.access_log set reason = 'x'`)).rejects.toThrow(/append-only/);
    await expect(live.db.pool.query(`delete from registry.access_log`)).rejects.toThrow(/append-only/);
    await expect(live.db.pool.query(`truncate registry.access_log`)).rejects.toThrow(/append-only/);
  });

  test('personal values never reach the request log or error messages', async () => {
    const bad = await live.api.gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: { idNumber: id, name: '孙美丽', hukouVillageCode: FENG_V1 } });
    expect(JSON.stringify(bad)).not.toContain(id);
    expect(JSON.stringify(bad)).not.toContain('孙美丽');
  });
});

describe('history: categories, vital status, assessments', () => {
  let elder: { id: string; registryNo: string };
  beforeAll(async () => {
    elder = await registerElder(live.api, { idNumber: idNumber('1945-03-10', 'MALE'), name: '周大伯', hukouVillageCode: FENG_V1 });
  });

  test('categories are memberships with validity; ending appends; the allowance band follows them', async () => {
    const add = await live.api.as('VILLAGE_VERIFIER', FENG_V1).gql(
      `mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id category validFrom validTo recordedBy } }`,
      { i: { elderId: elder.id, category: 'DIBAO', validFrom: '2025-01-01', sourceSystem: '江苏省社会救助系统' } },
    );
    expect(add.errors).toBeUndefined();
    const overlap = await live.api.gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: elder.id, category: 'DIBAO', validFrom: '2025-06-01' } });
    expect(errorCodes(overlap)).toEqual(['ALREADY_EXISTS']);
    const unknown = await live.api.gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: elder.id, category: 'NOPE', validFrom: '2025-06-01' } });
    expect([errorCodes(unknown), unknown.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'category']);
    const q = `query ($id: ID!, $d: String) { elder(id: $id) { allowanceBand(asOf: $d) categories(asOf: $d) { category validTo } history: categories(history: true) { category validFrom validTo endedOn endReason } } }`;
    const during = await live.api.gql(q, { id: elder.id, d: '2026-05-01' });
    expect(during.data!.elder).toMatchObject({ allowanceBand: 'B80_89_LOW_INCOME', categories: [{ category: 'DIBAO', validTo: null }] });
    const end = await live.api.gql(`mutation ($i: EndCategoryInput!) { endElderCategory(input: $i) { validTo endedOn } }`, {
      i: { membershipId: add.data!.addElderCategory.id, endedOn: '2026-04-30', reason: '收入超标退出低保' },
    });
    expect(end.errors).toBeUndefined();
    expect(end.data!.endElderCategory).toEqual({ validTo: '2026-04-30', endedOn: '2026-04-30' });
    const again = await live.api.gql(`mutation ($i: EndCategoryInput!) { endElderCategory(input: $i) { validTo } }`, { i: { membershipId: add.data!.addElderCategory.id, endedOn: '2026-05-30', reason: 'x' } });
    expect(errorCodes(again)).toEqual(['ALREADY_EXISTS']);
    const after = await live.api.gql(q, { id: elder.id, d: '2026-05-01' });
    expect(after.data!.elder).toMatchObject({ allowanceBand: 'B80_89', categories: [], history: [{ category: 'DIBAO', validFrom: '2025-01-01', validTo: '2026-04-30', endReason: '收入超标退出低保' }] });
  });

  test('vital status is appended with date and source; the latest report is current', async () => {
    const rec = (i: Record<string, unknown>) => live.api.as('VILLAGE_VERIFIER', FENG_V1).gql(`mutation ($i: RecordVitalStatusInput!) { recordVitalStatus(input: $i) { status deathDate source } }`, { i: { elderId: elder.id, ...i } });
    const missingDate = await rec({ status: 'DECEASED', source: 'CREMATION' });
    expect([errorCodes(missingDate), missingDate.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'deathDate']);
    expect((await rec({ status: 'DECEASED', deathDate: '2026-02-03', source: 'VILLAGE_REPORT' })).data!.recordVitalStatus).toEqual({ status: 'DECEASED', deathDate: '2026-02-03', source: 'VILLAGE_REPORT' });
    const q = `query ($id: ID!) { elder(id: $id) { vitalStatus deathDate ageBand(asOf: "2026-06-01") allowanceBand(asOf: "2026-06-01") age(asOf: "2030-01-01") vitalHistory { status source } } }`;
    expect((await live.api.gql(q, { id: elder.id })).data!.elder).toEqual({
      vitalStatus: 'DECEASED', deathDate: '2026-02-03', ageBand: null, allowanceBand: null, age: 80, vitalHistory: [{ status: 'DECEASED', source: 'VILLAGE_REPORT' }],
    });
    const afterDeath = await live.api.gql(`mutation ($i: RecordAssessmentInput!) { recordAssessment(input: $i) { id } }`, {
      i: { elderId: elder.id, reason: 'ROUTINE', assessedOn: '2026-02-10', items: FULL_ITEMS },
    });
    expect([errorCodes(afterDeath), afterDeath.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'assessedOn']);
    await rec({ status: 'ALIVE', source: 'HOUSEHOLD_REGISTER' });
    const corrected = (await live.api.gql(q, { id: elder.id })).data!.elder;
    expect(corrected).toMatchObject({ vitalStatus: 'ALIVE', deathDate: null, ageBand: 'SECURE_80_PLUS', vitalHistory: [{ status: 'DECEASED' }, { status: 'ALIVE' }] });
    await expect(live.db.pool.query(`update registry.vital_event set status = 'ALIVE'`)).rejects.toThrow(/append-only/);
    await expect(live.db.pool.query(`delete from registry.vital_event`)).rejects.toThrow(/append-only/);
  });

  test('assessments: level computed from the items with adjustments; details need health:read; the latest valid is current', async () => {
    const rec = (i: Record<string, unknown>) =>
      live.api.gql(`mutation ($i: RecordAssessmentInput!) { recordAssessment(input: $i) { id level levelCode details { total preliminaryLevel adjustments selfCare mobility mentalState perceptionSocial } } }`, {
        i: { elderId: elder.id, reason: 'FIRST', ...i },
      });
    const first = await rec({ assessedOn: '2025-03-01', items: FULL_ITEMS, validUntil: '2026-02-28' });
    expect(first.data!.recordAssessment).toMatchObject({ level: 0, levelCode: 'INTACT', details: { total: 90, preliminaryLevel: 0, adjustments: [], selfCare: 32, mobility: 15, mentalState: 28, perceptionSocial: 15 } });
    const second = await rec({ assessedOn: '2026-03-01', items: { ...FULL_ITEMS, walking: 0, stairs: 0, bathing: 0, transport: 0, memory: 1, consciousness: 2 }, diagnoses: ['F01.1'], reason: 'ROUTINE' });
    expect(second.data!.recordAssessment).toMatchObject({ level: 2, details: { total: 73, preliminaryLevel: 1, adjustments: ['DEMENTIA_OR_MENTAL_DISORDER'] } });
    const bad = await rec({ assessedOn: '2026-03-01', items: { ...FULL_ITEMS, stairs: 4 } });
    expect([errorCodes(bad), bad.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'items.stairs']);
    const q = `query ($id: ID!, $d: String) { elder(id: $id) { currentAssessment(asOf: $d) { level assessedOn } assessments { level } } }`;
    expect((await live.api.gql(q, { id: elder.id, d: '2025-12-01' })).data!.elder.currentAssessment).toEqual({ level: 0, assessedOn: '2025-03-01' });
    expect((await live.api.gql(q, { id: elder.id, d: '2026-02-28' })).data!.elder.currentAssessment).toEqual({ level: 0, assessedOn: '2025-03-01' });
    expect((await live.api.gql(q, { id: elder.id, d: '2026-03-01' })).data!.elder).toEqual({ currentAssessment: { level: 2, assessedOn: '2026-03-01' }, assessments: [{ level: 0 }, { level: 2 }] });
    for (const [role, jurisdiction] of [['VILLAGE_VERIFIER', FENG_V1], ['FINANCE_OFFICER', CITY], ['SYSTEM_CLIENT', CITY]] as [Role, string][]) {
      const res = await live.api.as(role, jurisdiction).gql(`query ($id: ID!) { elder(id: $id) { assessments { level details { total } } } }`, { id: elder.id });
      expect(errorCodes(res)).toContain('FORBIDDEN');
      const level = await live.api.as(role, jurisdiction).gql(`query ($id: ID!) { elder(id: $id) { assessments { level } } }`, { id: elder.id });
      expect(level.data!.elder.assessments).toEqual([{ level: 0 }, { level: 2 }]);
    }
    await expect(live.db.pool.query(`update registry.assessment set final_level = 0`)).rejects.toThrow(/append-only/);
  });

  test('every history table refuses UPDATE, DELETE and TRUNCATE, also for the owner; records are never deleted', async () => {
    for (const table of ['category_membership', 'category_membership_end', 'vital_event', 'assessment', 'facility_rating', 'bed_inventory', 'staff_assignment', 'service_record', 'access_log', 'change_log']) {
      const column = table === 'access_log' ? 'accessed_at' : 'recorded_at';
      await expect(live.db.pool.query(`update registry.${table} set ${column} = ${column} where false`)).rejects.toThrow(/append-only/);
      await expect(live.db.pool.query(`delete from registry.${table} where false`)).rejects.toThrow(/append-only/);
      await expect(live.db.pool.query(`truncate registry.${table} cascade`)).rejects.toThrow(/append-only/);
    }
    await expect(live.db.pool.query(`delete from registry.elder`)).rejects.toThrow(/append-only/);
    // The application role cannot even try.
    const client = await live.db.pool.connect();
    try {
      await client.query('begin; set local role sunshine_app');
      await expect(client.query(`update registry.assessment set total = 0`)).rejects.toThrow(/permission denied/);
    } finally {
      await client.query('rollback');
      client.release();
    }
  });

  test('what an elder\'s record never changes, the database keeps as it is — the application role may update names and villages, not these', async () => {
    const elder = await registerElder(live.api, { idNumber: idNumber('1942-08-08', 'MALE', '320321'), name: '不变', hukouVillageCode: FENG_V1 });
    const id = Buffer.from(elder.id, 'base64url').toString().split(':')[1];
    // (who registered it when: not even in the role's UPDATE grant since Migration20261204300000, 42501; the rest by the trigger, SR000)
    for (const [set, code] of [[`birth_date = '1930-01-01'`, 'SR000'], [`sex = 'FEMALE'`, 'SR000'], [`id_hash = '\\x00'`, 'SR000'], [`id_masked = '3203**********0000'`, 'SR000'],
      [`created_by = 'someone'`, '42501'], [`created_at = now() - interval '1 year'`, '42501']]) {
      const client = await live.db.pool.connect();
      try {
        await client.query('begin; set local role sunshine_app');
        await expect(client.query(`update registry.elder set ${set} where id = $1`, [id])).rejects.toMatchObject({ code });
      } finally {
        await client.query('rollback');
        client.release();
      }
    }
    const moved = await live.api.gql(`mutation ($id: ID!) { updateElder(id: $id, input: { residenceVillageCode: "${FENG_V2}", phone: "13912345670" }) { residenceVillageCode } }`, { id: elder.id });
    expect(moved.errors).toBeUndefined(); // what may change still does
  });
});

describe('scope', () => {
  let feng: { id: string; registryNo: string };
  let pei: { id: string; registryNo: string };
  const peiNumber = idNumber('1950-02-03', 'MALE', '320322');
  beforeAll(async () => {
    feng = await registerElder(live.api, { idNumber: idNumber('1950-02-02'), name: '丰老汉', hukouVillageCode: FENG_V2 });
    pei = await registerElder(live.api, { idNumber: peiNumber, name: '沛老汉', hukouVillageCode: PEI_V1 });
  });

  const cases: [Role, string, boolean, boolean][] = [
    // role, jurisdiction, sees 丰县 elder, sees 沛县 elder
    ['CITY_ADMIN', CITY, true, true],
    ['AUDITOR', CITY, true, true],
    ['AUDITOR', FENG, true, false],
    ['CIVIL_AFFAIRS_OFFICER', PEI, false, true],
    ['FINANCE_OFFICER', FENG, true, false],
    ['VILLAGE_VERIFIER', FENG_V2, true, false],
    ['VILLAGE_VERIFIER', FENG_V1, false, false],
    ['SYSTEM_CLIENT', '320322001000', false, true],
  ];

  test.each(cases)('%s at %s: elder(id), node(id) and lists respect the jurisdiction', async (role, jurisdiction, seesFeng, seesPei) => {
    const as = live.api.as(role, jurisdiction);
    for (const [elder, visible] of [[feng, seesFeng], [pei, seesPei]] as const) {
      const one = await as.gql(`query ($id: ID!) { elder(id: $id) { id } node(id: $id) { id } }`, { id: elder.id });
      if (visible) expect(one.data).toEqual({ elder: { id: elder.id }, node: { id: elder.id } });
      else expect(errorCodes(one)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    }
    const list = await as.gql(`{ elders(first: 500) { nodes { id hukouVillageCode residenceVillageCode } } }`);
    const ids = list.data!.elders.nodes.map((n: { id: string }) => n.id);
    expect(ids.includes(feng.id)).toBe(seesFeng);
    expect(ids.includes(pei.id)).toBe(seesPei);
    const prefix = jurisdiction.replace(/(000|000000|00000000)$/, '').replace(/0+$/, '');
    for (const n of list.data!.elders.nodes) expect(n.hukouVillageCode.startsWith(prefix.slice(0, 4)) || n.residenceVillageCode.startsWith(prefix.slice(0, 4))).toBe(true);
  });

  test('history records are nodes too, with the scope of their elder', async () => {
    const add = await live.api.gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: feng.id, category: 'EMPTY_NEST', validFrom: '2024-01-01' } });
    const vital = await live.api.gql(`mutation ($i: RecordVitalStatusInput!) { recordVitalStatus(input: $i) { id } }`, { i: { elderId: feng.id, status: 'ALIVE', source: 'VILLAGE_REPORT' } });
    const ids = [add.data!.addElderCategory.id, vital.data!.recordVitalStatus.id];
    const q = `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }`;
    expect((await live.api.as('VILLAGE_VERIFIER', FENG_V2).gql(q, { ids })).data!.nodes.map((n: { __typename: string }) => n.__typename)).toEqual(['CategoryMembership', 'VitalEvent']);
    for (const id of ids) {
      const res = await live.api.as('VILLAGE_VERIFIER', FENG_V1).gql(`query ($id: ID!) { node(id: $id) { id } }`, { id });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    }
  });

  test('a look-up by ID number does not reveal an elder registered outside the jurisdiction', async () => {
    const q = `query ($n: String!) { elderByIdNumber(idNumber: $n, reason: "核对身份") { id } }`;
    const number = peiNumber;
    expect((await live.api.as('CIVIL_AFFAIRS_OFFICER', PEI).gql(q, { n: number })).data!.elderByIdNumber).toEqual({ id: pei.id });
    const outside = await live.api.as('CIVIL_AFFAIRS_OFFICER', FENG).gql(q, { n: number });
    expect(outside.errors).toBeUndefined();
    expect(outside.data!.elderByIdNumber).toBeNull();
  });

  test('a filter cannot widen the scope', async () => {
    const res = await live.api.as('CIVIL_AFFAIRS_OFFICER', FENG).gql(`{ elders(filter: { within: "320322" }) { nodes { id } } }`);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    const inside = await live.api.as('CIVIL_AFFAIRS_OFFICER', FENG).gql(`{ elders(filter: { within: "320321107" }, first: 500) { nodes { id } } }`);
    expect(inside.data!.elders.nodes.map((n: { id: string }) => n.id)).toContain(feng.id);
  });

  test('writes need the permission and the elder or village in scope', async () => {
    const register = (role: Role, jurisdiction: string, village: string) =>
      live.api.as(role, jurisdiction).gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: { idNumber: idNumber('1949-10-01'), name: '新老人', hukouVillageCode: village } });
    expect(errorCodes(await register('CIVIL_AFFAIRS_OFFICER', FENG, FENG_V1))).toEqual([]);
    expect(errorCodes(await register('CIVIL_AFFAIRS_OFFICER', FENG, PEI_V1))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await register('VILLAGE_VERIFIER', FENG_V1, FENG_V1))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await register('AUDITOR', CITY, FENG_V1))).toEqual(['FORBIDDEN']);
    const vital = (role: Role, jurisdiction: string, elderId: string) =>
      live.api.as(role, jurisdiction).gql(`mutation ($i: RecordVitalStatusInput!) { recordVitalStatus(input: $i) { status } }`, { i: { elderId, status: 'ALIVE', source: 'VILLAGE_REPORT' } });
    expect(errorCodes(await vital('VILLAGE_VERIFIER', FENG_V2, feng.id))).toEqual([]);
    expect(errorCodes(await vital('VILLAGE_VERIFIER', FENG_V2, pei.id))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await vital('FINANCE_OFFICER', CITY, feng.id))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await vital('CIVIL_AFFAIRS_OFFICER', PEI, feng.id))).toEqual(['FORBIDDEN']);
    const update = await live.api.as('CIVIL_AFFAIRS_OFFICER', FENG).gql(`mutation ($id: ID!) { updateElder(id: $id, input: { hukouVillageCode: "${PEI_V1}" }) { id } }`, { id: feng.id });
    expect(errorCodes(update)).toEqual(['FORBIDDEN']);
  });

  test('anonymous callers get nothing', async () => {
    const res = await live.api.anonymous(`query ($id: ID!) { elder(id: $id) { id } }`, { id: feng.id });
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  });
});

test('list pagination is keyset-based and complete', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  for (;;) {
    const res: any = await live.api.gql(`query ($a: String) { elders(first: 3, after: $a) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`, { a: after });
    seen.push(...res.data.elders.nodes.map((n: { id: string }) => n.id));
    if (!res.data.elders.pageInfo.hasNextPage) {
      expect(seen.length).toBe(res.data.elders.totalCount);
      break;
    }
    after = res.data.elders.pageInfo.endCursor;
  }
  expect(new Set(seen).size).toBe(seen.length);
  const unknown = await live.api.gql(`{ elders(filter: { category: "VIP" }) { nodes { id } } }`);
  expect([errorCodes(unknown), unknown.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'filter.category']);
  const tooBig = await live.api.gql(`{ elders(first: 501) { nodes { id } } }`);
  expect([errorCodes(tooBig), tooBig.errors![0]!.extensions!.field]).toEqual([['BAD_USER_INPUT'], 'first']);
  const filtered = await live.api.gql(`{ elders(filter: { ageBand: SECURE_80_PLUS, asOf: "2026-11-23" }, first: 500) { nodes { age(asOf: "2026-11-23") ageBand(asOf: "2026-11-23") } } }`);
  expect(filtered.data!.elders.nodes.length).toBeGreaterThan(0);
  for (const n of filtered.data!.elders.nodes) expect(n.age).toBeGreaterThanOrEqual(80);
  void ELDER_FIELDS;
});
