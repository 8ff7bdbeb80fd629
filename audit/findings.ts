/**
 * Reading findings (scoped to the caller's jurisdiction) and working them: the disposition
 * workflow OPEN → ANSWERED → CONFIRMED | DISMISSED → REMEDIATED, each step an appended event.
 */
import type pg from 'pg';
import { AS_APP_ROLE, inTransaction, join, queryRows, raw, sql, type Sql, type SqlFragment } from '../platform/sql.js';
import { DomainError } from '../platform/errors.js';
import { characters, isoDate, optionalFreeText, regionCode as parseRegion } from '../platform/validate.js';
import { forbidden, type Viewer } from '../auth/viewer.js';
import { levelOfCode, subtreeRangeOf } from '../platform/region-code.js';
import { todayInChina } from '../platform/id-number.js';
import { SEVERITIES, RULES, type Severity } from './catalogue.js';
import { parameterProblem } from './parameters.js';
import { AUDIT_LOCK, ensureRuleCatalogue } from './engine.js';
import { LOCK_CLASS } from '../platform/locks.js';

export const FINDING_STATUSES = ['OPEN', 'ANSWERED', 'CONFIRMED', 'DISMISSED', 'REMEDIATED'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
export const SUBJECT_TYPES = ['ELDER', 'FACILITY', 'LOT', 'TRANSACTION', 'ACCOUNT', 'PAYEE', 'LEDGER'] as const;
export const DISPOSITIONS = ['ANSWER', 'CONFIRM', 'DISMISS', 'REMEDIATE'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export interface EvidenceItem {
  type: string;
  id: string;
}

export interface FindingRecord {
  id: string;
  ruleId: string;
  ruleVersion: number;
  severity: Severity;
  regionCode: string;
  fundLine: string | null;
  subjectType: string;
  subjectId: string;
  periodFrom: string | null;
  periodTo: string | null;
  createdAt: string;
  status: FindingStatus;
  conditionHolds: boolean;
  statusAt: string;
  dismissUntil: string | null;
  evidenceVersion: number;
  amountAtRisk: bigint;
  evidence: EvidenceItem[];
  detail: Record<string, unknown>;
}

export interface FindingEventRecord {
  findingId: string;
  seq: number;
  action: string;
  status: FindingStatus;
  conditionHolds: boolean;
  actor: string;
  at: string;
  runId: string | null;
  reason: string | null;
  reference: string | null;
  dismissUntil: string | null;
}

export interface FindingFilter {
  ruleId?: string | null;
  severity?: string | null;
  status?: string | null;
  regionCode?: string | null;
  includeDescendants?: boolean | null;
  fundLine?: string | null;
  periodFrom?: string | null;
  periodTo?: string | null;
  subjectType?: string | null;
  subjectId?: string | null;
}

const bad = (message: string, field: string) => new DomainError('BAD_USER_INPUT', message, field);
const MONTH = /^[0-9]{4}-(0[1-9]|1[0-2])$/;

const FINDING_COLUMNS = `s.id::text, s.rule_id as "ruleId", s.rule_version as "ruleVersion", s.severity, s.region_code as "regionCode",
  s.fund_line as "fundLine", s.subject_type as "subjectType", s.subject_id as "subjectId", s.period_from as "periodFrom", s.period_to as "periodTo",
  s.created_at as "createdAt", s.status, s.condition_holds as "conditionHolds", s.status_at as "statusAt", s.dismiss_until::text as "dismissUntil",
  s.evidence_version as "evidenceVersion", s.amount_at_risk::text as "amountAtRisk", s.evidence, s.detail`;

/** Timestamps arrive as Date (node-postgres defaults) or as text (the server's pool parses none): both are accepted. */
type Row = Omit<FindingRecord, 'amountAtRisk' | 'createdAt' | 'statusAt'> & { amountAtRisk: string; createdAt: Date | string; statusAt: Date | string };
const iso = (value: Date | string) => new Date(value).toISOString();
const toRecord = (r: Row): FindingRecord => ({ ...r, amountAtRisk: BigInt(r.amountAtRisk), createdAt: iso(r.createdAt), statusAt: iso(r.statusAt) });

/** SQL conditions of a filter, inside the viewer's jurisdiction. */
function filterSql(viewer: Viewer, filter: FindingFilter): SqlFragment {
  const where: SqlFragment[] = [];
  const [lo, hi] = viewer.scopeRange;
  where.push(sql`s.region_code between ${lo} and ${hi}`);
  if (filter.regionCode != null) {
    const regionCode = parseRegion(filter.regionCode, 'regionCode'); // (12 digits, or the 2/4/6/9-digit prefix)
    viewer.requireInScope(regionCode, `regionCode ${regionCode}`);
    if (filter.includeDescendants === false) where.push(sql`s.region_code = ${regionCode}`);
    else {
      const [rlo, rhi] = subtreeRangeOf(regionCode);
      where.push(sql`s.region_code between ${rlo} and ${rhi}`);
    }
  }
  if (filter.ruleId != null) {
    if (!RULES.some((r) => r.id === filter.ruleId)) throw bad(`no rule ${filter.ruleId}`, 'ruleId');
    where.push(sql`s.rule_id = ${filter.ruleId}`);
  }
  if (filter.severity != null) {
    if (!SEVERITIES.includes(filter.severity as Severity)) throw bad(`severity must be one of ${SEVERITIES.join(', ')}`, 'severity');
    where.push(sql`s.severity = ${filter.severity}`);
  }
  if (filter.status != null) {
    if (!(FINDING_STATUSES as readonly string[]).includes(filter.status)) throw bad(`status must be one of ${FINDING_STATUSES.join(', ')}`, 'status');
    where.push(sql`s.status = ${filter.status}`);
  }
  if (filter.fundLine != null) {
    if (!/^[A-Z][A-Z0-9_]{1,39}$/.test(filter.fundLine)) throw bad('fundLine is not a fund-line code', 'fundLine');
    where.push(sql`s.fund_line = ${filter.fundLine}`);
  }
  if (filter.periodFrom != null) {
    if (!MONTH.test(filter.periodFrom)) throw bad('periodFrom must be a month YYYY-MM', 'periodFrom');
    where.push(sql`(s.period_to is null or s.period_to >= ${filter.periodFrom})`);
  }
  if (filter.periodTo != null) {
    if (!MONTH.test(filter.periodTo)) throw bad('periodTo must be a month YYYY-MM', 'periodTo');
    where.push(sql`(s.period_from is null or s.period_from <= ${filter.periodTo})`);
  }
  if (filter.subjectType != null) {
    if (!(SUBJECT_TYPES as readonly string[]).includes(filter.subjectType)) throw bad(`subjectType must be one of ${SUBJECT_TYPES.join(', ')}`, 'subjectType');
    where.push(sql`s.subject_type = ${filter.subjectType}`);
  }
  if (filter.subjectId != null) {
    if (filter.subjectId.length < 1 || characters(filter.subjectId) > 80) throw bad('subjectId must have 1–80 characters', 'subjectId');
    where.push(sql`s.subject_id = ${filter.subjectId}`);
  }
  return join(where, ' and ');
}

export class AuditFindings {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sql: Sql,
  ) {}

  /** A page of findings, newest first; `after` is the id the page starts after. */
  async list(viewer: Viewer, filter: FindingFilter, first: number, after: string | null): Promise<FindingRecord[]> {
    viewer.require('audit:read');
    const cursor = after == null ? raw('') : sql`and s.id < ${after}::bigint`;
    const where = filterSql(viewer, filter);
    await this.requireKnownFundLine(filter.fundLine);
    const rows = await queryRows<Row>(this.sql, sql`select ${raw(FINDING_COLUMNS)} from audit.finding_state s where ${where} ${cursor} order by s.id desc limit ${first}`);
    return rows.map(toRecord);
  }

  async count(viewer: Viewer, filter: FindingFilter): Promise<number> {
    const where = filterSql(viewer, filter);
    await this.requireKnownFundLine(filter.fundLine);
    const [row] = await queryRows<{ n: number }>(this.sql, sql`select count(*)::int as n from audit.finding_state s where ${where}`);
    return row!.n;
  }

  /**
   * A fund line the filter names must exist: a misspelt one ("SENIOR_ALLOWANCES") matched nothing,
   * and an auditor read the empty list as "no findings".
   */
  private async requireKnownFundLine(fundLine: string | null | undefined): Promise<void> {
    if (fundLine == null) return;
    // A connection asks list() and count() with one filter: the line is looked up once (the service lives for one request).
    let known = this.knownFundLines.get(fundLine);
    if (!known) {
      known = this.sql.query<{ known: boolean }>(`select exists (select from ledger.fund_line where code = $1) as known`, [fundLine]).then(([row]) => row!.known);
      this.knownFundLines.set(fundLine, known);
    }
    if (!(await known)) throw bad(`unknown fund line ${fundLine}`, 'fundLine');
  }

  private readonly knownFundLines = new Map<string, Promise<boolean>>();

  /** Findings by id, unscoped (callers check the region). */
  async byIds(ids: readonly string[]): Promise<Map<string, FindingRecord>> {
    const rows = await this.sql.query<Row>(`select ${FINDING_COLUMNS} from audit.finding_state s where s.id = any($1::bigint[])`, [ids]);
    return new Map(rows.map((r) => [r.id, toRecord(r)]));
  }

  async events(findingIds: readonly string[]): Promise<Map<string, FindingEventRecord[]>> {
    const rows = await this.sql.query<Omit<FindingEventRecord, 'at'> & { at: Date | string }>(
      `select finding_id::text as "findingId", seq, action, status, condition_holds as "conditionHolds", actor, at, run_id::text as "runId",
         reason, reference, dismiss_until::text as "dismissUntil"
       from audit.finding_event where finding_id = any($1::bigint[]) order by finding_id, seq`,
      [findingIds],
    );
    const result = new Map<string, FindingEventRecord[]>();
    for (const r of rows) result.set(r.findingId, [...(result.get(r.findingId) ?? []), { ...r, at: iso(r.at) }]);
    return result;
  }

  /** A finding asked for by id (auditFinding, node(id:)): needs audit:read; null when absent, FORBIDDEN outside the jurisdiction. */
  async find(viewer: Viewer, id: string): Promise<FindingRecord | null> {
    viewer.require('audit:read');
    const record = (await this.byIds([id])).get(id);
    if (!record) return null;
    viewer.requireInScope(record.regionCode, 'finding');
    return record;
  }

  /** One finding a disposition acts on: NOT_FOUND when absent, FORBIDDEN outside the jurisdiction. */
  async visible(viewer: Viewer, id: string, permission: 'audit:read' | 'audit:judge' | 'audit:answer' = 'audit:read'): Promise<FindingRecord> {
    viewer.require(permission);
    const record = (await this.byIds([id])).get(id);
    if (!record) throw new DomainError('NOT_FOUND', `no finding ${id}`, 'findingId');
    if (!viewer.inScope(record.regionCode)) throw forbidden(`finding ${id} is outside your jurisdiction ${viewer.jurisdiction}`);
    return record;
  }

  /** Per rule and region one level below `regionCode`: count, amount at risk and how many are in each status. */
  async summary(viewer: Viewer, region: string, from: string | null, to: string | null) {
    viewer.require('audit:read');
    const regionCode = parseRegion(region, 'regionCode');
    viewer.requireInScope(regionCode, `regionCode ${regionCode}`);
    const where = filterSql(viewer, { regionCode, periodFrom: from, periodTo: to });
    const width = { PROVINCE: 4, CITY: 6, COUNTY: 9, TOWN: 12, VILLAGE: 12 }[levelOfCode(regionCode)];
    return queryRows<{ ruleId: string; regionCode: string; count: number; amountAtRisk: string; open: number; answered: number; confirmed: number; dismissed: number; remediated: number }>(
      this.sql,
      sql`select s.rule_id as "ruleId", rpad(left(s.region_code, ${raw(String(width))}), 12, '0') as "regionCode", count(*)::int as count,
         sum(s.amount_at_risk)::text as "amountAtRisk",
         count(*) filter (where s.status = 'OPEN')::int as open, count(*) filter (where s.status = 'ANSWERED')::int as answered,
         count(*) filter (where s.status = 'CONFIRMED')::int as confirmed, count(*) filter (where s.status = 'DISMISSED')::int as dismissed,
         count(*) filter (where s.status = 'REMEDIATED')::int as remediated
       from audit.finding_state s where ${where} group by 1, 2 order by 1, 2`,
    );
  }

  async rules() {
    await inTransaction(this.pool, (client) => ensureRuleCatalogue(client), AS_APP_ROLE);
    return this.sql.query<{ id: string; version: number; nameZh: string; nameEn: string; severity: Severity; fundLines: string[]; parameters: Record<string, unknown>; description: string }>(
      `select distinct on (id) id, version, name_zh as "nameZh", name_en as "nameEn", severity, fund_lines as "fundLines", parameters, description
       from audit.rule order by id, version desc`,
    );
  }

  async runs(viewer: Viewer, first: number, after: string | null) {
    viewer.require('audit:read');
    const [lo, hi] = viewer.scopeRange;
    const cursor = after == null ? raw('') : sql`and id < ${after}::bigint`;
    return queryRows<{ id: string; regionCode: string; from: string; to: string; asOf: string; trigger: string; actor: string; startedAt: Date; finishedAt: Date; durationMs: number; rules: unknown[]; counts: Record<string, number> }>(
      this.sql,
      sql`select id::text, region_code as "regionCode", period_from as "from", period_to as "to", as_of::text as "asOf", trigger, actor,
         started_at as "startedAt", finished_at as "finishedAt", duration_ms as "durationMs", rules, counts
       from audit.run where region_code between ${lo} and ${hi} ${cursor} order by id desc limit ${first}`,
    );
  }

  async countRuns(viewer: Viewer): Promise<number> {
    const [lo, hi] = viewer.scopeRange;
    const [row] = await this.sql.query<{ n: number }>(`select count(*)::int as n from audit.run where region_code between $1 and $2`, [lo, hi]);
    return row!.n;
  }

  /**
   * A disposition, appended as an event. ANSWER (an explanation) and REMEDIATE (the reference of
   * the recovery, e.g. the reversal) are the audited region's; CONFIRM and DISMISS the auditor's.
   */
  async dispose(viewer: Viewer, input: { findingId: string; action: string; reason?: string | null; reference?: string | null; dismissUntil?: string | null }): Promise<FindingRecord> {
    const action = input.action as Disposition;
    if (!(DISPOSITIONS as readonly string[]).includes(action)) throw bad(`action must be one of ${DISPOSITIONS.join(', ')}`, 'action');
    // Dispositions live for ever in an append-only table: no ID number or phone in them.
    const reason = optionalFreeText(input.reason, 'reason', 2000, { multiline: true });
    const reference = optionalFreeText(input.reference, 'reference', 200);
    const dismissUntil = input.dismissUntil == null ? null : isoDate(input.dismissUntil, 'dismissUntil');
    if ((action === 'ANSWER' || action === 'DISMISS') && !reason) throw bad(`${action === 'ANSWER' ? 'an answer' : 'a dismissal'} needs a reason`, 'reason');
    if (action === 'REMEDIATE' && !reference) throw bad('a remediation needs a reference (e.g. the reversal or return transaction)', 'reference');
    if (dismissUntil != null) {
      if (action !== 'DISMISS') throw bad('dismissUntil belongs to a dismissal', 'dismissUntil');
      if (dismissUntil <= todayInChina()) throw bad('dismissUntil must be in the future', 'dismissUntil');
    }
    const permission = action === 'ANSWER' || action === 'REMEDIATE' ? 'audit:answer' : 'audit:judge';
    const id = input.findingId;
    await this.visible(viewer, id, permission);
    await inTransaction(
      this.pool,
      async (client) => {
        await client.query(`select pg_advisory_xact_lock_shared($1, $2)`, [...AUDIT_LOCK]);
        await client.query(`select pg_advisory_xact_lock($1, ($2::bigint % 2147483647)::int)`, [LOCK_CLASS.AUDIT_FINDING, id]);
        const { rows: [state] } = await client.query<{ seq: number; status: FindingStatus; condition_holds: boolean }>(
          `select seq, status, condition_holds from audit.finding_event where finding_id = $1 order by seq desc limit 1`,
          [id],
        );
        const next = transition(state!.status, action);
        await client.query(
          `insert into audit.finding_event (finding_id, seq, action, status, condition_holds, actor, reason, reference, dismiss_until)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [id, state!.seq + 1, action, next, state!.condition_holds, viewer.subject, reason, reference, dismissUntil],
        );
      },
      AS_APP_ROLE,
    );
    return (await this.byIds([id])).get(id)!;
  }
}

/** The workflow: which disposition may follow which status. */
export function transition(status: FindingStatus, action: Disposition): FindingStatus {
  const allowed: Record<Disposition, FindingStatus[]> = {
    ANSWER: ['OPEN', 'ANSWERED'],
    CONFIRM: ['OPEN', 'ANSWERED'],
    DISMISS: ['OPEN', 'ANSWERED'],
    REMEDIATE: ['CONFIRMED'],
  };
  if (!allowed[action].includes(status)) {
    throw new DomainError('INVALID_TRANSITION', `a ${status} finding cannot be given ${action} (allowed from ${allowed[action].join(', ')})`, 'action');
  }
  return ({ ANSWER: 'ANSWERED', CONFIRM: 'CONFIRMED', DISMISS: 'DISMISSED', REMEDIATE: 'REMEDIATED' } as const)[action];
}


/**
 * Appends a parameter override of a rule for a region's subtree from `validFrom` on (never
 * overwrites: a later row wins). The value must have the shape of the default (audit/parameters.ts).
 */
export async function setRuleParameter(pool: pg.Pool, viewer: Viewer, input: { ruleId: string; regionCode: string; key: string; value: string; validFrom: string }) {
  viewer.require('audit:configure');
  const rule = RULES.find((r) => r.id === input.ruleId);
  if (!rule) throw bad(`no rule ${input.ruleId}`, 'ruleId');
  const regionCode = parseRegion(input.regionCode, 'regionCode');
  viewer.requireInScope(regionCode, `regionCode ${regionCode}`);
  // (own keys only: `in` walks the prototype, and __proto__ or toString passed as parameters)
  if (!Object.hasOwn(rule.parameters, input.key)) throw bad(`rule ${rule.id} has no parameter ${input.key} (${Object.keys(rule.parameters).join(', ') || 'none'})`, 'key');
  let value: unknown;
  try {
    value = JSON.parse(input.value);
  } catch {
    throw bad('value must be JSON (a number, a list, an object …)', 'value');
  }
  const problem = parameterProblem(rule, input.key, value);
  if (problem) throw bad(problem, 'value');
  isoDate(input.validFrom, 'validFrom'); // (a calendar date: V8's Date.parse takes 2026-02-30, PostgreSQL does not)
  return inTransaction(
    pool,
    async (client) => {
      const region = await client.query(`select 1 from region where code = $1`, [regionCode]);
      if (!region.rowCount) throw new DomainError('NOT_FOUND', `no region ${regionCode}`, 'regionCode');
      const { rows: [row] } = await client.query<{ id: string; recordedAt: Date | string }>(
        `insert into audit.rule_parameter (rule_id, region_code, key, value, valid_from, recorded_by) values ($1, $2, $3, $4, $5, $6)
         returning id::text, recorded_at as "recordedAt"`,
        [rule.id, regionCode, input.key, JSON.stringify(value), input.validFrom, viewer.subject],
      );
      return { id: row!.id, ruleId: rule.id, regionCode, key: input.key, value: JSON.stringify(value), validFrom: input.validFrom, recordedBy: viewer.subject, recordedAt: new Date(row!.recordedAt) };
    },
    AS_APP_ROLE,
  );
}
