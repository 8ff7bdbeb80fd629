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
import { RegistryCommands } from '../registry/commands.js';
import { internalId } from './registry/ids.js';
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
  /** The registry's writes for this caller: permission and scope checked, then written (registry/commands.ts). */
  registryCommands: RegistryCommands;
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

/**
 * The services are made when a resolver first asks for one: most requests read one capability,
 * and making all of them (the registry binds every method of a dozen rooms) cost ≈0.1 ms a request.
 * Getters on the prototype and the made services in an own property: Apollo copies the context
 * object for each request (own properties only, prototype kept), and the copy shares what is made.
 */
class RequestContext implements Context {
  readonly regions: RegionRepository;
  private readonly made: {
    ledger?: Ledger; ledgerQueries?: LedgerQueries; periods?: Periods; approvals?: Approvals; approvalPolicies?: ApprovalPolicies;
    loaders?: Loaders; registry?: RegistryService; registryLoaders?: RegistryLoaders; registryCommands?: RegistryCommands; audit?: AuditFindings; auditLoaders?: ReturnType<typeof createAuditLoaders>;
  } = {};

  constructor(readonly pool: pg.Pool, readonly sql: Sql, readonly viewer: Viewer, readonly proofs: ProofService) {
    this.regions = new RegionRepository(sql);
  }

  get ledger() { return (this.made.ledger ??= new Ledger(this.pool)); }
  get ledgerQueries() { return (this.made.ledgerQueries ??= new LedgerQueries(this.pool)); }
  get periods() { return (this.made.periods ??= new Periods(this.pool)); }
  get approvals() { return (this.made.approvals ??= new Approvals(this.pool, this.ledger)); }
  get approvalPolicies() { return (this.made.approvalPolicies ??= new ApprovalPolicies(this.pool)); }
  get loaders() { return (this.made.loaders ??= createLoaders(this.regions, this.ledgerQueries, this.viewer.scopeRange)); }
  get registry() { return (this.made.registry ??= new RegistryService(this.pool, this.sql)); }
  get registryLoaders() { return (this.made.registryLoaders ??= createRegistryLoaders(this.registry)); }
  get registryCommands() { return (this.made.registryCommands ??= new RegistryCommands(this.viewer, this.registry, this.registryLoaders, internalId)); }
  get audit() { return (this.made.audit ??= new AuditFindings(this.pool, this.sql)); }
  get auditLoaders() { return (this.made.auditLoaders ??= createAuditLoaders(this.audit)); }
}

export function createContext(pool: pg.Pool, sql: Sql, viewer: Viewer, proofs: ProofService): Context {
  return new RequestContext(pool, sql, viewer, proofs);
}
