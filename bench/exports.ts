/**
 * npm run bench:exports — how fast the books export and that memory stays flat as they grow
 * (figures in docs/exports.md).
 *
 * A throw-away embedded PostgreSQL (fsync on, default settings), the demo city 徐州市, money down to
 * its 11 counties, then disbursements in batches; at EXPORT_BENCH_SMALL (default 20,000) and again
 * at EXPORT_BENCH_TOTAL (default 200,000) transactions, the whole city is exported as CSV, XLSX and
 * an hledger journal, and one county's trails as CSV, each to a file, through the same exportBooks
 * the API and CLI call. Reported: time, rows/s, file size, and the peak RSS and live heap of this
 * process during the export above what it used before: flat peaks at both sizes mean constant memory.
 * EXPORT_BENCH_ONLY narrows the exports that run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { Ledger } from '../ledger/ledger.js';
import type { DisburseInput } from '../ledger/types.js';
import { exportBooks, operatorCaller, parseExportRequest } from '../ledger/reports/index.js';
import { fundCounties, idempotencyKeys, load, runBench, startCityDatabase } from './support.js';

const SMALL = Number(process.env.EXPORT_BENCH_SMALL ?? 20_000);
const TOTAL = Number(process.env.EXPORT_BENCH_TOTAL ?? 200_000);
/** EXPORT_BENCH_ONLY=hledger,trail (a comma list of csv, xlsx, hledger, trail) runs only those exports. */
const ONLY = new Set((process.env.EXPORT_BENCH_ONLY ?? 'csv,xlsx,hledger,trail').split(','));
const BATCH = 50_000;
const CITY = '320300000000';
const FUND = 'SENIOR_ALLOWANCE';
const log = pino({ level: 'warn' });
const key = idempotencyKeys();
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/**
 * Runs fn while sampling memory: RSS every 50 ms, and once a second the live heap (heapUsed right
 * after a forced collection, so garbage not yet collected does not count); returns the peaks above
 * the level before. The collections cost a few percent of the time, the same at every size.
 */
async function measured<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; rss: number; heap: number }> {
  const gc = global.gc ?? (() => {});
  gc();
  const base = process.memoryUsage();
  let rss = 0;
  let heap = 0;
  const sampleRss = () => (rss = Math.max(rss, process.memoryUsage().rss - base.rss));
  const sampleHeap = () => {
    gc();
    heap = Math.max(heap, process.memoryUsage().heapUsed - base.heapUsed);
  };
  const timers = [setInterval(sampleRss, 50), setInterval(sampleHeap, 1000)];
  const started = performance.now();
  try {
    const value = await fn();
    const seconds = (performance.now() - started) / 1000;
    return { value, seconds, rss, heap };
  } finally {
    timers.forEach(clearInterval);
  }
}

async function main() {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-exports-out-'));
  const { server, discard } = await startCityDatabase('sunshine-exports-bench-', 'exports_bench', log);
  const pool = new pg.Pool({ connectionString: server.url, max: 4 });
  pool.on('error', () => {});
  const ledger = new Ledger(pool);
  try {
    const { counties: codes, villages, lots } = await fundCounties(pool, ledger, key, CITY, FUND);
    const line = (i: number, month: string): DisburseInput => {
      const county = codes[i % codes.length]!;
      const vs = villages.get(county)!;
      return {
        idempotencyKey: key('pay'), effectiveDate: `${month}-10`, regionCode: county, fundLine: FUND, amount: BigInt(10000 + (i % 50) * 137),
        payeeType: 'PERSON', payeeId: `E${county.slice(4, 6)}-${i % 20000}`, serviceMonth: month, benefitCode: 'SA_MONTHLY', villageCode: vs[i % vs.length]!, lotId: lots.get(county)!,
        documentNo: `徐民〔${month}〕${i}号`,
      };
    };
    let count = 0;
    let month = 1;
    const loadTo = async (target: number) => {
      while (count < target) {
        const size = Math.min(BATCH, target - count);
        const m = `2026-${String(++month).padStart(2, '0')}`;
        await ledger.disburseBatch(Array.from({ length: size }, (_, i) => line(count + i, m)), 'bench');
        count += size;
      }
      await pool.query('analyze');
    };

    const run = async (label: string, args: Record<string, string>) => {
      const file = path.join(outDir, `${label.replace(/\W+/g, '-')}.out`);
      const r = await measured(() => exportBooks(pool, operatorCaller('bench'), parseExportRequest(args), fs.createWriteStream(file)));
      const size = fs.statSync(file).size;
      console.log(`| ${count.toLocaleString('en')} | ${label} | ${r.value.rows.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${Math.round(r.value.rows / r.seconds).toLocaleString('en')} | ${mb(size)} | ${mb(r.rss)} | ${mb(r.heap)} | ${load()} |`);
      fs.rmSync(file);
    };

    console.log(`## Exports (${os.cpus().length} cores, fsync on; load average at start ${load()})\n`);
    console.log('| transactions in ledger | export | rows | s | rows/s | file MB | peak RSS +MB | peak live heap +MB | load |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const size of [SMALL, TOTAL]) {
      await loadTo(size);
      if (ONLY.has('csv')) await run('city transactions CSV (one row per posting)', { region: CITY, format: 'csv' });
      if (ONLY.has('xlsx')) await run('city transactions XLSX', { region: CITY, format: 'xlsx' });
      if (ONLY.has('hledger')) await run('city hledger journal (one entry per transaction)', { region: CITY, format: 'hledger' });
      if (ONLY.has('trail')) await run(`county ${codes[0]} trails CSV`, { region: codes[0]!, format: 'csv', what: 'trail' });
    }
  } finally {
    await pool.end();
    await discard();
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

runBench(main);
