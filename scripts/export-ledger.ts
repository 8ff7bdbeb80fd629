/**
 * npm run export:ledger -- --region 320321 [--from 2026-11-01] [--to 2026-11-30] --out dir [--reason …]
 * Writes a ledger bundle for the offline verifier: dir/bundle.jsonl (format v2: JSON lines, transactions as tab-separated lines; checkpoint, leaf
 * hashes, the region's transactions with postings, lots, accounts, balances, trial balance),
 * dir/checkpoint.txt (the signed checkpoint: keep it, and pass it as --saved next time) and
 * dir/keys.txt (the log's and witnesses' verifier keys). Integrates the tree and signs a checkpoint
 * first if one is due. The export is written to the access log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Command } from 'commander';
import { loadConfig } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';
import { ormPool } from '../platform/sql.js';
import { DomainError } from '../platform/errors.js';
import { normaliseRegionCode } from '../platform/region-code.js';
import { ProofService, proofKeysFromEnv, publishedKeys, writeBundle, type BundleFormat } from '../ledger/proof/index.js';

const program = new Command()
  .name('export:ledger')
  .description('Export a region’s ledger bundle (format v2 by default) for `sunshine-verify bundle` (docs/proof.md)')
  .requiredOption('--region <code>', 'region whose transactions the bundle holds in full, e.g. 320321 (丰县)')
  .option('--from <date>', 'first day (YYYY-MM-DD) of the period of the stated balances')
  .option('--to <date>', 'last day (YYYY-MM-DD) of the period of the stated balances')
  .requiredOption('--out <dir>', 'folder to write bundle.jsonl, checkpoint.txt and keys.txt into')
  .option('--format <v1|v2>', 'bundle format (docs/proof.md): v2, compact transaction lines; v1, JSON only, for older verifiers', 'v2')
  .option('--reason <text>', 'recorded in the access log', 'ledger export for audit')
  .option('--actor <name>', 'recorded in the access log as who exported', `cli:${os.userInfo().username}`)
  .addHelpText('after', '\nUses DATABASE_URL when set, otherwise the embedded PostgreSQL under .data/postgres.')
  .parse();

async function main() {
  const opts = program.opts<{ region: string; from?: string; to?: string; out: string; reason: string; actor: string; format: string }>();
  let region: string;
  try {
    region = normaliseRegionCode(opts.region);
  } catch {
    program.error(`--region: "${opts.region}" is not a region code`);
  }
  const platform = await bootPlatform(loadConfig(), logger);
  try {
    const pool = await ormPool(platform.orm);
    const proofs = new ProofService(pool, proofKeysFromEnv(), { log: logger });
    await proofs.step();
    fs.mkdirSync(opts.out, { recursive: true });
    const file = path.join(opts.out, 'bundle.jsonl');
    const out = fs.createWriteStream(file);
    const started = performance.now();
    const result = await writeBundle(pool, proofs, { region: region!, from: opts.from ?? null, to: opts.to ?? null, reason: opts.reason, format: opts.format as BundleFormat, actor: { subject: opts.actor, roles: ['CLI'], tokenId: null } }, async (text) => {
      if (!out.write(text)) await once(out, 'drain');
    });
    out.end();
    await once(out, 'finish');
    const latest = await proofs.latest();
    fs.writeFileSync(path.join(opts.out, 'checkpoint.txt'), latest!.note);
    fs.writeFileSync(path.join(opts.out, 'keys.txt'), publishedKeys(proofs.keys));
    process.stdout.write(
      `Wrote ${file}: ${result.transactions} transactions of ${region!} in full, tree size ${result.treeSize}, ${result.lines} lines ` +
        `(${((performance.now() - started) / 1000).toFixed(1)} s).\nVerify: node verifier/bin/sunshine-verify.js bundle ${opts.out} --key ${path.join(opts.out, 'keys.txt')}\n`,
    );
  } finally {
    await platform.close();
  }
}

main().catch((error) => {
  process.stderr.write(`export:ledger: ${error instanceof Error ? error.message : String(error)}\n`);
  if (!(error instanceof DomainError)) logger.error({ err: error }, 'ledger export failed');
  process.exit(1);
});
