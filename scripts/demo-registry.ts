/**
 * npm run demo:registry — generate the demo registry (and one month of demo payments) for 徐州市 (or the
 * city the database holds: scripts/demo-city.ts) if the registry is empty. `npm start` does the same on first start. Deterministic from --seed.
 */
import { Command } from 'commander';
import type pg from 'pg';
import { loadConfig } from '../platform/config.js';
import { logger, type Logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';
import { ormPool, sqlOnPool } from '../platform/sql.js';
import { RegistryService } from '../registry/registry.js';
import { generateDemoRegistry } from '../demo/registry.js';
import { payDemoMonth } from '../demo/payments.js';
import { Ledger } from '../ledger/ledger.js';
import { proposeDemoApprovals } from '../demo/approvals.js';
import { findDemoCity } from './demo-city.js';
import { plantDemoAnomalies } from '../demo/anomalies.js';
import { runAudit } from '../audit/engine.js';

export const DEMO_CITY_CODE = '320300000000';
export const DEMO_SEED = 20261123;
export const DEMO_MONTH = '2026-10';
/** The evaluation date of the demo's first audit (the demo's history ends in November 2026). */
export const DEMO_AUDIT_AS_OF = '2026-11-30';

/** Generates the demo registry when it is empty; returns false when there was something already. */
export async function ensureDemoRegistry(
  pool: pg.Pool,
  log: Logger,
  options: { seed?: number; eldersPerVillage?: number; payments?: boolean; anomalies?: boolean; cityCode?: string; cityName?: string } = {},
): Promise<boolean> {
  const registry = new RegistryService(pool, sqlOnPool(pool));
  if (!(await registry.isEmpty())) return false;
  const cityCode = options.cityCode ?? DEMO_CITY_CODE;
  log.info({ seed: options.seed ?? DEMO_SEED, city: cityCode }, `empty registry: generating the demo population of ${options.cityName ?? cityCode}`);
  const report = await generateDemoRegistry(pool, registry, {
    cityPrefix: cityCode.slice(0, 4),
    seed: options.seed ?? DEMO_SEED,
    eldersPerVillage: options.eldersPerVillage,
    onStage: (stage) => log.info({ stage }, `demo registry: ${stage}`),
  });
  log.info(report, 'demo registry generated');
  if (options.payments !== false) {
    const ledger = new Ledger(pool);
    const paid = await payDemoMonth(pool, ledger, { cityCode, month: DEMO_MONTH });
    log.info(paid, 'demo payments of the month recorded in the ledger');
    if (options.anomalies !== false) {
      // Planted anomalies (and clean controls beside them), then the first audit, so an auditor sees findings at once.
      const anomalies = await plantDemoAnomalies(pool, ledger, registry, { cityCode, month: DEMO_MONTH, seed: options.seed ?? DEMO_SEED, asOf: DEMO_AUDIT_AS_OF });
      const run = await runAudit(pool, { regionCode: cityCode, from: `${DEMO_MONTH.slice(0, 4)}-01`, to: `${DEMO_MONTH.slice(0, 4)}-12`, asOf: DEMO_AUDIT_AS_OF, trigger: 'DEMO', actor: 'demo-generator' });
      log.info({ planted: anomalies.planted.length, controls: anomalies.controls.length, run: run.id, durationMs: run.durationMs, ...run.counts }, 'demo anomalies planted and audited');
    }
    // After the audit (its demo findings stay what they are): proposals for the approvals screens.
    const proposals = await proposeDemoApprovals(pool, ledger, { cityCode, month: DEMO_MONTH });
    log.info(proposals, 'demo proposals: one approved, the others waiting for a second person');
  }
  return true;
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const program = new Command()
    .name('demo:registry')
    .description('Generate the demo registry (elders, facilities, caregivers, stays, services, assessments) of 徐州市, or of the first city with villages when 徐州 is not there, if the registry is empty')
    .option('--seed <n>', 'seed of the generator', String(DEMO_SEED))
    .option('--elders-per-village <n>', 'average elders per village', '20')
    .option('--no-payments', 'skip the demo ledger payments (and the planted audit anomalies)')
    .option('--no-anomalies', 'skip the planted audit anomalies (a clean demo)')
    .parse();
  const opts = program.opts<{ seed: string; eldersPerVillage: string; payments: boolean; anomalies: boolean }>();
  (async () => {
    const platform = await bootPlatform(loadConfig(), logger);
    try {
      const started = performance.now();
      const pool = await ormPool(platform.orm);
      const city = await findDemoCity(pool);
      if (!city) {
        process.stdout.write('No city with villages in this database: import one first (npm run import:regions -- --city <code>).\n');
        return;
      }
      const done = await ensureDemoRegistry(pool, logger, { seed: Number(opts.seed), eldersPerVillage: Number(opts.eldersPerVillage), payments: opts.payments, anomalies: opts.anomalies, cityCode: city.code, cityName: city.name });
      process.stdout.write(done ? `Demo registry generated in ${((performance.now() - started) / 1000).toFixed(1)} s.\n` : 'The registry is not empty: nothing generated.\n');
    } finally {
      await platform.close();
    }
  })().catch((error) => {
    logger.error({ err: error }, 'demo registry failed');
    process.exit(1);
  });
}
