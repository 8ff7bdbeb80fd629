/**
 * Rules on what the money was for, held against what the registry records of it: a care benefit
 * without the assessment it needs (AR-09), a payee the fund line may not pay (AR-14), a facility idle
 * after its grant (AR-17). Like the other payment rules they read the run's pg_temp.audit_pay:
 * unreversed disbursements of the service months, with the elder id of a PERSON payee and the
 * facility id of a FACILITY payee named by their registry numbers.
 */
import { ARGS, INSERT, elderNo, ev, facilityNo, type RuleSql } from './sql.js';

/**
 * AR-09: a benefit that needs a capability level (minLevelByBenefit, GB/T 42195 final level 0–4)
 * paid to an elder for a month whose latest assessment on or before the month's last day is missing,
 * expired (its validUntil passed, or older than assessmentValidityMonths) or of a lower level.
 * Payments carry no claimed level: paying the benefit claims its minimum. Version 2: a PERSON payee
 * that is no registry elder has no assessment either (NO_ASSESSMENT, subject PAYEE, detail.inRegistry
 * false) — version 1 passed such lines over, so a care benefit paid to a made-up person id was found
 * by no rule (AR-06 judges only lines that need a category).
 */
const AR09 = `with ${ARGS},
x as (
  select p.*, (a.p->'minLevelByBenefit'->>p.benefit_code)::int as required, (a.p->>'assessmentValidityMonths')::int as validity,
    (to_date(p.service_month, 'YYYY-MM') + interval '1 month' - interval '1 day')::date as month_end
  from args a join pg_temp.audit_pay p on p.in_scope and p.fund_line = any(a.lines) and p.payee_type = 'PERSON'
  where a.p->'minLevelByBenefit' ? p.benefit_code),
judged as (
  select x.*, s.id as assessment_id, s.assessed_on, s.final_level, s.valid_until,
    case when s.id is null then 'NO_ASSESSMENT'
         when s.valid_until < x.month_end or (s.assessed_on + make_interval(months => x.validity))::date < x.month_end then 'EXPIRED'
         when s.final_level < x.required then 'LEVEL_BELOW_REQUIRED' end as finding
  from x left join lateral (
    select s.id, s.assessed_on, s.final_level, s.valid_until from registry.assessment s
    where s.elder_id = x.elder_id and s.assessed_on <= x.month_end order by s.assessed_on desc, s.id desc limit 1) s on true)
${INSERT}
select 'AR-09', null, min(j.village), case when count(distinct j.fund_line) = 1 then min(j.fund_line) end,
  case when j.elder_id is not null then 'ELDER' else 'PAYEE' end, coalesce(${elderNo('j.elder_id')}, j.payee_type || ':' || j.payee_id),
  j.service_month, j.service_month, sum(j.amount),
  case when j.elder_id is not null then jsonb_build_array(${ev('Elder', 'j.elder_id')}) else '[]'::jsonb end || jsonb_agg(${ev('LedgerTransaction', 'j.id')} order by j.id),
  jsonb_build_object('check', j.finding, 'requiredLevel', jsonb_object_agg(j.benefit_code, j.required), 'assessmentId', j.assessment_id::text,
    'assessedOn', j.assessed_on, 'validUntil', j.valid_until, 'finalLevel', j.final_level, 'inRegistry', j.elder_id is not null)
from judged j where j.finding is not null
group by j.elder_id, j.payee_type, j.payee_id, j.service_month, j.finding, j.assessment_id, j.assessed_on, j.valid_until, j.final_level`;

/**
 * AR-14: a payment whose payee type is not on the whitelist of its benefit (benefitAllowedUse), or,
 * when its benefit has no list of its own, of its fund line (fundLineAllowedUse). A line without a
 * list is not judged: the whitelist says what is allowed, it does not guess at lines it does not name.
 */
const AR14 = `with ${ARGS},
x as (
  select p.*, coalesce(a.p->'benefitAllowedUse'->p.benefit_code, a.p->'fundLineAllowedUse'->p.fund_line) as allowed
  from args a join pg_temp.audit_pay p on p.in_scope and p.fund_line = any(a.lines)),
diverted as (select * from x where jsonb_typeof(x.allowed) = 'array' and not x.allowed ? x.payee_type)
${INSERT}
select 'AR-14', null, min(d.village), d.fund_line,
  case when d.elder_id is not null then 'ELDER' when d.facility_id is not null then 'FACILITY' else 'PAYEE' end,
  coalesce(${elderNo('d.elder_id')}, ${facilityNo('d.facility_id')}, d.payee_type || ':' || d.payee_id), d.service_month, d.service_month, sum(d.amount),
  case when d.elder_id is not null then jsonb_build_array(${ev('Elder', 'd.elder_id')})
       when d.facility_id is not null then jsonb_build_array(${ev('Facility', 'd.facility_id')}) else '[]'::jsonb end
    || jsonb_agg(${ev('LedgerTransaction', 'd.id')} order by d.id),
  jsonb_build_object('payeeType', d.payee_type, 'allowedPayeeTypes', jsonb_object_agg(d.benefit_code, d.allowed), 'lines', count(*))
from diverted d
group by d.payee_type, d.payee_id, d.elder_id, d.facility_id, d.fund_line, d.service_month`;

