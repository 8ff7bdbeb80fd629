/** What every resolver gets: the domain repositories and this request's DataLoaders. */
import type { Sql } from '../platform/sql.js';
import { RegionRepository } from '../hierarchy/region.repository.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface Context {
  regions: RegionRepository;
  loaders: Loaders;
}

export function createContext(sql: Sql): Context {
  const regions = new RegionRepository(sql);
  return { regions, loaders: createLoaders(regions) };
}
