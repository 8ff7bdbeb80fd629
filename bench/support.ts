/**
 * The harness the benchmarks share: a throwaway embedded PostgreSQL with the schema migrated and
 * 徐州市 imported, idempotency keys, the load average printed beside each figure (the machine is
 * shared), latency percentiles and the main() wrapper. What each bench measures stays in the bench.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from 'pino';
import { startEmbeddedPostgres, type DatabaseServer } from '../platform/database.js';
import { migrate, openOrm } from '../platform/orm.js';
import { ormPool } from '../platform/sql.js';
import { importRegions } from '../hierarchy/import.js';
import type { Ledger } from '../ledger/ledger.js';

/** The 1-minute load average, to print next to each figure (the machine is shared). */
export const load = (): string => os.loadavg()[0]!.toFixed(2);

/** Unique idempotency keys: `${prefix}-1`, `${prefix}-2`, … */
export function idempotencyKeys(): (prefix: string) => string {
  let seq = 0;
  return (prefix) => `${prefix}-${++seq}`;
}

/** Latency percentiles (nearest rank) of samples in ms. */
export function latencyStats(samples: number[]): { n: number; p50: number; p95: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return { n: sorted.length, p50: at(50), p95: at(95), p99: at(99) };
}

/** A fresh temporary directory PostgreSQL may use (readable by the server process). */
export function tempDataDir(prefix: string): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dataDir, 0o755);
  return dataDir;
}

export interface BenchDatabase {
  server: DatabaseServer;
  /** Stops the server and deletes its data directory. */
  discard(): Promise<void>;
}

/** Starts an embedded PostgreSQL in a temporary directory, migrates it and imports 徐州市 (3203). */
export async function startCityDatabase(dirPrefix: string, database: string, log: Logger, settings?: Record<string, string>): Promise<BenchDatabase> {
  const dataDir = tempDataDir(dirPrefix);
  const server = await startEmbeddedPostgres({ dataDir, persistent: false, database, log, settings });
  const orm = await openOrm({ url: server.url });
  await migrate(orm);
  await importRegions(await ormPool(orm), { kind: 'city', code: '3203' });
  await orm.close();
  return {
    server,
    async discard() {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface FundedCounties {
  /** The city's county codes, in code order. */
  counties: string[];
  /** Village codes of each county. */
  villages: Map<string, string[]>;
  /** Each county's lot (资金批次) of the allocation it received, to pay from. */
  lots: Map<string, string>;
}

/** Funds the city's counties: one appropriation at the city, one allocation to each county, received. */
export async function fundCounties(pool: pg.Pool, ledger: Ledger, key: (prefix: string) => string, city: string, fundLine: string): Promise<FundedCounties> {
  const counties = (await pool.query(`select code, subtree_max from region where level = 'COUNTY' and code like $1 order by code`, [`${city.slice(0, 4)}%`])).rows;
  const villages = new Map<string, string[]>();
  for (const c of counties) {
    const { rows } = await pool.query(`select code from region where level = 'VILLAGE' and code between $1 and $2`, [c.code, c.subtree_max]);
    villages.set(c.code, rows.map((r) => r.code));
  }
  const app = await ledger.appropriate(
    { idempotencyKey: key('app'), effectiveDate: '2026-01-02', regionCode: city, fundLine, amount: 10n ** 15n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' },
    'bench',
  );
  const lots = new Map<string, string>();
  for (const c of counties) {
    const alloc = await ledger.allocate(
      { idempotencyKey: key('alloc'), effectiveDate: '2026-01-05', fromRegionCode: city, toRegionCode: c.code, fundLine, amount: 10n ** 13n, documentNo: `徐财社〔2026〕${c.code}`, lotId: app.transaction.postings[0]!.lotId },
      'bench',
    );
    await ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-01-06', allocationId: alloc.transaction.id }, 'bench');
    lots.set(c.code, alloc.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!.lotId);
  }
  return { counties: counties.map((c) => c.code as string), villages, lots };
}

/** Runs a bench's main(); any failure is printed and exits non-zero. */
export function runBench(main: () => Promise<void>): void {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
