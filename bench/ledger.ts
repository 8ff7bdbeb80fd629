/**
 * npm run bench:ledger — the fund ledger's throughput and query latency (figures in docs/ledger.md).
 *
 * A throw-away embedded PostgreSQL (fsync on, default settings), the demo city 徐州市, then:
 *   1. single disbursements across many accounts (11 county lots, 20,000 payees), 8 concurrent callers;
 *   2. single disbursements on ONE hot lot and account, 8 concurrent callers;
 *   3. one disburseBatch of 100,000 lines;
 *   4. more batches until the ledger holds LEDGER_BENCH_TOTAL transactions (default 1,000,000);
 *   5. verifyLedger over all of them, twice (the first pass right after loading also sets hint bits);
 *   6. trail of random disbursements and city-wide balances, p50/p95.
 * Everything goes through the ledger module (ledger/), i.e. the same code the GraphQL mutations call.
 *
 * Options (env): LEDGER_BENCH_SECONDS (per throughput phase, default 15), LEDGER_BENCH_TOTAL, LEDGER_BENCH_BATCH
 * (lines per batch, default 100,000; smaller only to iterate quickly).
 */
import os from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { groupCommitStats, Ledger } from '../ledger/ledger.js';
import { LedgerQueries } from '../ledger/queries.js';
import type { DisburseInput } from '../ledger/types.js';
import { fundCounties, idempotencyKeys, latencyStats, load, runBench, startCityDatabase } from './support.js';

const SECONDS = Number(process.env.LEDGER_BENCH_SECONDS ?? 15);
const TOTAL = Number(process.env.LEDGER_BENCH_TOTAL ?? 1_000_000);
const BATCH = Number(process.env.LEDGER_BENCH_BATCH ?? 100_000);
/** Requests in flight at once (each caller waits for its answer before sending the next). */
const CALLERS = 8;
const CITY = '320300000000';
const FUND = 'SENIOR_ALLOWANCE';
const log = pino({ level: 'warn' });

const key = idempotencyKeys();
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;


async function main() {
  const { server, discard } = await startCityDatabase('sunshine-ledger-bench-', 'ledger_bench', log);
  const pool = new pg.Pool({ connectionString: server.url, max: CALLERS + 2 });
  pool.on('error', () => {}); // idle connections are terminated when the server stops at the end
  const ledger = new Ledger(pool);
  const queries = new LedgerQueries(pool);

  try {
    // Fund: one appropriation at the city, one allocation to each county, received.
    const { counties: countyCodes, villages, lots: countyLots } = await fundCounties(pool, ledger, key, CITY, FUND);
    const line = (county: string, payee: number, month = '2026-02'): DisburseInput => ({
      idempotencyKey: key('pay'), effectiveDate: `${month}-10`, regionCode: county, fundLine: FUND, amount: BigInt(10000 + (payee % 50) * 100),
      payeeType: 'PERSON', payeeId: `E${county.slice(4, 6)}-${payee}`, serviceMonth: month, benefitCode: 'SA_MONTHLY',
      villageCode: villages.get(county)![payee % villages.get(county)!.length]!, lotId: countyLots.get(county)!,
    });

    async function throughput(label: string, next: () => DisburseInput) {
      const latencies: number[] = [];
      const before = groupCommitStats(pool);
      const until = performance.now() + SECONDS * 1000;
      await Promise.all(Array.from({ length: CALLERS }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          await ledger.disburse(next(), 'bench');
          latencies.push(performance.now() - t);
        }
      }));
      const s = latencyStats(latencies);
      const after = groupCommitStats(pool);
      const perGroup = (after.requests - before.requests) / Math.max(1, after.groups - before.groups);
      console.log(`| ${label} | ${(s.n / SECONDS).toFixed(0)}/s | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.p99.toFixed(1)} | ${perGroup.toFixed(1)} | ${load()} |`);
    }

    console.log(`## Ledger throughput (${CALLERS} concurrent callers on a pool of ${CALLERS + 2} connections, ${SECONDS} s each, fsync on, ${os.cpus().length} cores; load average ${load()})\n`);
    console.log('| workload | disbursements | p50 ms | p95 ms | p99 ms | requests per commit | load after |\n|---|---:|---:|---:|---:|---:|---:|');
    await throughput('single disbursements, 11 county lots, 20,000 payees', () => line(pick(countyCodes), Math.floor(Math.random() * 20000)));
    const hot = countyCodes[0]!;
    await throughput('single disbursements, one hot lot and account', () => line(hot, Math.floor(Math.random() * 20000)));

    const batch = async (size: number, month: string) => {
      const lines = Array.from({ length: size }, (_, i) => line(countyCodes[i % countyCodes.length]!, i, month));
      const t = performance.now();
      await ledger.disburseBatch(lines, 'bench');
      return (performance.now() - t) / 1000;
    };
    const first = await batch(BATCH, '2026-03');
    console.log(`\n- disburseBatch of ${BATCH.toLocaleString('en')} lines (one database transaction): ${first.toFixed(1)} s (${(BATCH / first).toFixed(0)} lines/s; load ${load()})`);

    let count = Number((await pool.query('select count(*) from ledger.transaction')).rows[0].count);
    const months = ['2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02'];
    let loadSeconds = 0;
    for (const month of months) {
      if (count >= TOTAL) break;
      loadSeconds += await batch(Math.min(BATCH, TOTAL - count), month);
      count = Number((await pool.query('select count(*) from ledger.transaction')).rows[0].count);
    }
    await pool.query('analyze');
    const size = (await pool.query(`select pg_total_relation_size('ledger.transaction') + pg_total_relation_size('ledger.posting') as bytes`)).rows[0].bytes;
    console.log(`- loaded to ${count.toLocaleString('en')} transactions (further batches: ${loadSeconds.toFixed(0)} s); transactions + postings with indexes: ${(Number(size) / count).toFixed(0)} bytes per transaction`);

    const t0 = performance.now();
    const verify = await queries.verify(null, null);
    const t1 = performance.now();
    const again = await queries.verify(null, null);
    console.log(`- verifyLedger over ${verify.checked.toLocaleString('en')} transactions: ${((t1 - t0) / 1000).toFixed(1)} s (first, right after loading), ok=${verify.ok}; again: ${((performance.now() - t1) / 1000).toFixed(1)} s, ok=${again.ok} (load ${load()})`);

    const ids = (await pool.query(`select id::text from ledger.transaction where kind = 'DISBURSEMENT' order by random() limit 200`)).rows.map((r) => r.id);
    const trailMs: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      const steps = await queries.trail(id);
      trailMs.push(performance.now() - t);
      if (steps.at(-1)!.transaction.kind !== 'APPROPRIATION') throw new Error('trail did not reach the appropriation');
    }
    const balanceMs: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await queries.balances(CITY, i % 2 ? FUND : null, i % 3 ? null : '2026-06-30', true);
      balanceMs.push(performance.now() - t);
    }
    const tr = latencyStats(trailMs);
    const ba = latencyStats(balanceMs);
    console.log(`- trail (200 random disbursements): p50 ${tr.p50.toFixed(1)} ms, p95 ${tr.p95.toFixed(1)} ms (load ${load()})`);
    console.log(`- city-wide balances (30 calls, with and without asOf): p50 ${ba.p50.toFixed(1)} ms, p95 ${ba.p95.toFixed(1)} ms`);
  } finally {
    await pool.end();
    await discard();
  }
}

runBench(main);
