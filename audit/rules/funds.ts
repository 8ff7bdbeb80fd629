/** Rules over lots, allocations and the journal itself (AR-11, 12, 13, 21, 25) and the registry (AR-20). */
import { ARGS, INSERT, elderNo, ev, type RuleSql } from './sql.js';

const notReversed = (alias: string) => `not exists (select from ledger.transaction rv where rv.reverses_id = ${alias}.id)`;
const isCountyOrBelow = (code: string) => `region_level_of(${code}) in ('COUNTY', 'TOWN', 'VILLAGE')`;

/**
 * AR-11: a lot arrives at a region (root lot: appropriation; child lot: receipt) and must be
 * allocated on or spent within the days allowed. Retained when money is left at the end of the last
 * allowed day (spending on that day is in time, the day after is not).
 */
const AR11 = `with ${ARGS},
arrived as (
  select l.id, l.region_code, l.fund_line, coalesce(r.effective_date, c.effective_date) as arrived_on, coalesce(r.id, c.id) as arrival_id, a.*
  from args a
  join ledger.lot l on l.region_code between a.lo and a.hi and l.fund_line = any(a.lines)
  join ledger.transaction c on c.id = l.created_by_transaction_id
  left join ledger.transaction r on r.allocation_id = c.id and r.kind = 'ALLOCATION_RECEIVED' and ${notReversed('r')}
  where (l.parent_lot_id is null or r.id is not null)),
due as (
  select arrived.*, arrived_on + case when ${isCountyOrBelow('region_code')} then (p->>'spendWithinDays')::int else (p->>'allocateWithinDays')::int end as deadline
  from arrived where to_char(arrived_on, 'YYYY-MM') between m_from and m_to),
held as (
  select due.*, b.at_deadline, b.now
  from due cross join lateral (
    select coalesce(sum(p.amount) filter (where p.effective_date <= due.deadline), 0) as at_deadline, coalesce(sum(p.amount), 0) as now
    from ledger.posting p where p.lot_id = due.id and p.account_kind = 'AVAILABLE' and p.region_code = due.region_code and p.effective_date <= due.as_of) b
  where due.deadline < due.as_of)
${INSERT}
select 'AR-11', case when now > 0 and as_of - arrived_on > 3 * (deadline - arrived_on) then 'HIGH' else 'MEDIUM' end, region_code, fund_line, 'LOT', id::text,
  to_char(arrived_on, 'YYYY-MM'), to_char(arrived_on, 'YYYY-MM'), at_deadline,
  jsonb_build_array(${ev('Lot', 'id')}, ${ev('LedgerTransaction', 'arrival_id')}),
  jsonb_build_object('arrivedOn', arrived_on, 'deadline', deadline, 'remainingNowFen', now::text, 'daysHeld', as_of - arrived_on)
from held where at_deadline > 0`;

/** AR-12: balance with no movement for idleMonths, or a lot of a fiscal year two or more years back still holding money. */
const AR12 = `with ${ARGS},
lots as (
  select l.id, l.region_code, l.fund_line, l.fiscal_year, b.balance, b.last_moved, a.*
  from args a
  join ledger.lot l on l.region_code between a.lo and a.hi and l.fund_line = any(a.lines)
  cross join lateral (
    select coalesce(sum(p.amount) filter (where p.account_kind = 'AVAILABLE' and p.region_code = l.region_code), 0) as balance,
           max(p.effective_date) as last_moved
    from ledger.posting p where p.lot_id = l.id and p.effective_date <= a.as_of) b),
idle as (
  select lots.*, fiscal_year <= extract(year from as_of)::int - (p->>'carryOverYears')::int as carried_over,
    last_moved < (as_of - make_interval(months => (p->>'idleMonths')::int))::date and balance > (p->>'minAmount')::bigint as unmoved
  from lots where balance > 0)
${INSERT}
select 'AR-12', case when carried_over then 'HIGH' else 'MEDIUM' end, region_code, fund_line, 'LOT', id::text, null, null, balance,
  jsonb_build_array(${ev('Lot', 'id')}),
  jsonb_build_object('fiscalYear', fiscal_year, 'lastMovedOn', last_moved, 'carriedOver', carried_over, 'unmoved', unmoved)
from idle where carried_over or unmoved`;

