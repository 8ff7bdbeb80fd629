/**
 * npm start: PostgreSQL (embedded under .data/postgres unless DATABASE_URL is set, and restarted if
 * it dies), migrations, the demo (scripts/demo-city.ts: 徐州市 into an empty database, the demo
 * registry for the city that is there), then GraphQL at http://localhost:$PORT/graphql.
 */
import { checkpointIntervalMs, demoRegistrySetting, jwtKeysConfigured, loadConfig } from '../platform/config.js';
import { logger } from '../platform/logger.js';
import { bootPlatform } from '../platform/boot.js';
import { ormPool, sqlOnPool } from '../platform/sql.js';
import { withStatementTimeout } from '../platform/pools.js';
import { issueToken, signingKeyFromConfig } from '../auth/tokens.js';
import type { DemoCity } from './demo-city.js';
import { startAuditScheduler } from '../audit/scheduler.js';

async function main() {
  const config = loadConfig();
  // The API's modules (Apollo, type-graphql, every resolver) take a second or two to load: load them
  // while PostgreSQL starts, rather than before.
  const serverModule = import('../api/server.js');
  const demoModule = import('./demo-city.js');
  for (const loading of [serverModule, demoModule]) loading.catch(() => {}); // awaited below, where a failure is reported
  const platform = await bootPlatform(config, logger, { superviseDatabase: true });
  const pool = await ormPool(platform.orm);
  // The registry's demo population (elders, facilities, stays, services …): only while the registry is
  // empty, never in production (no invented people in a real registry), and not when switched off.
  const demoSetting = demoRegistrySetting();
  const demoRegistry = !config.production && demoSetting.enabled;
  const eldersPerVillage = demoSetting.eldersPerVillage;
  if (!Number.isInteger(eldersPerVillage) || eldersPerVillage < 1) throw new Error(`SUNSHINE_DEMO_ELDERS_PER_VILLAGE must be a positive integer`);
  const { prepareDemo } = await demoModule;
  const city = await prepareDemo(pool, logger, { registry: demoRegistry, eldersPerVillage });

  const { createApp } = await serverModule;
  // Requests run with DB_STATEMENT_TIMEOUT_MS; the migrations and the demo above ran without it.
  const apiPool = withStatementTimeout(pool, config.statementTimeoutMs, platform.connectionLost);
  const app = await createApp({ pool: apiPool, sql: sqlOnPool(apiPool), log: logger, production: config.production });
  const url = await app.listen(config.port);
  // Extend the Merkle tree and sign checkpoints a second after commits, at least hourly when idle (docs/proof.md).
  app.proofs.start(checkpointIntervalMs());
  logger.info({ url, database: platform.database.embedded ? 'embedded' : 'DATABASE_URL' }, `Sunshine GraphQL listening at ${url}`);
  await showHowToAuthenticate(config.production, city);
  const auditScheduler = startAuditScheduler(pool, logger);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    auditScheduler.stop();
    await app.proofs.stop();
    await app.stop();
    await apiPool.end();
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * Every request needs a bearer token: say how to get one and, on a development machine with a person
 * at the terminal, hand one out. The token goes to the terminal (stderr, only when it is a TTY) and
 * never into the log: logs are kept, shipped and read by others.
 */
async function showHowToAuthenticate(production: boolean, city: DemoCity | null) {
  const region = city?.code ?? '320300000000';
  const howTo = `npm run -s token -- --role AUDITOR --region ${region}   (roles and scopes: README "Roles and scopes")`;
  if (production || jwtKeysConfigured() || !city) {
    logger.info(`Requests need "Authorization: Bearer <token>"${production ? ' from your identity provider' : ''}; for local tokens: ${howTo}`);
    return;
  }
  if (!process.stderr.isTTY) {
    logger.info(`Requests need "Authorization: Bearer <token>" (no terminal, so no demo token is shown); make one with: ${howTo}`);
    return;
  }
  const token = await issueToken({ subject: 'demo-admin', roles: ['CITY_ADMIN'], jurisdiction: city.code }, signingKeyFromConfig());
  process.stderr.write(
    `\nEvery request needs a bearer token. A CITY_ADMIN token for ${city.name} (valid 8 h; shown here only, never logged):\n\n` +
      `  Authorization: Bearer ${token}\n\n` +
      `In GraphiQL, paste {"Authorization": "Bearer …"} into the Headers tab. Other roles:\n  ${howTo}\n\n`,
  );
}

main().catch((error) => {
  logger.fatal({ err: error }, 'Sunshine failed to start');
  process.exit(1);
});
