/** Shared fixtures of the registry tests: villages of 徐州 in two counties, valid ID numbers, GraphQL helpers. */
import { makeIdNumber, type Sex } from '../../platform/id-number.js';
import type { TestApi } from '../support/api.js';

export { CITY, FENG, PEI } from '../fixtures/index.js';
export const FENG_V1 = '320321001001';
export const FENG_V2 = '320321107205';
export const PEI_V1 = '320322001203';

let sequence = 100;
/** A fresh valid ID number (unique within a test run). */
export function idNumber(birthDate = '1944-06-15', sex: Sex = 'MALE', region = '320321'): string {
  sequence += 2;
  return makeIdNumber(region, birthDate, sequence, sex);
}

export const ELDER_FIELDS = `id registryNo idNumber name phone sex birthDate birthYear hukouVillageCode residenceVillageCode`;

export async function registerElder(api: TestApi, input: Record<string, unknown>): Promise<{ id: string; registryNo: string; [k: string]: unknown }> {
  const res = await api.gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { ${ELDER_FIELDS} } }`, { i: input });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.registerElder;
}

export async function registerFacility(api: TestApi, input: Record<string, unknown>): Promise<{ id: string; registryNo: string }> {
  const res = await api.gql(`mutation ($i: RegisterFacilityInput!) { registerFacility(input: $i) { id registryNo } }`, {
    i: { type: 'ELDERLY_CARE_INSTITUTION', operatingModel: 'PUBLIC_BUILT_PRIVATE_RUN', ...input },
  });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.registerFacility;
}

export const FULL_ITEMS = {
  eating: 4, grooming: 4, bathing: 4, upperDressing: 4, lowerDressing: 4, urinaryControl: 4, bowelControl: 4, toileting: 4,
  bedMobility: 4, bedChairTransfer: 4, walking: 4, stairs: 3,
  timeOrientation: 4, placeOrientation: 4, personOrientation: 4, memory: 4, comprehension: 4, expression: 4, aggression: 1, depression: 1, consciousness: 2,
  vision: 2, hearing: 2, dailyAffairs: 4, transport: 3, socialInteraction: 4,
};

export { tolerateDropTermination } from '../support/database.js';
