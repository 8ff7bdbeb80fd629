/**
 * The tagged-template SQL builder of platform/sql.ts: values become numbered parameters in the order
 * they appear, fragments compose, a Param is bound once, and what it builds runs on PostgreSQL with
 * the values PostgreSQL receives (not spliced text: a quote or a semicolon stays data).
 */
import { join, param, queryRows, raw, sql } from '../../platform/sql.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
});
afterAll(() => db.drop());

test('values become $1, $2 … in the order they appear', () => {
  expect(sql`select ${1}::int + ${2}::int as n`.build()).toEqual({ text: 'select $1::int + $2::int as n', values: [1, 2] });
});

test('a fragment inside another is inlined and numbered with the outer values', () => {
  const level = sql`r.level = ${'COUNTY'}`;
  const built = sql`select code from region r where r.code > ${'320300000000'} and ${level} limit ${5}`.build();
  expect(built).toEqual({ text: 'select code from region r where r.code > $1 and r.level = $2 limit $3', values: ['320300000000', 'COUNTY', 5] });
});

test('a Param used twice is one parameter; a plain value used twice is two', () => {
  const prefix = param('3203');
  expect(sql`c between ${prefix} and rpad(${prefix}, 12, '9') and d = ${'x'} and e = ${'x'}`.build()).toEqual({
    text: "c between $1 and rpad($1, 12, '9') and d = $2 and e = $3",
    values: ['3203', 'x', 'x'],
  });
});

test('a Param keeps its number across nested fragments', () => {
  const p = param(7);
  const inner = sql`b = ${p}`;
  expect(sql`a = ${'a'} and ${inner} and c = ${p}`.build()).toEqual({ text: 'a = $1 and b = $2 and c = $2', values: ['a', 7] });
});

test('join puts plain text between fragments; none gives empty text', () => {
  const conditions = [sql`a = ${1}`, sql`b = ${2}`, raw('c is null')];
  expect(join(conditions, ' and ').build()).toEqual({ text: 'a = $1 and b = $2 and c is null', values: [1, 2] });
  expect(join([], ' and ').build()).toEqual({ text: '', values: [] });
  expect(join([sql`x = ${3}`], ', ').build()).toEqual({ text: 'x = $1', values: [3] });
});

test('raw text is inserted as is, with no parameter', () => {
  expect(sql`select ${raw('r.code, r.name')} from region r where r.code = ${'1'}`.build()).toEqual({ text: 'select r.code, r.name from region r where r.code = $1', values: ['1'] });
});

test('a built query runs on PostgreSQL: composed conditions, a repeated Param, arrays', async () => {
  const prefix = param('3203');
  const where = join([sql`r.code between ${prefix} and rpad(${prefix}, 12, '9')`, sql`r.level = ${'COUNTY'}`, sql`r.code = any(${['320302000000', '320303000000', '110101000000']}::text[])`], ' and ');
  const rows = await queryRows<{ code: string }>(db.sql, sql`select r.code from region r where ${where} order by r.code`);
  expect(rows.map((r) => r.code)).toEqual(['320302000000', '320303000000']);
});

test('values stay data: a quote and a semicolon are compared, not executed', async () => {
  const hostile = "x'; drop table region; --";
  const rows = await queryRows<{ n: number }>(db.sql, sql`select count(*)::int as n from region where name = ${hostile}`);
  expect(rows[0]!.n).toBe(0);
  const [still] = await queryRows<{ n: number }>(db.sql, sql`select count(*)::int as n from region where code like ${'3203%'}`);
  expect(still!.n).toBeGreaterThan(3000);
});

test('a fragment with text parts that do not match its values is refused', async () => {
  const { SqlFragment } = await import('../../platform/sql.js');
  expect(() => new SqlFragment(['a', 'b'], [])).toThrow(/one more text part/);
});
