/**
 * npm run bench:federation — what entity resolution costs (docs/federation.md "Measurements"):
 *
 * 1. a throw-away embedded PostgreSQL (fsync on, defaults), migrated, 徐州市 imported, a small demo
 *    registry (BENCH_ELDERS_PER_VILLAGE, default 2);
 * 2. the API, the county "service orders" subgraph of the tests and a Hive gateway over their
 *    composed supergraph, all in this process;
 * 3. BENCH_CONCURRENCY closed-loop clients (default 8) for BENCH_SECONDS per query (default 10),
 *    as a county civil-affairs officer: the same 100 elders through `nodes(ids:)`, through
 *    `_entities`, and through the gateway (100 orders → 100 elders and their regions).
 */
import fs from 'node:fs';
import { parse } from 'graphql';
import { pino } from 'pino';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeServices, compositionHasErrors } from '@theguild/federation-composition';
import { startEmbeddedPostgres } from '../platform/database.js';
import { migrate, openOrm } from '../platform/orm.js';
import { ormPool, sqlOnPool } from '../platform/sql.js';
import { importRegions } from '../hierarchy/import.js';
import { createApp } from '../api/server.js';
import { toGlobalId } from '../api/relay.js';
import { DEFAULT_LIMITS } from '../api/hardening.js';
import { issueToken, secretKeySet, secretSigningKey } from '../auth/tokens.js';
import { RegistryService } from '../registry/registry.js';
import { generateDemoRegistry } from '../demo/registry.js';
import { ORDERS_SDL, ordersService } from '../test/federation/orders-subgraph.js';
import { createGateway } from '../test/federation/hive-gateway.js';
import { latencyStats, tempDataDir } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ELDERS_PER_VILLAGE = Number(process.env.BENCH_ELDERS_PER_VILLAGE ?? 2);
const COUNTY = '320321000000'; // 丰县
const log = pino({ level: 'warn' });
const out = (line: string) => process.stdout.write(line + '\n');

type Send = (body: string) => Promise<{ data?: unknown; errors?: unknown }>;

async function measure(name: string, perRequest: number, send: Send, body: string): Promise<void> {
  const first = await send(body);
  if (first.errors) throw new Error(`${name}: ${JSON.stringify(first.errors).slice(0, 500)}`);
  const samples: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await send(body);
        samples.push(performance.now() - started);
      }
    }),
  );
  const stats = latencyStats(samples);
  const perSecond = stats.n / SECONDS;
  out(`| ${name} | ${Math.round(perSecond)} | ${Math.round(perSecond * perRequest)} | ${stats.p50.toFixed(1)} | ${stats.p95.toFixed(1)} | ${stats.p99.toFixed(1)} |`);
}

async function main() {
  const dataDir = tempDataDir('sunshine-bench-federation-');
  const server = await startEmbeddedPostgres({ dataDir, persistent: false, database: 'sunshine', log });
  const orm = await openOrm({ url: server.url, poolSize: 10 });
  try {
    await migrate(orm);
    const pool = await ormPool(orm);
    await importRegions(pool, { kind: 'city', code: '3203' });
    const demo = await generateDemoRegistry(pool, new RegistryService(pool, sqlOnPool(pool)), { cityPrefix: '3203', eldersPerVillage: ELDERS_PER_VILLAGE });
    out(`demo registry: ${demo.elders} elders`);

    const secret = 'bench-secret-0123456789-0123456789-0123456789';
    const app = await createApp({ pool, sql: sqlOnPool(pool), log, production: false, keySet: secretKeySet(secret), limits: { ...DEFAULT_LIMITS, requestsPerMinute: 0, costPerMinute: 0 } });
    const url = await app.listen(0, '127.0.0.1');
    const token = await issueToken({ subject: 'bench', roles: ['CIVIL_AFFAIRS_OFFICER'], jurisdiction: COUNTY }, secretSigningKey(secret));
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };

    const elders = (await pool.query<{ id: string; village: string }>(`select id::text, hukou_village_code as village from registry.elder where hukou_village_code like '320321%' order by id limit 100`)).rows;
    if (elders.length < 100) throw new Error(`only ${elders.length} elders in 丰县: raise BENCH_ELDERS_PER_VILLAGE`);
    const ids = elders.map((e) => toGlobalId('Elder', e.id));

    const orders = ordersService(elders.map((e, i) => ({ id: `SO-${i}`, title: '助餐', regionCode: e.village, elderId: toGlobalId('Elder', e.id) })));
    const { url: ordersUrl } = await startStandaloneServer(orders, { listen: { port: 0, host: '127.0.0.1' } });
    const sdl = ((await (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query: '{ _service { sdl } }' }) })).json()) as { data: { _service: { sdl: string } } }).data._service.sdl;
    const composed = composeServices([
      { name: 'sunshine', typeDefs: parse(sdl), url },
      { name: 'orders', typeDefs: ORDERS_SDL, url: ordersUrl },
    ]);
    if (compositionHasErrors(composed)) throw new Error(composed.errors.map((e) => e.message).join('\n'));
    const gateway = await createGateway({ supergraph: composed.supergraphSdl, logging: false, propagateHeaders: { fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }) } });

    const direct: Send = async (body) => (await fetch(url, { method: 'POST', headers, body })).json() as Promise<{ data?: unknown; errors?: unknown }>;
    const viaGateway: Send = async (body) => (await gateway.fetch('http://gateway.bench/graphql', { method: 'POST', headers, body })).json() as Promise<{ data?: unknown; errors?: unknown }>;
    const selection = 'name sex hukouVillageCode';

    out(`\n${CONCURRENCY} clients, ${SECONDS} s each, 100 elders per request (API, subgraph and gateway in this process):`);
    out('| query | req/s | elders/s | p50 ms | p95 ms | p99 ms |');
    out('|---|---:|---:|---:|---:|---:|');
    await measure('nodes(ids:) — 100 elders', 100, direct, JSON.stringify({ query: `query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Elder { ${selection} } } }`, variables: { ids } }));
    await measure('_entities — the same 100 elders', 100, direct, JSON.stringify({ query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Elder { ${selection} } } }`, variables: { r: ids.map((id) => ({ __typename: 'Elder', id })) } }));
    await measure('gateway: 100 orders → elder and region', 100, viaGateway, JSON.stringify({ query: `{ serviceOrders { id title elder { ${selection} } region { name } } }` }));

    await gateway.dispose();
    await orders.stop();
    await app.stop();
  } finally {
    await orm.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench:federation failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
