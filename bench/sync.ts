/**
 * npm run bench:sync — the pull path of county systems (figures in docs/sync.md).
 *
 * A throw-away embedded PostgreSQL (fsync on, default settings), the demo city 徐州市 with its demo
 * registry and SYNC_BENCH_MONTHS (default 12) months of demo payments, the HTTP server in this
 * process, then:
 *   1. snapshot export of one county's full slice (every type, one snapshot), plain and gzip, and of
 *      the whole city: rows/s, wall time, bytes;
 *   2. the sync client mirroring the county into another database: full run (snapshot + feed), then
 *      its catch-up rate over changes written while it was away;
 *   3. feed lag under write load: 8 concurrent disbursement callers while a follower polls the feed;
 *      lag = when the follower received a change − when it was written;
 *   4. the outbox's cost on the ledger's write path: single disbursements (8 callers) with the
 *      ledger's outbox triggers on and off, alternating.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { ensureDatabase, withDatabase } from '../platform/database.js';
import { sqlOnPool } from '../platform/sql.js';
import { Ledger } from '../ledger/ledger.js';
import type { DisburseInput } from '../ledger/types.js';
import { RegistryService } from '../registry/registry.js';
import { generateDemoRegistry } from '../demo/registry.js';
import { payDemoMonth } from '../demo/payments.js';
import { createApp } from '../api/server.js';
import { DEFAULT_LIMITS } from '../api/hardening.js';
import { issueToken, secretKeySet, secretSigningKey } from '../auth/tokens.js';
import { runSync } from '../sync/client.js';
import { EXPORTED_TYPES } from '../sync/types.js';
import { latencyStats, load, runBench, startCityDatabase } from './support.js';

const MONTHS = Number(process.env.SYNC_BENCH_MONTHS ?? 12);
const SECONDS = Number(process.env.SYNC_BENCH_SECONDS ?? 10);
const CITY = '320300000000';
const COUNTY = '320321000000'; // 丰县
const SECRET = 'sync-bench-secret-0123456789-0123456789';
/** Every exported type, as a client asks for the whole slice (the list grows with sync/types.ts). */
const TYPES = EXPORTED_TYPES.map((t) => t.path).join(',');
const log = pino({ level: 'warn' });
const seconds = (from: number) => (performance.now() - from) / 1000;

