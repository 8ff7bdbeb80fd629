/**
 * The harness the benchmarks share: a throwaway embedded PostgreSQL with the schema migrated and
 * 徐州市 imported, idempotency keys, the load average printed beside each figure (the machine is
 * shared), latency percentiles and the main() wrapper. What each bench measures stays in the bench.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { startEmbeddedPostgres, type DatabaseServer } from '../platform/database.js';
import { migrate, openOrm } from '../platform/orm.js';
import { ormPool } from '../platform/sql.js';
import { importRegions } from '../hierarchy/import.js';

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
export async function startCityDatabase(dirPrefix: string, database: string, log: Logger): Promise<BenchDatabase> {
  const dataDir = tempDataDir(dirPrefix);
  const server = await startEmbeddedPostgres({ dataDir, persistent: false, database, log });
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

/** Runs a bench's main(); any failure is printed and exits non-zero. */
export function runBench(main: () => Promise<void>): void {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
