/**
 * GET /exports/books: who may download what (an AUDITOR or FINANCE_OFFICER of the region, any
 * holder of ledger:read; not a VILLAGE_VERIFIER, not outside the jurisdiction, not anonymous), errors in the
 * API's shape before any byte of a file, and the access-log row every export leaves.
 */
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { startTestApi, tokenFor, type TestApi } from '../support/api.js';
import { createBooksFixture, CITY, COUNTY, OTHER_COUNTY, type BooksFixture } from './support.js';
import { exportBooks, operatorCaller, parseExportRequest } from '../../ledger/reports/index.js';
import { ROLE_PERMISSIONS, type Role } from '../../auth/roles.js';

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

const exportsUrl = (query: Record<string, string>) => `${api.url.replace(/\/graphql$/, '')}/exports/books?${new URLSearchParams(query)}`;

async function download(query: Record<string, string>, as?: { role: Role; jurisdiction: string }) {
  const token = as ? await tokenFor(as.role, as.jurisdiction) : null;
  const response = await fetch(exportsUrl(query), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const jti = token ? (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string) : null;
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()), jti };
}

const logCount = async () => (await fx.db.pool.query(`select count(*)::int as n from registry.access_log where entity_type = 'LedgerExport'`)).rows[0].n as number;

describe('who may export', () => {
  const allowed: [Role, string][] = [
    ['AUDITOR', COUNTY],
    ['FINANCE_OFFICER', COUNTY],
    ['CIVIL_AFFAIRS_OFFICER', COUNTY],
    ['CITY_ADMIN', CITY],
    ['AUDITOR', '320000000000'], // the province's auditor
  ];
  test.each(allowed)('%s of %s gets the county’s books', async (role, jurisdiction) => {
    const res = await download({ region: '320321', format: 'csv' }, { role, jurisdiction });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="sunshine-320321000000-transactions-start-end.csv"');
    expect(parse(res.bytes, { bom: true, columns: true })).toHaveLength(Number(res.headers.get('x-sunshine-rows')));
  });

  const refused: [string, Role, () => string, number, string][] = [
    ['an auditor of another county', 'AUDITOR', () => OTHER_COUNTY, 403, 'FORBIDDEN'],
    ['a finance officer of a town, for its county', 'FINANCE_OFFICER', () => fx.town, 403, 'FORBIDDEN'],
    ['a village verifier', 'VILLAGE_VERIFIER', () => fx.villages[0]!, 403, 'FORBIDDEN'],
  ];
  test.each(refused)('%s is refused, and nothing is logged', async (_who, role, jurisdiction, status, code) => {
    const before = await logCount();
    const res = await download({ region: COUNTY, format: 'xlsx' }, { role, jurisdiction: jurisdiction() });
    expect(res.status).toBe(status);
    expect(JSON.parse(res.bytes.toString()).errors[0].extensions.code).toBe(code);
    expect(await logCount()).toBe(before);
  });

  test('a system client may export exactly when its role holds ledger:read (auth/roles.ts)', async () => {
    const res = await download({ region: COUNTY, format: 'csv' }, { role: 'SYSTEM_CLIENT', jurisdiction: COUNTY });
    expect(res.status).toBe(ROLE_PERMISSIONS.SYSTEM_CLIENT.includes('ledger:read') ? 200 : 403);
    const outside = await download({ region: COUNTY, format: 'csv' }, { role: 'SYSTEM_CLIENT', jurisdiction: OTHER_COUNTY });
    expect(outside.status).toBe(403);
  });

  test('no token: 401 UNAUTHENTICATED; a forged token: 401', async () => {
    const res = await download({ region: COUNTY, format: 'csv' });
    expect([res.status, JSON.parse(res.bytes.toString()).errors[0].extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
    const forged = await fetch(exportsUrl({ region: COUNTY, format: 'csv' }), { headers: { authorization: 'Bearer not.a.token' } });
    expect(forged.status).toBe(401);
  });
});

describe('bad requests are BAD_USER_INPUT naming the field, or NOT_FOUND', () => {
  const auditor = () => ({ role: 'AUDITOR' as Role, jurisdiction: COUNTY });
  test.each([
    [{ region: COUNTY, format: 'pdf' }, 400, 'BAD_USER_INPUT', 'format'],
    [{ format: 'csv' }, 400, 'BAD_USER_INPUT', 'region'],
    [{ region: '32032', format: 'csv' }, 400, 'BAD_USER_INPUT', 'region'],
    [{ region: COUNTY, format: 'csv', from: '2026-02-30' }, 400, 'BAD_USER_INPUT', 'from'],
    [{ region: COUNTY, format: 'csv', from: '2026-04-01', to: '2026-03-01' }, 400, 'BAD_USER_INPUT', 'to'],
    [{ region: COUNTY, format: 'hledger', what: 'trail' }, 400, 'BAD_USER_INPUT', 'format'],
    [{ region: COUNTY, format: 'csv', what: 'everything' }, 400, 'BAD_USER_INPUT', 'what'],
    [{ region: COUNTY, format: 'csv', fundLine: 'NO_SUCH_LINE' }, 404, 'NOT_FOUND', 'fundLine'],
    [{ region: '320321999999', format: 'csv' }, 404, 'NOT_FOUND', 'region'],
    [{ region: COUNTY, format: 'csv', reason: '回访 13812345678' }, 400, 'PERSONAL_DATA_IN_TEXT', 'reason'],
  ] as [Record<string, string>, number, string, string][])('%j → %i %s (%s)', async (query, status, code, field) => {
    const res = await download(query, auditor());
    expect(res.status).toBe(status);
    expect(JSON.parse(res.bytes.toString()).errors[0].extensions).toEqual({ code, field });
  });
});

describe('the access log', () => {
  test('every export leaves one row: who, what, region, period, format, row count, chain head', async () => {
    const before = await logCount();
    const res = await download({ region: COUNTY, from: '2026-03-01', to: '2026-03-31', format: 'xlsx', what: 'trail', reason: '2026年一季度专项审计' }, { role: 'AUDITOR', jurisdiction: COUNTY });
    expect(res.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.bytes as unknown as ArrayBuffer);
    const dataRows = workbook.getWorksheet('资金溯源')!.actualRowCount - 1;
    expect(await logCount()).toBe(before + 1);
    const { rows } = await fx.db.pool.query(
      `select id::text, subject, roles, token_id, reason, entity_id::text, region_code, fields, export_format, period_from::text, period_to::text, row_count::int
       from registry.access_log order by id desc limit 1`,
    );
    const head = (await fx.db.pool.query(`select max(seq)::text as seq from ledger.transaction`)).rows[0].seq;
    expect(rows[0]).toEqual({
      id: res.headers.get('x-sunshine-access-log-id'),
      subject: `auditor@${COUNTY}`,
      roles: ['AUDITOR'],
      token_id: res.jti,
      reason: '2026年一季度专项审计',
      entity_id: head,
      region_code: COUNTY,
      fields: ['trail'],
      export_format: 'xlsx',
      period_from: '2026-03-01',
      period_to: '2026-03-31',
      row_count: dataRows,
    });
    expect(dataRows).toBeGreaterThan(0);
  });

  test('the county auditor sees the export in accessLog; the other county’s does not', async () => {
    const query = `{ accessLog(first: 200) { nodes { subject entityType regionCode rowCount export { format what periodFrom periodTo chainHeadSeq } } } }`;
    const exportsSeenBy = async (jurisdiction: string) => {
      const res = await api.as('AUDITOR', jurisdiction).gql(query);
      expect(res.errors).toBeUndefined();
      return res.data!.accessLog.nodes.filter((n: { entityType: string }) => n.entityType === 'LedgerExport');
    };
    const own = await exportsSeenBy(COUNTY);
    expect(own.length).toBeGreaterThan(0);
    expect(own.every((n: { regionCode: string }) => n.regionCode.startsWith('320321'))).toBe(true);
    const { rows } = await fx.db.pool.query(`select row_count::text, entity_id::text from registry.access_log where entity_type = 'LedgerExport' and period_from = '2026-03-01' and region_code = $1`, [COUNTY]);
    expect(own).toContainEqual({
      subject: `auditor@${COUNTY}`,
      entityType: 'LedgerExport',
      regionCode: COUNTY,
      rowCount: Number(rows[0].row_count),
      export: { format: 'xlsx', what: 'trail', periodFrom: '2026-03-01', periodTo: '2026-03-31', chainHeadSeq: rows[0].entity_id },
    });
    expect(await exportsSeenBy(OTHER_COUNTY)).toEqual([]);
  });

  test('the row is committed before the first byte: an export whose output fails is still on record', async () => {
    const before = await logCount();
    const broken = new Writable({ write: (_chunk, _encoding, callback) => callback(new Error('disk full')) });
    broken.on('error', () => {});
    await expect(exportBooks(fx.db.pool, operatorCaller('cli:test'), parseExportRequest({ region: CITY, format: 'csv' }), broken)).rejects.toThrow();
    expect(await logCount()).toBe(before + 1);
    const { rows } = await fx.db.pool.query(`select subject, roles from registry.access_log order by id desc limit 1`);
    expect(rows[0]).toEqual({ subject: 'cli:test', roles: ['CLI'] });
  });

  test('the log stays append-only (export rows too)', async () => {
    await expect(fx.db.pool.query(`update registry.access_log set row_count = 0 where entity_type = 'LedgerExport'`)).rejects.toThrow(/append-only/);
    await expect(fx.db.pool.query(`delete from registry.access_log where entity_type = 'LedgerExport'`)).rejects.toThrow(/append-only/);
  });
});
