/**
 * Nothing happens to an elder before their birth, over GraphQL against a real PostgreSQL: every dated
 * event (admission, service, category, assessment, death) on or after the birth date, else
 * BAD_USER_INPUT naming the field and nothing written; and on a date before the birth an elder has
 * no age and is in no age filter. Ages are computed at the end of asOf's month (the birth day is
 * masked), so "before the birth" for ages means a month before the birth month. The database refuses
 * such rows too (SR001), for every writer, the owner included.
 */
import { errorCodes, useXuzhouApi } from '../support/api.js';
import { FENG_V1, FULL_ITEMS, idNumber, registerElder, registerFacility, tolerateDropTermination } from './support.js';
import { fromDatabaseError as registryError } from '../../registry/store.js';

const live = useXuzhouApi();
beforeAll(() => tolerateDropTermination(live.db.pool));

const BIRTH = '1944-06-15';
const count = async (table: string) => Number((await live.db.pool.query(`select count(*) from registry.${table}`)).rows[0].count);

let elder: { id: string; registryNo: string };
let facility: { id: string };
beforeAll(async () => {
  elder = await registerElder(live.api, { idNumber: idNumber(BIRTH, 'FEMALE'), name: '未生', hukouVillageCode: FENG_V1 });
  facility = await registerFacility(live.api, { name: '古丰敬老院', villageCode: FENG_V1 });
});

describe('dated events of an elder are not before the birth', () => {
  const cases: [string, string, string, (date: string) => Record<string, unknown>, string][] = [
    ['admitElder', 'AdmitInput', 'stay', (date) => ({ elderId: elder.id, facilityId: facility.id, admittedOn: date }), 'admittedOn'],
    ['recordService', 'RecordServiceInput', 'service_record', (date) => ({ elderId: elder.id, facilityId: facility.id, serviceType: 'MEAL', startedAt: `${date}T11:30:00+08:00`, subsidised: true }), 'startedAt'],
    ['addElderCategory', 'AddCategoryInput', 'category_membership', (date) => ({ elderId: elder.id, category: 'EMPTY_NEST', validFrom: date }), 'validFrom'],
    ['recordAssessment', 'RecordAssessmentInput', 'assessment', (date) => ({ elderId: elder.id, reason: 'FIRST', assessedOn: date, items: FULL_ITEMS }), 'assessedOn'],
    ['recordVitalStatus', 'RecordVitalStatusInput', 'vital_event', (date) => ({ elderId: elder.id, status: 'DECEASED', deathDate: date, source: 'VILLAGE_REPORT' }), 'deathDate'],
  ];

  test.each(cases)('%s: the day before the birth is BAD_USER_INPUT naming the field, nothing written', async (mutation, type, table, input, field) => {
    const before = await count(table);
    const res = await live.api.gql(`mutation ($i: ${type}!) { ${mutation}(input: $i) { id } }`, { i: input('1944-06-14') });
    expect([errorCodes(res), res.errors?.[0]?.extensions?.field, res.errors?.[0]?.message]).toEqual([['BAD_USER_INPUT'], field, `${field} is before the birth date`]);
    expect(await count(table)).toBe(before);
  });

  test('a service is dated by its day in China: 23:00 the evening before the birth is before it, 00:30 on the day is not', async () => {
    const at = (startedAt: string) =>
      live.api.gql(`mutation ($i: RecordServiceInput!) { recordService(input: $i) { id } }`, { i: { elderId: elder.id, facilityId: facility.id, serviceType: 'MEAL', startedAt, subsidised: false } });
    const eve = await at('1944-06-14T15:00:00Z'); // 23:00 on the 14th in China
    expect([errorCodes(eve), eve.errors?.[0]?.extensions?.field]).toEqual([['BAD_USER_INPUT'], 'startedAt']);
    expect((await at('1944-06-14T16:30:00Z')).errors).toBeUndefined(); // 00:30 on the 15th in China
  });

  test('on the birth date each is accepted', async () => {
    const admit = await live.api.gql(`mutation ($i: AdmitInput!) { admitElder(input: $i) { id } }`, { i: { elderId: elder.id, facilityId: facility.id, admittedOn: BIRTH, dischargedOn: '1944-06-16' } });
    expect(admit.errors).toBeUndefined();
    const category = await live.api.gql(`mutation ($i: AddCategoryInput!) { addElderCategory(input: $i) { id } }`, { i: { elderId: elder.id, category: 'EMPTY_NEST', validFrom: BIRTH, validTo: '1944-06-30' } });
    expect(category.errors).toBeUndefined();
  });
});

