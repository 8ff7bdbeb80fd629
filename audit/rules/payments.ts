/**
 * Rules over payment lines (the run's pg_temp.audit_pay: unreversed disbursements of the service
 * months, with their EXPENDITURE amount and, for PERSON payees with a registry number, the elder id).
 */
import { ARGS, INSERT, elderNo, ev, facilityNo, heldDuring, type RuleSql } from './sql.js';

const subjectType = `case when p.elder_id is not null then 'ELDER' else 'PAYEE' end`;
const subjectId = `coalesce(${elderNo('p.elder_id')}, p.payee_type || ':' || p.payee_id)`;
const singleLine = (column: string) => `case when count(distinct ${column}) = 1 then min(${column}) end`;
const lines = (alias = 'p') => `jsonb_agg(${ev('LedgerTransaction', `${alias}.id`)} order by ${alias}.id)`;

/** AR-01: months after the death month (+ grace) are not payable. */
const AR01 = `with ${ARGS}
${INSERT}
select 'AR-01', null, min(p.village), ${singleLine('p.fund_line')}, 'ELDER', ${elderNo('p.elder_id')}, p.service_month, p.service_month, sum(p.amount),
  jsonb_build_array(${ev('Elder', 'p.elder_id')}, ${ev('VitalEvent', 'd.event_id')}) || ${lines()},
  jsonb_build_object('deathDate', d.death_date, 'graceMonths', (a.p->>'deathGraceMonths')::int)
from args a
join pg_temp.audit_pay p on p.in_scope and p.fund_line = any(a.lines)
join pg_temp.audit_death d on d.elder_id = p.elder_id
where to_date(p.service_month, 'YYYY-MM') >= (date_trunc('month', d.death_date) + make_interval(months => 1 + (a.p->>'deathGraceMonths')::int))::date
group by p.elder_id, p.service_month, d.event_id, d.death_date, a.p`;

/** AR-03: the same payee, line, benefit and month paid more than once (reversed lines are not in audit_pay). */
const AR03 = `with ${ARGS},
dup as (
  select p.payee_type, p.payee_id, p.fund_line, p.benefit_code, p.service_month
  from args a join pg_temp.audit_pay p on p.fund_line = any(a.lines)
  left join registry.elder e on e.id = p.elder_id
  group by p.payee_type, p.payee_id, p.fund_line, p.benefit_code, p.service_month
  -- In the run's scope: a line paid into it, or the elder's household, which is where the finding
  -- is recorded — so every run that covers the finding sees it (v1 did not: a run of the county an
  -- elder had moved to cleared a duplicate another county paid, and the next city run found it again).
  having count(*) > 1 and bool_or(p.in_scope or e.hukou_village_code between a.lo and a.hi))
${INSERT}
select 'AR-03', null, coalesce(min(e.hukou_village_code), min(p.village)), p.fund_line, ${subjectType}, ${subjectId}, p.service_month, p.service_month,
  sum(p.amount) - max(p.amount),
  ${lines()},
  jsonb_build_object('benefitCode', p.benefit_code, 'lines', count(*), 'crossRegion', count(distinct p.payer) > 1,
    'payers', jsonb_agg(distinct p.payer))
from dup d
join pg_temp.audit_pay p on p.payee_type = d.payee_type and p.payee_id = d.payee_id and p.fund_line = d.fund_line
  and p.benefit_code = d.benefit_code and p.service_month = d.service_month
left join registry.elder e on e.id = p.elder_id
group by p.payee_type, p.payee_id, p.elder_id, p.fund_line, p.benefit_code, p.service_month`;

