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

export function createContext(pool: pg.Pool, sql: Sql, viewer: Viewer, proofs: ProofService): Context {
  const regions = new RegionRepository(sql);
  const ledgerQueries = new LedgerQueries(pool);
  const registry = new RegistryService(pool, sql);
  const audit = new AuditFindings(pool, sql);
  const ledger = new Ledger(pool);
  return {
    sql,
    regions,
    ledger,
    ledgerQueries,
    periods: new Periods(pool),
    approvals: new Approvals(pool, ledger),
    approvalPolicies: new ApprovalPolicies(pool),
    loaders: createLoaders(regions, ledgerQueries, viewer.scopeRange),
    registry,
    registryLoaders: createRegistryLoaders(registry),
    proofs,
    viewer,
    audit,
    auditLoaders: createAuditLoaders(audit),
    pool,
  };
}
