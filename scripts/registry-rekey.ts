/**
 * npm run registry:rekey — after putting a new key first in SUNSHINE_PII_KEY ("new:…,old:…"),
 * re-encrypts every personal value still sealed with an older key; then the old key can be removed.
 * Batches of 2,000 rows, each one transaction; safe to interrupt and run again.
 */
import { loadConfig } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';
import { ormPool, sqlOnPool } from '../platform/sql.js';
import { RegistryService } from '../registry/registry.js';

async function main() {
  const platform = await bootPlatform(loadConfig(), logger);
  try {
    const pool = await ormPool(platform.orm);
    const registry = new RegistryService(pool, sqlOnPool(pool));
    const started = performance.now();
    const done = await registry.reencrypt(2000, (table, n) => logger.info({ table, rows: n }, 're-encrypting'));
    process.stdout.write(
      `Re-encrypted with key ${registry.pii.currentKeyId}: ${done.elders} elders, ${done.caregivers} caregivers in ${((performance.now() - started) / 1000).toFixed(1)} s.\n`,
    );
  } finally {
    await platform.close();
  }
}

main().catch((error) => {
  logger.error({ err: error }, 'registry:rekey failed');
  process.stderr.write(`registry:rekey failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
