/**
 * The order of a registry command's checks (registry/commands.ts), without a database: the
 * permission, then each record in the order the input names it — its id, NOT_FOUND, FORBIDDEN —
 * then the values, and the writer only when every check passed. The API tests see the same
 * errors end to end; here each step is pinned down where the commands decide it.
 */
import { Viewer } from '../../auth/viewer.js';
import type { Role } from '../../auth/roles.js';
import { DomainError } from '../../platform/errors.js';
import { RegistryCommands, type CommandLookup, type IdOf } from '../../registry/commands.js';
import type { RegistryService } from '../../registry/registry.js';
import type { ElderRecord, FacilityRecord } from '../../registry/types.js';
import { FENG, FENG_V1, PEI_V1 } from './support.js';

const elder = { id: '7', hukouVillageCode: FENG_V1, residenceVillageCode: FENG_V1 } as ElderRecord;
const peiFacility = { id: '8', villageCode: PEI_V1 } as FacilityRecord;
const fengFacility = { id: '9', villageCode: FENG_V1 } as FacilityRecord;
const records = new Map<string, unknown>([['Elder:7', elder], ['Facility:8', peiFacility], ['Facility:9', fengFacility]]);

/** The API's id form, reduced: "Type:key", anything else malformed. */
const idOf: IdOf = (id, type, field) => {
  const [t, key] = id.split(':');
  if (t !== type || !/^[1-9][0-9]*$/.test(key ?? '')) throw new DomainError('BAD_USER_INPUT', `"${id}" is not a ${type} id`, field);
  return key!;
};

function commands(role: Role = 'CIVIL_AFFAIRS_OFFICER', jurisdiction = FENG) {
  const written: string[] = [];
  const load = (type: string) => ({ load: async (id: string) => (records.get(`${type}:${id}`) ?? null) as never });
  const lookup: CommandLookup = { elder: load('Elder'), facility: load('Facility'), caregiver: load('Caregiver'), stay: load('Stay') };
  const registry = new Proxy({}, { get: (_, name) => async () => { written.push(String(name)); return {}; } }) as RegistryService;
  return { run: new RegistryCommands(new Viewer({ subject: 'tester', roles: [role], jurisdiction }), registry, lookup, idOf), written };
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; field?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as DomainError;
    return { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) };
  }
  throw new Error('expected a refusal');
}

test('the permission comes before the id: a caller without registry:write hears FORBIDDEN, even for a malformed id', async () => {
  const { run, written } = commands('VILLAGE_VERIFIER', FENG_V1);
  expect(await refusal(run.updateElder('not-an-id', {}))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('needs registry:write') });
  expect(written).toEqual([]);
});

test('a malformed id is BAD_USER_INPUT naming its field; an unknown one NOT_FOUND', async () => {
  const { run } = commands();
  expect(await refusal(run.admit({ facilityId: 'Facility:x', elderId: 'Elder:7', admittedOn: '2026-01-01' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'facilityId' });
  expect(await refusal(run.admit({ facilityId: 'Facility:99', elderId: 'Elder:7', admittedOn: '2026-01-01' }))).toEqual({ code: 'NOT_FOUND', field: 'facilityId', message: 'no such facility' });
});

test('the first record named is refused before a second id is even read', async () => {
  const { run, written } = commands();
  // The facility (named first) is outside 丰县: FORBIDDEN, though the elder id is malformed too.
  expect(await refusal(run.admit({ facilityId: 'Facility:8', elderId: 'nonsense', admittedOn: '2026-01-01' }))).toMatchObject({ code: 'FORBIDDEN' });
  // With the facility in scope, the elder id is next.
  expect(await refusal(run.admit({ facilityId: 'Facility:9', elderId: 'nonsense', admittedOn: '2026-01-01' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'elderId' });
  expect(written).toEqual([]);
  await run.admit({ facilityId: 'Facility:9', elderId: 'Elder:7', admittedOn: '2026-01-01' });
  expect(written).toEqual(['admit']);
});

test('a service: the provider out of reach is FORBIDDEN before the unit price is looked at', async () => {
  const { run, written } = commands();
  const input = { elderId: 'Elder:7', serviceType: 'MEAL', startedAt: '2026-01-01T08:00:00Z', subsidised: true, unitPrice: '007' };
  expect(await refusal(run.recordService({ ...input, facilityId: 'Facility:8' }))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('outside the county') });
  expect(await refusal(run.recordService({ ...input, facilityId: 'Facility:9' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'unitPrice' });
  expect(written).toEqual([]);
});

test('moving a household registration needs both household villages in scope', async () => {
  const { run, written } = commands();
  expect(await refusal(run.updateElder('Elder:7', { hukouVillageCode: PEI_V1 }))).toEqual({
    code: 'FORBIDDEN',
    message: `household village is outside your jurisdiction ${FENG}`,
  });
  await run.updateElder('Elder:7', { name: '新名' });
  expect(written).toEqual(['updateElder']);
});

test('a village code is checked like a record id: malformed is BAD_USER_INPUT naming it, then outside the jurisdiction FORBIDDEN — residence as household', async () => {
  const { run, written } = commands();
  const input = { idNumber: '-', name: '-', hukouVillageCode: FENG_V1 };
  expect(await refusal(run.registerElder({ ...input, hukouVillageCode: '3203' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'hukouVillageCode' });
  expect(await refusal(run.registerElder({ ...input, residenceVillageCode: PEI_V1 }))).toEqual({ code: 'FORBIDDEN', message: `residence village is outside your jurisdiction ${FENG}` });
  expect(await refusal(run.updateElder('Elder:7', { residenceVillageCode: '32032100100' }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'residenceVillageCode' });
  expect(await refusal(run.updateElder('Elder:7', { residenceVillageCode: PEI_V1 }))).toEqual({ code: 'FORBIDDEN', message: `residence village is outside your jurisdiction ${FENG}` });
  expect(written).toEqual([]);
});
