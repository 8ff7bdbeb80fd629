import { Migration } from '@mikro-orm/migrations';

/**
 * The audit engine (审计): versioned rules, per-region parameter overrides, runs, findings with
 * versioned evidence, and the disposition workflow. Schema `audit`. See docs/audit.md.
 *
 * Everything here is append-only, enforced by triggers that reject UPDATE, DELETE and TRUNCATE even
 * for the owner: a new rule version is a new row, a parameter override is a new row with a later
 * validFrom, refreshed evidence is a new version row, and a finding's status is the status after its
 * latest event. The application role `sunshine_app` may only SELECT and INSERT.
 */
export class Migration20261201300000_audit extends Migration {
  override name = 'Migration20261201300000_audit';

  override up(): void {
    const sql = (text: string) => this.addSql(text);
    sql(`create schema audit`);
    sql(`grant usage on schema audit to sunshine_app`);
    const severity = `text not null check (severity in ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW'))`;
    const month = (column: string) => `${column} text check (${column} ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')`;

    sql(`create table audit.rule (
      id text not null check (id ~ '^AR-[0-9]{2}$'),
      version int not null check (version > 0),
      name_zh text not null check (length(btrim(name_zh)) > 0),
      name_en text not null check (length(btrim(name_en)) > 0),
      severity ${severity},
      fund_lines text[] not null,
      parameters jsonb not null check (jsonb_typeof(parameters) = 'object'),
      description text not null,
      created_at timestamptz not null default now(),
      primary key (id, version))`);
    sql(`comment on table audit.rule is '审计规则: one row per rule version (the SQL of a version lives in audit/rules/, keyed by id and version); parameters are the defaults'`);

    sql(`create table audit.rule_parameter (
      id bigint generated always as identity primary key,
      rule_id text not null check (rule_id ~ '^AR-[0-9]{2}$'),
      region_code text collate "C" not null references region (code),
      key text not null check (key ~ '^[a-zA-Z][a-zA-Z0-9]{0,59}$'),
      value jsonb not null,
      valid_from date not null,
      recorded_at timestamptz not null default now(),
      recorded_by text not null check (length(btrim(recorded_by)) between 1 and 200))`);
    sql(`comment on table audit.rule_parameter is '规则参数: a region overrides a rule parameter from valid_from on (for its subtree); never overwritten, a later row wins'`);
    sql(`create index rule_parameter_idx on audit.rule_parameter (rule_id, key, region_code, valid_from, id)`);

    sql(`create sequence audit.run_id_seq`);
    sql(`create table audit.run (
      id bigint primary key,
      region_code text collate "C" not null references region (code),
      ${month('period_from')} not null,
      ${month('period_to')} not null,
      as_of date not null,
      trigger text not null check (trigger in ('API', 'CLI', 'SCHEDULE', 'DEMO', 'BENCH', 'TEST')),
      actor text not null check (length(btrim(actor)) between 1 and 200),
      started_at timestamptz not null,
      finished_at timestamptz not null,
      duration_ms int not null check (duration_ms >= 0),
      rules jsonb not null,
      counts jsonb not null,
      check (period_from <= period_to))`);
    sql(`comment on table audit.run is '审计运行: one evaluation of rules over a region subtree and service months — who, when, rule versions and parameters used, counts, duration'`);
    sql(`create index run_region_idx on audit.run (region_code, id)`);

    sql(`create table audit.finding (
      id bigint generated always as identity primary key,
      rule_id text not null,
      rule_version int not null,
      severity ${severity},
      region_code text collate "C" not null references region (code),
      fund_line text,
      subject_type text not null check (subject_type in ('ELDER', 'FACILITY', 'LOT', 'TRANSACTION', 'ACCOUNT', 'PAYEE', 'LEDGER')),
      subject_id text not null check (length(subject_id) between 1 and 80),
      ${month('period_from')},
      ${month('period_to')},
      first_run_id bigint not null references audit.run (id) deferrable initially deferred,
      created_at timestamptz not null default now(),
      foreign key (rule_id, rule_version) references audit.rule (id, version),
      constraint finding_natural_key unique nulls not distinct (rule_id, subject_type, subject_id, period_from, period_to))`);
    sql(`comment on table audit.finding is '审计发现: one per (rule, subject, period), never changed; evidence versions and events are appended'`);
    sql(`create index finding_region_idx on audit.finding (region_code, id)`);
    sql(`create index finding_subject_idx on audit.finding (subject_type, subject_id)`);

    sql(`create table audit.finding_evidence (
      id bigint generated always as identity primary key,
      finding_id bigint not null references audit.finding (id),
      version int not null check (version > 0),
      run_id bigint not null references audit.run (id) deferrable initially deferred,
      amount_at_risk bigint not null check (amount_at_risk >= 0),
      evidence jsonb not null check (jsonb_typeof(evidence) = 'array'),
      detail jsonb not null check (jsonb_typeof(detail) = 'object'),
      recorded_at timestamptz not null default now(),
      unique (finding_id, version))`);
    sql(`comment on table audit.finding_evidence is '证据: the records that prove a finding ([{type, id}]) and the amount at risk in fen; a refresh appends a version'`);

    sql(`create table audit.finding_event (
      id bigint generated always as identity primary key,
      finding_id bigint not null references audit.finding (id),
      seq int not null check (seq > 0),
      action text not null check (action in ('DETECTED', 'CLEARED', 'RECURRED', 'REOPENED', 'ANSWER', 'CONFIRM', 'DISMISS', 'REMEDIATE')),
      status text not null check (status in ('OPEN', 'ANSWERED', 'CONFIRMED', 'DISMISSED', 'REMEDIATED')),
      condition_holds boolean not null,
      actor text not null check (length(btrim(actor)) between 1 and 200),
      at timestamptz not null default now(),
      run_id bigint references audit.run (id) deferrable initially deferred,
      reason text check (length(reason) <= 2000),
      reference text check (length(reference) <= 200),
      dismiss_until date,
      constraint finding_event_once unique (finding_id, seq),
      constraint finding_event_dismissal check (action <> 'DISMISS' or length(btrim(reason)) > 0),
      constraint finding_event_remediation check (action <> 'REMEDIATE' or length(btrim(reference)) > 0))`);
    sql(`comment on table audit.finding_event is '处置记录: every disposition and every change the engine observed (detected, cleared, recurred, reopened), with actor and time; the latest event gives the status'`);

    sql(`create table audit.export (
      id bigint generated always as identity primary key,
      subject text not null,
      format text not null check (format in ('CSV', 'XLSX')),
      filter jsonb not null,
      rows int not null check (rows >= 0),
      at timestamptz not null default now())`);
    sql(`comment on table audit.export is '导出记录: each download of findings (also written to registry.access_log)'`);

    // The current state of every finding: its latest event and latest evidence version.
    sql(`create view audit.finding_state as
      select f.*, e.status, e.condition_holds, e.seq as event_seq, e.at as status_at, e.dismiss_until,
             v.version as evidence_version, v.amount_at_risk, v.evidence, v.detail, v.run_id as evidence_run_id
      from audit.finding f
      cross join lateral (select * from audit.finding_event x where x.finding_id = f.id order by x.seq desc limit 1) e
      cross join lateral (select * from audit.finding_evidence y where y.finding_id = f.id order by y.version desc limit 1) v`);

    sql(`create function audit.reject_change() returns trigger language plpgsql as $$
      begin
        raise exception 'audit table %.% is append-only: % is not allowed', tg_table_schema, tg_table_name, tg_op using errcode = 'SA000';
      end $$`);
    for (const table of ['rule', 'rule_parameter', 'run', 'finding', 'finding_evidence', 'finding_event', 'export']) {
      sql(`create trigger ${table}_append_only before update or delete on audit.${table} for each row execute function audit.reject_change()`);
      sql(`create trigger ${table}_no_truncate before truncate on audit.${table} for each statement execute function audit.reject_change()`);
      sql(`revoke all on audit.${table} from public`);
      sql(`grant select, insert on audit.${table} to sunshine_app`);
    }
    sql(`grant select on audit.finding_state to sunshine_app`);
    sql(`grant usage on all sequences in schema audit to sunshine_app`);

    // For closing a period: the open CRITICAL findings that touch (region's subtree or an ancestor of
    // it, fund line, month). A finding without a period (ledger integrity) touches every month.
    sql(`create function audit.open_critical_findings(region_code text, fund_line text, month text)
      returns table (finding_id bigint, rule_id text, finding_region_code text, finding_fund_line text, subject_type text, subject_id text,
                     period_from text, period_to text, amount_at_risk bigint, status text)
      language sql stable as $$
        select s.id, s.rule_id, s.region_code, s.fund_line, s.subject_type, s.subject_id, s.period_from, s.period_to, s.amount_at_risk, s.status
        from audit.finding_state s
        where s.severity = 'CRITICAL' and s.status in ('OPEN', 'ANSWERED', 'CONFIRMED') and s.condition_holds
          and (s.region_code between open_critical_findings.region_code and region_subtree_max(open_critical_findings.region_code, region_level_of(open_critical_findings.region_code))
               or open_critical_findings.region_code between s.region_code and region_subtree_max(s.region_code, region_level_of(s.region_code)))
          and (s.fund_line is null or open_critical_findings.fund_line is null or s.fund_line = open_critical_findings.fund_line)
          and (s.period_from is null or open_critical_findings.month is null
               or open_critical_findings.month between s.period_from and coalesce(s.period_to, s.period_from))
        order by s.id $$`);
    sql(`grant execute on function audit.open_critical_findings(text, text, text) to sunshine_app`);
  }

  override down(): void {
    this.addSql('drop schema audit cascade');
  }
}
