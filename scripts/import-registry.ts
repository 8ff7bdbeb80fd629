/**
 * npm run import:registry -- --elders elders.csv [--report rejected.csv] [--within 320321]
 * npm run import:registry -- --facilities facilities.csv [--report rejected.csv]
 * Validates every row, imports the good ones idempotently (a re-run imports nothing new) in one
 * transaction, and writes the rejected rows with line numbers and reasons. Columns: docs/registry.md.
 */
import fs from 'node:fs';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { shellUser, loadConfig } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';
import { ormPool, sqlOnPool } from '../platform/sql.js';
import { RegistryService } from '../registry/registry.js';
import { importRegistryCsv, rejectedRowsCsv, type ImportKind, type RegistryImportProgress } from '../registry/import.js';
import { DomainError } from '../platform/errors.js';
import { normaliseRegionCode, scopePrefixOf } from '../platform/region-code.js';

const program = new Command()
  .name('import:registry')
  .description('Import a county registry from CSV: elders or facilities (columns in docs/registry.md)')
  .option('--elders <file>', 'CSV of elders (id_number,name,sex,birth_date,hukou_village_code,residence_village_code,phone,categories)')
  .option('--facilities <file>', 'CSV of facilities (name,type,village_code,operating_model,…)')
  .option('--report <file>', 'write rejected rows (line, key, reasons) to this CSV', 'import-report-rejected.csv')
  .option('--within <code>', 'accept only rows whose (household) village lies under this region, e.g. 320321 (丰县)')
  .option('--actor <name>', 'recorded as the author of the rows', `import:${shellUser('cli')}`)
  .addHelpText('after', '\nUses DATABASE_URL when set, otherwise the embedded PostgreSQL under .data/postgres.')
  .parse();

function progressReporter(label: string) {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {rows} rows | {value}/{total} KB`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p: RegistryImportProgress) {
        if (!started) {
          bar.start(Math.max(1, Math.round(p.bytesTotal / 1024)), 0, { rows: 0 });
          started = true;
        }
        bar.update(Math.round(p.bytesDone / 1024), { rows: p.rows });
      },
      finish: () => started && bar.stop(),
    };
  }
  let lastDecile = -1;
  return {
    update(p: RegistryImportProgress) {
      const decile = Math.floor((10 * p.bytesDone) / Math.max(1, p.bytesTotal));
      if (decile !== lastDecile) {
        lastDecile = decile;
        logger.info({ rows: p.rows, percent: decile * 10 }, `${label}: ${decile * 10}%`);
      }
    },
    finish: () => {},
  };
}

async function main() {
  const opts = program.opts<{ elders?: string; facilities?: string; report: string; within?: string; actor: string }>();
  if (!!opts.elders === !!opts.facilities) program.error('give exactly one of --elders <file> or --facilities <file>');
  const kind: ImportKind = opts.elders ? 'elders' : 'facilities';
  const file = (opts.elders ?? opts.facilities)!;
  if (!fs.existsSync(file)) program.error(`no such file: ${file}`);
  let withinPrefix: string | null = null;
  if (opts.within) {
    try {
      withinPrefix = scopePrefixOf(normaliseRegionCode(opts.within));
    } catch (error) {
      program.error(`--within: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const platform = await bootPlatform(loadConfig(), logger);
  try {
    const pool = await ormPool(platform.orm);
    const registry = new RegistryService(pool, sqlOnPool(pool));
    const progress = progressReporter(kind);
    const report = await importRegistryCsv(pool, registry, kind, file, { withinPrefix, actor: opts.actor, onProgress: (p) => progress.update(p) });
    progress.finish();
    fs.writeFileSync(opts.report, rejectedRowsCsv(report));
    const { rejectedRows: _rows, ...summary } = report;
    logger.info(summary, 'registry import finished');
    const rate = report.durationMs ? Math.round((report.rows * 1000) / report.durationMs) : report.rows;
    process.stdout.write(
      `Read ${report.rows} ${kind} rows in ${(report.durationMs / 1000).toFixed(1)} s (${rate} rows/s): ${report.inserted} inserted, ` +
        `${report.unchanged} already registered, ${report.rejected} rejected, ${report.factsAppended} facts appended, ${report.factsSkipped} skipped (held already then).\n` +
        `Rejected rows (line, key, reasons): ${opts.report}\n`,
    );
    if (report.rejected) process.exitCode = 2;
  } finally {
    await platform.close();
  }
}

main().catch((error) => {
  if (error instanceof DomainError) {
    process.stderr.write(`import:registry: ${error.message}\n`);
    process.exit(1);
  }
  logger.error({ err: error }, 'registry import failed');
  process.stderr.write(`import:registry failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
