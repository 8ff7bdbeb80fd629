/**
 * XLSX of any table with exceljs's streaming writer (rows are committed as they are written:
 * constant memory): a frozen, bold header row with an auto-filter, column widths from the spec,
 * amounts as numbers in yuan with the number format #,##0.00 (the cell value is the exact amount:
 * see yuanCell), dates as dates (yyyy-mm-dd), a 合计 row with SUM formulas (and their results) under
 * the columns that total, and a second sheet 说明 describing the export.
 */
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { CellValue, Column, ExportNotes, Table } from './table.js';
import { fenToYuan, yuanCell } from './yuan.js';
import { drained } from '../../platform/streams.js';

const YUAN_FORMAT = '#,##0.00';

function xlsxCell(kind: Column<unknown>['kind'], value: CellValue): ExcelJS.CellValue {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'yuan':
      return yuanCell(BigInt(value));
    case 'integer': {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : String(value);
    }
    case 'date':
      return new Date(`${String(value)}T00:00:00Z`);
    default:
      return String(value);
  }
}

/** Column letter of a 1-based index (1 → A, 27 → AA). */
function columnLetter(index: number): string {
  let letters = '';
  for (let n = index; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

async function writeDataSheet<Row>(workbook: ExcelJS.stream.xlsx.WorkbookWriter, table: Table<Row>, out: Writable): Promise<number> {
  const last = columnLetter(table.columns.length);
  const sheet = workbook.addWorksheet(table.sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.autoFilter = `A1:${last}1`;
  sheet.columns = table.columns.map((c, i) => ({
    key: String(i),
    width: c.width,
    style: c.kind === 'yuan' ? { numFmt: YUAN_FORMAT } : c.kind === 'date' ? { numFmt: 'yyyy-mm-dd' } : {},
  }));
  const header = sheet.addRow(table.columns.map((c) => c.header));
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center' };
  header.commit();
  const totals = table.columns.map(() => 0n);
  let rows = 0;
  for await (const batch of table.batches) {
    for (const row of batch) {
      const values = table.columns.map((c, i) => {
        const value = c.value(row);
        if (c.total && value !== null) totals[i]! += BigInt(value);
        return xlsxCell(c.kind, value);
      });
      sheet.addRow(values).commit();
    }
    rows += batch.length;
    await drained(out);
  }
  if (table.columns.some((c) => c.total)) {
    const end = rows + 1;
    const cells = table.columns.map((c, i): ExcelJS.CellValue => {
      if (i === 0) return '合计';
      if (!c.total) return null;
      const letter = columnLetter(i + 1);
      const result = yuanCell(totals[i]!);
      // The formula recomputes in Excel; its cached result is the exact bigint sum (text when beyond a double's digits).
      return { formula: `SUM(${letter}2:${letter}${end})`, result: typeof result === 'number' ? result : fenToYuan(totals[i]!) } as ExcelJS.CellFormulaValue;
    });
    const total = sheet.addRow(cells);
    total.font = { bold: true };
    total.commit();
  }
  await sheet.commit();
  return rows;
}

async function writeNotesSheet(workbook: ExcelJS.stream.xlsx.WorkbookWriter, notes: ExportNotes): Promise<void> {
  const sheet = workbook.addWorksheet('说明');
  sheet.columns = [{ width: 16 }, { width: 90 }];
  for (const [key, value] of notes) sheet.addRow([key, value]).commit();
  await sheet.commit();
}

/** Writes the table and the notes as a workbook; returns the number of data rows. */
export async function writeXlsx<Row>(table: Table<Row>, notes: ExportNotes, out: Writable): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Sunshine 阳光养老';
  workbook.created = new Date();
  const rows = await writeDataSheet(workbook, table, out);
  await writeNotesSheet(workbook, notes);
  await workbook.commit();
  return rows;
}
