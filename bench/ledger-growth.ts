/**
 * node scripts/launch.ts bench/ledger-growth — does the write rate fall as the ledger grows?
 * (docs/performance.md). In-process, as bench:proof's write phases: a throw-away embedded PostgreSQL
 * (fsync on), 徐州市 funded, 8 concurrent callers of ledger.disburse (group commit) for
 * GROWTH_SECONDS (default 60), no checkpointer. Every GROWTH_WINDOW seconds (default 5) it prints
 * the rate, the ledger's size, the load average, and what PostgreSQL's backends were doing (sampled
 * every 20 ms from pg_stat_activity, by statement), so that a statement whose cost grows with the
 * ledger shows as a growing share.
 */
import pg from 'pg';
import { pino } from 'pino';
import { Ledger } from '../ledger/ledger.js';
import type { DisburseInput } from '../ledger/types.js';
import { fundCounties, idempotencyKeys, load, runBench, startCityDatabase } from './support.js';

const SECONDS = Number(process.env.GROWTH_SECONDS ?? 60);
const WINDOW = Number(process.env.GROWTH_WINDOW ?? 5);
const CALLERS = 8;
const CITY = '320300000000';
const FUND = 'SENIOR_ALLOWANCE';
const log = pino({ level: 'warn' });

async function main() {
  const { server, discard } = await startCityDatabase('sunshine-growth-bench-', 'growth_bench', log);
  const pool = new pg.Pool({ connectionString: server.url, max: CALLERS + 2 });
  pool.on('error', () => {});
  const sampler = new pg.Pool({ connectionString: server.url, max: 1 });
  sampler.on('error', () => {});
  const ledger = new Ledger(pool);
  const key = idempotencyKeys();
  try {
    const { counties, villages, lots } = await fundCounties(pool, ledger, key, CITY, FUND);
    const line = (i: number): DisburseInput => {
      const county = counties[i % counties.length]!;
      const inCounty = villages.get(county)!;
      return {
        idempotencyKey: key('pay'), effectiveDate: '2026-02-10', regionCode: county, fundLine: FUND, amount: BigInt(10000 + (i % 50) * 100),
        payeeType: 'PERSON', payeeId: `E${county.slice(4, 6)}-${i % 20000}`, serviceMonth: '2026-02', benefitCode: 'SA_MONTHLY',
        villageCode: inCounty[i % inCounty.length]!, lotId: lots.get(county)!,
      };
    };

    let done = 0;
    const busy = new Map<string, number>();
    let samples = 0;
    const timer = setInterval(async () => {
      const { rows } = await sampler.query(
        `select left(regexp_replace(query, '\\s+', ' ', 'g'), 48) as query, coalesce(wait_event, 'CPU') as wait
         from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() and state = 'active'`,
      );
      samples++;
      for (const r of rows) busy.set(`${r.query} [${r.wait}]`, (busy.get(`${r.query} [${r.wait}]`) ?? 0) + 1);
    }, 20);

    console.log(`## Write rate as the ledger grows (${CALLERS} callers in-process, ${WINDOW} s windows, fsync on; load ${load()})\n`);
    console.log('| window | transactions at the end | disbursements/s | load | busiest statements (share of samples with that statement active) |\n|---:|---:|---:|---:|---|');
    const started = performance.now();
    const until = started + SECONDS * 1000;
    const callers = Promise.all(Array.from({ length: CALLERS }, async () => {
      while (performance.now() < until) {
        await ledger.disburse(line(Math.floor(Math.random() * 1e6)), 'bench');
        done++;
      }
    }));
    for (let w = 1; w * WINDOW <= SECONDS; w++) {
      const before = done;
      busy.clear();
      samples = 0;
      await new Promise((r) => setTimeout(r, started + w * WINDOW * 1000 - performance.now()));
      const rate = (done - before) / WINDOW;
      const { rows } = await sampler.query('select count(*)::int as n from ledger.transaction');
      const top = [...busy].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, n]) => `${k} ${((100 * n) / Math.max(1, samples)).toFixed(0)}%`).join('; ');
      console.log(`| ${w} | ${rows[0].n.toLocaleString('en')} | ${rate.toFixed(0)} | ${load()} | ${top} |`);
    }
    await callers;
    clearInterval(timer);
    // How the group writer's plan reads the last running balance of (account, lot) at the end: one
    // probe of ledger.lot_balance (the posting trigger and the hold trigger read it the same way).
    const plan = await sampler.query(
      `explain (analyze, costs off)
       select l.id, (select b.balance_after from ledger.lot_balance b where b.account_id = a.id and b.lot_id = l.id)
       from ledger.lot l join ledger.account a on a.region_code = l.region_code and a.fund_line = l.fund_line and a.kind = 'AVAILABLE' and a.payee_type is null
       where l.region_code = $1 and l.fund_line = $2`,
      [counties[0], FUND],
    );
    const lines = plan.rows.map((r) => r['QUERY PLAN'] as string);
    console.log(`- last balance: ${lines.filter((l) => /on lot_balance|Sort Key|Execution Time/.test(l)).map((l) => l.trim().replace(/\(actual.*\)/, '')).join(' / ')}`);
  } finally {
    await sampler.end();
    await pool.end();
    await discard();
  }
}

runBench(main);
