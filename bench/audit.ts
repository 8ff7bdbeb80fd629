/**
 * npm run bench:audit — all the audit rules over a city-year (figures in docs/audit.md).
 *
 * A throw-away embedded PostgreSQL (fsync on, default settings), the demo city 徐州市 with its demo
 * registry (≈56,000 elders), then twelve monthly payment runs through the ledger: every living elder
 * every month — 80+ the 尊老金 of their band, the others a home-care voucher on OPERATIONS — and every
 * residential facility its per-resident subsidy (≈700,000 payment lines), plus the demo's planted
 * anomalies. Then the audit over the city for the year, timed, and a second run (idempotent: nothing
 * new, nothing cleared).
 *
 * Options (env): AUDIT_BENCH_MONTHS (default 12), AUDIT_BENCH_ELDERS_PER_VILLAGE (default 20).
 */
import os from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { sqlOnPool } from '../platform/sql.js';
import { Ledger } from '../ledger/ledger.js';
import type { DisburseInput } from '../ledger/types.js';
import { RegistryService } from '../registry/registry.js';
import { generateDemoRegistry } from '../demo/registry.js';
import { DEMO_ALLOWANCE_FEN, DEMO_FACILITY_SUBSIDY_PER_RESIDENT_FEN } from '../demo/payments.js';
import { allowanceBand } from '../registry/derived.js';
import { elderNo, facilityNo } from '../registry/validate.js';
import { plantDemoAnomalies } from '../demo/anomalies.js';
import { runAudit, type RunReport } from '../audit/engine.js';
import { RULES } from '../audit/catalogue.js';
import { load, runBench, startCityDatabase } from './support.js';

const MONTHS = Number(process.env.AUDIT_BENCH_MONTHS ?? 12);
const PER_VILLAGE = Number(process.env.AUDIT_BENCH_ELDERS_PER_VILLAGE ?? 20);
const CITY = '320300000000';
const log = pino({ level: 'warn' });
const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function payMonth(pool: pg.Pool, ledger: Ledger, month: string): Promise<number> {
  const first = `${month}-01`;
  const elders = (await pool.query<{ id: string; birth: string; village: string; cats: string[]; death: string | null }>(
    `select e.id::text, e.birth_date::text as birth, e.hukou_village_code as village,
       array(select m.category from registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id
             where m.elder_id = e.id and m.valid_from <= $1::date and coalesce(x.ended_on, m.valid_to, 'infinity') >= $1::date) as cats,
       (select v.death_date::text from registry.vital_event v where v.elder_id = e.id and v.status = 'DECEASED' order by v.id desc limit 1) as death
     from registry.elder e where e.hukou_village_code like '3203%' order by e.id`, [first])).rows;
  const facilities = (await pool.query<{ id: string; village: string; residents: number }>(
    `select f.id::text, f.village_code as village, count(distinct s.elder_id)::int as residents
     from registry.facility f join registry.stay s on s.facility_id = f.id
     where s.admitted_on < ($1::date + interval '1 month') and (s.discharged_on is null or s.discharged_on > $1::date) group by f.id order by f.id`, [first])).rows;
  const lines = new Map<string, DisburseInput[]>();
  const add = (l: DisburseInput) => {
    const k = `${l.regionCode}|${l.fundLine}`;
    (lines.get(k) ?? lines.set(k, []).get(k)!).push(l);
  };
  for (const e of elders) {
    if (e.death && e.death <= first) continue;
    const county = `${e.village.slice(0, 6)}000000`;
    const band = allowanceBand(e.birth, first, e.cats, e.death);
    const common = { effectiveDate: `${month}-15`, regionCode: county, payeeType: 'PERSON' as const, payeeId: elderNo(e.id), serviceMonth: month, villageCode: e.village };
    if (band) add({ ...common, idempotencyKey: `bench:SA:${month}:${e.id}`, fundLine: 'SENIOR_ALLOWANCE', amount: DEMO_ALLOWANCE_FEN[band], benefitCode: 'SA_MONTHLY' });
    else add({ ...common, idempotencyKey: `bench:HC:${month}:${e.id}`, fundLine: 'OPERATIONS', amount: 2_000n, benefitCode: 'HOME_CARE_VOUCHER' });
  }
  for (const f of facilities) {
    add({ idempotencyKey: `bench:FS:${month}:${f.id}`, effectiveDate: `${month}-15`, regionCode: `${f.village.slice(0, 6)}000000`, fundLine: 'FACILITY_SUBSIDY', amount: DEMO_FACILITY_SUBSIDY_PER_RESIDENT_FEN * BigInt(f.residents),
      payeeType: 'FACILITY', payeeId: facilityNo(f.id), serviceMonth: month, benefitCode: 'FS_OPERATING', villageCode: f.village });
  }
  let n = 0;
  for (const [k, batch] of lines) {
    const [county, fundLine] = k.split('|') as [string, string];
    const amount = batch.reduce((s, l) => s + l.amount, 0n);
    const app = await ledger.appropriate({ idempotencyKey: `bench:app:${month}:${k}`, effectiveDate: first, regionCode: CITY, fundLine, amount, fiscalYear: Number(month.slice(0, 4)), fundingSource: 'CITY_TRANSFER', documentNo: `徐财社〔2026〕${month}` }, 'bench');
    const alloc = await ledger.allocate({ idempotencyKey: `bench:alloc:${month}:${k}`, effectiveDate: first, fromRegionCode: CITY, toRegionCode: county, fundLine, amount, documentNo: '徐民〔2026〕拨付', lotId: app.transaction.postings[0]!.lotId }, 'bench');
    await ledger.receiveAllocation({ idempotencyKey: `bench:recv:${month}:${k}`, effectiveDate: `${month}-05`, allocationId: alloc.transaction.id }, 'bench');
    const lot = alloc.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!.lotId;
    await ledger.disburseBatch(batch.map((l) => ({ ...l, lotId: lot })), 'bench');
    n += batch.length;
  }
  return n;
}