/** AR-04: both benefits of an exclusive pair for the same payee and month. */
const AR04 = `with ${ARGS},
pairs as (select x->>'a' as a, x->>'b' as b, x->>'note' as note from args, jsonb_array_elements(args.p->'pairs') x),
per_benefit as (
  select p.payee_type, p.payee_id, p.elder_id, p.service_month, p.benefit_code, sum(p.amount) as amount, ${lines()} as evidence,
    min(p.village) as village, bool_or(p.in_scope) as in_scope, ${singleLine('p.fund_line')} as fund_line
  from args a join pg_temp.audit_pay p on p.fund_line = any(a.lines)
  where p.benefit_code in (select a from pairs union select b from pairs)
  group by p.payee_type, p.payee_id, p.elder_id, p.service_month, p.benefit_code)
${INSERT}
select 'AR-04', null, least(x.village, y.village), case when x.fund_line = y.fund_line then x.fund_line end,
  case when x.elder_id is not null then 'ELDER' else 'PAYEE' end, coalesce(${elderNo('x.elder_id')}, x.payee_type || ':' || x.payee_id),
  x.service_month, x.service_month, least(x.amount, y.amount), x.evidence || y.evidence,
  jsonb_build_object('benefits', jsonb_build_array(pr.a, pr.b), 'note', pr.note)
from pairs pr
join per_benefit x on x.benefit_code = pr.a
join per_benefit y on y.benefit_code = pr.b and y.payee_type = x.payee_type and y.payee_id = x.payee_id and y.service_month = x.service_month
where x.in_scope or y.in_scope`;

/**
 * AR-05: the band that counts is the age on the last day of the month before the service month
 * (entitlement and band changes take effect the month after the birthday), low-income with a
 * category held on the first day of the month — as the allowance is computed (registry/derived.ts).
 */
const AR05 = `with ${ARGS},
x as (
  select p.*, e.birth_date, extract(year from age(to_date(p.service_month, 'YYYY-MM') - 1, e.birth_date))::int as age,
    p.benefit_code in (select jsonb_array_elements_text(a.p->'monthlyBenefitCodes')) as monthly,
    exists (select from registry.category_membership m left join registry.category_membership_end z on z.membership_id = m.id
            where m.elder_id = p.elder_id and m.category in (select jsonb_array_elements_text(a.p->'lowIncomeCategories'))
              and m.valid_from <= to_date(p.service_month, 'YYYY-MM') and coalesce(z.ended_on, m.valid_to, 'infinity'::date) >= to_date(p.service_month, 'YYYY-MM')) as low_income,
    a.p as params
  from args a join pg_temp.audit_pay p on p.in_scope and p.fund_line = any(a.lines)
  join registry.elder e on e.id = p.elder_id),
y as (
  select x.*, case when age >= 100 then 'B100_PLUS' when age >= 90 then 'B90_99' when age >= 80 and low_income then 'B80_89_LOW_INCOME' when age >= 80 then 'B80_89' end as band,
    age < (params->>'threshold')::int as under_age
  from x),
z as (
  select y.*, (params->'bandAmounts'->>band)::bigint as expected from y),
bad as (select * from z where under_age or (monthly and amount is distinct from expected))
${INSERT}
select 'AR-05', case when bool_or(under_age) then 'HIGH' else 'MEDIUM' end, min(village), ${singleLine('fund_line')}, 'ELDER', ${elderNo('elder_id')},
  service_month, service_month,
  sum(case when under_age then amount else abs(amount - coalesce(expected, 0)) end),
  jsonb_build_array(${ev('Elder', 'elder_id')}) || jsonb_agg(${ev('LedgerTransaction', 'id')} order by id),
  jsonb_build_object('ageAtMonth', min(age), 'band', min(band), 'expectedFen', min(expected)::text, 'paidFen', sum(amount)::text,
    'underAge', bool_or(under_age))
from bad group by elder_id, service_month`;

/**
 * AR-06: a required category not held on any day of the service month — or a PERSON payee that is
 * no registry elder at all (version 2): nobody can hold a category the registry does not know of,
 * and version 1 passed such lines over, so 特困 money paid to a made-up person id went unseen.
 */
