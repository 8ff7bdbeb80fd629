/**
 * Planted anomalies for `npm start`'s demo city, so that an auditor sees real findings at once, and
 * clean controls beside them that look alike but are legitimate (the boundary cases). Deterministic
 * from the seed: the same seed picks the same elders, facilities and amounts. Written through the
 * ledger's public API and the registry's tables like the rest of the demo; each plant is listed with
 * the finding it must produce (or, for a control, must not), which the demo test checks.
 */
import type pg from 'pg';
import type { Ledger } from '../ledger/ledger.js';
import type { PayeeType } from '../ledger/types.js';
import type { RegistryService } from '../registry/registry.js';
import { allowanceBand } from '../registry/derived.js';
import { makeIdNumber } from '../platform/id-number.js';
import { elderNo, facilityNo } from '../registry/validate.js';
import { AS_APP_ROLE, inTransaction } from '../platform/sql.js';
import { insertElders } from '../registry/elders/writer.js';
import { ruleById } from '../audit/catalogue.js';
import { demoReceiver } from './payments.js';

/** The last day of the month after `month` (YYYY-MM): when `npm start` audits the demo month. */
const endOfNextMonth = (month: string) => new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) + 1, 0)).toISOString().slice(0, 10);

export interface Expectation {
  ruleId: string;
  subjectType: string;
  subjectId: string;
  periodFrom: string | null;
  /** What was planted, in words (README, docs). */
  what: string;
}

export interface DemoAnomalies {
  planted: Expectation[];
  controls: Expectation[];
}

const AMOUNT = { B80_89: 5_000n, B80_89_LOW_INCOME: 8_000n, B90_99: 10_000n, B100_PLUS: 30_000n } as const;

interface Paid { txId: string; payee: string; elderId: string; county: string; village: string; amount: bigint; age: number; lowIncome: boolean; alive: boolean }

