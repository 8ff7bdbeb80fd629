/** Unmasking is for looking at individuals, not for export: a cap per request and a daily quota per subject, counted from the access log. */
import { errorCodes, useXuzhouApi } from '../support/api.js';
import { CITY, FENG_V1, idNumber, registerElder, tolerateDropTermination } from './support.js';

const live = useXuzhouApi();
beforeAll(() => tolerateDropTermination(live.db.pool));
afterEach(() => {
  delete process.env.SUNSHINE_UNMASK_DAILY_LIMIT;
});

const count = async () => Number((await live.db.pool.query(`select count(*) from registry.access_log`)).rows[0].count);

test('at most 100 records in clear per request; over it → RATE_LIMITED', async () => {
  for (let i = 0; i < 101; i++) await registerElder(live.api, { idNumber: idNumber('1945-01-01'), name: '限额', hukouVillageCode: FENG_V1 });
  const q = (n: number) => live.api.as('AUDITOR', CITY).gql(`{ elders(first: ${n}) { nodes { personal(reason: "批量核查") { name } } } }`);
  const ok = await q(100);
  expect(ok.errors).toBeUndefined();
  expect(await count()).toBe(100);
  const tooMany = await q(101);
  expect(errorCodes(tooMany)).toContain('RATE_LIMITED');
  // nothing of it was read or logged: no clear value comes back beside the error
  expect(tooMany.data!.elders.nodes.every((n: { personal: unknown }) => n.personal === null)).toBe(true);
  expect(await count()).toBe(100);
});

test('a daily quota per subject, counted from the access log; over it nothing is read or logged', async () => {
  process.env.SUNSHINE_UNMASK_DAILY_LIMIT = '102';
  const elder = await registerElder(live.api, { idNumber: idNumber('1946-02-02'), name: '配额', hukouVillageCode: FENG_V1 });
  const one = () => live.api.as('AUDITOR', CITY, { subject: 'auditor-q' }).gql(`query ($id: ID!) { elder(id: $id) { personal(reason: "抽查") { name } } }`, { id: elder.id });
  // auditor@… read 100 records in the test above under another subject; this one starts at 0.
  expect((await one()).data!.elder.personal.name).toBe('配额');
  expect((await one()).errors).toBeUndefined();
  const before = await count();
  process.env.SUNSHINE_UNMASK_DAILY_LIMIT = '2';
  const third = await one();
  expect(errorCodes(third)).toEqual(['RATE_LIMITED']);
  expect(await count()).toBe(before);
});