describe('the database refuses an event before the birth too, whoever writes it (SR001)', () => {
  /** Internal ids of a fresh elder (born BIRTH) and facility, for direct SQL. */
  const ids = {} as { elder: string; facility: string };
  beforeAll(async () => {
    const key = (id: string) => Buffer.from(id, 'base64url').toString().split(':')[1]!;
    const fresh = await registerElder(live.api, { idNumber: idNumber(BIRTH, 'MALE'), name: '直写', hukouVillageCode: FENG_V1 });
    ids.elder = key(fresh.id);
    ids.facility = key(facility.id);
  });

  /** One insert as the application role, in a transaction that is rolled back whatever happens. */
  async function insertAsApp(text: string, params: unknown[]): Promise<void> {
    const client = await live.db.pool.connect();
    try {
      await client.query('begin; set local role sunshine_app');
      await client.query(text, params);
    } finally {
      await client.query('rollback');
      client.release();
    }
  }

  const inserts: [string, string, string, (day: string) => [string, unknown[]]][] = [
    ['stay', 'admitted_on', 'admittedOn', (day) => [`insert into registry.stay (elder_id, facility_id, admitted_on, recorded_by) values ($1, $2, $3, 'sql')`, [ids.elder, ids.facility, day]]],
    ['service_record', 'started_at', 'startedAt', (day) => [
      `insert into registry.service_record (elder_id, facility_id, service_type, village_code, started_at, subsidised, recorded_by) values ($1, $2, 'MEAL', $3, $4, false, 'sql')`,
      [ids.elder, ids.facility, FENG_V1, `${day}T11:30:00+08:00`],
    ]],
    ['category_membership', 'valid_from', 'validFrom', (day) => [`insert into registry.category_membership (elder_id, category, valid_from, recorded_by) values ($1, 'EMPTY_NEST', $2, 'sql')`, [ids.elder, day]]],
    ['assessment', 'assessed_on', 'assessedOn', (day) => [
      `insert into registry.assessment (elder_id, assessed_on, reason, items, self_care, mobility, mental_state, perception_social, total, preliminary_level, adjustments, final_level, diagnoses, risk_event_count, recorded_by)
       values ($1, $2, 'FIRST', '{}', 0, 0, 0, 0, 0, 0, '{}', 0, '{}', 0, 'sql')`,
      [ids.elder, day],
    ]],
    ['vital_event', 'death_date', 'deathDate', (day) => [`insert into registry.vital_event (elder_id, status, death_date, source, recorded_by) values ($1, 'DECEASED', $2, 'VILLAGE_REPORT', 'sql')`, [ids.elder, day]]],
  ];

  test.each(inserts)('registry.%s: %s the day before the birth is refused, naming the column and no date; the birth date is accepted', async (table, column, field, insert) => {
    const error = await insertAsApp(...insert('1944-06-14')).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'SR001', column, table });
    expect((error as Error).message).not.toMatch(/1944/);
    // Were it ever to reach the domain, it answers as requireBorn does.
    expect(registryError(error)).toMatchObject({ code: 'BAD_USER_INPUT', field, message: `${field} is before the birth date` });
    await insertAsApp(...insert(BIRTH));
  });

  test('a service is dated by its day in China here too: 23:00 the evening before the birth is refused, 00:30 on the day is not', async () => {
    const service = (startedAt: string) => insertAsApp(
      `insert into registry.service_record (elder_id, facility_id, service_type, village_code, started_at, subsidised, recorded_by) values ($1, $2, 'MEAL', $3, $4, false, 'sql')`,
      [ids.elder, ids.facility, FENG_V1, startedAt],
    );
    await expect(service('1944-06-14T15:00:00Z')).rejects.toMatchObject({ code: 'SR001' });
    await service('1944-06-14T16:30:00Z');
  });

  test('one row before the birth refuses a bulk insert whole, also for the owner', async () => {
    const before = await count('category_membership');
    await expect(
      live.db.pool.query(
        `insert into registry.category_membership (elder_id, category, valid_from, recorded_by)
         select $1, c, d, 'bulk' from unnest(array['LEFT_BEHIND', 'CHILDLESS_WIDOWED']::text[], array['1950-01-01', '1944-06-01']::date[]) t (c, d)`,
        [ids.elder],
      ),
    ).rejects.toMatchObject({ code: 'SR001', column: 'valid_from' });
    expect(await count('category_membership')).toBe(before);
  });
});

describe('before the birth an elder has no age and is in no age filter', () => {
  const ageQ = `query ($id: ID!, $d: String!) { elder(id: $id) { age(asOf: $d) ageBand(asOf: $d) allowanceBand(asOf: $d) } }`;
  const listed = async (filter: string) =>
    (await live.api.gql(`{ elders(filter: { within: "${FENG_V1}", ${filter} }, first: 500) { totalCount nodes { id } } }`)).data!.elders;

  test('Elder.age is null on a date in a month before the birth month, 0 in the birth month (the day stays masked)', async () => {
    for (const [asOf, age] of [['1900-01-01', null], ['1944-05-31', null], ['1944-06-01', 0], ['1944-06-14', 0], ['1945-06-30', 1]] as const) {
      const res = await live.api.gql(ageQ, { id: elder.id, d: asOf });
      expect([asOf, res.errors, res.data!.elder]).toEqual([asOf, undefined, { age, ageBand: null, allowanceBand: null }]);
    }
  });

  test.each([
    ['maxAge: 0', '1944-05-31', false],
    ['minAge: 0', '1944-05-31', false],
    ['minAge: 0, maxAge: 150', '1900-01-01', false],
    ['maxAge: 0', '1944-06-01', true],
    ['maxAge: 1', '1945-06-30', true],
  ])('elders(filter: { %s, asOf: %s }) lists the elder: %s', async (ages, asOf, expected) => {
    const page = await listed(`${ages}, asOf: "${asOf}"`);
    const has = page.nodes.some((n: { id: string }) => n.id === elder.id);
    expect(has).toBe(expected);
    expect(page.totalCount).toBe(page.nodes.length); // the count follows the same rule
  });

  test('without an age filter asOf filters nothing: the record is listed, as the dead are', async () => {
    expect((await listed(`asOf: "1900-01-01"`)).nodes.map((n: { id: string }) => n.id)).toContain(elder.id);
  });
});
