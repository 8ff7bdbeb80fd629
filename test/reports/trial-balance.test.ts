/**
 * what=trial-balance: a month's 试算平衡表 downloaded as XLSX and CSV, read back, every figure equal
 * to the API's `trialBalance(includeDescendants: true)`; the access-log row; the input it refuses.
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { startTestApi, tokenFor, type TestApi } from '../support/api.js';
import { createBooksFixture, CITY, COUNTY, type BooksFixture } from './support.js';
import { yuanToFen } from '../../ledger/reports/index.js';
import { fromGlobalId } from '../../api/relay.js';

let fx: BooksFixture;
let api: TestApi;
beforeAll(async () => {
  fx = await createBooksFixture();
  api = await startTestApi(fx.db);
}, 60_000);
afterAll(async () => {
  await api?.close();
  await fx?.db.drop();
});

const FUND_LINE = 'SENIOR_ALLOWANCE';
const ACCOUNT_KIND_ZH: Record<string, string> = { FUNDING_SOURCE: '资金来源', AVAILABLE: '可用资金', IN_TRANSIT_DOWN: '在途下拨', EXPENDITURE: '支出' };

async function download(query: Record<string, string>) {
  const token = await tokenFor('AUDITOR', COUNTY);
  const url = `${api.url.replace(/\/graphql$/, '')}/exports/books?${new URLSearchParams(query)}`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The API's lines as [kind, lot, opening, debits, credits, closing] (fen as text). */
async function apiLines(regionCode: string, month: string): Promise<string[][]> {
  const res = await api.as('AUDITOR', COUNTY).gql(
    `query ($r: String!, $f: String!, $m: String!) { trialBalance(regionCode: $r, fundLine: $f, month: $m, includeDescendants: true) {
       lines { accountKind lotId opening debits credits closing } } }`,
    { r: regionCode, f: FUND_LINE, m: month },
  );
  expect(res.errors).toBeUndefined();
  return res.data!.trialBalance.lines.map((l: Record<string, string | null>) => [l.accountKind!, l.lotId ? fromGlobalId(l.lotId).key : '', l.opening!, l.debits!, l.credits!, l.closing!]);
}

const HEADERS = ['科目', '科目代码', '资金批次', '期初余额(元)', '借方(元)', '贷方(元)', '期末余额(元)'];

describe.each([['2026-03'], ['2026-04']])('trial balance of 丰县 for %s', (month) => {
  test('CSV: Chinese headers, yuan with two decimals, figures equal trialBalance over GraphQL', async () => {
    const res = await download({ region: '320321', what: 'trial-balance', fundLine: FUND_LINE, month, format: 'csv' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`sunshine-${COUNTY}-trial-balance-${month}-01-${month}-`);
    const rows = parse(res.bytes, { bom: true }) as string[][];
    expect(rows[0]).toEqual(HEADERS);
    const expected = await apiLines(COUNTY, month);
    expect(expected.length).toBeGreaterThan(0);
    expect(Number(res.headers.get('x-sunshine-rows'))).toBe(expected.length);
    for (const row of rows.slice(1)) for (const amount of row.slice(3)) expect(amount).toMatch(/^-?[0-9]+\.[0-9]{2}$/);
    expect(rows.slice(1).map((r) => [r[1]!, r[2]!, ...r.slice(3).map((y) => String(yuanToFen(y)))])).toEqual(expected);
    expect(rows.slice(1).map((r) => r[0])).toEqual(expected.map((l) => ACCOUNT_KIND_ZH[l[0]!]));
  });

  test('XLSX: sheet 试算平衡表, amounts as yuan numbers #,##0.00, equal trialBalance over GraphQL', async () => {
    const res = await download({ region: COUNTY, what: 'trial-balance', fundLine: FUND_LINE, month, format: 'xlsx' });
    expect(res.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.bytes as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('试算平衡表')!;
    const values = (n: number) => (sheet.getRow(n).values as ExcelJS.CellValue[]).slice(1);
    expect(values(1)).toEqual(HEADERS);
    const expected = await apiLines(COUNTY, month);
    expect(sheet.actualRowCount).toBe(expected.length + 1); // no 合计 row: lot rows repeat their kind's total
    expected.forEach((line, i) => {
      const row = values(i + 2);
      expect(row[1]).toBe(line[0]);
      expect(row[2] == null ? '' : String(row[2])).toBe(line[1]);
      const fen = row.slice(3, 7).map((v) => String(yuanToFen(typeof v === 'number' ? v.toFixed(2) : String(v))));
      expect(fen).toEqual(line.slice(2));
      expect(sheet.getRow(i + 2).getCell(4).numFmt).toBe('#,##0.00');
    });
  });
});

test('the export is in the access log, with its month as the period', async () => {
  const res = await download({ region: CITY, what: 'trial-balance', fundLine: FUND_LINE, month: '2026-02', format: 'csv', reason: '月度核对' });
  expect(res.status).toBe(403); // the county's auditor may not read the city's books
  const ok = await download({ region: COUNTY, what: 'trial-balance', fundLine: FUND_LINE, month: '2026-02', format: 'csv', reason: '月度核对' });
  expect(ok.status).toBe(200);
  expect(parse(ok.bytes, { bom: true })).toHaveLength(1); // nothing before March: headers only
  const { rows } = await fx.db.pool.query(`select *, row_count::int as rows, period_from::text as pf, period_to::text as pt from registry.access_log where id = $1`, [ok.headers.get('x-sunshine-access-log-id')]);
  expect(rows[0]).toMatchObject({ entity_type: 'LedgerExport', region_code: COUNTY, fields: ['trial-balance'], export_format: 'csv', reason: '月度核对', rows: 0, pf: '2026-02-01', pt: '2026-02-28' });
});

test.each([
  [{ fundLine: FUND_LINE, format: 'csv' }, 'month'],
  [{ month: '2026-03', format: 'csv' }, 'fundLine'],
  [{ fundLine: FUND_LINE, month: '2026-13', format: 'csv' }, 'month'],
  [{ fundLine: FUND_LINE, month: '0000-01', format: 'csv' }, 'month'], // (was a 500: PostgreSQL has no year 0)
  [{ fundLine: FUND_LINE, month: '1000-01', format: 'csv' }, 'month'], // outside the API's date range
  [{ fundLine: FUND_LINE, month: '2026-03', format: 'hledger' }, 'format'],
  [{ fundLine: FUND_LINE, month: '2026-03', from: '2026-03-01', format: 'csv' }, 'from'],
])('refused before any byte: %o → BAD_USER_INPUT on %s', async (query, field) => {
  const res = await download({ region: COUNTY, what: 'trial-balance', ...query });
  expect(res.status).toBe(400);
  const body = JSON.parse(res.bytes.toString());
  expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
});
