/**
 * Over HTTP: a run finds a payment after death, the county auditor sees only its county's findings,
 * the workflow moves through its states (each an appended event; the tables refuse UPDATE/DELETE),
 * a dismissal with an expiry reopens, evidence resolves to masked objects, and the export downloads
 * XLSX and CSV with an access-log row each.
 */
import ExcelJS from 'exceljs';
import { toGlobalId } from '../../api/relay.js';
import { authHeader, errorCodes, useXuzhouApi } from '../support/api.js';
import { Ledger } from '../../ledger/ledger.js';
import { RegistryService } from '../../registry/registry.js';
import { runAudit, validateRun } from '../../audit/engine.js';
import { RULES } from '../../audit/catalogue.js';
import { elderNo } from '../../registry/validate.js';
import { idNumber } from '../registry/support.js';
import { CITY, FENG, PEI, plantFinding } from './support.js';
import { todayInChina } from '../../platform/id-number.js';
import { msUntil, scheduledMonths, startAuditScheduler } from '../../audit/scheduler.js';
import { pino } from 'pino';

const live = useXuzhouApi();
let n = 0;
const k = (p: string) => `${p}-${process.pid}-${++n}`;
let fengVillage: string;
let peiVillage: string;
let deadNo: string;

beforeAll(async () => {
  const pool = live.db.pool;
  const ledger = new Ledger(pool);
  const registry = new RegistryService(pool, live.db.sql);
  [fengVillage, peiVillage] = await Promise.all(['320321%', '320322%'].map(async (p) => (await pool.query(`select code from region where level = 'VILLAGE' and code like $1 order by code limit 1`, [p])).rows[0].code));
  for (const [county, village] of [[FENG, fengVillage], [PEI, peiVillage]] as const) {
    const app = await ledger.appropriate({ idempotencyKey: k('app'), effectiveDate: '2026-01-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000_000n, fiscalYear: 2026, fundingSource: 'CITY_TRANSFER', documentNo: '徐财〔2026〕1号' }, 't');
    const alloc = await ledger.allocate({ idempotencyKey: k('alloc'), effectiveDate: '2026-01-01', fromRegionCode: CITY, toRegionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 1_000_000n, documentNo: '徐财〔2026〕2号', lotId: app.transaction.postings[0]!.lotId }, 't');
    await ledger.receiveAllocation({ idempotencyKey: k('recv'), effectiveDate: '2026-01-03', allocationId: alloc.transaction.id }, 't');
    const e = await registry.registerElder({ idNumber: idNumber('1938-04-04', 'FEMALE', county.slice(0, 6)), name: '王秀英', hukouVillageCode: village }, 't');
    await registry.recordVitalStatus({ elderId: e.id, status: 'DECEASED', deathDate: '2026-02-10', source: 'HOUSEHOLD_REGISTER' }, 't');
    await ledger.disburse({ idempotencyKey: k('pay'), effectiveDate: '2026-03-15', regionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 5000n, payeeType: 'PERSON', payeeId: elderNo(e.id), serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', villageCode: village }, 't');
    if (county === FENG) deadNo = elderNo(e.id);
  }
});

const FINDING = `id ruleId severity status conditionHolds regionCode subjectType subjectId periodFrom amountAtRisk evidenceVersion detail
  evidence { type recordId object { __typename ... on Elder { registryNo idNumber name } ... on LedgerTransaction { amount: postings { amount } serviceMonth } } }
  history { seq action status actor reason reference dismissUntil }`;

test('a city auditor runs the audit; a county auditor sees only its own findings, with masked evidence', async () => {
  const auditor = live.api.as('AUDITOR', CITY);
  const run = await auditor.gql(`mutation { runAudit(input: { regionCode: "${CITY}", from: "2026-01", to: "2026-12", rules: ["AR-01"] }) { id regionCode counts { findings detected } rules { ruleId version parameters } } }`);
  expect(run.errors).toBeUndefined();
  expect(run.data!.runAudit).toMatchObject({ regionCode: CITY, counts: { findings: 2, detected: 2 }, rules: [{ ruleId: 'AR-01', version: 1, parameters: '{"deathGraceMonths":0}' }] });
  const county = live.api.as('AUDITOR', FENG);
  const list = await county.gql(`{ auditFindings(filter: { ruleId: "AR-01" }) { totalCount nodes { ${FINDING} } } }`);
  expect(list.errors).toBeUndefined();
  expect(list.data!.auditFindings.totalCount).toBe(1);
  const [finding] = list.data!.auditFindings.nodes;
  expect(finding).toMatchObject({ ruleId: 'AR-01', severity: 'HIGH', status: 'OPEN', subjectType: 'ELDER', subjectId: deadNo, periodFrom: '2026-03', amountAtRisk: '5000', regionCode: fengVillage });
  const elder = finding.evidence.find((e: { type: string }) => e.type === 'Elder').object;
  expect(elder.__typename).toBe('Elder');
  expect(elder.idNumber).toMatch(/^[0-9]{4}\*{10}[0-9]{3}[0-9X]$/);
  expect(elder.name).toBe('王**');
  expect(finding.evidence.find((e: { type: string }) => e.type === 'LedgerTransaction').object.serviceMonth).toBe('2026-03');
  expect(JSON.stringify(list.data)).not.toMatch(/32032119380404/); // never an ID number in clear
  // The other county's finding is FORBIDDEN to the 丰县 auditor, and filtering by 沛县 too.
  const other = await live.api.gql(`{ auditFindings(filter: { regionCode: "${PEI}" }) { nodes { id } } }`);
  const otherId = other.data!.auditFindings.nodes[0].id;
  expect(errorCodes(await county.gql(`query ($id: ID!) { auditFinding(id: $id) { id } }`, { id: otherId }))).toEqual(['FORBIDDEN']);
  expect(errorCodes(await county.gql(`{ auditFindings(filter: { regionCode: "${PEI}" }) { nodes { id } } }`))).toEqual(['FORBIDDEN']);
  // A misspelt fund line is refused, not answered with an empty list an auditor would read as "no findings".
  const misspelt = await live.api.gql(`{ auditFindings(filter: { fundLine: "SENIOR_ALLOWANCES" }) { totalCount nodes { id } } }`);
  expect([errorCodes(misspelt), misspelt.errors?.[0]?.extensions?.field]).toEqual([['BAD_USER_INPUT'], 'fundLine']);
  expect((await live.api.gql(`{ auditFindings(filter: { fundLine: "SENIOR_ALLOWANCE" }) { totalCount } }`)).errors).toBeUndefined();
  const summary = await live.api.gql(`{ auditSummary(regionCode: "${CITY}", from: "2026-01", to: "2026-12") { ruleId regionCode count amountAtRisk open } }`);
  // region codes by their significant prefix, as everywhere in the API
  const byPrefix = await live.api.gql(`{ auditSummary(regionCode: "${CITY.slice(0, 4)}", from: "2026-01", to: "2026-12") { ruleId regionCode count amountAtRisk open } auditFindings(filter: { regionCode: "${FENG.slice(0, 6)}" }) { totalCount } all: auditFindings(filter: { regionCode: "${FENG}" }) { totalCount } }`);
  expect(byPrefix.errors).toBeUndefined();
  expect(byPrefix.data!.auditSummary).toEqual(summary.data!.auditSummary);
  expect(byPrefix.data!.auditFindings.totalCount).toBe(byPrefix.data!.all.totalCount);
  expect(summary.data!.auditSummary.filter((r: { ruleId: string }) => r.ruleId === 'AR-01')).toEqual([
    { ruleId: 'AR-01', regionCode: FENG, count: 1, amountAtRisk: '5000', open: 1 },
    { ruleId: 'AR-01', regionCode: PEI, count: 1, amountAtRisk: '5000', open: 1 },
  ]);
});

test('the workflow: answered by the county, confirmed by the auditor, remediated with a reference; wrong steps are refused', async () => {
  const id = toGlobalId('AuditFinding', await plantFinding(live.db.pool, fengVillage));
  const dispose = (role: 'AUDITOR' | 'CIVIL_AFFAIRS_OFFICER' | 'FINANCE_OFFICER', input: Record<string, unknown>, region = FENG) =>
    live.api.as(role, region).gql(`mutation ($i: DisposeFindingInput!) { disposeFinding(input: $i) { status history { seq action status actor reason reference } } }`, { i: { findingId: id, ...input } });
  expect(errorCodes(await dispose('CIVIL_AFFAIRS_OFFICER', { action: 'ANSWER' }))).toEqual(['BAD_USER_INPUT']); // an answer needs a reason
  expect(errorCodes(await dispose('CIVIL_AFFAIRS_OFFICER', { action: 'CONFIRM' }))).toEqual(['FORBIDDEN']); // the audited do not judge
  expect(errorCodes(await dispose('AUDITOR', { action: 'ANSWER', reason: 'x' }))).toEqual(['FORBIDDEN']); // nor do auditors answer
  expect(errorCodes(await dispose('CIVIL_AFFAIRS_OFFICER', { action: 'ANSWER', reason: '重复发放, 已通知银行' }, PEI))).toEqual(['FORBIDDEN']);
  expect(errorCodes(await dispose('CIVIL_AFFAIRS_OFFICER', { action: 'REMEDIATE', reference: 'x' }))).toEqual(['INVALID_TRANSITION']);
  // Dispositions live for ever: no ID number or phone number in a reason or reference.
  expect(errorCodes(await dispose('CIVIL_AFFAIRS_OFFICER', { action: 'ANSWER', reason: '已联系家属 13912345678' }))).toEqual(['PERSONAL_DATA_IN_TEXT']);
  expect(errorCodes(await dispose('AUDITOR', { action: 'DISMISS', reason: '误报', dismissUntil: '2099-02-30' }))).toEqual(['BAD_USER_INPUT']);
  expect((await dispose('CIVIL_AFFAIRS_OFFICER', { action: 'ANSWER', reason: '重复发放, 已通知银行' })).data!.disposeFinding.status).toBe('ANSWERED');
  expect((await dispose('AUDITOR', { action: 'CONFIRM', reason: '属实' })).data!.disposeFinding.status).toBe('CONFIRMED');
  expect(errorCodes(await dispose('FINANCE_OFFICER', { action: 'REMEDIATE' }))).toEqual(['BAD_USER_INPUT']); // a reference is required
  const done = await dispose('FINANCE_OFFICER', { action: 'REMEDIATE', reference: 'LedgerTransaction 冲销凭证 1234' });
  expect(done.data!.disposeFinding).toMatchObject({
    status: 'REMEDIATED',
    history: [
      { seq: 1, action: 'DETECTED', status: 'OPEN' },
      { seq: 2, action: 'ANSWER', status: 'ANSWERED', actor: `civil_affairs_officer@${FENG}`, reason: '重复发放, 已通知银行' },
      { seq: 3, action: 'CONFIRM', status: 'CONFIRMED', actor: `auditor@${FENG}` },
      { seq: 4, action: 'REMEDIATE', status: 'REMEDIATED', reference: 'LedgerTransaction 冲销凭证 1234' },
    ],
  });
  expect(errorCodes(await dispose('AUDITOR', { action: 'DISMISS', reason: '误报' }))).toEqual(['INVALID_TRANSITION']);
  // Findings and their events can never be changed or removed, not even by the owner.
  for (const statement of [`update audit.finding_event set reason = 'x'`, `delete from audit.finding_event`, `update audit.finding set severity = 'LOW'`, `delete from audit.finding_evidence`, `truncate audit.finding cascade`]) {
    await expect(live.db.pool.query(statement)).rejects.toMatchObject({ code: 'SA000' });
  }
});

test('a dismissal with an expiry reopens after it, if the condition still holds; before it stays dismissed', async () => {
  const auditor = live.api.as('AUDITOR', CITY);
  const found = await auditor.gql(`{ auditFindings(filter: { ruleId: "AR-01", regionCode: "${PEI}" }) { nodes { id } } }`);
  const id = found.data!.auditFindings.nodes[0].id;
  const tomorrow = new Date(Date.parse(`${todayInChina()}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  expect(errorCodes(await auditor.gql(`mutation { disposeFinding(input: { findingId: "${id}", action: DISMISS }) { id } }`))).toEqual(['BAD_USER_INPUT']);
  expect(errorCodes(await auditor.gql(`mutation { disposeFinding(input: { findingId: "${id}", action: DISMISS, reason: "x", dismissUntil: "${todayInChina()}" }) { id } }`))).toEqual(['BAD_USER_INPUT']);
  const dismissed = await auditor.gql(`mutation { disposeFinding(input: { findingId: "${id}", action: DISMISS, reason: "家属已承诺退回, 下月复核", dismissUntil: "${tomorrow}" }) { status dismissUntil } }`);
  expect(dismissed.data!.disposeFinding).toEqual({ status: 'DISMISSED', dismissUntil: tomorrow });
  const run = (asOf: string) => runAudit(live.db.pool, { regionCode: PEI, from: '2026-01', to: '2026-12', rules: ['AR-01'], asOf, trigger: 'TEST', actor: 'scheduler' });
  expect((await run(tomorrow)).counts.reopened).toBe(0);
  const status = async () => (await auditor.gql(`query ($id: ID!) { auditFinding(id: $id) { status history { action status } } }`, { id })).data!.auditFinding;
  expect((await status()).status).toBe('DISMISSED');
  const dayAfter = new Date(Date.parse(`${tomorrow}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  expect((await run(dayAfter)).counts.reopened).toBe(1);
  expect(await status()).toEqual({ status: 'OPEN', history: [{ action: 'DETECTED', status: 'OPEN' }, { action: 'DISMISS', status: 'DISMISSED' }, { action: 'REOPENED', status: 'OPEN' }] });
  const runs = await auditor.gql(`{ auditRuns(first: 2) { totalCount nodes { regionCode trigger actor counts { reopened } } } }`);
  expect(runs.data!.auditRuns.nodes[0]).toEqual({ regionCode: PEI, trigger: 'TEST', actor: 'scheduler', counts: { reopened: 1 } });
});

test('export: XLSX with Chinese headers and CSV, for audit:export holders, each written to the access log', async () => {
  const get = async (query: string, headers: Record<string, string>) => fetch(`${live.api.url.replace('/graphql', '')}/audit/findings/export?${query}`, { headers });
  const auditor = await authHeader('AUDITOR', FENG);
  const logged = async () => (await live.db.pool.query(`select count(*)::int as n from registry.access_log where entity_type = 'AuditExport'`)).rows[0].n;
  expect((await get('format=xlsx', auditor)).status).toBe(400); // no reason
  expect((await get('format=xlsx&reason=x', {})).status).toBe(401);
  expect((await get('format=xlsx&reason=x', await authHeader('CIVIL_AFFAIRS_OFFICER', FENG))).status).toBe(403);
  expect((await get(`format=csv&reason=x&regionCode=${PEI}`, auditor)).status).toBe(403);
  const twice = await get(`format=csv&reason=x&ruleId=AR-01&ruleId=AR-03`, auditor); // refused, not dropped (it would widen the export)
  expect([twice.status, (await twice.json()).errors[0].extensions]).toEqual([400, { code: 'BAD_USER_INPUT', field: 'ruleId' }]);
  expect(await logged()).toBe(0);
  const xlsx = await get('format=xlsx&reason=' + encodeURIComponent('年度审计底稿'), auditor);
  expect(xlsx.status).toBe(200);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ExcelJS.Buffer);
  const sheet = book.getWorksheet('审计发现')!;
  expect(sheet.getRow(1).values).toEqual(expect.arrayContaining(['发现编号', '规则', '规则名称', '涉及金额(分)', '证据']));
  const subjects = sheet.getColumn(11).values.slice(2);
  expect(subjects).toContain(deadNo);
  expect(sheet.rowCount - 1).toBe(Number(xlsx.headers.get('x-audit-rows')));
  const csv = await (await get('format=csv&ruleId=AR-01&reason=x', auditor)).text();
  const lines = csv.replace(/^\uFEFF/, '').trim().split('\n');
  expect(lines[0]).toMatch(/^发现编号,规则,规则名称/);
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain(deadNo);
  expect(lines[1]).toContain('向已死亡人员发放');
  expect(await logged()).toBe(2);
  const row = (await live.db.pool.query(`select subject, reason, region_code, fields from registry.access_log where entity_type = 'AuditExport' order by id limit 1`)).rows[0];
  expect(row).toEqual({ subject: `auditor@${FENG}`, reason: '年度审计底稿', region_code: FENG, fields: ['auditFindings', 'evidence'] });
});

test('a region overrides a rule parameter from a date on (appended); the next run uses it and the finding clears', async () => {
  const set = (input: Record<string, unknown>, role: 'CITY_ADMIN' | 'AUDITOR' = 'CITY_ADMIN') =>
    live.api.as(role, CITY).gql(`mutation ($i: SetAuditRuleParameterInput!) { setAuditRuleParameter(input: $i) { ruleId regionCode key value validFrom recordedBy } }`, { i: input });
  const base = { ruleId: 'AR-01', regionCode: PEI, key: 'deathGraceMonths', value: '1', validFrom: '2026-01-01' };
  expect(errorCodes(await set(base, 'AUDITOR'))).toEqual(['FORBIDDEN']);
  for (const [field, bad] of [['value', { value: '"one"' }], ['value', { value: '{' }], ['key', { key: 'graceDays' }], ['key', { key: '__proto__', value: '{}' }], ['key', { key: 'toString' }], ['key', { key: 'constructor' }], ['ruleId', { ruleId: 'AR-99' }], ['validFrom', { validFrom: '2026-13-01' }], ['validFrom', { validFrom: '2026-02-30' }],
    ['value', { ruleId: 'AR-05', key: 'bandAmounts', value: '{"B80_89":"lots","B80_89_LOW_INCOME":8000,"B90_99":10000,"B100_PLUS":30000}' }],
    // a payee type the ledger does not know (every PERSON payment would be a finding), a fund line that does not exist
    ['value', { ruleId: 'AR-14', key: 'benefitAllowedUse', value: '{"HS_DISPERSED":["PERSONS"]}' }],
    ['value', { ruleId: 'AR-14', key: 'fundLineAllowedUse', value: '{"HARDSHIP_SUPPORT":["PERSON"],"FACILITY_SUBSIDY":["FACILITY"],"PROJECT_GRANT":["PROJECT"],"SENIOR_ALLOWANCE":["PERSON"],"OPERATIONS":["OPERATOR"],"SENIOR_ALLOWANCES":["PERSON"]}' }]] as const) {
    const res = await set({ ...base, ...bad });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.extensions!.field).toBe(field);
  }
  expect((await live.db.pool.query(`select count(*)::int as n from audit.rule_parameter`)).rows[0].n).toBe(0);
  expect((await set(base)).data!.setAuditRuleParameter).toEqual({ ...base, recordedBy: `city_admin@${CITY}` });
  const run = await live.api.as('AUDITOR', CITY).gql(`mutation { runAudit(input: { regionCode: "${PEI}", from: "2026-01", to: "2026-12", rules: ["AR-01"] }) { rules { parameters } counts { cleared } } }`);
  expect(run.data!.runAudit).toEqual({ rules: [{ parameters: '{"deathGraceMonths":1}' }], counts: { cleared: 1 } });
  await expect(live.db.pool.query(`update audit.rule_parameter set value = '0'`)).rejects.toMatchObject({ code: 'SA000' });
});

test('the nightly scheduler covers a rolling year of service months, across New Year', () => {
  expect(scheduledMonths('2026-12-04')).toEqual({ from: '2026-01', to: '2026-12' });
  expect(scheduledMonths('2027-02-15')).toEqual({ from: '2026-03', to: '2027-02' });
  expect(scheduledMonths('2027-01-01')).toEqual({ from: '2026-02', to: '2027-01' });
  // A run validates it (at most 36 months, from before to).
  expect(validateRun({ regionCode: CITY, ...scheduledMonths('2027-02-15') })).toMatchObject({ from: '2026-03', to: '2027-02' });
});

test('the nightly scheduler: the next 02:30 in China, and a run of every city with ledger money, recorded as SCHEDULE', async () => {
  expect(msUntil('02:30', Date.parse('2026-12-01T18:00:00Z'))).toBe(30 * 60_000); // 02:00 in China → 02:30
  expect(msUntil('02:30', Date.parse('2026-12-01T18:30:00Z'))).toBe(24 * 3_600_000); // exactly then → tomorrow
  expect(() => startAuditScheduler(live.db.pool, pino({ level: 'silent' }), '25:00')).toThrow(/SUNSHINE_AUDIT_SCHEDULE/);
  await startAuditScheduler(live.db.pool, pino({ level: 'silent' }), 'off').runNow();
  const { rows } = await live.db.pool.query(`select region_code, actor, jsonb_array_length(rules) as rules from audit.run where trigger = 'SCHEDULE'`);
  expect(rows).toEqual([{ region_code: CITY, actor: 'audit-scheduler', rules: RULES.length }]); // every rule of the catalogue
});

test('runAudit refuses bad input field by field and records nothing', async () => {
  const runs = async () => (await live.db.pool.query(`select count(*)::int as n from audit.run`)).rows[0].n;
  const before = await runs();
  for (const [field, input] of [
    ['regionCode', { regionCode: '32031', from: '2026-01', to: '2026-02' }],
    ['from', { regionCode: CITY, from: '2026-13', to: '2026-12' }],
    ['to', { regionCode: CITY, from: '2026-05', to: '2026-04' }],
    ['to', { regionCode: CITY, from: '2020-01', to: '2026-12' }],
    ['rules', { regionCode: CITY, from: '2026-01', to: '2026-02', rules: ['AR-02'] }],
  ] as const) {
    const res = await live.api.as('AUDITOR', CITY).gql(`mutation ($i: RunAuditInput!) { runAudit(input: $i) { id } }`, { i: input });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors![0]!.extensions!.field).toBe(field);
  }
  expect(errorCodes(await live.api.as('AUDITOR', CITY).gql(`mutation { runAudit(input: { regionCode: "320399999999", from: "2026-01", to: "2026-02" }) { id } }`))).toEqual(['NOT_FOUND']);
  expect(await runs()).toBe(before);
});
