/**
 * npm run bench:ledger-profile — where a single disbursement's time goes (figures in docs/performance.md).
 *
 * The write path is latency-bound: the group writer waits on PostgreSQL for most of each group, so
 * wall-clock rates on a busy machine say little. This bench counts CPU instead, which a neighbour's
 * load inflates far less: Node's own CPU per disbursement (process.cpuUsage), PostgreSQL's (every
 * process of the throw-away server, from /proc on Linux), the time in each ledger trigger function
 * (track_functions) and the statements that cost most, nested ones included (pg_stat_statements).
 *
 * A throw-away embedded PostgreSQL with the demo city 徐州市, 8 concurrent callers paying random
 * payees from the 11 county lots through the ledger module (what the GraphQL mutation calls).
 * Options (env): PROFILE_SECONDS (default 15), PROFILE_STATEMENTS (rows of the statement table, default 15),
 * PROFILE_CALLERS (default 8; with 2, groups carry ≤ 2 disbursements and the fixed cost of a group shows).
 */
import fs from 'node:fs';
import pg from 'pg';
import { pino } from 'pino';
import { Ledger } from '../ledger/ledger.js';
import type { DisburseInput } from '../ledger/types.js';
import { fundCounties, idempotencyKeys, load, runBench, startCityDatabase } from './support.js';

const SECONDS = Number(process.env.PROFILE_SECONDS ?? 15);
const STATEMENTS = Number(process.env.PROFILE_STATEMENTS ?? 15);
const CALLERS = Number(process.env.PROFILE_CALLERS ?? 8);
const CITY = '320300000000';
const FUND = 'SENIOR_ALLOWANCE';
const log = pino({ level: 'warn' });
const key = idempotencyKeys();
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/** CPU milliseconds a process has used, from /proc/<pid>/stat (utime + stime, in clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU milliseconds used so far by the postmaster and every process it started (backends, WAL writer, autovacuum, …). */
function serverCpuMs(postmaster: number): number {
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      if (parent === postmaster || Number(entry) === postmaster) total += processCpuMs(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

async function postmasterPid(pool: pg.Pool): Promise<number> {
  const backend = (await pool.query('select pg_backend_pid() as pid')).rows[0].pid as number;
  return Number(fs.readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
}

async function main() {
  if (process.platform !== 'linux') throw new Error('bench:ledger-profile reads /proc: it runs on Linux only');
  const { server, discard } = await startCityDatabase('sunshine-ledger-profile-', 'ledger_profile', log, {
    shared_preload_libraries: 'pg_stat_statements',
    'pg_stat_statements.track': 'all',
    track_functions: 'pl',
    'pg_stat_statements.track_planning': 'on', // the statement table adds planning to execution: unnamed statements are planned on every call
  });
  const pool = new pg.Pool({ connectionString: server.url, max: CALLERS + 2 });
  pool.on('error', () => {}); // idle connections are terminated when the server stops at the end
  const ledger = new Ledger(pool);
  try {
    const { counties, villages, lots } = await fundCounties(pool, ledger, key, CITY, FUND);
    const line = (county: string, payee: number): DisburseInput => ({
      idempotencyKey: key('pay'), effectiveDate: '2026-02-10', regionCode: county, fundLine: FUND, amount: BigInt(10000 + (payee % 50) * 100),
      payeeType: 'PERSON', payeeId: `E${county.slice(4, 6)}-${payee}`, serviceMonth: '2026-02', benefitCode: 'SA_MONTHLY',
      villageCode: villages.get(county)![payee % villages.get(county)!.length]!, lotId: lots.get(county)!,
    });
    const run = async (seconds: number) => {
      let n = 0;
      const until = performance.now() + seconds * 1000;
      await Promise.all(Array.from({ length: CALLERS }, async () => {
        while (performance.now() < until) {
          // 50 payees per county, as bench:peers: the accounts exist after the warm-up (a county pays the same people every month).
          await ledger.disburse(line(pick(counties), Math.floor(Math.random() * 50)), 'bench');
          n++;
        }
      }));
      return n;
    };
    await run(3); // warm: connections, prepared statements, the account cache
    await pool.query('create extension if not exists pg_stat_statements');
    await pool.query('select pg_stat_statements_reset(), pg_stat_reset()');
    const postmaster = await postmasterPid(pool);
    const node0 = process.cpuUsage();
    const server0 = serverCpuMs(postmaster);
    const n = await run(SECONDS);
    const node = process.cpuUsage(node0);
    const serverMs = serverCpuMs(postmaster) - server0;
    await new Promise((resolve) => setTimeout(resolve, 700)); // function statistics are flushed by each backend, not at once

    const perTx = (ms: number) => (ms / n).toFixed(3);
    console.log(`## Where a disbursement's time goes (${CALLERS} callers, ${SECONDS} s, ${n} disbursements = ${(n / SECONDS).toFixed(0)}/s; load average ${load()})\n`);
    console.log('| CPU per disbursement | ms |\n|---|---:|');
    console.log(`| Node (this process: validation, planning, the group writer, the pg driver) | ${perTx((node.user + node.system) / 1000)} |`);
    console.log(`| PostgreSQL (all its processes) | ${perTx(serverMs)} |\n`);
    const functions = (await pool.query(
      `select schemaname || '.' || funcname as name, calls, total_time, self_time from pg_stat_user_functions order by total_time desc`,
    )).rows;
    console.log('| trigger or function | calls per disbursement | total ms per disbursement | self ms |\n|---|---:|---:|---:|');
    for (const f of functions) console.log(`| ${f.name} | ${(Number(f.calls) / n).toFixed(2)} | ${perTx(f.total_time)} | ${perTx(f.self_time)} |`);
    const statements = (await pool.query(
      `select calls, total_exec_time + total_plan_time as ms, total_plan_time as plan_ms, toplevel, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) as query
       from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
       order by ms desc limit $1`,
      [STATEMENTS],
    )).rows;
    console.log('\n| statement (nested: run by a trigger) | calls per disbursement | ms per disbursement | of which planning |\n|---|---:|---:|---:|');
    for (const s of statements) {
      console.log(`| ${s.toplevel ? '' : '↳ '}\`${String(s.query).replace(/\|/g, '\\|')}\` | ${(Number(s.calls) / n).toFixed(2)} | ${perTx(s.ms)} | ${perTx(s.plan_ms)} |`);
    }
  } finally {
    await pool.end();
    await discard();
  }
}

runBench(main);
