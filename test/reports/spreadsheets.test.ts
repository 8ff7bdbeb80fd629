/**
 * XLSX read back with exceljs (the library that wrote it) and CSV parsed back: Chinese headers, a
 * frozen header row, yuan number formats, every value equal to the ledger's (exact to the fen), the
 * 合计 row, and trails equal to LedgerQueries.trail for every payment.
 */
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { createBooksFixture, exportToBuffer, CITY, COUNTY, type BooksFixture } from './support.js';
import { fenToYuan, yuanToFen } from '../../ledger/reports/index.js';
import type { TransactionRecord } from '../../ledger/types.js';

let fx: BooksFixture;
beforeAll(async () => {
  fx = await createBooksFixture();
}, 60_000);
afterAll(() => fx?.db.drop());

/** The transactions the API would list for the region's subtree (region or counterpart inside), in chain order. */
async function ledgerTransactions(region: string, from?: string, to?: string): Promise<TransactionRecord[]> {
  return fx.queries.transactions({ regionCode: region, includeDescendants: true, effectiveFrom: from ?? null, effectiveTo: to ?? null }, 10_000, null);
}

async function readWorkbook(bytes: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  return workbook;
}

const rowValues = (sheet: ExcelJS.Worksheet, n: number) => (sheet.getRow(n).values as ExcelJS.CellValue[]).slice(1);

describe('XLSX of transactions (序时账)', () => {
  let sheet: ExcelJS.Worksheet;
  let workbook: ExcelJS.Workbook;
  let txs: TransactionRecord[];
  beforeAll(async () => {
    const { bytes, start } = await exportToBuffer(fx, { region: CITY, format: 'xlsx' });
    workbook = await readWorkbook(bytes);
    sheet = workbook.getWorksheet('序时账')!;
    txs = await ledgerTransactions(CITY);
    expect(start.rows).toBe(txs.reduce((n, t) => n + t.postings.length, 0));
  });

  test('sheets, Chinese headers, frozen header row, widths', () => {
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['序时账', '说明']);
    const headers = rowValues(sheet, 1);
    expect(headers.slice(0, 5)).toEqual(['交易序号', '记账日期', '交易类型', '文号', '资金线']);
    expect(headers).toContain('借方金额(元)');
    expect(headers).toContain('贷方金额(元)');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getColumn(4).width).toBeGreaterThanOrEqual(20);
    expect(sheet.getRow(1).font?.bold).toBe(true);
  });

  test('one row per posting, values exactly the ledger’s, amounts formatted #,##0.00, dates as dates', () => {
    const headers = rowValues(sheet, 1) as string[];
    const col = (name: string) => headers.indexOf(name) + 1;
    const expected = txs.flatMap((t) => t.postings.map((p) => ({ t, p })));
    expect(sheet.actualRowCount).toBe(expected.length + 2); // header + rows + 合计
    expected.forEach(({ t, p }, i) => {
      const row = sheet.getRow(i + 2);
      expect(row.getCell(col('交易序号')).value).toBe(Number(t.seq));
      expect(row.getCell(col('记账日期')).value).toEqual(new Date(`${t.effectiveDate}T00:00:00Z`));
      expect(row.getCell(col('文号')).value ?? null).toBe(t.documentNo);
      expect(row.getCell(col('交易哈希')).value).toBe(t.hash);
      const debit = row.getCell(col('借方金额(元)'));
      const credit = row.getCell(col('贷方金额(元)'));
      const [amountCell, absolute] = p.amount > 0n ? [debit, p.amount] : [credit, -p.amount];
      expect(amountCell.value).toBe(Number(fenToYuan(absolute)));
      expect(yuanToFen(String(amountCell.value))).toBe(absolute);
      expect(amountCell.numFmt).toBe('#,##0.00');
      expect((p.amount > 0n ? credit : debit).value ?? null).toBeNull();
    });
  });

  test('the 合计 row: SUM formulas whose results are the exact totals, debits equal credits', () => {
    const headers = rowValues(sheet, 1) as string[];
    const total = sheet.getRow(sheet.actualRowCount);
    expect(total.getCell(1).value).toBe('合计');
    const debit = total.getCell(headers.indexOf('借方金额(元)') + 1).value as ExcelJS.CellFormulaValue;
    const credit = total.getCell(headers.indexOf('贷方金额(元)') + 1).value as ExcelJS.CellFormulaValue;
    expect(debit.formula).toMatch(/^SUM\([A-Z]+2:[A-Z]+\d+\)$/);
    const expected = txs.flatMap((t) => t.postings).reduce((sum, p) => (p.amount > 0n ? sum + p.amount : sum), 0n);
    expect(yuanToFen(String(debit.result))).toBe(expected);
    expect(yuanToFen(String(credit.result))).toBe(expected);
  });

  test('the 说明 sheet names the region, period, row count and chain head', () => {
    const notes = new Map<string, string>();
    workbook.getWorksheet('说明')!.eachRow((row) => notes.set(String(row.getCell(1).value), String(row.getCell(2).value)));
    expect(notes.get('地区')).toContain('徐州市 320300000000');
    expect(notes.get('行数')).toBe(String(sheet.actualRowCount - 2));
    expect(notes.get('链头')).toContain(`seq ${txs[txs.length - 1]!.seq}`);
  });
});

