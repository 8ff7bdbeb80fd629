/** Exports of the books auditors open: hledger journal, XLSX and CSV (docs/exports.md). */
export { exportBooks, viewerCaller, operatorCaller, exportFileName, CONTENT_TYPES, type ExportCaller, type ExportStart } from './export.js';
export { parseExportRequest, EXPORT_FORMATS, EXPORT_SUBJECTS, ACCOUNT_STYLES, type ExportRequest, type ExportFormat, type ExportSubject, type AccountStyle } from './request.js';
export { writeCsv } from './csv.js';
export { writeXlsx } from './xlsx.js';
export { accountName, accountPart } from './hledger.js';
export { fenToYuan, yuanToFen, yuanCell } from './yuan.js';
export type { Column, Table, CellKind, ExportNotes } from './table.js';