/**
 * AR-17: a facility paid project-grant money for a month, and `months` after the last such payment
 * it has (by the evaluation date) been used by nobody: no stay overlapping a day from the deadline
 * on, no service record started on or after it (IDLE); or, residential with beds on record, fewer
 * residents on the evaluation date than minOccupancyPercent of its actual beds (LOW_OCCUPANCY). The
 * registry holds no acceptance date: the clock starts at the last grant payment (a final instalment
 * is paid on acceptance), looked up in the whole ledger so that every run sees the same deadline.
 */
const AR17 = `with ${ARGS},
granted as (
  select p.facility_id, p.service_month, sum(p.amount) as amount, min(p.fund_line) as fund_line,
    jsonb_agg(${ev('LedgerTransaction', 'p.id')} order by p.id) as evidence
  from args a join pg_temp.audit_pay p on p.in_scope and p.fund_line = any(a.lines) and p.facility_id is not null and p.effective_date <= a.as_of
  group by p.facility_id, p.service_month),
due as (
  select g.*, f.village_code, f.status, ft.residential, c.last_paid, (c.last_paid + make_interval(months => (a.p->>'months')::int))::date as deadline,
    a.as_of, (a.p->>'minOccupancyPercent')::int as min_percent
  from granted g cross join args a
  join registry.facility f on f.id = g.facility_id
  join registry.facility_type ft on ft.code = f.type
  cross join lateral (
    select max(t.effective_date) as last_paid from ledger.transaction t
    where t.payee_type = 'FACILITY' and t.payee_id = ${facilityNo('g.facility_id')} and t.kind = 'DISBURSEMENT' and t.fund_line = any(a.lines)
      and t.effective_date <= a.as_of and not exists (select from ledger.transaction r where r.reverses_id = t.id)) c),
used as (
  select d.*,
    exists (select from registry.stay s where s.facility_id = d.facility_id and s.admitted_on <= d.as_of
              and (s.discharged_on is null or s.discharged_on > d.deadline)) as lived_in,
    exists (select from registry.service_record r where r.facility_id = d.facility_id
              and r.started_at >= d.deadline::timestamp at time zone 'Asia/Shanghai' and r.started_at < (d.as_of + 1)::timestamp at time zone 'Asia/Shanghai') as served,
    (select count(distinct s.elder_id) from registry.stay s where s.facility_id = d.facility_id and s.admitted_on <= d.as_of
       and (s.discharged_on is null or s.discharged_on > d.as_of))::int as residents,
    b.id as inventory_id, b.actual as beds, b.occupied as reported_occupied
  from due d
  left join lateral (select i.id, i.actual, i.occupied from registry.bed_inventory i where i.facility_id = d.facility_id and i.as_of <= d.as_of
                     order by i.as_of desc, i.id desc limit 1) b on true
  where d.deadline < d.as_of),
judged as (
  select used.*, case when not lived_in and not served then 'IDLE'
    when residential and beds > 0 and residents * 100 < min_percent * beds then 'LOW_OCCUPANCY' end as finding
  from used)
${INSERT}
select 'AR-17', null, j.village_code, j.fund_line, 'FACILITY', ${facilityNo('j.facility_id')}, j.service_month, j.service_month, j.amount,
  jsonb_build_array(${ev('Facility', 'j.facility_id')}) || j.evidence,
  jsonb_build_object('check', j.finding, 'lastGrantPaidOn', j.last_paid, 'deadline', j.deadline, 'facilityStatus', j.status,
    'residents', j.residents, 'beds', j.beds, 'reportedOccupied', j.reported_occupied, 'bedInventoryId', j.inventory_id::text,
    'minOccupancyPercent', j.min_percent)
from judged j where j.finding is not null`;

export const USE_RULES: RuleSql[] = [
  { id: 'AR-09', version: 2, statements: [AR09] },
  { id: 'AR-14', version: 1, statements: [AR14] },
  { id: 'AR-17', version: 1, statements: [AR17] },
];
