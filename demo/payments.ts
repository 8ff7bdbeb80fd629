/**
 * One month of demo payments (docs/registry.md "Demo population"): 尊老金 for every eligible elder and
 * operating subsidies for every residential facility of the demo registry (demo/registry.ts), written
 * through the ledger's public API like any other client's payments.
 */
import type pg from 'pg';
import type { Ledger } from '../ledger/ledger.js';
import type { DisburseInput } from '../ledger/types.js';
import { scopePrefixOf } from '../platform/region-code.js';
import { allowanceBand, type AllowanceBand } from '../registry/derived.js';
import { elderNo, facilityNo } from '../registry/validate.js';

/** Illustrative monthly amounts in fen (NOT official 徐州 figures: real amounts are set by local policy and belong in configuration). */
export const DEMO_ALLOWANCE_FEN: Record<AllowanceBand, bigint> = { B80_89: 5_000n, B80_89_LOW_INCOME: 8_000n, B90_99: 10_000n, B100_PLUS: 30_000n };
/** Illustrative operating subsidy per resident and month, in fen. */
export const DEMO_FACILITY_SUBSIDY_PER_RESIDENT_FEN = 10_000n;

/**
 * Who confirms a receipt in the demo: the receiving county's finance officer, never the city that
 * issued the allocation (the API refuses that: ledger/access.ts, segregation of duties).
 */
export const demoReceiver = (actor: string, county: string) => `${actor}@${county}`;

export interface DemoLedgerReport {
  allowancePayments: number;
  facilityPayments: number;
  durationMs: number;
}

/**
 * A little ledger activity for the demo, through the ledger's public write API: the city receives the
 * month's 尊老金 and operating subsidies, allocates them to each county, the counties confirm receipt
 * and pay every eligible elder (payee PERSON, payee id = registry number) and every residential
 * facility with residents (payee FACILITY). Idempotency keys make a re-run a no-op.
 */
export async function payDemoMonth(pool: pg.Pool, ledger: Ledger, options: { cityCode: string; month: string; actor?: string }): Promise<DemoLedgerReport> {
  const started = performance.now();
  const actor = options.actor ?? 'demo-generator';
  const firstDay = `${options.month}-01`;
  const effectiveDate = `${options.month}-15`;
  const elders = (
    await pool.query<{ id: string; birth: string; village: string; cats: string[]; status: string | null; death: string | null }>(
      `select e.id::text, e.birth_date::text as birth, e.hukou_village_code as village,
         array(select m.category from registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id
               where m.elder_id = e.id and m.valid_from <= $2::date and coalesce(x.ended_on, m.valid_to, 'infinity') >= $2::date) as cats,
         v.status, v.death_date::text as death
       from registry.elder e
       left join lateral (select status, death_date from registry.vital_event v where v.elder_id = e.id order by v.id desc limit 1) v on true
       where e.hukou_village_code between $1 and rpad($1, 12, '9') and e.birth_date <= ($2::date - interval '80 years')
       order by e.id`,
      [scopePrefixOf(options.cityCode), firstDay],
    )
  ).rows;
  const facilities = (
    await pool.query<{ id: string; village: string; residents: number }>(
      `select f.id::text, f.village_code as village, count(distinct s.elder_id)::int as residents
       from registry.facility f join registry.stay s on s.facility_id = f.id
       where f.village_code between $1 and rpad($1, 12, '9') and s.admitted_on < ($2::date + interval '1 month') and (s.discharged_on is null or s.discharged_on > $2::date)
       group by f.id order by f.id`,
      [scopePrefixOf(options.cityCode), firstDay],
    )
  ).rows;
  type Line = DisburseInput;
  const linesByCounty = new Map<string, { SENIOR_ALLOWANCE: Line[]; FACILITY_SUBSIDY: Line[] }>();
  const linesOf = (village: string) => {
    const county = village.slice(0, 6) + '000000';
    let entry = linesByCounty.get(county);
    if (!entry) linesByCounty.set(county, (entry = { SENIOR_ALLOWANCE: [], FACILITY_SUBSIDY: [] }));
    return { county, entry };
  };
  for (const e of elders) {
    const band = allowanceBand(e.birth, firstDay, e.cats, e.status === 'DECEASED' ? e.death : null);
    if (!band) continue;
    const { county, entry } = linesOf(e.village);
    entry.SENIOR_ALLOWANCE.push({
      idempotencyKey: `demo:SA:${options.month}:${elderNo(e.id)}`, effectiveDate, regionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: DEMO_ALLOWANCE_FEN[band],
      payeeType: 'PERSON', payeeId: elderNo(e.id), serviceMonth: options.month, benefitCode: 'SA_MONTHLY', villageCode: e.village, memo: `尊老金 ${band}`,
    });
  }
  for (const f of facilities) {
    const { county, entry } = linesOf(f.village);
    entry.FACILITY_SUBSIDY.push({
      idempotencyKey: `demo:FS:${options.month}:${facilityNo(f.id)}`, effectiveDate, regionCode: county, fundLine: 'FACILITY_SUBSIDY', amount: DEMO_FACILITY_SUBSIDY_PER_RESIDENT_FEN * BigInt(f.residents),
      payeeType: 'FACILITY', payeeId: facilityNo(f.id), serviceMonth: options.month, benefitCode: 'FS_OPERATING', villageCode: f.village, memo: `运营补贴 ${f.residents} 人`,
    });
  }
  const report: DemoLedgerReport = { allowancePayments: 0, facilityPayments: 0, durationMs: 0 };
  for (const fundLine of ['SENIOR_ALLOWANCE', 'FACILITY_SUBSIDY'] as const) {
    const total = [...linesByCounty.values()].reduce((sum, e) => sum + e[fundLine].reduce((s, l) => s + l.amount, 0n), 0n);
    if (total === 0n) continue;
    await ledger.appropriate(
      { idempotencyKey: `demo:${fundLine}:${options.month}:appropriation`, effectiveDate: firstDay, regionCode: options.cityCode, fundLine, amount: total, fiscalYear: Number(options.month.slice(0, 4)), fundingSource: 'CITY_TRANSFER', documentNo: `徐财社〔${options.month.slice(0, 4)}〕示例${options.month.slice(5)}号` },
      actor,
    );
    for (const [county, entry] of linesByCounty) {
      const lines = entry[fundLine];
      if (!lines.length) continue;
      const amount = lines.reduce((s, l) => s + l.amount, 0n);
      const allocation = await ledger.allocate(
        { idempotencyKey: `demo:${fundLine}:${options.month}:allocate:${county}`, effectiveDate: firstDay, fromRegionCode: options.cityCode, toRegionCode: county, fundLine, amount, documentNo: `徐民〔${options.month.slice(0, 4)}〕示例拨付` },
        actor,
      );
      await ledger.receiveAllocation({ idempotencyKey: `demo:${fundLine}:${options.month}:receive:${county}`, effectiveDate: `${options.month}-05`, allocationId: allocation.transaction.id }, demoReceiver(actor, county));
      await ledger.disburseBatch(lines, actor);
      if (fundLine === 'SENIOR_ALLOWANCE') report.allowancePayments += lines.length;
      else report.facilityPayments += lines.length;
    }
  }
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
