/**
 * The audit engine: evaluates rules over a region subtree and a span of service months, all in
 * PostgreSQL (each rule one set-based statement into a candidate table), then merges the candidates
 * into findings idempotently — one finding per (rule, subject, period), evidence appended as a new
 * version when it changed, and events for what the engine observed (detected, cleared, recurred,
 * reopened after a dismissal expired). One database transaction per run; the run is recorded.
 */
import type pg from 'pg';
import { AS_APP_ROLE, inTransaction } from '../platform/sql.js';
import { DomainError } from '../platform/errors.js';
import { isoDate, regionCode as parseRegion } from '../platform/validate.js';
import type { Viewer } from '../auth/viewer.js';
import { cityOf, subtreeRangeOf } from '../platform/region-code.js';
import { todayInChina } from '../platform/id-number.js';
import { parameterProblem } from './parameters.js';
import { RULES, RULE_IDS, ruleById } from './catalogue.js';
import { PAYMENT_RULES } from './rules/payments.js';
import { FUND_RULES } from './rules/funds.js';
import { USE_RULES } from './rules/use.js';
import type { RuleSql } from './rules/sql.js';
import { mergeCandidates, type MergeCounts } from './merge.js';
import { LedgerQueries } from '../ledger/queries.js';
import { LOCK_CLASS } from '../platform/locks.js';
import { auditStatementTimeoutMs } from '../platform/config.js';

const RULE_SQL = new Map<string, RuleSql>([...PAYMENT_RULES, ...USE_RULES, ...FUND_RULES].map((r) => [r.id, r]));
/** Rules that read pg_temp.audit_pay (built once per run). */
const PAYMENT_RULE_IDS = new Set([...PAYMENT_RULES, ...USE_RULES].map((r) => r.id));
export const RUN_TRIGGERS = ['API', 'CLI', 'SCHEDULE', 'DEMO', 'BENCH', 'TEST'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
/** Advisory lock (class, object) that serialises runs against each other and against dispositions. */
export const AUDIT_LOCK = [LOCK_CLASS.AUDIT_RUN, 0] as const;
const MAX_MONTHS = 36;
/** Per-statement limit inside a run (SUNSHINE_AUDIT_STATEMENT_TIMEOUT_MS, default 10 minutes). */
const AUDIT_STATEMENT_TIMEOUT_MS = auditStatementTimeoutMs();

export interface RunInput {
  regionCode: string;
  from: string;
  to: string;
  /** Rule ids (AR-01 …); all when omitted or empty. */
  rules?: readonly string[] | null;
  /** The evaluation date; the end of `to` or today (China), whichever is earlier, when omitted. */
  asOf?: string | null;
  trigger: RunTrigger;
  actor: string;
  /** Checked against the region when given (GraphQL); the CLI and the scheduler run as the system. */
  viewer?: Viewer | null;
  onProgress?: (done: number, total: number, stage: string) => void;
}

export interface RuleRun {
  id: string;
  version: number;
  parameters: Record<string, unknown>;
  candidates: number;
  durationMs: number;
}

export interface RunReport {
  id: string;
  regionCode: string;
  from: string;
  to: string;
  asOf: string;
  rules: RuleRun[];
  counts: MergeCounts;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

const bad = (message: string, field: string) => new DomainError('BAD_USER_INPUT', message, field);

function monthArg(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9]{4}-(0[1-9]|1[0-2])$/.test(value)) throw bad(`${field} must be a month YYYY-MM`, field);
  return value;
}

const monthIndex = (m: string) => Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
const endOfMonth = (m: string) => new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).toISOString().slice(0, 10);

export interface ValidatedRun {
  regionCode: string;
  from: string;
  to: string;
  ruleIds: string[];
  asOf: string;
}

/** Input checks; nothing is written when one fails. */
export function validateRun(input: Pick<RunInput, 'regionCode' | 'from' | 'to' | 'rules' | 'asOf'>): ValidatedRun {
  const regionCode = parseRegion(input.regionCode, 'regionCode');
  const from = monthArg(input.from, 'from');
  const to = monthArg(input.to, 'to');
  if (from > to) throw bad('from must not be after to', 'to');
  if (monthIndex(to) - monthIndex(from) + 1 > MAX_MONTHS) throw bad(`a run covers at most ${MAX_MONTHS} months`, 'to');
  const ruleIds = input.rules?.length ? [...new Set(input.rules)] : [...RULE_IDS];
  for (const id of ruleIds) if (!ruleById.has(id)) throw bad(`no rule ${id} (rules: ${RULE_IDS.join(', ')})`, 'rules');
  let asOf = input.asOf == null ? null : isoDate(input.asOf, 'asOf');
  if (asOf == null) {
    const today = todayInChina();
    asOf = endOfMonth(to) < today ? endOfMonth(to) : today;
  }
  return { regionCode, from, to, ruleIds: RULE_IDS.filter((id) => ruleIds.includes(id)), asOf };
}