/** AR-13: issued, and received more than transitDays later (or not yet, transitDays after issue), as of the evaluation date. */
const AR13 = `with ${ARGS},
issued as (
  select t.id, t.fund_line, t.counterpart_region_code as receiver, t.effective_date as issued_on, r.id as receipt_id, r.effective_date as received_on, a.*,
    (select p.amount from ledger.posting p where p.transaction_id = t.id and p.account_kind = 'IN_TRANSIT_DOWN') as amount
  from args a
  join ledger.transaction t on t.kind = 'ALLOCATION' and t.counterpart_region_code between a.lo and a.hi and t.fund_line = any(a.lines)
  -- (as of the evaluation date, like every rule: a receipt dated after it had not happened yet)
  left join ledger.transaction r on r.allocation_id = t.id and r.kind = 'ALLOCATION_RECEIVED' and r.effective_date <= a.as_of
  where to_char(t.effective_date, 'YYYY-MM') between a.m_from and a.m_to and t.effective_date <= a.as_of and ${notReversed('t')}),
late as (select issued.*, coalesce(received_on, as_of) - issued_on as days from issued)
${INSERT}
select 'AR-13', null, receiver, fund_line, 'TRANSACTION', id::text, to_char(issued_on, 'YYYY-MM'), to_char(issued_on, 'YYYY-MM'),
  case when receipt_id is null then amount else 0 end,
  jsonb_build_array(${ev('LedgerTransaction', 'id')}) || case when receipt_id is null then '[]'::jsonb else jsonb_build_array(${ev('LedgerTransaction', 'receipt_id')}) end,
  jsonb_build_object('issuedOn', issued_on, 'receivedOn', received_on, 'days', days, 'received', receipt_id is not null)
from late where days > (p->>'transitDays')::int`;

/** AR-20: the sex digit (17th character, visible in the masked number) against the record; probable duplicate persons. */
const AR20_SEX = `with ${ARGS}
${INSERT}
select 'AR-20', 'MEDIUM', e.hukou_village_code, null, 'ELDER', ${elderNo('e.id')}, null, null, 0,
  jsonb_build_array(${ev('Elder', 'e.id')}), jsonb_build_object('check', 'SEX_DIGIT')
from args a join registry.elder e on e.hukou_village_code between a.lo and a.hi
where (substr(e.id_masked, 17, 1)::int % 2 = 1) <> (e.sex = 'MALE')`;

const AR20_DUPLICATE = `with ${ARGS},
groups as (
  select array_agg(e.id order by e.id) as ids, e.hukou_village_code
  from args a join registry.elder e on e.hukou_village_code between a.lo and a.hi
  group by e.name_masked, e.birth_date, e.sex, e.hukou_village_code having count(*) > 1)
${INSERT}
select 'AR-20', 'LOW', g.hukou_village_code, null, 'ELDER', ${elderNo('g.ids[1]')}, null, null, 0,
  (select jsonb_agg(${ev('Elder', 'x')}) from unnest(g.ids) x), jsonb_build_object('check', 'PROBABLE_DUPLICATE_PERSON', 'records', cardinality(g.ids))
from groups g`;

/**
 * AR-20 (version 2): an event of an elder dated before the birth — an admission, a service (its day in
 * China), a category, an assessment, a death. PostgreSQL refuses new ones since 2026-12-04
 * (SR001); rows stored before stay, and an auditor must see them. The detail names the kinds and
 * counts only, never a date (a birth date is personal data).
 */
