/**
 * Prometheus metrics (prom-client), served at /metrics by api/server.ts. One registry per process;
 * every module records through the small functions here, so instrumentation stays one line where it
 * happens. Label values come from bounded sets only (operation names are capped, outcomes are error
 * codes), so a hostile client cannot grow the series without limit.
 */
import client from 'prom-client';
import type pg from 'pg';

export const registry = new client.Registry();
registry.setDefaultLabels({ service: 'sunshine' });
client.collectDefaultMetrics({ register: registry, prefix: 'sunshine_' });

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const requests = new client.Counter({
  name: 'sunshine_graphql_requests_total',
  help: 'GraphQL operations answered, by operation name and outcome (ok, or the first error code)',
  labelNames: ['operation', 'outcome'] as const,
  registers: [registry],
});

const requestDuration = new client.Histogram({
  name: 'sunshine_graphql_request_duration_seconds',
  help: 'Time from receiving a GraphQL operation to sending its answer',
  labelNames: ['operation', 'outcome'] as const,
  buckets: SECONDS,
  registers: [registry],
});

const rejections = new client.Counter({
  name: 'sunshine_rejections_total',
  help: 'Requests refused by the endpoint limits: rate (requests per minute), cost (complexity points per minute), complexity (one operation too complex)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

const ledgerCommits = new client.Counter({
  name: 'sunshine_ledger_commits_total',
  help: 'Ledger write transactions committed (a group commit counts once)',
  registers: [registry],
});

const ledgerRequests = new client.Counter({
  name: 'sunshine_ledger_committed_requests_total',
  help: 'Ledger write requests committed (each request of a group counts)',
  registers: [registry],
});

const groupSize = new client.Histogram({
  name: 'sunshine_ledger_group_size',
  help: 'Requests per committed ledger transaction (group commit)',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  registers: [registry],
});

const chainLockWait = new client.Histogram({
  name: 'sunshine_ledger_chain_lock_wait_seconds',
  help: 'Time a ledger transaction waited to begin and take the chain lock',
  buckets: SECONDS,
  registers: [registry],
});

const databaseUnavailable = new client.Counter({
  name: 'sunshine_database_unavailable_total',
  help: 'Requests answered SERVICE_UNAVAILABLE because PostgreSQL could not be reached',
  registers: [registry],
});

const statementsCancelled = new client.Counter({
  name: 'sunshine_statements_cancelled_total',
  help: 'Requests answered TIMEOUT because PostgreSQL cancelled a statement (DB_STATEMENT_TIMEOUT_MS)',
  registers: [registry],
});

const embeddedRestarts = new client.Counter({
  name: 'sunshine_embedded_postgres_restarts_total',
  help: 'Times the embedded PostgreSQL died and was started again',
  registers: [registry],
});

/** Pools whose connections the gauge below reports (the API's pool; tests may have several apps). */
const pools = new Map<string, pg.Pool>();

new client.Gauge({
  name: 'sunshine_db_pool_connections',
  help: 'Connections of the database pool: total open, idle, and requests waiting for one',
  labelNames: ['pool', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, pool] of pools) {
      this.set({ pool: name, state: 'total' }, pool.totalCount);
      this.set({ pool: name, state: 'idle' }, pool.idleCount);
      this.set({ pool: name, state: 'waiting' }, pool.waitingCount);
    }
  },
});

/** Reports `pool` in sunshine_db_pool_connections under `name`. */
export function watchPool(name: string, pool: pg.Pool): void {
  pools.set(name, pool);
}

/** At most this many distinct operation names get their own series; the rest count as "other". */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const operationNames = new Set<string>();

/** The label for an operation name: the name itself while the set is small and the name is a GraphQL name. */
export function operationLabel(name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (!OPERATION_NAME.test(name)) return 'other';
  if (operationNames.has(name)) return name;
  if (operationNames.size >= MAX_OPERATION_NAMES) return 'other';
  operationNames.add(name);
  return name;
}

export const metrics = {
  request(operation: string | null | undefined, outcome: string, seconds: number): void {
    const labels = { operation: operationLabel(operation), outcome };
    requests.inc(labels);
    requestDuration.observe(labels, seconds);
  },
  rejected(reason: 'rate' | 'cost' | 'complexity'): void {
    rejections.inc({ reason });
  },
  /** One committed ledger transaction holding `requests` requests. */
  ledgerCommitted(requests: number): void {
    ledgerCommits.inc();
    ledgerRequests.inc(requests);
    groupSize.observe(requests);
  },
  chainLockWaited(seconds: number): void {
    chainLockWait.observe(seconds);
  },
  databaseUnavailable(): void {
    databaseUnavailable.inc();
  },
  statementCancelled(): void {
    statementsCancelled.inc();
  },
  embeddedRestarted(): void {
    embeddedRestarts.inc();
  },
};

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
