/**
 * npm start: PostgreSQL (embedded under .data/postgres unless DATABASE_URL is set), migrations,
 * the demo city (徐州市 3203) on first run, then GraphQL at http://localhost:$PORT/graphql.
 */
import { loadConfig } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';
import { importRegions } from '../hierarchy/import.js';
import { RegionRepository } from '../hierarchy/region.repository.js';
import { createApp } from '../api/server.js';
import { importProgressReporter } from './progress.js';
import { ormPool, sqlOnPool } from '../platform/sql.js';
import { issueToken, signingKeyFromConfig } from '../auth/tokens.js';
import { ensureDemoRegistry } from './demo-registry.js';
import { startAuditScheduler } from '../audit/scheduler.js';

const DEMO_CITY = '3203';

async function main() {
  const config = loadConfig();
  const platform = await bootPlatform(config, logger);
  const pool = await ormPool(platform.orm);
  const sql = sqlOnPool(pool);
  const totals = await new RegionRepository(sql).totals();
  if (Object.keys(totals).length === 0) {
    logger.info({ city: DEMO_CITY }, 'empty database: importing the demo city 徐州市');
    const progress = importProgressReporter(logger, 'demo city');
    const report = await importRegions(pool, { kind: 'city', code: DEMO_CITY }, (p) => progress.update(p));
    progress.finish();
    logger.info(report, 'demo city imported');
  }
  // The registry's demo population (elders, facilities, stays, services …): only while the registry is
  // empty, never in production (no invented people in a real registry), and not when switched off.
  if (!config.production && process.env.SUNSHINE_DEMO_REGISTRY !== 'off') await ensureDemoRegistry(pool, logger);

  const app = await createApp({ pool, sql, log: logger, production: config.production });
  const url = await app.listen(config.port);
  // Extend the Merkle tree and sign checkpoints a second after commits, at least hourly when idle (docs/proof.md).
  app.proofs.start(Number(process.env.SUNSHINE_CHECKPOINT_INTERVAL_MS || 1000));
  logger.info({ url, database: platform.database.embedded ? 'embedded' : 'DATABASE_URL' }, `Sunshine GraphQL listening at ${url}`);
  await printHowToAuthenticate(config.production);
  const auditScheduler = startAuditScheduler(pool, logger);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    auditScheduler.stop();
    await app.proofs.stop();
    await app.stop();
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Every request needs a bearer token: say how to get one (and, on a development machine, hand one out). */
async function printHowToAuthenticate(production: boolean) {
  const howTo = 'npm run -s token -- --role AUDITOR --region 320300000000   (roles and scopes: README "Roles and scopes")';
  if (production || process.env.SUNSHINE_JWT_KEYS) {
    logger.info(`Requests need "Authorization: Bearer <token>" from your identity provider; for local tokens: ${howTo}`);
    return;
  }
  const token = await issueToken({ subject: 'demo-admin', roles: ['CITY_ADMIN'], jurisdiction: `${DEMO_CITY}00000000` }, signingKeyFromConfig());
  process.stdout.write(
    `\nEvery request needs a bearer token. A CITY_ADMIN token for the demo city (valid 8 h):\n\n` +
      `  Authorization: Bearer ${token}\n\n` +
      `In GraphiQL, paste {"Authorization": "Bearer …"} into the Headers tab. Other roles:\n  ${howTo}\n\n`,
  );
}

main().catch((error) => {
  logger.fatal({ err: error }, 'Sunshine failed to start');
  process.exit(1);
});