function printRun(label: string, run: RunReport) {
  process.stdout.write(`\n${label}: ${seconds(run.durationMs)} s (load ${load()}) — ${JSON.stringify(run.counts)}\n`);
  for (const r of run.rules) process.stdout.write(`  ${r.id}  ${String(r.durationMs).padStart(6)} ms  ${String(r.candidates).padStart(6)} candidate rows\n`);
}

async function main() {
  const { server, discard } = await startCityDatabase('sunshine-audit-bench-', 'audit_bench', log);
  const pool = new pg.Pool({ connectionString: server.url, max: 8 });
  pool.on('error', () => {});
  try {
    process.stdout.write(`audit bench: ${new Date().toISOString()}, load ${load()}, ${os.cpus().length} cores\n`);
    const registry = new RegistryService(pool, sqlOnPool(pool));
    const ledger = new Ledger(pool);
    let t = performance.now();
    const demo = await generateDemoRegistry(pool, registry, { cityPrefix: '3203', seed: 20261123, eldersPerVillage: PER_VILLAGE });
    process.stdout.write(`registry: ${demo.elders} elders, ${demo.facilities} facilities in ${seconds(performance.now() - t)} s\n`);
    t = performance.now();
    let lines = 0;
    for (let m = 1; m <= MONTHS; m++) {
      lines += await payMonth(pool, ledger, `2026-${String(m).padStart(2, '0')}`);
      process.stdout.write(`  paid 2026-${String(m).padStart(2, '0')}: ${lines} lines so far (${seconds(performance.now() - t)} s, load ${load()})\n`);
    }
    const anomalies = await plantDemoAnomalies(pool, ledger, registry, { cityCode: CITY, month: '2026-10', seed: 20261123 });
    await pool.query('analyze');
    const { rows: [size] } = await pool.query(`select (select count(*) from ledger.transaction)::int as transactions, (select count(*) from ledger.transaction where kind = 'DISBURSEMENT')::int as payments`);
    process.stdout.write(`ledger: ${size.transactions} transactions, ${size.payments} payment lines (${lines} monthly lines) loaded in ${seconds(performance.now() - t)} s; ${anomalies.planted.length} anomalies planted\n`);
    const run = () => runAudit(pool, { regionCode: CITY, from: '2026-01', to: '2026-12', asOf: '2026-12-31', trigger: 'BENCH', actor: 'bench' });
    const first = await run();
    printRun(`first run, all ${RULES.length} rules over the city-year`, first);
    const second = await run();
    printRun('second run (idempotent)', second);
    const { rows: [f] } = await pool.query(`select count(*)::int as findings, (select count(*) from audit.finding_event)::int as events, (select count(*) from audit.finding_evidence)::int as evidence from audit.finding`);
    process.stdout.write(`\nfindings ${f.findings}, events ${f.events}, evidence versions ${f.evidence}; second run new ${second.counts.detected}, cleared ${second.counts.cleared}, refreshed ${second.counts.refreshed}\n`);
    if (second.counts.detected || second.counts.cleared || second.counts.refreshed) process.exitCode = 1;
  } finally {
    await pool.end();
    await discard();
  }
}

runBench(main);