/** The code range of a region's subtree. */
/** Where ledger-wide findings of a run belong, and how wide duplicate detection looks: the run's city (or province). */
function rootOf(code: string): string {
  return cityOf(code);
}

/** Appends rule versions the database does not know yet (idempotent). */
export async function ensureRuleCatalogue(client: pg.ClientBase): Promise<void> {
  await client.query(
    `insert into audit.rule (id, version, name_zh, name_en, severity, fund_lines, parameters, description)
     select r->>'id', (r->>'version')::int, r->>'nameZh', r->>'nameEn', r->>'severity',
       array(select jsonb_array_elements_text(r->'fundLines')), r->'parameters', r->>'description'
     from jsonb_array_elements($1::jsonb) r
     on conflict (id, version) do nothing`,
    [JSON.stringify(RULES)],
  );
}

/**
 * Parameters of each rule for a region on a date: the defaults, overridden key by key by the most
 * specific region on the path from the province down to it, the latest validFrom not after asOf.
 */
export async function effectiveParameters(client: pg.ClientBase, regionCode: string, asOf: string, ruleIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
  const { rows } = await client.query<{ rule_id: string; key: string; value: unknown }>(
    `select rule_id, key, value from audit.rule_parameter
     where rule_id = any($3::text[]) and valid_from <= $2::date
       and $1 between region_code and region_subtree_max(region_code, region_level_of(region_code))
     order by rule_id, key, case region_level_of(region_code) when 'VILLAGE' then 5 when 'TOWN' then 4 when 'COUNTY' then 3 when 'CITY' then 2 else 1 end desc,
       valid_from desc, id desc`,
    [regionCode, asOf, ruleIds],
  );
  const result = new Map(ruleIds.map((id) => [id, { ...ruleById.get(id)!.parameters }]));
  // The first row of each key in that order wins — the first that would pass setAuditRuleParameter
  // today: one written into the table directly (or valid for an older version of the rule) is passed
  // over, and the run records what it used instead of failing, night after night.
  const decided = new Set<string>();
  for (const row of rows) {
    const key = `${row.rule_id} ${row.key}`;
    if (decided.has(key) || parameterProblem(ruleById.get(row.rule_id)!, row.key, row.value) !== null) continue;
    decided.add(key);
    result.get(row.rule_id)![row.key] = row.value;
  }
  return result;
}

async function preparePaymentLines(client: pg.ClientBase, range: [string, string], root: string, from: string, to: string): Promise<void> {
  const [wideLo, wideHi] = subtreeRangeOf(root);
  await client.query(
    `create temp table audit_pay on commit drop as
     select t.id, t.region_code as payer, t.fund_line, t.payee_type, t.payee_id, t.service_month, t.benefit_code,
       t.beneficiary_village_code as village, t.effective_date, p.amount,
       case when t.payee_type = 'PERSON' and t.payee_id ~ '^E[0-9]{1,18}$' then substr(t.payee_id, 2)::bigint end as elder_id,
       case when t.payee_type = 'FACILITY' and t.payee_id ~ '^F[0-9]{1,18}$' then substr(t.payee_id, 2)::bigint end as facility_id,
       t.beneficiary_village_code between $1 and $2 as in_scope
     from ledger.transaction t
     join ledger.posting p on p.transaction_id = t.id and p.account_kind = 'EXPENDITURE'
     where t.kind = 'DISBURSEMENT' and t.service_month between $5 and $6 and t.region_code between $3 and $4
       and not exists (select from ledger.transaction r where r.reverses_id = t.id)`,
    [range[0], range[1], wideLo, wideHi, from, to],
  );
  await client.query(`create index on pg_temp.audit_pay (elder_id)`);
  await client.query(`analyze pg_temp.audit_pay`);
  await client.query(
    `create temp table audit_death on commit drop as
     select distinct on (v.elder_id) v.elder_id, v.id as event_id, v.death_date, v.status
     from registry.vital_event v where v.elder_id in (select elder_id from pg_temp.audit_pay where elder_id is not null)
     order by v.elder_id, v.id desc`,
  );
  await client.query(`delete from pg_temp.audit_death where status <> 'DECEASED'`);
  await client.query(`analyze pg_temp.audit_death`);
}

