/**
 * npm run bench:approvals — what four-eyes approvals cost (figures in docs/ledger.md).
 *
 * A throw-away embedded PostgreSQL with the demo city 徐州市 and the seeded approval policies, 11
 * county lots, then with 8 concurrent callers for LEDGER_BENCH_SECONDS (default 10) each:
 *   1. payments below the threshold through the ledger engine directly, and through ledger/approvals
 *      (the policy read, then the same group writer): the cost of the gate on every write;
 *   2. payments above the threshold through ledger/approvals: proposals (plan + hold) per second;
 *      then every one of them approved by a second person: approvals (decision + posting) per second;
 *   3. payments on ONE lot with no holds, then on the same lot with 1,000 pending holds: the cost of
 *      the hold check in the posting trigger (ledger.lot_held under the lot's lock).
 */
import pg from 'pg';
import { pino } from 'pino';
import { Viewer } from '../auth/viewer.js';
import { Approvals } from '../ledger/approvals/index.js';
import { Ledger } from '../ledger/ledger.js';
import type { DisburseInput } from '../ledger/types.js';
import { fundCounties, idempotencyKeys, latencyStats, load, runBench, startCityDatabase } from './support.js';

const SECONDS = Number(process.env.LEDGER_BENCH_SECONDS ?? 10);
const CALLERS = 8;
const CITY = '320300000000';
const FUND = 'SENIOR_ALLOWANCE';
const log = pino({ level: 'warn' });
const key = idempotencyKeys();

async function main() {
  const { server, discard } = await startCityDatabase('sunshine-approvals-bench-', 'approvals_bench', log);
  const pool = new pg.Pool({ connectionString: server.url, max: CALLERS + 2 });
  pool.on('error', () => {});
  const ledger = new Ledger(pool);
  const approvals = new Approvals(pool, ledger, { ttlHours: 24 });
  try {
    const { counties, villages, lots } = await fundCounties(pool, ledger, key, CITY, FUND);
    let payee = 0;
    const line = (county: string, amount: bigint): DisburseInput => ({
      idempotencyKey: key('pay'), effectiveDate: '2026-02-10', regionCode: county, fundLine: FUND, amount, payeeType: 'PERSON', payeeId: `E-${++payee}`,
      serviceMonth: '2026-02', benefitCode: 'SA_MONTHLY', villageCode: villages.get(county)![payee % villages.get(county)!.length]!, lotId: lots.get(county)!,
    });
    const anyCounty = () => counties[payee % counties.length]!;

    async function phase(label: string, call: () => Promise<unknown>, seconds = SECONDS): Promise<void> {
      const latencies: number[] = [];
      const until = performance.now() + seconds * 1000;
      const started = performance.now();
      await Promise.all(Array.from({ length: CALLERS }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          await call();
          latencies.push(performance.now() - t);
        }
      }));
      const s = latencyStats(latencies);
      const rate = s.n / ((performance.now() - started) / 1000);
      console.log(`${label}: ${rate.toFixed(0)}/s (${s.n} in ${seconds} s), p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, load ${load()}`);
    }

    console.log(`approvals bench, ${CALLERS} callers, ${SECONDS} s per phase, load ${load()}`);
    await phase('1a. payment below the threshold, ledger engine', () => ledger.disburse(line(anyCounty(), 10_000n), 'bench'));
    await phase('1b. payment below the threshold, through ledger/approvals', () => approvals.disburse(line(anyCounty(), 10_000n), 'bench'));
    await phase('1c. payment below the threshold, ledger engine again (noise)', () => ledger.disburse(line(anyCounty(), 10_000n), 'bench'));

    const proposed: string[] = [];
    await phase('2a. payment above the threshold: proposal (plan + hold)', async () => {
      const { proposal } = await approvals.disburse(line(anyCounty(), 6_000_000n), 'clerk');
      proposed.push(proposal!.id);
    });
    const approver = new Viewer({ subject: 'bench-approver', roles: ['FINANCE_OFFICER'], jurisdiction: CITY });
    const queue = [...proposed];
    const approveStarted = performance.now();
    const approveLatencies: number[] = [];
    await Promise.all(Array.from({ length: CALLERS }, async () => {
      for (let id = queue.pop(); id; id = queue.pop()) {
        const t = performance.now();
        await approvals.approve(approver, id);
        approveLatencies.push(performance.now() - t);
      }
    }));
    const a = latencyStats(approveLatencies);
    console.log(`2b. approve (decision + posting): ${(a.n / ((performance.now() - approveStarted) / 1000)).toFixed(0)}/s (${a.n}), p50 ${a.p50.toFixed(1)} ms, p95 ${a.p95.toFixed(1)} ms, load ${load()}`);

    const hot = counties[0]!;
    await phase('3a. payments on one lot, no holds', () => ledger.disburse(line(hot, 10_000n), 'bench'));
    for (let i = 0; i < 1_000; i++) await approvals.disburse(line(hot, 6_000_000n), 'clerk');
    const { rows } = await pool.query('select ledger.lot_held($1)::text as held', [lots.get(hot)]);
    console.log(`   (lot ${lots.get(hot)} now holds ${rows[0].held} fen for 1,000 pending proposals)`);
    await phase('3b. payments on the same lot, 1,000 pending holds on it', () => ledger.disburse(line(hot, 10_000n), 'bench'));
  } finally {
    await pool.end();
    await discard();
  }
}

runBench(main);
