/**
 * The villages an elder write names, over GraphQL against a real PostgreSQL (docs/security.md
 * "Writes"): the household and the residence village, on registration and on update. An elder is in
 * a caller's scope when either village is (registry/access.ts); a write needs the record in scope,
 * every village it names in scope, and — for a move — the village moved away from too, so no county
 * can move a record into, or out of, a county that is not its own.
 */
import { errorCodes, useXuzhouApi } from '../support/api.js';
import { FENG, FENG_V1, FENG_V2, idNumber, PEI, PEI_V1, registerElder, tolerateDropTermination } from './support.js';

const live = useXuzhouApi();
beforeAll(() => tolerateDropTermination(live.db.pool));

const PEI_V2 = '320322001001'; // 沛县 泗水居委会
const SUINING_V1 = '320324001001'; // 睢宁县 东升社区居委会

const UPDATE = `mutation ($id: ID!, $i: UpdateElderInput!) { updateElder(id: $id, input: $i) { hukouVillageCode residenceVillageCode } }`;
const REGISTER = `mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id hukouVillageCode residenceVillageCode } }`;

const keyOf = (elder: { registryNo: string }) => String(Number(elder.registryNo.slice(1)));
const stored = async (elder: { registryNo: string }) =>
  (await live.db.pool.query(`select hukou_village_code as hukou, residence_village_code as residence, updated_by from registry.elder where id = $1`, [keyOf(elder)])).rows[0];
const changes = async (elder: { registryNo: string }) =>
  Number((await live.db.pool.query(`select count(*) from registry.change_log where entity_type = 'Elder' and entity_id = $1`, [keyOf(elder)])).rows[0].count);
const elderCount = async () => Number((await live.db.pool.query(`select count(*) from registry.elder`)).rows[0].count);

/** An elder registered by the city (household in 丰县, living where `residence` says). */
const elderLivingIn = (residence: string) => registerElder(live.api, { idNumber: idNumber('1947-04-04'), name: '两地人', hukouVillageCode: FENG_V1, residenceVillageCode: residence });

/** The update is FORBIDDEN, and the record and its change log are as they were. */
async function refused(as: { gql: typeof live.api.gql }, elder: { id: string; registryNo: string }, input: Record<string, unknown>, message: RegExp): Promise<void> {
  const before = [await stored(elder), await changes(elder)];
  const res = await as.gql(UPDATE, { id: elder.id, i: input });
  expect(errorCodes(res)).toEqual(['FORBIDDEN']);
  expect(res.errors![0]!.message).toMatch(message);
  expect([await stored(elder), await changes(elder)]).toEqual(before);
}

describe('updateElder', () => {
  const peiOfficer = () => live.api.as('CIVIL_AFFAIRS_OFFICER', PEI, { subject: 'pei-officer' });
  const fengOfficer = () => live.api.as('CIVIL_AFFAIRS_OFFICER', FENG, { subject: 'feng-officer' });

  test('the residence county cannot move the residence to a third county (the reviewer’s 沛县 → 睢宁)', async () => {
    const elder = await elderLivingIn(PEI_V1);
    await refused(peiOfficer(), elder, { residenceVillageCode: SUINING_V1 }, /^residence village is outside your jurisdiction 320322000000$/);
  });

  test('the household county cannot move the residence into another county', async () => {
    const elder = await elderLivingIn(FENG_V1);
    await refused(fengOfficer(), elder, { residenceVillageCode: PEI_V1 }, /^residence village is outside your jurisdiction 320321000000$/);
    // …nor hide the new village behind a change it may make.
    await refused(fengOfficer(), elder, { name: '改名', residenceVillageCode: PEI_V1 }, /residence village/);
  });

  test('a move needs the village moved away from in scope too: the household county cannot take the residence from the county the elder lives in', async () => {
    const elder = await elderLivingIn(PEI_V1);
    await refused(fengOfficer(), elder, { residenceVillageCode: FENG_V2 }, /^current residence village is outside your jurisdiction 320321000000$/);
    // The household village is the residence county's to read, not to move.
    await refused(peiOfficer(), elder, { hukouVillageCode: PEI_V1 }, /^current household village is outside your jurisdiction 320322000000$/);
    // The city holds both ends.
    const city = await live.api.gql(UPDATE, { id: elder.id, i: { residenceVillageCode: FENG_V2 } });
    expect(city.errors).toBeUndefined();
    expect(city.data!.updateElder).toEqual({ hukouVillageCode: FENG_V1, residenceVillageCode: FENG_V2 });
  });

  test('what each county may still do: move within its own county, change what is not a village', async () => {
    const elder = await elderLivingIn(PEI_V1);
    const within = await peiOfficer().gql(UPDATE, { id: elder.id, i: { residenceVillageCode: PEI_V2 } });
    expect(within.errors).toBeUndefined();
    expect(await stored(elder)).toEqual({ hukou: FENG_V1, residence: PEI_V2, updated_by: 'pei-officer' });
    const renamed = await fengOfficer().gql(`mutation ($id: ID!) { updateElder(id: $id, input: { name: "新名字" }) { name } }`, { id: elder.id });
    expect(renamed.errors).toBeUndefined();
    const home = await fengOfficer().gql(UPDATE, { id: elder.id, i: { hukouVillageCode: FENG_V2 } });
    expect(home.errors).toBeUndefined();
    expect(await stored(elder)).toEqual({ hukou: FENG_V2, residence: PEI_V2, updated_by: 'feng-officer' });
  });

  test('a record outside the caller’s scope is refused before any village is looked at', async () => {
    const elder = await elderLivingIn(FENG_V1);
    await refused(peiOfficer(), elder, { residenceVillageCode: PEI_V1 }, /^elder E[0-9]{8} is outside your jurisdiction 320322000000$/);
  });
});

describe('registerElder', () => {
  test('the residence village must be in the caller’s scope as well as the household village', async () => {
    const officer = live.api.as('CIVIL_AFFAIRS_OFFICER', FENG, { subject: 'feng-officer' });
    const before = await elderCount();
    const res = await officer.gql(REGISTER, { i: { idNumber: idNumber('1946-05-05'), name: '外住', hukouVillageCode: FENG_V1, residenceVillageCode: PEI_V1 } });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.errors![0]!.message).toBe('residence village is outside your jurisdiction 320321000000');
    expect(await elderCount()).toBe(before);
    // Inside the county both villages may differ.
    const ok = await officer.gql(REGISTER, { i: { idNumber: idNumber('1946-05-06'), name: '内住', hukouVillageCode: FENG_V1, residenceVillageCode: FENG_V2 } });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.registerElder).toMatchObject({ hukouVillageCode: FENG_V1, residenceVillageCode: FENG_V2 });
  });

  test('a town officer registers within the town only', async () => {
    const town = live.api.as('CIVIL_AFFAIRS_OFFICER', '320321001000');
    const res = await town.gql(REGISTER, { i: { idNumber: idNumber('1946-05-07'), name: '镇外', hukouVillageCode: FENG_V1, residenceVillageCode: FENG_V2 } });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
  });
});
