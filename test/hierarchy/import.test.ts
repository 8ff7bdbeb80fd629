/** The national division import: counts, idempotence, the NBS quirks, atomicity, and the database's own structure checks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importRegions, divisionDataDir } from '../../hierarchy/import.js';
import { countByLevel, divisionsUnder } from '../support/division-csv.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;

beforeEach(async () => {
  db = await createTestDatabase({ withXuzhou: false });
});
afterEach(async () => {
  await db.drop();
});

async function levelCounts(prefix: string): Promise<Record<string, number>> {
  const { rows } = await db.pool.query(
    `select level, count(*)::int as n from region where code like $1 || '%' group by level`,
    [prefix],
  );
  return Object.fromEntries(rows.map((r) => [r.level, r.n]));
}

test('a city import brings exactly the divisions of the national data under it, plus its province', async () => {
  const expected = divisionsUnder('3203');
  const report = await importRegions(db.pool, { kind: 'city', code: '3203' });

  expect(await levelCounts('3203')).toEqual(countByLevel(expected.values()));
  // The published figures for 徐州市 in this edition of the national data.
  expect(report.byLevel).toEqual({ CITY: 1, COUNTY: 11, TOWN: 186, VILLAGE: 2812 });
  expect(report.inserted).toBe(expected.size + 1);

  const { rows } = await db.pool.query(`select code, name, level, parent_code from region order by code`);
  const province = rows.shift();
  expect(province).toEqual({ code: '320000000000', name: '江苏省', level: 'PROVINCE', parent_code: null });
  for (const row of rows) {
    const source = expected.get(row.code);
    expect(source).toBeDefined();
    expect([row.name, row.level]).toEqual([source!.name, source!.level]);
  }
  // Every parent is present and is the region one level up in the code structure.
  const orphans = await db.pool.query(
    `select c.code from region c left join region p on p.code = c.parent_code where c.parent_code is not null and p.code is null`,
  );
  expect(orphans.rows).toEqual([]);
});

test('importing twice changes nothing; a changed name is updated and only that row is touched', async () => {
  const first = await importRegions(db.pool, { kind: 'city', code: '3203' });
  const before = await db.pool.query(`select code, name, updated_at from region order by code`);

  const second = await importRegions(db.pool, { kind: 'city', code: '3203' });
  expect(second).toMatchObject({ inserted: 0, updated: 0, unchanged: first.inserted, sourceRows: first.sourceRows });
  const after = await db.pool.query(`select code, name, updated_at from region order by code`);
  expect(after.rows).toEqual(before.rows);

  await db.pool.query(`update region set name = '改过的名字' where code = '320321000000'`);
  const third = await importRegions(db.pool, { kind: 'city', code: '3203' });
  expect(third).toMatchObject({ inserted: 0, updated: 1 });
  const { rows } = await db.pool.query(`select name from region where code = '320321000000'`);
  expect(rows[0].name).toBe('丰县');
});

test('cities without counties (东莞) and placeholder rows (金门县) are imported once, in a consistent tree', async () => {
  const guangdong = await importRegions(db.pool, { kind: 'province', code: '44' });
  const fujian = await importRegions(db.pool, { kind: 'province', code: '35' });

  for (const [prefix, report] of [['44', guangdong], ['35', fujian]] as const) {
    const expected = divisionsUnder(prefix);
    expect(await levelCounts(prefix)).toEqual(countByLevel(expected.values()));
    expect(report.skippedPlaceholders).toBe(report.sourceRows - expected.size);
  }
  expect(guangdong.skippedPlaceholders).toBeGreaterThanOrEqual(2); // 东莞市, 中山市 county rows
  const dongguanTown = await db.pool.query(
    `select t.level, p.name as parent, p.level as parent_level from region t join region p on p.code = t.parent_code
     where t.code = '441900003000'`,
  );
  expect(dongguanTown.rows).toEqual([{ level: 'TOWN', parent: '东莞市', parent_level: 'CITY' }]);
});

test('a failing import writes nothing', async () => {
  await importRegions(db.pool, { kind: 'city', code: '3203' });
  const before = await db.pool.query(`select count(*)::int as n from region`);

  // A copy of the source in which one village sits under a town that does not exist.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-bad-csv-'));
  for (const file of fs.readdirSync(divisionDataDir()).filter((f) => f.endsWith('.csv'))) {
    fs.copyFileSync(path.join(divisionDataDir(), file), path.join(dir, file));
  }
  fs.appendFileSync(path.join(dir, 'villages.csv'), '320399999001,"不存在的村",320399999,32,3203,320399\n');
  await expect(importRegions(db.pool, { kind: 'province', code: '32' }, () => {}, dir)).rejects.toThrow(/foreign key/);
  fs.rmSync(dir, { recursive: true, force: true });

  const after = await db.pool.query(`select count(*)::int as n from region`);
  expect(after.rows[0].n).toBe(before.rows[0].n);
});

test('PostgreSQL itself rejects a region whose level or parent does not follow from its code', async () => {
  await importRegions(db.pool, { kind: 'city', code: '3203' });
  await expect(
    db.pool.query(`insert into region (code, parent_code, level, name) values ('320321100999', '320321100000', 'TOWN', 'x')`),
  ).rejects.toThrow(/region_level_matches_code/);
  await expect(
    db.pool.query(`insert into region (code, parent_code, level, name) values ('320321100999', '320322100000', 'VILLAGE', 'x')`),
  ).rejects.toThrow(/region_parent_matches_code/);
  await expect(
    db.pool.query(`insert into region (code, parent_code, level, name) values ('3203211009', '320321100000', 'VILLAGE', 'x')`),
  ).rejects.toThrow(/check constraint/);
});
