/**
 * From a run's candidates to findings, set-based and append-only:
 *   1. candidates of one natural key (rule, subject, period) are merged (worst severity, summed
 *      amount, union of evidence); only those whose region lies in the run's subtree count;
 *   2. new keys become findings (INSERT … ON CONFLICT DO NOTHING: a re-run adds none);
 *   3. evidence is appended as a new version when it is new or changed and the finding is still
 *      being worked (OPEN, ANSWERED) or had cleared;
 *   4. events record what the engine saw: DETECTED, CLEARED (a finding the run covers that no longer
 *      holds), RECURRED, REOPENED (a dismissal expired and the condition still holds).
 */
import type pg from 'pg';
import { ruleById } from './catalogue.js';

export interface MergeCounts {
  candidates: number;
  findings: number;
  detected: number;
  refreshed: number;
  cleared: number;
  recurred: number;
  reopened: number;
}

export interface MergeScope {
  runId: string;
  range: [string, string];
  from: string;
  to: string;
  asOf: string;
  ruleIds: string[];
  actor: string;
}

export async function mergeCandidates(client: pg.ClientBase, scope: MergeScope): Promise<MergeCounts> {
  const [lo, hi] = scope.range;
  const versions = scope.ruleIds.map((id) => ruleById.get(id)!.version);
  const { rows: [{ candidates }] } = await client.query(`select count(*)::int as candidates from pg_temp.audit_candidate`);
  await client.query(
    `create temp table audit_found on commit drop as
     select c.rule_id, r.version as rule_version, c.subject_type, c.subject_id, c.period_from, c.period_to,
       (array_agg(coalesce(c.severity, r.severity) order by array_position(array['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'], coalesce(c.severity, r.severity))))[1] as severity,
       min(c.region_code) as region_code,
       case when count(distinct c.fund_line) = 1 and bool_and(c.fund_line is not null) then min(c.fund_line) end as fund_line,
       sum(c.amount) as amount,
       (select coalesce(jsonb_agg(distinct x), '[]'::jsonb) from jsonb_array_elements(jsonb_path_query_array(jsonb_agg(c.evidence), '$[*][*]')) x) as evidence,
       case when count(*) = 1 then (array_agg(c.detail))[1] else jsonb_build_object('parts', jsonb_agg(c.detail)) end as detail
     from pg_temp.audit_candidate c
     join audit.rule r on r.id = c.rule_id and r.version = (select v from unnest($3::text[], $4::int[]) u (id, v) where u.id = c.rule_id)
     where c.region_code between $1 and $2
     group by c.rule_id, r.version, c.subject_type, c.subject_id, c.period_from, c.period_to`,
    [lo, hi, scope.ruleIds, versions],
  );
  const { rows: [{ findings }] } = await client.query(`select count(*)::int as findings from pg_temp.audit_found`);
  await client.query(
    `insert into audit.finding (rule_id, rule_version, severity, region_code, fund_line, subject_type, subject_id, period_from, period_to, first_run_id)
     select rule_id, rule_version, severity, region_code, fund_line, subject_type, subject_id, period_from, period_to, $1
     from pg_temp.audit_found order by rule_id, subject_type, subject_id, period_from
     on conflict on constraint finding_natural_key do nothing`,
    [scope.runId],
  );
  // Every finding the run found or covers, with its current state.
  await client.query(
    `create temp table audit_state on commit drop as
     select f.id, e.seq, e.status, e.condition_holds, e.dismiss_until, v.version, v.amount_at_risk, v.evidence, v.detail,
       x.amount as new_amount, x.evidence as new_evidence, x.detail as new_detail, x.rule_id is not null as found
     from audit.finding f
     left join pg_temp.audit_found x on x.rule_id = f.rule_id and x.subject_type = f.subject_type and x.subject_id = f.subject_id
       and x.period_from is not distinct from f.period_from and x.period_to is not distinct from f.period_to
     left join lateral (select * from audit.finding_event y where y.finding_id = f.id order by y.seq desc limit 1) e on true
     left join lateral (select * from audit.finding_evidence z where z.finding_id = f.id order by z.version desc limit 1) v on true
     where f.rule_id = any($3::text[]) and f.region_code between $1 and $2
       and (x.rule_id is not null or ((f.period_from is null or f.period_from <= $5) and (f.period_to is null or f.period_to >= $4)))`,
    [lo, hi, scope.ruleIds, scope.from, scope.to],
  );
  const refreshed = await client.query(
    `insert into audit.finding_evidence (finding_id, version, run_id, amount_at_risk, evidence, detail)
     select id, coalesce(version, 0) + 1, $1, new_amount, new_evidence, new_detail from pg_temp.audit_state
     where found and (version is null or ((status in ('OPEN', 'ANSWERED') or not condition_holds)
       and (amount_at_risk, evidence, detail) is distinct from (new_amount, new_evidence, new_detail)))
     returning version`,
    [scope.runId],
  );
  const { rows: events } = await client.query<{ action: string; n: number }>(
    `with observed as (
       select id, seq, status, dismiss_until, found,
         case when seq is null then 'DETECTED'
              when found and not condition_holds then 'RECURRED'
              when found and status = 'DISMISSED' and dismiss_until < $2::date then 'REOPENED'
              when not found and condition_holds then 'CLEARED' end as action
       from pg_temp.audit_state),
     next as (
       select observed.*,
         case action when 'DETECTED' then 'OPEN' when 'REOPENED' then 'OPEN'
           when 'RECURRED' then case when status = 'REMEDIATED' or (status = 'DISMISSED' and dismiss_until < $2::date) then 'OPEN' else status end
           else status end as next_status
       from observed where action is not null),
     inserted as (
       insert into audit.finding_event (finding_id, seq, action, status, condition_holds, actor, run_id, dismiss_until)
       select id, coalesce(seq, 0) + 1, action, next_status, found, $3, $1,
         case when next_status = 'DISMISSED' then dismiss_until end
       from next order by id
       returning action)
     select action, count(*)::int as n from inserted group by action`,
    [scope.runId, scope.asOf, scope.actor],
  );
  const n = (action: string) => events.find((e) => e.action === action)?.n ?? 0;
  const newVersions = refreshed.rows.filter((r: { version: number }) => r.version > 1).length;
  return { candidates, findings, detected: n('DETECTED'), refreshed: newVersions, cleared: n('CLEARED'), recurred: n('RECURRED'), reopened: n('REOPENED') };
}
