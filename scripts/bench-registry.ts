/**
 * npm run bench:registry — the registry's measurements (docs/registry.md "Measurements"):
 *
 * 1. a throw-away embedded PostgreSQL (fsync on, defaults), migrated, 徐州市 imported;
 * 2. the demo population and its month of payments (what `npm start` does on first start), timed;
 * 3. the bulk import of a generated CSV of BENCH_IMPORT_ROWS elders (default 100,000, 2 % bad rows),
 *    first run and re-run;
 * 4. the API (in this process) under BENCH_CONCURRENCY closed-loop clients (default 8) for
 *    BENCH_SECONDS per query (default 10): requests/s and latency percentiles.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../platform/database.js';
import { migrate, openOrm } from '../platform/orm.js';
import { ormPool, sqlOnPool } from '../platform/sql.js';
import { importRegions } from '../hierarchy/import.js';
import { createApp } from '../api/server.js';
import { DEFAULT_LIMITS } from '../api/hardening.js';
import { issueToken, secretKeySet, secretSigningKey } from '../auth/tokens.js';
import { RegistryService } from '../registry/registry.js';
import { generateDemoRegistry, prng } from '../demo/registry.js';
import { payDemoMonth } from '../demo/payments.js';
import { importRegistryCsv } from '../registry/import.js';
import { makeIdNumber } from '../platform/id-number.js';
import { Ledger } from '../ledger/ledger.js';
import { latencyStats } from '../bench/support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const log = pino({ level: 'warn' });
// The benchmark reads thousands of records in clear on purpose: lift the daily quota for it.
process.env.SUNSHINE_UNMASK_DAILY_LIMIT ??= '100000000';
const NAMES = ['王建国', '李秀英', '张桂兰', '刘德福', '陈玉珍', '杨长顺', '赵淑华', '欧阳明', '孙凤霞', '周永庆'];
const out = (line: string) => process.stdout.write(line + '\n');

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-bench-registry-'));
  fs.chmodSync(dataDir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir, persistent: false, database: 'sunshine', log });
  const orm = await openOrm({ url: server.url, poolSize: 10 });
  try {
    await migrate(orm);
    const pool = await ormPool(orm);
    await importRegions(pool, { kind: 'city', code: '3203' });
    const registry = new RegistryService(pool, sqlOnPool(pool));

    let t = performance.now();
    const demo = await generateDemoRegistry(pool, registry, { cityPrefix: '3203' });
    const demoMs = performance.now() - t;
    t = performance.now();
    const paid = await payDemoMonth(pool, new Ledger(pool), { cityCode: '320300000000', month: '2026-10' });
    out(`demo registry: ${demo.elders} elders, ${demo.facilities} facilities, ${demo.stays} stays, ${demo.serviceRecords} services, ${demo.assessments} assessments in ${(demoMs / 1000).toFixed(1)} s`);
    out(`demo payments: ${paid.allowancePayments + paid.facilityPayments} disbursements in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // ---- import ----
    const villages = (await pool.query<{ code: string }>(`select code from region where level = 'VILLAGE' and code like '3203%' order by code`)).rows.map((r) => r.code);
    const r = prng(7);
    const file = path.join(dataDir, 'elders.csv');
    const lines = ['id_number,name,sex,birth_date,hukou_village_code,residence_village_code,phone,categories'];
    for (let i = 0; i < IMPORT_ROWS; i++) {
      const village = r.pick(villages);
      const sex = r.chance(0.5) ? 'MALE' : 'FEMALE';
      const birth = `${r.int(1920, 1965)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
      let id = makeIdNumber(village.slice(0, 6), birth, r.int(0, 999), sex as 'MALE' | 'FEMALE');
      if (r.chance(0.02)) id = id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
      lines.push(`${id},${r.pick(NAMES)},${sex === 'MALE' ? '男' : '女'},${birth},${village},,${r.chance(0.6) ? `139${String(r.int(0, 99999999)).padStart(8, '0')}` : ''},${r.chance(0.1) ? 'DIBAO:2024-01-01' : ''}`);
    }
    fs.writeFileSync(file, lines.join('\n') + '\n');
    t = performance.now();
    const first = await importRegistryCsv(pool, registry, 'elders', file, { actor: 'bench' });
    const firstMs = performance.now() - t;
    t = performance.now();
    const second = await importRegistryCsv(pool, registry, 'elders', file, { actor: 'bench' });
    const secondMs = performance.now() - t;
    out(`import ${IMPORT_ROWS} rows: ${first.inserted} inserted, ${first.rejected} rejected, ${first.unchanged} already there in ${(firstMs / 1000).toFixed(1)} s (${Math.round((IMPORT_ROWS * 1000) / firstMs)} rows/s)`);
    out(`re-run: ${second.inserted} inserted, ${second.unchanged} already there in ${(secondMs / 1000).toFixed(1)} s (${Math.round((IMPORT_ROWS * 1000) / secondMs)} rows/s)`);

    // ---- API ----
    const secret = 'bench-secret-0123456789-0123456789-0123456789';
    // The rate and cost limits are off: 8 clients for 10 s per query are far above one credential's 1,200 a minute.
    const app = await createApp({ pool, sql: sqlOnPool(pool), log, production: false, keySet: secretKeySet(secret), limits: { ...DEFAULT_LIMITS, requestsPerMinute: 0, costPerMinute: 0 } });
    const url = await app.listen(0, '127.0.0.1');
    const token = await issueToken({ subject: 'bench', roles: ['AUDITOR'], jurisdiction: '320300000000' }, secretSigningKey(secret));
    const someElder = (await pool.query<{ id: string }>(`select id::text from registry.elder order by id limit 1`)).rows[0]!.id;
    const elderGid = Buffer.from(`Elder:${someElder}`).toString('base64url');
    const scenarios: [string, string][] = [
      ['one elder with categories, assessment, stays', `{ elder(id: "${elderGid}") { registryNo name idNumber age ageBand allowanceBand categories { category } currentAssessment { level } stays { nodes { facility { name } } } } }`],
      ['elders page (50) with nested village, categories, vital status, assessment, stays → facility', `{ elders(first: 50, filter: { within: "320321" }) { nodes { name age ageBand hukouVillage { name } categories { category } vitalStatus currentAssessment { level } stays(first: 2) { nodes { facility { name rating { level } } } } } } }`],
      ['elders 80+ holding 低保, county-wide, with totalCount', `{ elders(first: 20, filter: { within: "320321", ageBand: SECURE_80_PLUS, category: "DIBAO" }) { totalCount nodes { registryNo allowanceBand } } }`],
      ['1:10 staffing, whole city, below standard, with totalCount', `{ staffingRatios(month: "2026-10", belowStandardOnly: true, first: 100) { totalCount nodes { facility { name } staffing { residents certifiedCaregivers shortfall } } } }`],
      ['unmask one elder (read + access-log row, one transaction)', `{ elder(id: "${elderGid}") { personal(reason: "bench") { idNumber name phone } } }`],
    ];
    out(`\nAPI, ${CONCURRENCY} clients, ${SECONDS} s each (server in this process):`);
    out('| query | req/s | p50 ms | p95 ms | p99 ms |');
    out('|---|---:|---:|---:|---:|');
    for (const [name, query] of scenarios) {
      const body = JSON.stringify({ query });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
      const check = await (await fetch(url, { method: 'POST', headers, body })).json();
      if ((check as { errors?: unknown }).errors) throw new Error(`${name}: ${JSON.stringify((check as { errors: unknown }).errors)}`);
      const samples: number[] = [];
      const until = performance.now() + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (performance.now() < until) {
            const s = performance.now();
            const res = await fetch(url, { method: 'POST', headers, body });
            await res.text();
            samples.push(performance.now() - s);
          }
        }),
      );
      const stats = latencyStats(samples);
      out(`| ${name} | ${Math.round(stats.n / SECONDS)} | ${stats.p50.toFixed(1)} | ${stats.p95.toFixed(1)} | ${stats.p99.toFixed(1)} |`);
    }
    await app.stop();
  } finally {
    await orm.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench:registry failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
