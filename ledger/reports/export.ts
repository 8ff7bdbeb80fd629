/**
 * Exporting the books of a region and period (导出台账): scope first, then one snapshot, an
 * access-log row, and the file streamed from the snapshot.
 *
 * Order matters: the snapshot is opened and counted, then the access-log row (who, what, region,
 * period, format, row count, chain head) is COMMITTED, and only then does the first byte of the file
 * leave. An export that is interrupted half-way is still on record; an export that is not on record
 * never started. The counts are exact because the rows are read from the same snapshot.
 */
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import type { Viewer } from '../../auth/viewer.js';
import { DomainError } from '../../platform/errors.js';
import { AS_APP_ROLE, inTransaction } from '../../platform/sql.js';
import { writeCsv } from './csv.js';
import { writeHledger } from './hledger.js';
import type { ExportFormat, ExportRequest, ExportSubject } from './request.js';
import { BooksReader, type ChainHead } from './sources.js';
import type { ExportNotes, Table } from './table.js';
import { trailTable, transactionsTable, trialBalanceTable } from './tables.js';
import { writeXlsx } from './xlsx.js';

/** Who exports: recorded in the access log. */
export interface ExportCaller {
  subject: string;
  roles: readonly string[];
  tokenId: string | null;
  /** Throws (FORBIDDEN) unless the caller may read the ledger of this region's subtree. */
  authorize(regionCode: string): void;
}

/** An API caller: needs ledger:read, and the region inside the jurisdiction (the same rule as `transactions`). */
export function viewerCaller(viewer: Viewer): ExportCaller {
  return {
    subject: viewer.subject,
    roles: viewer.roles,
    tokenId: viewer.tokenId,
    authorize: (regionCode) => viewer.requireAt('ledger:read', regionCode, `region ${regionCode}`),
  };
}

/** The command line: whoever runs it holds the database credentials, so there is no token to check; it is still logged. */
export function operatorCaller(subject: string): ExportCaller {
  return { subject, roles: ['CLI'], tokenId: null, authorize: () => {} };
}

export interface ExportStart {
  fileName: string;
  contentType: string;
  rows: number;
  accessLogId: string;
  head: ChainHead;
}

export const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  hledger: 'text/plain; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};
/** A sheet holds 1,048,576 rows: the header, the data and the 合计 row. */
const XLSX_MAX_DATA_ROWS = 1_048_576 - 2;
const EXTENSIONS: Readonly<Record<ExportFormat, string>> = { hledger: 'journal', xlsx: 'xlsx', csv: 'csv' };
const SUBJECT_ZH: Readonly<Record<ExportSubject, string>> = { transactions: '序时账', trail: '资金溯源', 'trial-balance': '试算平衡表' };

export function exportFileName(request: ExportRequest): string {
  return `sunshine-${request.regionCode}-${request.what}-${request.from ?? 'start'}-${request.to ?? 'end'}.${EXTENSIONS[request.format]}`;
}

async function countRows(reader: BooksReader, request: ExportRequest): Promise<number> {
  if (request.what === 'trail') return reader.countTrailSteps();
  if (request.what === 'trial-balance') return (await reader.trialBalanceLines(request.month!)).length;
  const counts = await reader.countTransactions();
  return request.format === 'hledger' ? counts.transactions : counts.postings;
}

async function logExport(pool: pg.Pool, caller: ExportCaller, request: ExportRequest, head: ChainHead, rows: number): Promise<string> {
  return inTransaction(
    pool,
    async (client) => {
      const { rows: inserted } = await client.query(
        `insert into registry.access_log (subject, roles, token_id, reason, entity_type, entity_id, region_code, fields, export_format, period_from, period_to, row_count)
         values ($1, $2, $3, $4, 'LedgerExport', $5, $6, $7, $8, $9, $10, $11) returning id::text`,
        [caller.subject, [...caller.roles], caller.tokenId, request.reason ?? `导出${SUBJECT_ZH[request.what]}`, head.seq, request.regionCode,
          [request.what], request.format, request.from, request.to, rows],
      );
      return inserted[0].id as string;
    },
    AS_APP_ROLE,
  );
}

function notesOf(reader: BooksReader, request: ExportRequest, start: Omit<ExportStart, 'fileName' | 'contentType'>, caller: ExportCaller): ExportNotes {
  const s = reader.scope;
  return [
    ['导出内容', `${SUBJECT_ZH[request.what]} (${request.what})`],
    ['地区', `${s.regionName} ${s.regionCode}（含下级；含对方地区在其中的交易）`],
    request.what === 'trial-balance'
      ? ['期间', `${request.month}（记账日期在该月内；期初 = 该月之前的余额；按快照链头计算）`]
      : ['期间', `${request.from ?? '最早'} 至 ${request.to ?? '最新'}（记账日期，含首尾）`],
    ['资金线', request.fundLine ? reader.fundLineName(request.fundLine) : '全部'],
    ['金额单位', '元（两位小数，由整数分精确换算）'],
    ['行数', String(start.rows)],
    ['链头', `seq ${start.head.seq} hash ${start.head.hash ?? '-'}`],
    ['导出人', `${caller.subject} (${caller.roles.join(',')})`],
    ['导出时间', new Date().toISOString()],
    ['访问日志', `registry.access_log #${start.accessLogId}`],
  ];
}

async function writeFile(reader: BooksReader, request: ExportRequest, notes: ExportNotes, out: Writable): Promise<number> {
  if (request.format === 'hledger') return writeHledger(reader, request.accounts, notes, out);
  const table = (
    request.what === 'trail' ? trailTable(reader) : request.what === 'trial-balance' ? trialBalanceTable(await reader.trialBalanceLines(request.month!)) : transactionsTable(reader)
  ) as Table<unknown>;
  return request.format === 'xlsx' ? writeXlsx(table, notes, out) : writeCsv(table, out);
}

/**
 * Exports the books to `out` and ends it. `onStart` runs after the access-log row is committed and
 * before the first byte is written (the HTTP route sets its headers there); any error before it
 * leaves `out` untouched. Returns what was written.
 */
export async function exportBooks(
  pool: pg.Pool,
  caller: ExportCaller,
  request: ExportRequest,
  out: Writable,
  onStart: (start: ExportStart) => void = () => {},
): Promise<ExportStart> {
  caller.authorize(request.regionCode);
  const reader = await BooksReader.open(pool, request);
  try {
    const head = await reader.head();
    const rows = await countRows(reader, request);
    if (request.format === 'xlsx' && rows > XLSX_MAX_DATA_ROWS) {
      throw new DomainError('BAD_USER_INPUT', `${rows} rows are more than an XLSX sheet holds (${XLSX_MAX_DATA_ROWS}): export a shorter period, a smaller region or one fund line, or as CSV`, 'format');
    }
    const accessLogId = await logExport(pool, caller, request, head, rows);
    const start: ExportStart = { fileName: exportFileName(request), contentType: CONTENT_TYPES[request.format], rows, accessLogId, head };
    onStart(start);
    const written = await writeFile(reader, request, notesOf(reader, request, start, caller), out);
    if (written !== rows) throw new Error(`export wrote ${written} rows, the snapshot counted ${rows}`);
    if (request.format !== 'xlsx') out.end(); // exceljs ends its stream itself
    await finished(out);
    await reader.close();
    return start;
  } catch (error) {
    reader.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
