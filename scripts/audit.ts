/**
 * npm run audit -- --region 320300000000 --from 2026-01 --to 2026-12 [--rules AR-01,AR-03] [--as-of 2026-12-31]
 * Runs the audit rules over a region subtree and service months (as the system), with a progress bar
 * on a terminal, and prints what the run found.
 */
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { shellUser, loadConfig } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';
import { ormPool } from '../platform/sql.js';
import { runAudit } from '../audit/engine.js';
import { DomainError } from '../platform/errors.js';

const program = new Command()
  .name('audit')
  .description('Run the audit rules (审计规则) over a region subtree and a span of service months')
  .requiredOption('--region <code>', '12-digit region code, e.g. 320300000000 (徐州市)')
  .requiredOption('--from <month>', 'first service month, YYYY-MM')
  .requiredOption('--to <month>', 'last service month, YYYY-MM')
  .option('--rules <ids>', 'comma-separated rule ids (default: all)')
  .option('--as-of <date>', 'evaluation date YYYY-MM-DD (default: the end of --to, or today)')
  .addHelpText('after', '\nUses DATABASE_URL when set, otherwise the embedded PostgreSQL under .data/postgres.')
  .parse();

async function main() {
  const opts = program.opts<{ region: string; from: string; to: string; rules?: string; asOf?: string }>();
  const platform = await bootPlatform(loadConfig(), logger);
  const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'audit [{bar}] {value}/{total} | {stage}', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  let started = false;
  try {
    const report = await runAudit(await ormPool(platform.orm), {
      regionCode: opts.region, from: opts.from, to: opts.to, rules: opts.rules?.split(',').map((r) => r.trim()).filter(Boolean), asOf: opts.asOf ?? null,
      trigger: 'CLI', actor: `cli:${shellUser('unknown')}`,
      onProgress: (done, total, stage) => {
        if (!bar) return logger.info({ stage, done, total }, 'audit');
        if (!started) bar.start(total, done, { stage });
        started = true;
        bar.update(done, { stage });
      },
    });
    if (started) bar?.stop();
    const lines = report.rules.map((r) => `  ${r.id} v${r.version}  ${String(r.candidates).padStart(7)} rows  ${String(r.durationMs).padStart(6)} ms`);
    process.stdout.write(
      `Audit run ${report.id}: ${report.regionCode} ${report.from}…${report.to} as of ${report.asOf}, ${(report.durationMs / 1000).toFixed(1)} s\n${lines.join('\n')}\n` +
        `findings ${report.counts.findings} · new ${report.counts.detected} · evidence refreshed ${report.counts.refreshed} · cleared ${report.counts.cleared} · recurred ${report.counts.recurred} · reopened ${report.counts.reopened}\n`,
    );
  } catch (error) {
    if (started) bar?.stop();
    if (error instanceof DomainError) {
      process.stderr.write(`audit: ${error.message}${error.field ? ` (${error.field})` : ''}\n`);
      process.exitCode = 2;
    } else throw error;
  } finally {
    await platform.close();
  }
}

main().catch((error) => {
  logger.error({ err: error }, 'audit failed');
  process.exit(1);
});
