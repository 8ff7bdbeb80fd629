/** Personal values never reach the server log: the request log, error logs, nothing. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createApp } from '../../api/server.js';
import { secretKeySet } from '../../auth/tokens.js';
import { authHeader, TEST_JWT_SECRET } from '../support/api.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { CITY, FENG_V1, idNumber, tolerateDropTermination } from './support.js';

let db: TestDatabase;
const lines: string[] = [];
let url: string;
let stop: () => Promise<void>;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  tolerateDropTermination(db.pool);
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  const app = await createApp({ pool: db.pool, sql: db.sql, log: pino({ level: 'trace' }, sink), production: false, keySet: secretKeySet(TEST_JWT_SECRET) });
  url = await app.listen(0, '127.0.0.1');
  stop = () => app.stop();
});
afterAll(async () => {
  await stop?.();
  await db?.drop();
});

async function gql(query: string, variables: Record<string, unknown>) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(await authHeader(['AUDITOR', 'CITY_ADMIN'], CITY)) }, body: JSON.stringify({ query, variables }) });
  return response.json() as Promise<{ data?: any; errors?: any[] }>;
}

test('registering, duplicating, mistyping and unmasking leave no ID number, name or phone in the log', async () => {
  const number = idNumber('1941-01-01', 'FEMALE');
  const input = { idNumber: number, name: '隐私测试', hukouVillageCode: FENG_V1, phone: '13912345678' };
  const reg = await gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: input });
  expect(reg.errors).toBeUndefined();
  const dup = await gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: input });
  expect(dup.errors![0].extensions.code).toBe('ALREADY_EXISTS');
  const wrong = await gql(`mutation ($i: RegisterElderInput!) { registerElder(input: $i) { id } }`, { i: { ...input, idNumber: number.slice(0, 17) + (number[17] === '1' ? '2' : '1') } });
  expect(wrong.errors![0].extensions.code).toBe('BAD_USER_INPUT');
  const clear = await gql(`query ($id: ID!) { elder(id: $id) { personal(reason: "日志检查") { idNumber name phone } } }`, { id: reg.data.registerElder.id });
  expect(clear.data.elder.personal.idNumber).toBe(number);
  const lookup = await gql(`query ($n: String!) { elderByIdNumber(idNumber: $n, reason: "核对身份") { id } }`, { n: number });
  expect(lookup.data.elderByIdNumber.id).toBe(reg.data.registerElder.id);
  const log = lines.join('');
  expect(lines.length).toBeGreaterThanOrEqual(5);
  for (const secret of [number, number.slice(0, 17), '隐私测试', '13912345678']) expect(log).not.toContain(secret);
  for (const response of [dup, wrong]) expect(JSON.stringify(response)).not.toContain(number.slice(6, 14));
});