/** Streams one export and counts its lines and wire bytes; nothing is kept in memory. */
function timedExport(base: string, token: string, query: string, gzip: boolean): Promise<{ rows: number; seconds: number; bytes: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}/export/v1/${TYPES}${query}`, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': gzip ? 'gzip' : 'identity' } }, (res) => {
      let bytes = 0;
      let lines = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      const body = res.headers['content-encoding'] === 'gzip' ? res.pipe(zlib.createGunzip()) : res;
      body.on('data', (chunk: Buffer) => {
        for (const b of chunk) if (b === 10) lines++;
      });
      body.on('end', () => resolve({ rows: lines - 2, seconds: seconds(started), bytes }));
      body.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function main() {
  const { server, discard } = await startCityDatabase('sunshine-sync-bench-', 'sync_bench', log);
  const pool = new pg.Pool({ connectionString: server.url, max: 12 });
  pool.on('error', () => {});
  const mirrorUrl = withDatabase(server.adminUrl, 'county_mirror');
  await ensureDatabase(server.adminUrl, 'county_mirror');
  const ledger = new Ledger(pool);
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    let t = performance.now();
    const demo = await generateDemoRegistry(pool, new RegistryService(pool, sqlOnPool(pool)), { cityPrefix: '3203' });
    for (let m = 0; m < MONTHS; m++) {
      const month = `${m < 2 ? 2025 : 2026}-${String(((m + 10) % 12) + 1).padStart(2, '0')}`;
      await payDemoMonth(pool, ledger, { cityCode: CITY, month });
    }
    await pool.query('analyze');
    const counts = (await pool.query(`select (select count(*) from registry.elder where hukou_village_code like '320321%')::int as elders,
      (select count(*) from ledger.transaction where region_code like '320321%')::int as county_tx, (select count(*) from ledger.transaction)::int as tx,
      (select count(*) from sync.change)::int as outbox`)).rows[0];
    console.log(`## Sync bench (${os.cpus().length} cores, fsync on; setup ${seconds(t).toFixed(0)} s: ${demo.elders} elders, ${counts.tx} transactions in ${MONTHS} months of demo payments, outbox ${counts.outbox} rows; 丰县: ${counts.elders} elders, ${counts.county_tx} of its transactions; load ${load()})\n`);

    app = await createApp({ pool, log, production: false, keySet: secretKeySet(SECRET), limits: { ...DEFAULT_LIMITS, requestsPerMinute: 0, costPerMinute: 0 } });
    const url = await app.listen(0, '127.0.0.1');
    const base = url.replace(/\/graphql$/, '');
    const key = secretSigningKey(SECRET);
    const countyToken = await issueToken({ subject: 'county-system@320321', roles: ['SYSTEM_CLIENT'], jurisdiction: COUNTY }, key);
    const cityToken = await issueToken({ subject: 'city-system@3203', roles: ['SYSTEM_CLIENT'], jurisdiction: CITY }, key);

    // 1. exports
    console.log(`| export (all ${EXPORTED_TYPES.length} types, one snapshot) | rows | seconds | rows/s | bytes on the wire | load |\n|---|---:|---:|---:|---:|---:|`);
    for (const [label, token, gzip] of [['丰县, plain', countyToken, false], ['丰县, gzip', countyToken, true], ['徐州市 (whole city), plain', cityToken, false], ['徐州市, gzip', cityToken, true]] as const) {
      const r = await timedExport(base, token, '', gzip);
      console.log(`| ${label} | ${r.rows.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${Math.round(r.rows / r.seconds).toLocaleString('en')} | ${(r.bytes / 1e6).toFixed(1)} MB | ${load()} |`);
    }

    // 2. the sync client: full run, then catch-up over changes written while it was away
    t = performance.now();
    const full = await runSync({ server: base, token: countyToken, region: COUNTY, to: mirrorUrl });
    const fullSeconds = seconds(t);
    const villages = (await pool.query(`select code from region where level = 'VILLAGE' and code like '320321%' order by code`)).rows.map((r) => r.code);
    // A lot of its own for the bench's payments: appropriated at the city, allocated to the county, received.
    const app0 = await ledger.appropriate({ idempotencyKey: 'sync-bench-app', effectiveDate: '2026-11-01', regionCode: CITY, fundLine: 'SENIOR_ALLOWANCE', amount: 10n ** 14n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕99号' }, 'sync-bench');
    const alloc = await ledger.allocate({ idempotencyKey: 'sync-bench-alloc', effectiveDate: '2026-11-02', fromRegionCode: CITY, toRegionCode: COUNTY, fundLine: 'SENIOR_ALLOWANCE', amount: 10n ** 14n, documentNo: '徐财社〔2026〕99号', lotId: app0.transaction.postings[0]!.lotId }, 'sync-bench');
    await ledger.receiveAllocation({ idempotencyKey: 'sync-bench-recv', effectiveDate: '2026-11-03', allocationId: alloc.transaction.id }, 'sync-bench');
    const countyLot = alloc.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!.lotId;
    let seq = 0;
    const payment = (county = COUNTY, lotId: string | undefined = countyLot): DisburseInput => {
      const n = ++seq;
      return { idempotencyKey: `sync-bench-${n}`, effectiveDate: '2026-11-20', regionCode: county, fundLine: 'SENIOR_ALLOWANCE', amount: 100n, payeeType: 'PERSON', payeeId: `E${String(n).padStart(8, '0')}`, serviceMonth: '2026-11', benefitCode: 'SA_MONTHLY', villageCode: villages[n % villages.length]!, ...(lotId ? { lotId } : {}) };
    };
    const away = 20_000;
    for (let i = 0; i < away; i += 5000) await ledger.disburseBatch(Array.from({ length: 5000 }, () => payment()), 'sync-bench');
    t = performance.now();
    const caught = await runSync({ server: base, token: countyToken, region: COUNTY, to: mirrorUrl });
    const catchUp = seconds(t);
    console.log(`\n- sync client, 丰县 from empty (snapshot ${full.snapshotRows.toLocaleString('en')} rows + ${full.changes} feed changes): ${fullSeconds.toFixed(1)} s (load ${load()})`);
    console.log(`- sync client catch-up over ${away.toLocaleString('en')} ledger transactions written while it was away: ${caught.changes.toLocaleString('en')} changes in ${catchUp.toFixed(1)} s = ${Math.round(caught.changes / catchUp).toLocaleString('en')} changes/s (load ${load()})`);

    // 3. feed lag under write load
    let writing = true;
    let written = 0;
    const writers = Promise.all(Array.from({ length: 8 }, async () => {
      while (writing) {
        await ledger.disburse(payment(), 'sync-bench');
        written++;
      }
    }));
    const lags: number[] = [];
    const feedQuery = `query ($a: String) { changes(after: $a, first: 2000, types: [LEDGER_TRANSACTION]) { cursor pending pageInfo { hasNextPage } nodes { committedAt } } }`;
    // Start from now: the cursor of a (small) snapshot export.
    const head = (await (await fetch(`${base}/export/v1/lots`, { headers: { authorization: `Bearer ${countyToken}` } })).text()).split('\n')[0]!;
    let cursor: string | null = JSON.parse(head).cursor;
    const until = performance.now() + SECONDS * 1000;
    for (;;) {
      if (performance.now() > until) writing = false;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${countyToken}` }, body: JSON.stringify({ query: feedQuery, variables: { a: cursor } }) });
      const page = (await res.json()).data.changes;
      const now = Date.now();
      for (const n of page.nodes) lags.push(now - Date.parse(n.committedAt));
      cursor = page.cursor;
      if (!page.pageInfo.hasNextPage) await new Promise((resolve) => setTimeout(resolve, 50));
      if (!writing && !page.pageInfo.hasNextPage && !page.pending && lags.length >= written) break;
    }
    await writers;
    const lag = latencyStats(lags);
    console.log(`- feed lag with 8 writers (${Math.round(written / SECONDS)} disbursements/s), follower polling every 50 ms when idle: p50 ${lag.p50.toFixed(0)} ms, p95 ${lag.p95.toFixed(0)} ms, p99 ${lag.p99.toFixed(0)} ms over ${lags.length.toLocaleString('en')} changes (load ${load()})`);

    // 4. the outbox on the ledger write path: triggers on / off, alternating
    const rate = async () => {
      let n = 0;
      const end = performance.now() + SECONDS * 1000;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (performance.now() < end) {
          await ledger.disburse(payment(), 'sync-bench');
          n++;
        }
      }));
      return n / SECONDS;
    };
    const triggers = (on: boolean) =>
      pool.query(`alter table ledger.transaction ${on ? 'enable' : 'disable'} trigger transaction_sync_insert; alter table ledger.lot ${on ? 'enable' : 'disable'} trigger lot_sync_insert`);
    console.log(`\n| single disbursements, 8 callers, ${SECONDS} s | with the outbox | without | load |\n|---|---:|---:|---:|`);
    for (let round = 1; round <= 2; round++) {
      await triggers(true);
      const on = await rate();
      await triggers(false);
      const off = await rate();
      await triggers(true);
      console.log(`| round ${round} | ${on.toFixed(0)}/s | ${off.toFixed(0)}/s | ${load()} |`);
    }
  } finally {
    await app?.stop();
    await pool.end();
    await discard();
  }
}

runBench(main);
