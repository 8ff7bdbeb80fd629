/**
 * Findings with their evidence as a spreadsheet (XLSX, Chinese column headers) or CSV. Every export
 * is recorded in audit.export and in the personal-data access log (registry.access_log), in the
 * transaction that reads the rows.
 */
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import type pg from 'pg';
import { AS_APP_ROLE, inTransaction } from '../platform/sql.js';
import { DomainError } from '../platform/errors.js';
import { characters, refusePersonalData } from '../platform/validate.js';
import type { Viewer } from '../auth/viewer.js';
import { AuditFindings, type FindingFilter, type FindingRecord } from './findings.js';
import { ruleById } from './catalogue.js';

export const MAX_EXPORT_ROWS = 50_000;
export type ExportFormat = 'CSV' | 'XLSX';

const COLUMNS: { header: string; key: string; width: number; value: (f: FindingRecord) => string | number }[] = [
  { header: '发现编号', key: 'id', width: 10, value: (f) => Number(f.id) },
  { header: '规则', key: 'rule', width: 8, value: (f) => f.ruleId },
  { header: '规则名称', key: 'ruleName', width: 20, value: (f) => ruleById.get(f.ruleId)?.nameZh ?? '' },
  { header: '规则版本', key: 'version', width: 8, value: (f) => f.ruleVersion },
  { header: '严重程度', key: 'severity', width: 10, value: (f) => f.severity },
  { header: '状态', key: 'status', width: 12, value: (f) => f.status },
  { header: '条件仍成立', key: 'holds', width: 10, value: (f) => (f.conditionHolds ? '是' : '否') },
  { header: '地区代码', key: 'region', width: 14, value: (f) => f.regionCode },
  { header: '资金线', key: 'fundLine', width: 18, value: (f) => f.fundLine ?? '' },
  { header: '对象类型', key: 'subjectType', width: 12, value: (f) => f.subjectType },
  { header: '对象编号', key: 'subjectId', width: 16, value: (f) => f.subjectId },
  { header: '期间起', key: 'from', width: 9, value: (f) => f.periodFrom ?? '' },
  { header: '期间止', key: 'to', width: 9, value: (f) => f.periodTo ?? '' },
  { header: '涉及金额(分)', key: 'amount', width: 14, value: (f) => f.amountAtRisk.toString() },
  { header: '证据', key: 'evidence', width: 60, value: (f) => f.evidence.map((e) => `${e.type}:${e.id}`).join('; ') },
  { header: '明细', key: 'detail', width: 60, value: (f) => JSON.stringify(f.detail) },
  { header: '首次发现', key: 'created', width: 22, value: (f) => f.createdAt },
];

export interface ExportResult {
  format: ExportFormat;
  rows: number;
  body: Buffer;
  filename: string;
}

export async function exportFindings(pool: pg.Pool, viewer: Viewer, input: { format: string; reason: string; filter: FindingFilter }): Promise<ExportResult> {
  viewer.require('audit:export');
  const format = input.format.toUpperCase();
  if (format !== 'CSV' && format !== 'XLSX') throw new DomainError('BAD_USER_INPUT', 'format must be csv or xlsx', 'format');
  const reason = (input.reason ?? '').trim();
  if (!reason || characters(reason) > 500) throw new DomainError('BAD_USER_INPUT', 'an export needs a reason (1–500 characters), written to the access log', 'reason');
  refusePersonalData(reason, 'reason');
  const regionCode = input.filter.regionCode ?? viewer.jurisdiction;
  return inTransaction(
    pool,
    async (client) => {
      const findings = new AuditFindings(pool, { query: async (text, params) => (await client.query(text, params)).rows });
      const rows = await findings.list(viewer, input.filter, MAX_EXPORT_ROWS + 1, null);
      if (rows.length > MAX_EXPORT_ROWS) throw new DomainError('BAD_USER_INPUT', `more than ${MAX_EXPORT_ROWS} findings: narrow the filter`, 'filter');
      const { rows: [logged] } = await client.query<{ id: string }>(
        `insert into audit.export (subject, format, filter, rows) values ($1, $2, $3, $4) returning id::text`,
        [viewer.subject, format, JSON.stringify(input.filter), rows.length],
      );
      await client.query(
        `insert into registry.access_log (subject, roles, token_id, reason, entity_type, entity_id, region_code, fields)
         values ($1, $2, $3, $4, 'AuditExport', $5, $6, $7)`,
        [viewer.subject, viewer.roles, viewer.tokenId, reason, logged!.id, regionCode, ['auditFindings', 'evidence']],
      );
      const body = format === 'CSV' ? csv(rows) : await xlsx(rows);
      const stamp = new Date().toISOString().slice(0, 10);
      return { format, rows: rows.length, body, filename: `audit-findings-${stamp}.${format.toLowerCase()}` };
    },
    AS_APP_ROLE,
  );
}

function csv(rows: FindingRecord[]): Buffer {
  const text = stringify([COLUMNS.map((c) => c.header), ...rows.map((f) => COLUMNS.map((c) => c.value(f)))]);
  return Buffer.concat([Buffer.from('\uFEFF', 'utf8'), Buffer.from(text, 'utf8')]); // BOM: spreadsheet programs read UTF-8
}

async function xlsx(rows: FindingRecord[]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'Sunshine 阳光养老';
  const sheet = book.addWorksheet('审计发现');
  sheet.columns = COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width }));
  sheet.getRow(1).font = { bold: true };
  for (const f of rows) sheet.addRow(Object.fromEntries(COLUMNS.map((c) => [c.key, c.value(f)])));
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await book.xlsx.writeBuffer());
}