export async function runAudit(pool: pg.Pool, input: RunInput): Promise<RunReport> {
  const run = validateRun(input);
  if (input.viewer) input.viewer.requireAt('audit:run', run.regionCode, `regionCode ${run.regionCode}`);
  const progress = input.onProgress ?? (() => {});
  const startedAt = new Date();
  const started = performance.now();
  let chain: Promise<{ firstBrokenSeq: string | null }> | null = null;
  return inTransaction(
    pool,
    async (client) => {
      const region = await client.query(`select 1 from region where code = $1`, [run.regionCode]);
      if (!region.rowCount) throw new DomainError('NOT_FOUND', `no region ${run.regionCode}`, 'regionCode');
      await client.query(`select pg_advisory_xact_lock($1, $2)`, [...AUDIT_LOCK]);
      // AR-21's chain check, the longest part of a run: verified meanwhile in parallel chunks on other connections.
      if (run.ruleIds.includes('AR-21')) {
        chain = new LedgerQueries(pool).verify(null, null);
        chain.catch(() => {});
      }
      await ensureRuleCatalogue(client);
      const parameters = await effectiveParameters(client, run.regionCode, run.asOf, run.ruleIds);
      const { rows: [seq] } = await client.query<{ id: string }>(`select nextval('audit.run_id_seq')::text as id`);
      const runId = seq!.id;
      const range = subtreeRangeOf(run.regionCode);
      const root = rootOf(run.regionCode);
      const total = run.ruleIds.length + 2;
      await client.query(`create temp table audit_candidate (rule_id text not null, severity text, region_code text collate "C" not null,
        fund_line text, subject_type text not null, subject_id text not null, period_from text, period_to text, amount bigint not null,
        evidence jsonb not null, detail jsonb not null) on commit drop`);
      if (run.ruleIds.some((id) => PAYMENT_RULE_IDS.has(id))) {
        progress(0, total, 'payment lines');
        await preparePaymentLines(client, range, root, run.from, run.to);
      }
      const rules: RuleRun[] = [];
      for (const [i, id] of run.ruleIds.entries()) {
        progress(i + 1, total, id);
        const rule = ruleById.get(id)!;
        const sql = RULE_SQL.get(id)!;
        if (sql.version !== rule.version) throw new Error(`rule ${id}: catalogue version ${rule.version}, SQL version ${sql.version}`);
        const params = parameters.get(id)!;
        const ruleStarted = performance.now();
        if (id === 'AR-21') {
          const broken = params.verifyChain === false ? null : (await chain!).firstBrokenSeq;
          await client.query(`create temp table audit_chain on commit drop as select $1::bigint as first_broken`, [broken]);
        }
        let candidates = 0;
        for (const statement of sql.statements) {
          const result = await client.query(statement, [range[0], range[1], run.from, run.to, JSON.stringify(params), run.asOf, rule.fundLines, root]);
          candidates += result.rowCount ?? 0;
        }
        rules.push({ id, version: rule.version, parameters: params, candidates, durationMs: Math.round(performance.now() - ruleStarted) });
      }
      progress(total - 1, total, 'findings');
      const counts = await mergeCandidates(client, { runId, range, from: run.from, to: run.to, asOf: run.asOf, ruleIds: run.ruleIds, actor: input.actor });
      const finishedAt = new Date();
      const durationMs = Math.round(performance.now() - started);
      await client.query(
        `insert into audit.run (id, region_code, period_from, period_to, as_of, trigger, actor, started_at, finished_at, duration_ms, rules, counts)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [runId, run.regionCode, run.from, run.to, run.asOf, input.trigger, input.actor, startedAt, finishedAt, durationMs, JSON.stringify(rules), JSON.stringify(counts)],
      );
      progress(total, total, 'done');
      return { id: runId, regionCode: run.regionCode, from: run.from, to: run.to, asOf: run.asOf, rules, counts, startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), durationMs };
    },
    // A city-year is more than the API's per-statement limit (DB_STATEMENT_TIMEOUT_MS) allows for reads.
    `${AS_APP_ROLE}; set local statement_timeout = ${AUDIT_STATEMENT_TIMEOUT_MS}`,
  );
}