const AR20_BEFORE_BIRTH = `with ${ARGS},
early as (
  select s.elder_id, 'STAY' as kind from registry.stay s join registry.elder e on e.id = s.elder_id where s.admitted_on < e.birth_date
  union all select r.elder_id, 'SERVICE_RECORD' from registry.service_record r join registry.elder e on e.id = r.elder_id
    where (r.started_at at time zone 'Asia/Shanghai')::date < e.birth_date
  union all select m.elder_id, 'CATEGORY_MEMBERSHIP' from registry.category_membership m join registry.elder e on e.id = m.elder_id where m.valid_from < e.birth_date
  union all select x.elder_id, 'ASSESSMENT' from registry.assessment x join registry.elder e on e.id = x.elder_id where x.assessed_on < e.birth_date
  union all select v.elder_id, 'VITAL_EVENT' from registry.vital_event v join registry.elder e on e.id = v.elder_id where v.death_date < e.birth_date),
per_elder as (select elder_id, jsonb_object_agg(kind, n order by kind) as kinds from (select elder_id, kind, count(*) as n from early group by 1, 2) k group by elder_id)
${INSERT}
select 'AR-20', 'MEDIUM', e.hukou_village_code, null, 'ELDER', ${elderNo('e.id')}, null, null, 0,
  jsonb_build_array(${ev('Elder', 'e.id')}), jsonb_build_object('check', 'EVENT_BEFORE_BIRTH', 'events', p.kinds)
from args a join registry.elder e on e.hukou_village_code between a.lo and a.hi join per_elder p on p.elder_id = e.id`;

/** AR-21: the hash chain (whole ledger), balance per transaction and sign per account and lot (in scope). */
/** The chain was verified before (in parallel chunks, audit/engine.ts): pg_temp.audit_chain holds the first broken seq, if any. */
const AR21_CHAIN = `with ${ARGS}
${INSERT}
select 'AR-21', 'CRITICAL', a.root, null, 'LEDGER', 'hash-chain', null, null, 0,
  coalesce((select jsonb_build_array(${ev('LedgerTransaction', 't.id')}) from ledger.transaction t where t.seq = b.first_broken), '[]'::jsonb),
  jsonb_build_object('check', 'HASH_CHAIN', 'firstBrokenSeq', b.first_broken::text)
from pg_temp.audit_chain b, args a where b.first_broken is not null`;

const AR21_BALANCE = `with ${ARGS},
sums as (select p.transaction_id, count(*) as legs, sum(p.amount) as total from ledger.posting p group by p.transaction_id),
tx as (
  select t.id, t.region_code, t.fund_line, t.effective_date, coalesce(s.legs, 0) as legs, coalesce(s.total, 0) as total
  from args a join ledger.transaction t on t.region_code between a.lo and a.hi
  left join sums s on s.transaction_id = t.id
  where t.effective_date between to_date(a.m_from, 'YYYY-MM') and (to_date(a.m_to, 'YYYY-MM') + interval '1 month' - interval '1 day')::date)
${INSERT}
select 'AR-21', 'CRITICAL', region_code, fund_line, 'TRANSACTION', id::text, to_char(effective_date, 'YYYY-MM'), to_char(effective_date, 'YYYY-MM'), abs(total),
  jsonb_build_array(${ev('LedgerTransaction', 'id')}), jsonb_build_object('check', 'UNBALANCED', 'legs', legs, 'sumFen', total::text)
from tx where legs < 2 or total <> 0`;

const AR21_SIGN = `with ${ARGS},
balances as (
  select p.account_id, p.lot_id, min(p.region_code) as region_code, min(p.fund_line) as fund_line, min(p.account_kind) as kind, sum(p.amount) as balance
  from args a join ledger.posting p on p.region_code between a.lo and a.hi
  group by p.account_id, p.lot_id)
${INSERT}
select 'AR-21', 'CRITICAL', region_code, fund_line, 'ACCOUNT', account_id || ':' || lot_id, null, null, abs(balance),
  jsonb_build_array(${ev('Lot', 'lot_id')}), jsonb_build_object('check', 'BALANCE_SIGN', 'accountKind', kind, 'balanceFen', balance::text)
from balances where (kind = 'FUNDING_SOURCE' and balance > 0) or (kind <> 'FUNDING_SOURCE' and balance < 0)`;

