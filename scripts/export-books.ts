/**
 * npm run export:books -- --region 3203 --from 2026-01-01 --to 2026-03-31 --format xlsx --what transactions --out books.xlsx
 * The books of a region's subtree over a period, for auditors: an hledger journal, XLSX or CSV
 * (docs/exports.md). Every export is written to the access log, as `cli:<user>` (role CLI).
 */
import fs from 'node:fs';
import os from 'node:os';
import { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';
import { ormPool } from '../platform/sql.js';
import { DomainError } from '../platform/errors.js';
import { LedgerError } from '../ledger/errors.js';
import { exportBooks, operatorCaller, parseExportRequest } from '../ledger/reports/index.js';

const program = new Command()
  .name('export:books')
  .description('Export the books of a region and period: hledger journal, XLSX or CSV (docs/exports.md)')
  .requiredOption('--region <code>', 'region code (12 digits or the 2/4/6/9-digit prefix); its whole subtree is exported')
  .option('--from <date>', 'first effective date included, YYYY-MM-DD (default: the beginning)')
  .option('--to <date>', 'last effective date included, YYYY-MM-DD (default: the end)')
  .requiredOption('--format <format>', 'hledger | xlsx | csv')
  .option('--what <what>', 'transactions (one row per posting) | trail (each payment back to its appropriation) | trial-balance (a month, with --fund-line and --month)', 'transactions')
  .option('--month <YYYY-MM>', 'the month of a trial balance (what=trial-balance)')
  .option('--fund-line <code>', 'only this fund line, e.g. SENIOR_ALLOWANCE')
  .option('--accounts <style>', 'hledger account names: names (徐州市 320300000000:尊老金:AVAILABLE) | codes (ASCII)', 'names')
  .option('--reason <text>', 'why the books are exported (written to the access log)')
  .requiredOption('--out <file>', 'file to write')
  .option('--subject <name>', 'recorded in the access log as the exporter', `cli:${os.userInfo().username}@${os.hostname()}`)
  .addHelpText('after', '\nUses DATABASE_URL when set, otherwise the embedded PostgreSQL under .data/postgres.')
  .parse();

async function main() {
  const opts = program.opts<Record<string, string>>();
  const request = parseExportRequest({ region: opts.region, from: opts.from, to: opts.to, format: opts.format, what: opts.what, fundLine: opts.fundLine, month: opts.month, accounts: opts.accounts, reason: opts.reason });
  const platform = await bootPlatform(loadConfig(), logger);
  const partial = `${opts.out}.partial`;
  try {
    const pool = await ormPool(platform.orm);
    const started = performance.now();
    const result = await exportBooks(pool, operatorCaller(opts.subject!), request, fs.createWriteStream(partial));
    fs.renameSync(partial, opts.out!);
    process.stdout.write(
      `Wrote ${result.rows} rows to ${opts.out} in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
        `(chain head seq ${result.head.seq}; access log #${result.accessLogId}).\n`,
    );
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    await platform.close();
  }
}

main().catch((error) => {
  if (error instanceof DomainError || error instanceof LedgerError) {
    process.stderr.write(`export:books: ${error.field ? `${error.field}: ` : ''}${error.message}\n`);
    process.exit(1);
  }
  logger.error({ err: error }, 'export failed');
  process.stderr.write(`export:books failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
