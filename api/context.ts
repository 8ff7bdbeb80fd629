/** What every resolver gets: the domain modules, this request's DataLoaders and who is acting. */
import type pg from 'pg';
import type { Sql } from '../platform/sql.js';
import { RegionRepository } from '../hierarchy/region.repository.js';
import { Ledger } from '../ledger/ledger.js';
import { LedgerQueries } from '../ledger/queries.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface Context {
  sql: Sql;
  regions: RegionRepository;
  ledger: Ledger;
  ledgerQueries: LedgerQueries;
  loaders: Loaders;
  /**
   * Who is acting, recorded on every ledger transaction (inside its hash). Until authentication
   * lands (issue "Who may see and do what") it comes from the `x-actor` request header.
   */
  actor: string;
}

export function createContext(pool: pg.Pool, sql: Sql, actor: string | undefined): Context {
  const regions = new RegionRepository(sql);
  const ledgerQueries = new LedgerQueries(pool);
  return {
    sql,
    regions,
    ledger: new Ledger(pool),
    ledgerQueries,
    loaders: createLoaders(regions, ledgerQueries),
    actor: actor?.trim() || 'anonymous',
  };
}