/**
 * AR-25: what entered a lot at its region (appropriation, receipt, returns and reversal credits on
 * AVAILABLE) must cover what left it: allocations into child lots (net of what they returned) and
 * payments (net EXPENDITURE). Plus: every posting of the ledger sums to zero.
 */
const AR25_LOT = `with ${ARGS},
lots as (select l.id, l.region_code, l.fund_line from args a join ledger.lot l on l.region_code between a.lo and a.hi and l.fund_line = any(a.lines)),
credits as (
  select p.lot_id, coalesce(sum(p.amount) filter (where t.kind in ('APPROPRIATION', 'ALLOCATION_RECEIVED')), 0) as entered,
    coalesce(sum(p.amount) filter (where t.kind = 'RETURN'), 0) as returned_in
  from ledger.posting p join ledger.transaction t on t.id = p.transaction_id
  where p.account_kind = 'AVAILABLE' and p.amount > 0 group by p.lot_id),
returned as (
  select p.lot_id, -sum(p.amount) as returned_up from ledger.transaction t join ledger.posting p on p.transaction_id = t.id
  where t.kind = 'RETURN' and p.account_kind = 'AVAILABLE' and p.amount < 0 group by p.lot_id),
spent as (select p.lot_id, sum(p.amount) as spent from ledger.posting p where p.account_kind = 'EXPENDITURE' group by p.lot_id),
allocated as (
  select c.parent_lot_id as lot_id, sum(p.amount) as allocated
  from ledger.transaction t join ledger.posting p on p.transaction_id = t.id and p.account_kind = 'IN_TRANSIT_DOWN' and p.amount > 0
  join ledger.lot c on c.id = p.lot_id
  where t.kind = 'ALLOCATION' and ${notReversed('t')} group by c.parent_lot_id),
flows as (
  select l.*, coalesce(c.entered, 0) as entered, coalesce(c.returned_in, 0) as returned_in, coalesce(r.returned_up, 0) as returned_up,
    coalesce(s.spent, 0) as spent, coalesce(x.allocated, 0) as allocated
  from lots l left join credits c on c.lot_id = l.id left join returned r on r.lot_id = l.id
  left join spent s on s.lot_id = l.id left join allocated x on x.lot_id = l.id)
${INSERT}
select 'AR-25', 'CRITICAL', region_code, fund_line, 'LOT', id::text, null, null, allocated + spent + returned_up - entered - returned_in,
  jsonb_build_array(${ev('Lot', 'id')}),
  jsonb_build_object('check', 'LOT_OVERDRAWN', 'enteredFen', entered::text, 'returnedInFen', returned_in::text, 'allocatedFen', allocated::text,
    'returnedUpFen', returned_up::text, 'spentFen', spent::text)
from flows where allocated + spent + returned_up > entered + returned_in`;

const AR25_TOTAL = `with ${ARGS},
total as (select coalesce(sum(amount), 0) as total from ledger.posting)
${INSERT}
select 'AR-25', 'CRITICAL', a.root, null, 'LEDGER', 'conservation', null, null, abs(t.total), '[]'::jsonb,
  jsonb_build_object('check', 'LEDGER_SUM', 'sumFen', t.total::text)
from total t, args a where t.total <> 0`;

export const FUND_RULES: RuleSql[] = [
  { id: 'AR-11', version: 1, statements: [AR11] },
  { id: 'AR-12', version: 1, statements: [AR12] },
  { id: 'AR-13', version: 2, statements: [AR13] },
  { id: 'AR-20', version: 2, statements: [AR20_SEX, AR20_DUPLICATE, AR20_BEFORE_BIRTH] },
  { id: 'AR-21', version: 1, statements: [AR21_CHAIN, AR21_BALANCE, AR21_SIGN] },
  { id: 'AR-25', version: 1, statements: [AR25_LOT, AR25_TOTAL] },
];
