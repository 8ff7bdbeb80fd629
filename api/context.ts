/** What every resolver gets: the domain modules, this request's DataLoaders and who is calling. */
import type pg from 'pg';
import type { Sql } from '../platform/sql.js';
import type { Viewer } from '../auth/viewer.js';
import { RegionRepository } from '../hierarchy/region.repository.js';
import { Ledger } from '../ledger/ledger.js';
import { LedgerQueries } from '../ledger/queries.js';
import { Periods } from '../ledger/periods/periods.js';
import { ApprovalPolicies, Approvals } from '../ledger/approvals/index.js';
import { createLoaders, type Loaders } from './loaders.js';
import { RegistryService } from '../registry/registry.js';
import { createRegistryLoaders, type RegistryLoaders } from './registry/loaders.js';
import { AuditFindings } from '../audit/findings.js';
import { keyedLoader } from './batching.js';
import type { ProofService } from '../ledger/proof/index.js';

export interface Context {
  sql: Sql;
  regions: RegionRepository;
  ledger: Ledger;
  ledgerQueries: LedgerQueries;
  /** Accounting periods: close, reopen, seal, trial balances (ledger/periods). */
  periods: Periods;
  /** Every ledger write of the API: written, or a proposal that holds its money until a second person approves it (ledger/approvals). */
  approvals: Approvals;
  approvalPolicies: ApprovalPolicies;
  loaders: Loaders;
  /** The registry (elders, facilities, caregivers, stays, services) and its per-request loaders. */
  registry: RegistryService;
  registryLoaders: RegistryLoaders;
  /** Checkpoints and proofs of the ledger's Merkle tree (one per server: it holds the signing key). */
  proofs: ProofService;
  /**
   * The authenticated caller (from the bearer token; see auth/). Its subject is the actor recorded
   * on every ledger transaction, inside the hash. Requests without a token only get as far as
   * introspection: the auth plugin rejects anything else before a resolver runs.
   */
  viewer: Viewer;
  /** The audit engine's findings and runs (audit/), and the connection pool a run needs. */
  audit: AuditFindings;
  auditLoaders: ReturnType<typeof createAuditLoaders>;
  pool: pg.Pool;
}

function createAuditLoaders(audit: AuditFindings) {
  return { events: keyedLoader((ids) => audit.events(ids), []) };
}

/** `make` runs on the first call only; later calls answer the same value. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/**
 * The services are made when a resolver first asks for one: most requests read one capability,
 * and making all of them (the registry binds every method of a dozen rooms) cost ≈0.1 ms a request.
 */
export function createContext(pool: pg.Pool, sql: Sql, viewer: Viewer, proofs: ProofService): Context {
  const regions = new RegionRepository(sql);
  const ledgerQueries = once(() => new LedgerQueries(pool));
  const ledger = once(() => new Ledger(pool));
  const registry = once(() => new RegistryService(pool, sql));
  const audit = once(() => new AuditFindings(pool, sql));
  const loaders = once(() => createLoaders(regions, ledgerQueries(), viewer.scopeRange));
  const periods = once(() => new Periods(pool));
  const approvals = once(() => new Approvals(pool, ledger()));
  const approvalPolicies = once(() => new ApprovalPolicies(pool));
  const registryLoaders = once(() => createRegistryLoaders(registry()));
  const auditLoaders = once(() => createAuditLoaders(audit()));
  return {
    sql,
    regions,
    get ledger() { return ledger(); },
    get ledgerQueries() { return ledgerQueries(); },
    get periods() { return periods(); },
    get approvals() { return approvals(); },
    get approvalPolicies() { return approvalPolicies(); },
    get loaders() { return loaders(); },
    get registry() { return registry(); },
    get registryLoaders() { return registryLoaders(); },
    proofs,
    viewer,
    get audit() { return audit(); },
    get auditLoaders() { return auditLoaders(); },
    pool,
  };
}