const AR06 = `with ${ARGS},
x as (
  select p.*, coalesce(a.p->'categoryByBenefit'->p.benefit_code, a.p->'categoryByFundLine'->p.fund_line) as required,
    to_date(p.service_month, 'YYYY-MM') as first, (to_date(p.service_month, 'YYYY-MM') + interval '1 month')::date as next
  from args a join pg_temp.audit_pay p on p.in_scope and p.fund_line = any(a.lines) and p.payee_type = 'PERSON')
${INSERT}
select 'AR-06', null, min(village), ${singleLine('fund_line')}, ${subjectType}, ${subjectId}, service_month, service_month, sum(amount),
  case when p.elder_id is not null then jsonb_build_array(${ev('Elder', 'p.elder_id')}) else '[]'::jsonb end || jsonb_agg(${ev('LedgerTransaction', 'id')} order by id),
  jsonb_build_object('requiredCategories', jsonb_agg(distinct required), 'inRegistry', p.elder_id is not null)
from x p
where required is not null and (p.elder_id is null or not ${heldDuring('p.elder_id', 'p.required', 'p.first', 'p.next')})
group by p.elder_id, p.payee_type, p.payee_id, service_month`;

/** AR-18: operations money paid for a month in which certified caregivers < ceil(residents / 10). */
const AR18 = `with ${ARGS},
paid as (
  select substr(p.payee_id, 2)::bigint as facility_id, p.service_month, sum(p.amount) as amount, ${lines()} as evidence,
    ${singleLine('p.fund_line')} as fund_line, to_date(p.service_month, 'YYYY-MM') as first, (to_date(p.service_month, 'YYYY-MM') + interval '1 month')::date as next
  from args a join pg_temp.audit_pay p on p.in_scope and p.fund_line = any(a.lines) and p.payee_type = 'FACILITY' and p.payee_id ~ '^F[0-9]{1,18}$'
  group by 1, p.service_month),
staffed as (
  select paid.*, f.village_code,
    (select count(distinct s.elder_id) from registry.stay s where s.facility_id = paid.facility_id and s.admitted_on < paid.next
       and (s.discharged_on is null or s.discharged_on > paid.first)) as residents,
    (select count(distinct g.caregiver_id) from registry.staff_assignment g where g.facility_id = paid.facility_id and g.month = paid.first
       and g.role = 'CAREGIVER' and g.certified) as certified
  from paid join registry.facility f on f.id = paid.facility_id)
${INSERT}
select 'AR-18', null, s.village_code, s.fund_line, 'FACILITY', ${facilityNo('s.facility_id')}, s.service_month, s.service_month, s.amount,
  jsonb_build_array(${ev('Facility', 's.facility_id')}) || s.evidence,
  jsonb_build_object('residents', s.residents, 'certifiedCaregivers', s.certified,
    'required', ceil(s.residents / (a.p->>'residentsPerCertifiedCaregiver')::numeric))
from staffed s, args a
where s.certified < ceil(s.residents / (a.p->>'residentsPerCertifiedCaregiver')::numeric)`;

/** AR-22: many reversals for one payee in a year; a reversed payment re-issued to someone else. */
const AR22_COUNT = `with ${ARGS},
rev as (
  select r.id, o.payee_type, o.payee_id, o.beneficiary_village_code as village, o.fund_line, extract(year from r.effective_date)::int as year,
    case when o.payee_type = 'PERSON' and o.payee_id ~ '^E[0-9]{1,18}$' then substr(o.payee_id, 2)::bigint end as elder_id
  from args a join ledger.transaction r on r.kind = 'REVERSAL'
  join ledger.transaction o on o.id = r.reverses_id and o.kind = 'DISBURSEMENT'
  where o.beneficiary_village_code between a.lo and a.hi and o.fund_line = any(a.lines)
    and r.effective_date between to_date(left(a.m_from, 4), 'YYYY') and (to_date(left(a.m_to, 4), 'YYYY') + interval '1 year' - interval '1 day')::date)
${INSERT}
select 'AR-22', null, min(village), ${singleLine('fund_line')}, case when elder_id is not null then 'ELDER' else 'PAYEE' end,
  coalesce(${elderNo('elder_id')}, payee_type || ':' || payee_id), year || '-01', year || '-12', 0,
  jsonb_agg(${ev('LedgerTransaction', 'id')} order by id), jsonb_build_object('pattern', 'MANY_REVERSALS', 'reversals', count(*))
from rev, args a group by payee_type, payee_id, elder_id, year, a.p having count(*) > (a.p->>'maxReversals')::int`;