describe('CSV', () => {
  test('transactions parse back: BOM, Chinese headers, every posting, exact yuan text, formula-looking text defused', async () => {
    const { bytes } = await exportToBuffer(fx, { region: COUNTY, from: '2026-03-06', to: '2026-04-30', format: 'csv' });
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const records = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    const txs = await ledgerTransactions(COUNTY, '2026-03-06', '2026-04-30');
    const postings = txs.flatMap((t) => t.postings.map((p) => ({ t, p })));
    expect(records).toHaveLength(postings.length);
    expect(Object.keys(records[0]!).slice(0, 4)).toEqual(['交易序号', '记账日期', '交易类型', '文号']);
    records.forEach((r, i) => {
      const { t, p } = postings[i]!;
      expect([r['交易序号'], r['记账日期'], r['资金批次']]).toEqual([t.seq, t.effectiveDate, p.lotId]);
      const signed = r['借方金额(元)'] ? yuanToFen(r['借方金额(元)']!) : -yuanToFen(r['贷方金额(元)']!);
      expect(signed).toBe(p.amount);
      expect(r['借方金额(元)'] || r['贷方金额(元)']).toMatch(/^[0-9]+\.[0-9]{2}$/);
    });
    // A county sees its own transactions and the city's allocations to it, nothing of 沛县.
    expect(records.every((r) => r['交易地区代码']!.startsWith('320321') || txs.some((t) => t.seq === r['交易序号'] && t.counterpartRegionCode?.startsWith('320321')))).toBe(true);
    expect(records.some((r) => r['对方地区'] === '沛县' || r['账户地区代码']!.startsWith('320322'))).toBe(false);
    expect(records.filter((r) => r['摘要']!.includes('公式注入')).every((r) => r['摘要']!.startsWith("'="))).toBe(true);
    const total = records.reduce((sum, r) => sum + (r['借方金额(元)'] ? yuanToFen(r['借方金额(元)']!) : 0n), 0n);
    expect(total).toBe(records.reduce((sum, r) => sum + (r['贷方金额(元)'] ? yuanToFen(r['贷方金额(元)']!) : 0n), 0n));
  });

  test('trails: for every payment, the same steps as LedgerQueries.trail (depth, seq, lot, amount)', async () => {
    const { bytes, start } = await exportToBuffer(fx, { region: CITY, format: 'csv', what: 'trail' });
    const records = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(start.rows);
    const bySeq = new Map<string, Record<string, string>[]>();
    for (const r of records) bySeq.set(r['支付交易序号']!, [...(bySeq.get(r['支付交易序号']!) ?? []), r]);
    const payments = (await fx.queries.transactionsById(fx.payments));
    expect([...bySeq.keys()].sort()).toEqual(payments.map((p) => p.seq).sort());
    for (const payment of payments) {
      const steps = await fx.queries.trail(payment.id);
      const expected = steps.map((s) => [String(s.depth), s.transaction.seq, s.lot.id, fenToYuan(s.transaction.postings.reduce((m, p) => (p.amount > m ? p.amount : m), 0n))]);
      expect(bySeq.get(payment.seq)!.map((r) => [r['步骤'], r['交易序号'], r['资金批次'], r['金额(元)']])).toEqual(expected);
      expect(steps.length).toBeGreaterThanOrEqual(4); // payment, receipt, allocation, appropriation at least
    }
  });

  test('trails as XLSX: same rows as the CSV', async () => {
    const csv = parse((await exportToBuffer(fx, { region: COUNTY, format: 'csv', what: 'trail' })).bytes, { bom: true }) as string[][];
    const sheet = (await readWorkbook((await exportToBuffer(fx, { region: COUNTY, format: 'xlsx', what: 'trail' })).bytes)).getWorksheet('资金溯源')!;
    expect(sheet.actualRowCount).toBe(csv.length);
    expect(rowValues(sheet, 1)).toEqual(csv[0]);
    const seqs = csv.slice(1).map((r) => r[7]);
    expect(Array.from({ length: csv.length - 1 }, (_, i) => String(sheet.getRow(i + 2).getCell(8).value))).toEqual(seqs);
  });
});
