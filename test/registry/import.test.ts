/** The bulk import: validation per row, rejected-row report, idempotent re-run, scope; and the CLI end to end. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tolerateDropTermination } from './support.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { RegistryService } from '../../registry/registry.js';
import { importRegistryCsv, rejectedRowsCsv } from '../../registry/import.js';
import { projectRoot } from '../../platform/config.js';

const run = promisify(execFile);
const ELDERS = path.join(projectRoot, 'docs/samples/elders.csv');
const FACILITIES = path.join(projectRoot, 'docs/samples/facilities.csv');

let db: TestDatabase;
let registry: RegistryService;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  tolerateDropTermination(db.pool);
  registry = new RegistryService(db.pool, db.sql);
});
afterAll(() => db?.drop());

const count = async (table: string) => Number((await db.pool.query(`select count(*) from registry.${table}`)).rows[0].count);

test('elders: good rows imported, bad rows reported with line and every reason, no personal data in the report', async () => {
  const report = await importRegistryCsv(db.pool, registry, 'elders', ELDERS, { actor: 'test-import', withinPrefix: '320321' });
  expect(report).toMatchObject({ rows: 12, inserted: 4, unchanged: 0, rejected: 8, factsAppended: 3 });
  const byLine = Object.fromEntries(report.rejectedRows.map((r) => [r.line, r.reasons.join(' | ')]));
  expect(Object.keys(byLine).map(Number)).toEqual([6, 7, 8, 9, 10, 11, 12, 13]);
  expect(byLine[6]).toMatch(/outside the import scope/);
  expect(byLine[7]).toMatch(/id_number: .*check character/);
  expect(byLine[8]).toMatch(/^sex: /);
  expect(byLine[9]).toMatch(/^birthDate: /);
  expect(byLine[10]).toMatch(/hukou_village_code: no such village/);
  expect(byLine[11]).toMatch(/name: .*required/);
  expect(byLine[11]).toMatch(/phone: /);
  expect(byLine[11]).toMatch(/categories: an unknown category code/);
  expect(byLine[11]).not.toContain('UNKNOWN_CAT'); // cells are never repeated (a shifted column puts a phone number there)
  expect(byLine[12]).toMatch(/the same person as line 2/);
  expect(byLine[13]).toMatch(/id_number: .*18 characters/);
  expect(byLine[13]).toMatch(/hukou_village_code/);
  const csv = rejectedRowsCsv(report);
  expect(csv.split('\n')[0]).toBe('line,key,reasons');
  expect(csv).toContain('3203**********0111');
  expect(csv).not.toMatch(/[0-9]{17}[0-9X]/);
  expect(csv).not.toContain('赵错号');
  // The legacy 15-digit number was converted; the categories were appended as memberships.
  const legacy = await registry.elderByIdNumber('320321380101021');
  expect(legacy).toMatchObject({ birthDate: '1938-01-01', sex: 'MALE' });
  expect(await count('category_membership')).toBe(3);
});

test('re-running the same file imports nothing new', async () => {
  const before = { elders: await count('elder'), categories: await count('category_membership') };
  const report = await importRegistryCsv(db.pool, registry, 'elders', ELDERS, { actor: 'test-import', withinPrefix: '320321' });
  expect(report).toMatchObject({ inserted: 0, unchanged: 4, rejected: 8, factsAppended: 0 });
  expect({ elders: await count('elder'), categories: await count('category_membership') }).toEqual(before);
  // Without the scope restriction, the 沛县 row is imported, the others stay as they are.
  const all = await importRegistryCsv(db.pool, registry, 'elders', ELDERS, { actor: 'test-import' });
  expect(all).toMatchObject({ inserted: 1, unchanged: 4, rejected: 7, factsAppended: 1 });
});

test('facilities: type, village, beds and ratings validated; facts appended once', async () => {
  const report = await importRegistryCsv(db.pool, registry, 'facilities', FACILITIES, { actor: 'test-import' });
  expect(report).toMatchObject({ rows: 7, inserted: 4, rejected: 3, factsAppended: 4 });
  const byLine = Object.fromEntries(report.rejectedRows.map((r) => [r.line, r.reasons.join(' | ')]));
  expect(byLine[6]).toMatch(/type: an unknown facility type/);
  expect(byLine[7]).toMatch(/occupied_beds: more than actual_beds/);
  expect(byLine[7]).toMatch(/star_level/);
  expect(byLine[8]).toMatch(/village_code: no such village/);
  const again = await importRegistryCsv(db.pool, registry, 'facilities', FACILITIES, { actor: 'test-import' });
  expect(again).toMatchObject({ inserted: 0, unchanged: 4, factsAppended: 0 });
  expect(await count('bed_inventory')).toBe(2);
  expect(await count('facility_rating')).toBe(2);
  // A credit code is one facility's: a second facility with it, in the file or registered, is that
  // row's problem — the other rows are imported (it failed the whole import)
  const file = path.join(os.tmpdir(), `uscc-${process.pid}.csv`);
  const header = 'name,type,village_code,operating_model,uscc';
  fs.writeFileSync(file, `${header}
丰县第二照料中心,DAY_CARE_CENTRE,320321001001,PUBLIC_BUILT_PUBLIC_RUN,91320321MA1XYW1234
` +
    `丰县新照料中心,DAY_CARE_CENTRE,320321001001,PUBLIC_BUILT_PUBLIC_RUN,91320321MA1XYW9999
丰县新照料中心二,DAY_CARE_CENTRE,320321001001,PUBLIC_BUILT_PUBLIC_RUN,91320321MA1XYW9999
`);
  const dup = await importRegistryCsv(db.pool, registry, 'facilities', file, { actor: 'test-import' });
  expect(dup).toMatchObject({ rows: 3, inserted: 1, rejected: 2 });
  expect(Object.fromEntries(dup.rejectedRows.map((r) => [r.line, r.reasons.join(' | ')]))).toEqual({ 2: 'uscc: registered already for another facility', 4: 'uscc: the same as line 3' });
  fs.unlinkSync(file);
});

test('a row whose columns shifted (a comma in a name) reports its problems without the cells it saw', async () => {
  const file = path.join(os.tmpdir(), `shifted-${process.pid}.csv`);
  fs.writeFileSync(file, 'id_number,name,sex,hukou_village_code,categories\n320321194001010111,王,秀英,320321001001,13912345678\n');
  const report = await importRegistryCsv(db.pool, registry, 'elders', file, { actor: 't', withinPrefix: '320321' });
  const reasons = report.rejectedRows.flatMap((r) => r.reasons).join(' | ');
  expect(reasons).toMatch(/sex: not 男\/女/);
  expect(reasons).not.toMatch(/秀英|13912345678/);
  fs.unlinkSync(file);
});

test('a file csv-parse cannot read is refused naming the line and the code, never the cell (the CLI logs it)', async () => {
  const file = path.join(os.tmpdir(), `broken-quote-${process.pid}.csv`);
  fs.writeFileSync(file, 'id_number,name,hukou_village_code,phone\n320321194001010111,张三,320321001001,"13912345678"x\n');
  const refused = importRegistryCsv(db.pool, registry, 'elders', file, { actor: 't' });
  await expect(refused).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/line 2 \(CSV_/) });
  await expect(refused).rejects.toMatchObject({ message: expect.not.stringContaining('13912345678') });
  fs.unlinkSync(file);
});

test('a file without the required columns is refused as a whole', async () => {
  const file = path.join(os.tmpdir(), `bad-header-${process.pid}.csv`);
  fs.writeFileSync(file, 'name,village\n张三,320321001001\n');
  await expect(importRegistryCsv(db.pool, registry, 'elders', file, { actor: 't' })).rejects.toThrow(/lacks required column\(s\): id_number, hukou_village_code/);
  fs.unlinkSync(file);
});

test('the CLI: npm run import:registry writes the report and exits 2 when rows were rejected', async () => {
  const target = await createTestDatabase({ withXuzhou: true });
  tolerateDropTermination(target.pool);
  const report = path.join(os.tmpdir(), `rejected-${process.pid}.csv`);
  try {
    const cli = path.join(projectRoot, 'dist/scripts/import-registry.js');
    const env = { ...process.env, DATABASE_URL: target.url, LOG_LEVEL: 'warn' };
    const first = await run(process.execPath, [cli, '--elders', ELDERS, '--report', report, '--within', '320321'], { env }).catch((e) => e);
    expect(first.code).toBe(2);
    expect(first.stdout).toMatch(/Read 12 elders rows .* 4 inserted, 0 already registered, 8 rejected/);
    expect(fs.readFileSync(report, 'utf8').trim().split('\n')).toHaveLength(9);
    const second = await run(process.execPath, [cli, '--elders', ELDERS, '--report', report, '--within', '320321'], { env }).catch((e) => e);
    expect(second.stdout).toMatch(/0 inserted, 4 already registered/);
    const usage = await run(process.execPath, [cli], { env }).catch((e) => e);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/exactly one of --elders/);
  } finally {
    fs.rmSync(report, { force: true });
    await target.drop();
  }
});

test('--within: the residence village must lie in the import scope as well as the household village', async () => {
  const file = path.join(os.tmpdir(), `residence-${process.pid}.csv`);
  const { idNumber } = await import('./support.js');
  const outside = idNumber('1941-08-08', 'MALE', '320321');
  const inside = idNumber('1941-08-09', 'FEMALE', '320321');
  fs.writeFileSync(file, `id_number,name,hukou_village_code,residence_village_code\n${outside},外住,320321001001,320322001203\n${inside},内住,320321001001,320321107205\n`);
  const before = await count('elder');
  const report = await importRegistryCsv(db.pool, registry, 'elders', file, { actor: 'import:feng', withinPrefix: '320321' });
  expect(report).toMatchObject({ inserted: 1, rejected: 1 });
  expect(report.rejectedRows).toEqual([{ line: 2, key: expect.any(String), reasons: ['residence_village_code: outside the import scope 320321'] }]);
  expect(await registry.elderByIdNumber(outside)).toBeNull();
  expect(await count('elder')).toBe(before + 1);
  fs.unlinkSync(file);
});

test('a category valid from before the birth is a problem of its row, as in addElderCategory', async () => {
  const file = path.join(os.tmpdir(), `unborn-${process.pid}.csv`);
  const { idNumber } = await import('./support.js');
  const number = idNumber('1942-09-09', 'FEMALE', '320321');
  fs.writeFileSync(file, `id_number,name,hukou_village_code,categories\n${number},早登,320321001001,DIBAO:1942-09-08\n`);
  const [elders, memberships] = [await count('elder'), await count('category_membership')];
  const report = await importRegistryCsv(db.pool, registry, 'elders', file, { actor: 'import:feng', withinPrefix: '320321' });
  expect(report).toMatchObject({ inserted: 0, rejected: 1, factsAppended: 0 });
  expect(report.rejectedRows[0]!.reasons).toEqual(['categories: valid from before the birth date']);
  expect([await count('elder'), await count('category_membership')]).toEqual([elders, memberships]);
  fs.unlinkSync(file);
});

test('a category is never held twice at once through the import either, and a record registered outside the import scope is not the import\'s', async () => {
  const file = path.join(os.tmpdir(), `categories-${process.pid}.csv`);
  const { idNumber } = await import('./support.js');
  const feng = idNumber('1939-03-03', 'FEMALE', '320321');
  fs.writeFileSync(file, `id_number,name,hukou_village_code,categories\n${feng},孙九,320321001001,DIBAO:2024-01-01;DIBAO:2024-06-01;DIBAO:2024-06-01\n`);
  const first = await importRegistryCsv(db.pool, registry, 'elders', file, { actor: 't', withinPrefix: '320321' });
  expect(first).toMatchObject({ inserted: 1, factsAppended: 1, factsSkipped: 2 });
  const elder = await registry.elderByIdNumber(feng);
  const held = await db.pool.query(`select category, valid_from::text from registry.category_membership where elder_id = $1`, [elder!.id]);
  expect(held.rows).toEqual([{ category: 'DIBAO', valid_from: '2024-01-01' }]);
  // a 沛县 elder in a 丰县 file: the stored record is 沛县's, so nothing is appended to it
  const pei = idNumber('1939-04-04', 'MALE', '320322');
  await registry.registerElder({ idNumber: pei, name: '周十', hukouVillageCode: '320322001203' }, 't');
  fs.writeFileSync(file, `id_number,name,hukou_village_code,categories\n${pei},周十,320321001001,NEAR_DIBAO:2024-01-01\n`);
  const foreign = await importRegistryCsv(db.pool, registry, 'elders', file, { actor: 'import:feng', withinPrefix: '320321' });
  expect(foreign).toMatchObject({ rejected: 1, factsAppended: 0 });
  expect(foreign.rejectedRows[0]!.reasons.join(' ')).toMatch(/registered already, outside the import scope/);
  const peiElder = await registry.elderByIdNumber(pei);
  expect((await db.pool.query(`select count(*)::int as n from registry.category_membership where elder_id = $1`, [peiElder!.id])).rows[0].n).toBe(0);
  fs.unlinkSync(file);
});