/** Each new payment counts as the re-issue of at most one reversal: the latest one before it. */
const AR22_REISSUE = `with ${ARGS},
rev as (
  select o.*, r.id as reversal_id, r.effective_date as reversed_on,
    (select p.amount from ledger.posting p where p.transaction_id = o.id and p.account_kind = 'EXPENDITURE' limit 1) as amount
  from args a join ledger.transaction r on r.kind = 'REVERSAL'
  join ledger.transaction o on o.id = r.reverses_id and o.kind = 'DISBURSEMENT'
  where o.beneficiary_village_code between a.lo and a.hi and o.fund_line = any(a.lines) and o.service_month between a.m_from and a.m_to),
matched as (
  select distinct on (n.id) r.id, r.reversal_id, r.beneficiary_village_code, r.fund_line, r.service_month, r.payee_id, n.id as new_id, n.amount, n.payee_id as new_payee
  from rev r cross join args a
  join pg_temp.audit_pay n on n.payer = r.region_code and n.fund_line = r.fund_line and n.benefit_code = r.benefit_code
    and n.service_month = r.service_month and n.payee_id <> r.payee_id and n.amount = r.amount
    and n.effective_date between r.reversed_on and r.reversed_on + (a.p->>'reissueDays')::int
  order by n.id, r.reversed_on desc, r.id desc)
${INSERT}
select 'AR-22', null, m.beneficiary_village_code, m.fund_line, 'TRANSACTION', m.id::text, m.service_month, m.service_month, max(m.amount),
  jsonb_build_array(${ev('LedgerTransaction', 'm.id')}, ${ev('LedgerTransaction', 'm.reversal_id')}) || jsonb_agg(${ev('LedgerTransaction', 'm.new_id')} order by m.new_id),
  jsonb_build_object('pattern', 'REISSUED_TO_OTHER_PAYEE', 'originalPayee', m.payee_id, 'newPayees', jsonb_agg(distinct m.new_payee))
from matched m
group by m.id, m.reversal_id, m.beneficiary_village_code, m.fund_line, m.service_month, m.payee_id`;

/** AR-24: paid by a county other than the household's after the household's last move. */
const AR24 = `with ${ARGS},
moves as (
  select c.entity_id as elder_id, max(c.recorded_at) as moved_at, (array_agg(c.id order by c.recorded_at desc, c.id desc))[1] as change_id
  from registry.change_log c where c.entity_type = 'Elder' and 'hukouVillage' = any(c.fields) group by c.entity_id)
${INSERT}
select 'AR-24', null, min(p.village), ${singleLine('p.fund_line')}, 'ELDER', ${elderNo('p.elder_id')}, p.service_month, p.service_month, sum(p.amount),
  jsonb_build_array(${ev('Elder', 'p.elder_id')}, ${ev('RecordChange', 'm.change_id')}) || ${lines()},
  jsonb_build_object('movedOn', to_char(m.moved_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), 'householdCounty', left(e.hukou_village_code, 6) || '000000',
    'payers', jsonb_agg(distinct p.payer))
from args a
join pg_temp.audit_pay p on p.in_scope and p.fund_line = any(a.lines)
join moves m on m.elder_id = p.elder_id
join registry.elder e on e.id = p.elder_id
where left(p.payer, 6) <> left(e.hukou_village_code, 6)
  and p.service_month > to_char(m.moved_at at time zone 'Asia/Shanghai', 'YYYY-MM')
group by p.elder_id, p.service_month, m.change_id, m.moved_at, e.hukou_village_code`;

export const PAYMENT_RULES: RuleSql[] = [
  { id: 'AR-01', version: 1, statements: [AR01] },
  { id: 'AR-03', version: 2, statements: [AR03] },
  { id: 'AR-04', version: 1, statements: [AR04] },
  { id: 'AR-05', version: 1, statements: [AR05] },
  { id: 'AR-06', version: 2, statements: [AR06] },
  { id: 'AR-18', version: 1, statements: [AR18] },
  { id: 'AR-22', version: 1, statements: [AR22_COUNT, AR22_REISSUE] },
  { id: 'AR-24', version: 1, statements: [AR24] },
];
