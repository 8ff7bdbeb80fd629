/**
 * npm run sync -- --region 320321000000 --token … --to postgres://…/county [--server http://localhost:4000] [--follow]
 * Mirrors a jurisdiction into the county's own PostgreSQL (sync/client.ts): snapshot, then the
 * change feed; safe to kill and run again at any point. Progress bar on a terminal.
 *
 * Exit status: 0 done; 75 (EX_TEMPFAIL) another run holds this mirror — nothing was done, try again
 * later (a cron job that meets its own --follow process); 1 any other failure.
 */
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { runSync, SyncError, type SyncProgress } from '../sync/client.js';
import { normaliseRegionCode } from '../platform/region-code.js';
import { syncClientSettings } from '../platform/config.js';

const program = new Command()
  .name('sync')
  .description('Mirror a jurisdiction of Sunshine into your own PostgreSQL (schema sunshine_mirror)')
  .requiredOption('--region <code>', "the token's jurisdiction, e.g. 320321000000")
  .option('--token <jwt>', 'a SYSTEM_CLIENT bearer token of that region (or SUNSHINE_TOKEN)')
  .requiredOption('--to <url>', 'the PostgreSQL to mirror into, e.g. postgres://user:pass@host/county')
  .option('--server <url>', 'the Sunshine server', syncClientSettings().server)
  .option('--follow', 'keep following the change feed after catching up')
  .option('--interval <seconds>', 'with --follow: seconds between polls', '5')
  .parse();

const opts = program.opts<{ region: string; token?: string; to: string; server: string; follow?: boolean; interval: string }>();

function reporter() {
  if (!process.stderr.isTTY) {
    let last = 0;
    return {
      update(p: SyncProgress) {
        if (Date.now() - last < 2000) return;
        last = Date.now();
        process.stderr.write(`${p.phase}${p.type ? ` ${p.type}` : ''}: ${p.rows} rows, ${p.changes} changes\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'sync {phase} {type} | {rows} rows | {changes} changes | {duration_formatted}', stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p: SyncProgress) {
      const payload = { phase: p.phase, type: p.type ?? '', rows: p.rows, changes: p.changes };
      if (!started) bar.start(1, 0, payload);
      started = true;
      bar.update(0, payload);
    },
    stop: () => started && bar.stop(),
  };
}

async function main() {
  const token = opts.token ?? syncClientSettings().token;
  if (!token) throw new Error('--token (or SUNSHINE_TOKEN) is required');
  const region = normaliseRegionCode(opts.region);
  const progress = reporter();
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const started = performance.now();
  try {
    const report = await runSync({ server: opts.server, token, region, to: opts.to, follow: opts.follow, intervalMs: Number(opts.interval) * 1000, onProgress: (p) => progress.update(p), signal: controller.signal });
    progress.stop();
    // Exit status 0 all the same: nothing failed, and the next run brings the held-back changes.
    if (report.pending) process.stderr.write('sync: stopped while the server still holds changes back (a transaction running there): the mirror is not yet current; run again shortly\n');
    process.stdout.write(`${JSON.stringify({ ...report, seconds: Math.round((performance.now() - started) / 100) / 10 })}\n`);
  } finally {
    progress.stop();
  }
}

/** Another run holds the mirror: a temporary condition, told apart from failures (sysexits.h EX_TEMPFAIL). */
const EXIT_BUSY = 75;

main().catch((error) => {
  if (error instanceof SyncError && error.code === 'MIRROR_BUSY') {
    process.stderr.write(`sync not run: ${error.message}\n`);
    process.exit(EXIT_BUSY);
  }
  process.stderr.write(`sync failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