export async function plantDemoAnomalies(pool: pg.Pool, ledger: Ledger, registry: RegistryService, options: { cityCode: string; month: string; seed: number; actor?: string; asOf?: string }): Promise<DemoAnomalies> {
  const actor = options.actor ?? 'demo-generator';
  const { cityCode, month, seed } = options;
  /** The evaluation date of the audit that will look at the plants (AR-17 judges occupancy on it). */
  const asOf = options.asOf ?? endOfNextMonth(month);
  const year = Number(month.slice(0, 4));
  const prefix = cityCode.slice(0, 4);
  const planted: Expectation[] = [];
  const controls: Expectation[] = [];
  const used = new Set<string>();
  const key = (what: string) => `demo:audit:${seed}:${what}`;
  const order = `md5(e.id::text || '${seed}')`;

  /** Elders with a demo allowance payment of the month, in seeded order. */
  const paid: Paid[] = (
    await pool.query(
      `select t.id::text as "txId", t.payee_id as payee, substr(t.payee_id, 2)::bigint::text as "elderId", t.region_code as county,
         t.beneficiary_village_code as village, p.amount::text as amount, extract(year from age($3::date, e.birth_date))::int as age,
         exists (select from registry.category_membership m where m.elder_id = e.id and m.category in ('EXTREME_HARDSHIP', 'DIBAO', 'NEAR_DIBAO')) as "lowIncome",
         not exists (select from registry.vital_event v where v.elder_id = e.id) as alive
       from ledger.transaction t join ledger.posting p on p.transaction_id = t.id and p.account_kind = 'EXPENDITURE'
       join registry.elder e on e.id = substr(t.payee_id, 2)::bigint
       where t.kind = 'DISBURSEMENT' and t.benefit_code = 'SA_MONTHLY' and t.service_month = $1 and t.region_code like $2
       order by ${order}`,
      [month, `${prefix}%`, `${month}-01`],
    )
  ).rows.map((r) => ({ ...r, amount: BigInt(r.amount) }));
  const take = (filter: (p: Paid) => boolean = () => true): Paid => {
    const found = paid.find((p) => !used.has(p.elderId) && p.alive && filter(p));
    if (!found) throw new Error('demo anomalies: not enough paid elders (generate more elders per village)');
    used.add(found.elderId);
    return found;
  };
  const counties = [...new Set(paid.map((p) => p.county))].sort();
  const villageOf = async (county: string) => (await pool.query(`select code from region where level = 'VILLAGE' and code like $1 order by code limit 1`, [`${county.slice(0, 6)}%`])).rows[0].code as string;

  /** Money for a county: appropriation at the city, allocation, receipt; returns the county lot. */
  const fundCounty = async (what: string, county: string, fundLine: string, amount: bigint, issued: string, received: string | null) => {
    const app = await ledger.appropriate({ idempotencyKey: key(`${what}:app`), effectiveDate: issued, regionCode: cityCode, fundLine, amount, fiscalYear: year, fundingSource: 'CITY_TRANSFER', documentNo: `徐财社〔${year}〕示例审计${what}` }, actor);
    const alloc = await ledger.allocate({ idempotencyKey: key(`${what}:alloc`), effectiveDate: issued, fromRegionCode: cityCode, toRegionCode: county, fundLine, amount, documentNo: `徐民〔${year}〕示例拨付${what}`, lotId: app.transaction.postings[0]!.lotId }, actor);
    if (received) await ledger.receiveAllocation({ idempotencyKey: key(`${what}:recv`), effectiveDate: received, allocationId: alloc.transaction.id }, demoReceiver(actor, county));
    return { allocation: alloc.transaction.id, lot: alloc.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!.lotId };
  };
  /** A payment; unless it names a lot (or spends money already in the county: `fund: false`), the exact amount is funded first. */
  const disburse = async (what: string, input: { county: string; village: string; payee: string; amount: bigint; fundLine?: string; benefit?: string; serviceMonth?: string; payeeType?: PayeeType; date?: string; lotId?: string; fund?: boolean }) => {
    const fundLine = input.fundLine ?? 'SENIOR_ALLOWANCE';
    const lotId = input.lotId ?? (input.fund === false ? undefined : (await fundCounty(`${what}:fund`, input.county, fundLine, input.amount, `${month}-01`, `${month}-03`)).lot);
    return ledger.disburse({
      idempotencyKey: key(what), effectiveDate: input.date ?? `${month}-16`, regionCode: input.county, fundLine, amount: input.amount,
      payeeType: input.payeeType ?? 'PERSON', payeeId: input.payee, serviceMonth: input.serviceMonth ?? month, benefitCode: input.benefit ?? 'SA_MONTHLY', villageCode: input.village,
      ...(lotId ? { lotId } : {}),
    }, actor);
  };
  const expect = (list: Expectation[], ruleId: string, subjectType: string, subjectId: string, periodFrom: string | null, what: string) => list.push({ ruleId, subjectType, subjectId, periodFrom, what });

  // ---- AR-01: paid after death (three elders who died before the month), and a control who died in the month.
  const dead = (
    await pool.query(
      `select e.id::text, e.birth_date::text as birth, e.hukou_village_code as village, v.death_date::text as death,
         array(select m.category from registry.category_membership m where m.elder_id = e.id) as cats
       from registry.elder e join lateral (select * from registry.vital_event v where v.elder_id = e.id order by v.id desc limit 1) v on v.status = 'DECEASED'
       where e.hukou_village_code like $1 and v.death_date between $2::date - interval '6 months' and $2::date - interval '1 month' and e.birth_date <= $2::date - interval '81 years'
       order by ${order} limit 3`,
      [`${prefix}%`, `${month}-01`],
    )
  ).rows;
  for (const e of dead) {
    const band = allowanceBand(e.birth, `${month}-01`, e.cats) ?? 'B80_89';
    const county = `${e.village.slice(0, 6)}000000`;
    await disburse(`AR01:${e.id}`, { county, village: e.village, payee: elderNo(e.id), amount: AMOUNT[band] });
    used.add(e.id);
    expect(planted, 'AR-01', 'ELDER', elderNo(e.id), month, `尊老金 paid for ${month} to an elder who died on ${e.death}`);
  }
  const diesInMonth = take();
  await inTransaction(pool, (c) => c.query(`insert into registry.vital_event (elder_id, status, death_date, source, recorded_by) values ($1, 'DECEASED', $2, 'VILLAGE_REPORT', $3)`, [diesInMonth.elderId, `${month}-20`, actor]), AS_APP_ROLE);
  expect(controls, 'AR-01', 'ELDER', diesInMonth.payee, month, `died on ${month}-20: the death month is still payable`);

  // ---- AR-03: the same elder paid by a second county; a duplicate that was reversed is none.
  const twice = take();
  const otherCounty = counties.find((c) => c !== twice.county)!;
  await disburse('AR03:cross', { county: otherCounty, village: await villageOf(otherCounty), payee: twice.payee, amount: twice.amount });
  expect(planted, 'AR-03', 'ELDER', twice.payee, month, `尊老金 for ${month} paid by ${twice.county} and again by ${otherCounty} (多地重复发放)`);
  // (an 81–88-year-old without low-income categories: the same band next month, which the freed money then pays)
  const corrected = take((p) => p.amount === 5_000n && p.age >= 81 && p.age <= 88 && !p.lowIncome);
  const again = await disburse('AR03:reversed', { county: corrected.county, village: corrected.village, payee: corrected.payee, amount: corrected.amount });
  await ledger.reverse({ idempotencyKey: key('AR03:reversal'), effectiveDate: `${month}-18`, transactionId: again.transaction.id, reason: '重复发放, 已冲销' }, actor);
  const next = `${year}-${String(Number(month.slice(5)) + 1).padStart(2, '0')}`;
  await disburse('AR03:next-month', { county: corrected.county, village: corrected.village, payee: corrected.payee, amount: corrected.amount, serviceMonth: next, date: `${month}-19`, fund: false });
  expect(controls, 'AR-03', 'ELDER', corrected.payee, month, 'paid twice, the second payment reversed');

  // ---- AR-05: an allowance for a 79-year-old; AR-24: paid by the old county after the household moved.
  const young = (await pool.query(
    `select e.id::text, e.hukou_village_code as village from registry.elder e
     where e.hukou_village_code like $1 and e.birth_date between $2::date - interval '80 years' + interval '3 months' and $2::date - interval '79 years'
       and not exists (select from registry.vital_event v where v.elder_id = e.id) order by ${order} limit 1`,
    [`${prefix}%`, `${month}-01`],
  )).rows[0];
  await disburse('AR05:young', { county: `${young.village.slice(0, 6)}000000`, village: young.village, payee: elderNo(young.id), amount: AMOUNT.B80_89 });
  used.add(young.id);
  expect(planted, 'AR-05', 'ELDER', elderNo(young.id), month, `尊老金 for ${month} to an elder not yet 80`);
  const moveTo = async (p: Paid, on: string) => {
    const target = counties.find((c) => c !== p.county)!;
    const village = await villageOf(target);
    await inTransaction(pool, async (c) => {
      await c.query(`update registry.elder set hukou_village_code = $2, residence_village_code = $2, updated_by = $3 where id = $1`, [p.elderId, village, actor]);
      // A history entry dated in the past: only the owner writes a time that is not the database's
      // own (Migration20261204300000_database_clock), so this one insert leaves the application role.
      await c.query('reset role');
      await c.query(`insert into registry.change_log (entity_type, entity_id, fields, recorded_at, recorded_by) values ('Elder', $1, '{hukouVillage,residenceVillage}', $2::date + time '10:00' - interval '8 hours', $3)`, [p.elderId, on, actor]);
    }, AS_APP_ROLE);
  };
  const mover = take();
  const moved = `${year}-${String(Number(month.slice(5)) - 2).padStart(2, '0')}-20`;
  await moveTo(mover, moved);
  expect(planted, 'AR-24', 'ELDER', mover.payee, month, `尊老金 for ${month} paid by ${mover.county} after the household moved out on ${moved}`);
  const moverInMonth = take();
  await moveTo(moverInMonth, `${month}-05`);
  expect(controls, 'AR-24', 'ELDER', moverInMonth.payee, month, 'moved out in the month paid: still payable');

  // ---- AR-22: a payment reversed and re-issued to a payee outside the registry.
  const redirected = take();
  await ledger.reverse({ idempotencyKey: key('AR22:reversal'), effectiveDate: `${month}-20`, transactionId: redirected.txId, reason: '账户信息有误' }, actor);
  await disburse('AR22:reissue', { county: redirected.county, village: redirected.village, payee: 'AGENT-ACCOUNT-7781', amount: redirected.amount, date: `${month}-22`, fund: false });
  expect(planted, 'AR-22', 'TRANSACTION', redirected.txId, month, 'a payment reversed and re-issued two days later to another account');

  // ---- AR-06 and AR-04: hardship support without the category; both exclusive hardship modes in one month.
  const hardship = (await pool.query(
    `select e.id::text, e.hukou_village_code as village, exists (select from registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id
        where m.elder_id = e.id and m.category = 'EXTREME_HARDSHIP' and x.membership_id is null and m.valid_from < $2::date) as holds
     from registry.elder e where e.hukou_village_code like $1 and not exists (select from registry.vital_event v where v.elder_id = e.id)
       and e.id <> all($3::bigint[]) order by ${order}`,
    [`${prefix}%`, `${month}-01`, [...used]],
  )).rows;
  const holder = hardship.filter((h) => h.holds);
  const [noCategory, both, entitled] = [hardship.find((h) => !h.holds)!, holder[0]!, holder[1]!];
  const hsCounty = `${noCategory.village.slice(0, 6)}000000`;
  const hsLines = [
    { e: noCategory, benefit: 'HS_DISPERSED', amount: 60_000n }, { e: both, benefit: 'HS_CENTRALISED', amount: 90_000n },
    { e: both, benefit: 'HS_DISPERSED', amount: 60_000n }, { e: entitled, benefit: 'HS_DISPERSED', amount: 60_000n },
  ];
  for (const line of hsLines) {
    const county = `${line.e.village.slice(0, 6)}000000`;
    const { lot } = await fundCounty(`HS:${line.e.id}:${line.benefit}`, county, 'HARDSHIP_SUPPORT', line.amount, `${month}-01`, `${month}-03`);
    await disburse(`HS:${line.e.id}:${line.benefit}`, { county, village: line.e.village, payee: elderNo(line.e.id), amount: line.amount, fundLine: 'HARDSHIP_SUPPORT', benefit: line.benefit, lotId: lot });
  }
  expect(planted, 'AR-06', 'ELDER', elderNo(noCategory.id), month, `特困供养 for ${month} to an elder who is not 特困 (county ${hsCounty})`);
  expect(planted, 'AR-04', 'ELDER', elderNo(both.id), month, `特困 centralised and dispersed support in the same month`);
  expect(controls, 'AR-06', 'ELDER', elderNo(entitled.id), month, '特困供养 to an elder who holds 特困');

  // ---- AR-18: operations money to a facility below 1:10, and to one that meets it.
  const staffing = (await pool.query(
    `with m as (select $2::date as first, ($2::date + interval '1 month')::date as next)
     select f.id::text, f.village_code as village,
       (select count(distinct s.elder_id) from registry.stay s, m where s.facility_id = f.id and s.admitted_on < m.next and (s.discharged_on is null or s.discharged_on > m.first))::int as residents,
       (select count(distinct a.caregiver_id) from registry.staff_assignment a, m where a.facility_id = f.id and a.month = m.first and a.role = 'CAREGIVER' and a.certified)::int as certified
     from registry.facility f where f.village_code like $1 order by md5(f.id::text || '${seed}')`,
    [`${prefix}%`, `${month}-01`],
  )).rows.filter((f) => f.residents > 0);
  const breach = staffing.find((f) => f.certified * 10 < f.residents)!;
  const meets = staffing.find((f) => f.certified * 10 >= f.residents && f.certified > 0)!;
  for (const [f, list, what] of [[breach, planted, 'operations money for a month with too few certified caregivers'], [meets, controls, 'operations money, staffed 1:10']] as const) {
    const county = `${f.village.slice(0, 6)}000000`;
    const amount = 20_000n * BigInt(f.residents);
    const { lot } = await fundCounty(`OP:${f.id}`, county, 'OPERATIONS', amount, `${month}-01`, `${month}-04`);
    await disburse(`OP:${f.id}`, { county, village: f.village, payee: facilityNo(f.id), payeeType: 'FACILITY', amount, fundLine: 'OPERATIONS', benefit: 'OP_MONTHLY', lotId: lot });
    expect(list, 'AR-18', 'FACILITY', facilityNo(f.id), month, `${what} (${f.certified} certified for ${f.residents} residents)`);
  }

  // ---- AR-11: a project lot received and mostly left in the county account; a control spent in time.
  const [retainCounty, spendCounty] = [counties[0]!, counties[1]!];
  const retained = await fundCounty('PG:retained', retainCounty, 'PROJECT_GRANT', 3_000_000n, `${year}-08-01`, `${year}-08-03`);
  await disburse('PG:retained:part', { county: retainCounty, village: await villageOf(retainCounty), payee: 'CONTRACTOR-XZ-01', payeeType: 'CONTRACTOR', amount: 900_000n, fundLine: 'PROJECT_GRANT', benefit: 'PG_MILESTONE', serviceMonth: `${year}-08`, date: `${year}-08-20`, lotId: retained.lot });
  expect(planted, 'AR-11', 'LOT', retained.lot, `${year}-08`, '¥30,000 project grant received on 08-03, ¥21,000 still unspent after 30 days');
  const spent = await fundCounty('PG:spent', spendCounty, 'PROJECT_GRANT', 1_000_000n, `${year}-08-01`, `${year}-08-03`);
  await disburse('PG:spent:all', { county: spendCounty, village: await villageOf(spendCounty), payee: 'CONTRACTOR-XZ-02', payeeType: 'CONTRACTOR', amount: 1_000_000n, fundLine: 'PROJECT_GRANT', benefit: 'PG_MILESTONE', serviceMonth: `${year}-08`, date: `${year}-09-02`, lotId: spent.lot });
  expect(controls, 'AR-11', 'LOT', spent.lot, `${year}-08`, 'project grant spent in full on the 30th day');

  // ---- AR-13: an allocation never received (issued 41 days before the evaluation date), and one pending 10 days.
  const stuck = await fundCounty('OP:stuck', counties[2]!, 'OPERATIONS', 500_000n, `${year}-10-20`, null);
  expect(planted, 'AR-13', 'TRANSACTION', stuck.allocation, `${year}-10`, 'operations money allocated on 10-20 and never received');
  const pending = await fundCounty('OP:pending', counties[3]!, 'OPERATIONS', 500_000n, `${year}-11-20`, null);
  expect(controls, 'AR-13', 'TRANSACTION', pending.allocation, `${year}-11`, 'allocated on 11-20, 10 days in transit on 11-30: in time');

  // ---- AR-12: a county lot of two fiscal years back, untouched.
  const old = await ledger.appropriate({ idempotencyKey: key('OP:old'), effectiveDate: `${year - 2}-06-01`, regionCode: counties[4]!, fundLine: 'OPERATIONS', amount: 2_000_000n, fiscalYear: year - 2, fundingSource: 'OWN_BUDGET', documentNo: `县财〔${year - 2}〕示例结转` }, actor);
  expect(planted, 'AR-12', 'LOT', old.transaction.postings[0]!.lotId, null, `¥20,000 of fiscal ${year - 2} still unspent (two-year carry-over)`);

  // ---- AR-09: 重度失能护理补贴 for an elder never assessed; the control's latest assessment is severe and still valid.
  const nextMonthStart = `${endOfNextMonth(month).slice(0, 8)}01`;
  const assessed = (await pool.query(
    `select e.id::text, e.hukou_village_code as village, a.final_level as level
     from registry.elder e
     left join lateral (select s.final_level, s.assessed_on, s.valid_until from registry.assessment s where s.elder_id = e.id and s.assessed_on < $2::date
                        order by s.assessed_on desc, s.id desc limit 1) a on true
     where e.hukou_village_code like $1 and not exists (select from registry.vital_event v where v.elder_id = e.id) and e.id <> all($3::bigint[])
       and (a.final_level is null or (a.final_level >= 3 and coalesce(a.valid_until, 'infinity') >= $2::date - 1 and a.assessed_on >= $2::date - interval '12 months'))
     order by ${order}`,
    [`${prefix}%`, nextMonthStart, [...used]],
  )).rows as { id: string; village: string; level: number | null }[];
  for (const [e, list, what] of [
    [assessed.find((a) => a.level === null)!, planted, `重度失能护理补贴 for ${month} to an elder with no capability assessment`],
    [assessed.find((a) => a.level !== null)!, controls, `重度失能护理补贴 for ${month} to an elder assessed as severely impaired within the year`],
  ] as const) {
    used.add(e.id);
    const county = `${e.village.slice(0, 6)}000000`;
    const { lot } = await fundCounty(`AR09:${e.id}`, county, 'OPERATIONS', 30_000n, `${month}-01`, `${month}-03`);
    await disburse(`AR09:${e.id}`, { county, village: e.village, payee: elderNo(e.id), amount: 30_000n, fundLine: 'OPERATIONS', benefit: 'SEVERE_DISABILITY_CARE', lotId: lot });
    expect(list, 'AR-09', 'ELDER', elderNo(e.id), month, what);
  }

  // ---- AR-14: 特困供养 money paid to a construction contractor; the control pays 集中供养 to a care home, which the line allows.
  const careHomes = (await pool.query(
    `select f.id::text, f.village_code as village,
       (select count(distinct s.elder_id) from registry.stay s where s.facility_id = f.id and s.admitted_on <= $2::date and (s.discharged_on is null or s.discharged_on > $2::date))::int as residents,
       (select i.actual from registry.bed_inventory i where i.facility_id = f.id and i.as_of <= $2::date order by i.as_of desc, i.id desc limit 1) as beds
     from registry.facility f join registry.facility_type ft on ft.code = f.type and ft.residential
     where f.village_code like $1 order by md5(f.id::text || '${seed}')`,
    [`${prefix}%`, asOf],
  )).rows as { id: string; village: string; residents: number; beds: number | null }[];
  const careHome = careHomes.find((f) => f.residents > 0)!;
  const hsHomeCounty = `${careHome.village.slice(0, 6)}000000`;
  for (const [payeeType, payee, village, list, what] of [
    ['CONTRACTOR', 'CONTRACTOR-XZ-03', careHome.village, planted, `特困供养 for ${month} paid to a construction contractor`],
    ['FACILITY', facilityNo(careHome.id), careHome.village, controls, `特困集中供养 for ${month} paid to the care home the elders live in`],
  ] as const) {
    const { lot } = await fundCounty(`AR14:${payee}`, hsHomeCounty, 'HARDSHIP_SUPPORT', 90_000n, `${month}-01`, `${month}-03`);
    await disburse(`AR14:${payee}`, { county: hsHomeCounty, village, payee, payeeType, amount: 90_000n, fundLine: 'HARDSHIP_SUPPORT', benefit: 'HS_CENTRALISED', lotId: lot });
    expect(list, 'AR-14', payeeType === 'FACILITY' ? 'FACILITY' : 'PAYEE', payeeType === 'FACILITY' ? payee : `${payeeType}:${payee}`, month, what);
  }

  // ---- AR-17: a construction grant in March to a new care home nobody has moved into; the control was granted too and is full enough.
  const minPercent = ruleById.get('AR-17')!.parameters.minOccupancyPercent as number;
  const idleVillage = paid[paid.length - 1]!.village;
  const idle = await registry.registerFacility({ name: '示例新建颐养院', type: 'ELDERLY_CARE_INSTITUTION', operatingModel: 'PUBLIC_BUILT_PRIVATE_RUN', villageCode: idleVillage, status: 'OPERATING', operatingSince: `${year}-04-01` }, actor);
  await registry.recordBedInventory({ facilityId: idle.id, asOf: `${year}-04-01`, approved: 60, actual: 60, nursing: 30, inclusive: 20, occupied: 0 }, actor);
  const occupied = careHomes.find((f) => f.id !== careHome.id && f.beds && f.residents * 100 >= minPercent * f.beds)!;
  for (const [f, list, what] of [
    [{ id: idle.id, village: idleVillage }, planted, `¥20,000 construction grant paid ${year}-03-16 to a care home with no resident and no service since`],
    [occupied, controls, `construction grant paid ${year}-03-16 to a care home with ${occupied.residents} residents in ${occupied.beds} beds`],
  ] as const) {
    const county = `${f.village.slice(0, 6)}000000`;
    const { lot } = await fundCounty(`AR17:${f.id}`, county, 'PROJECT_GRANT', 2_000_000n, `${year}-03-01`, `${year}-03-03`);
    await disburse(`AR17:${f.id}`, { county, village: f.village, payee: facilityNo(f.id), payeeType: 'FACILITY', amount: 2_000_000n, fundLine: 'PROJECT_GRANT', benefit: 'PG_CONSTRUCTION', serviceMonth: `${year}-03`, date: `${year}-03-16`, lotId: lot });
    expect(list, 'AR-17', 'FACILITY', facilityNo(f.id), `${year}-03`, what);
  }

  // ---- AR-20: a registered elder whose ID number's sex digit disagrees with the recorded sex.
  const village = paid[0]!.village;
  const idNumber = makeIdNumber(village.slice(0, 6), '1944-03-12', 300 + (seed % 300), 'MALE');
  const row = registry.elderRow({ id: { value: idNumber, converted: false, birthDate: '1944-03-12', sex: 'MALE', addressCode: village.slice(0, 6) }, name: '刘桂兰', hukou: village, residence: village, phone: null, sex: 'FEMALE', birthDate: '1944-03-12' });
  const [inserted] = await inTransaction(
    pool,
    (c) => insertElders(c, [{ row, sex: 'FEMALE', birthDate: '1944-03-12', hukouVillageCode: village, residenceVillageCode: village }], actor, { skipRegistered: true }),
    AS_APP_ROLE,
  );
  if (inserted) expect(planted, 'AR-20', 'ELDER', elderNo(inserted.id), null, 'ID number says male, the record says female');
  return { planted, controls };
}
