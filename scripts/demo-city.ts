/**
 * npm start's first-run demo, for whatever city the database holds: an empty database gets 徐州市
 * (3203); a database that already holds regions (DATABASE_URL pointed at someone's own data, say only
 * 长治市 1404) gets its demo registry for the city that is there — 徐州 when present, otherwise the
 * first city by code that has villages — and a database without any village gets no demo, with a log
 * line that says why. Never a crash because the data is not 徐州.
 */
import type pg from 'pg';
import type { Logger } from '../platform/logger.js';
import { importRegions } from '../hierarchy/import.js';
import { importProgressReporter } from './progress.js';
import { DEMO_CITY_CODE, ensureDemoRegistry } from './demo-registry.js';

export interface DemoCity {
  /** 12-digit code of the city (市). */
  code: string;
  name: string;
}

/** The city the demo is made for: 徐州市 when it has villages, else the first city (by code) that has; null when none has. */
export async function findDemoCity(pool: pg.Pool): Promise<DemoCity | null> {
  const { rows } = await pool.query<DemoCity>(
    `select c.code, c.name from region c
      where c.level = 'CITY'
        and exists (select 1 from region v where v.level = 'VILLAGE' and v.code > c.code and v.code <= c.subtree_max)
      order by c.code = $1 desc, c.code
      limit 1`,
    [DEMO_CITY_CODE],
  );
  return rows[0] ?? null;
}

export interface DemoOptions {
  /** Generate the demo registry (elders, facilities, payments …) when the registry is empty. */
  registry: boolean;
  /** Average elders per village of the demo registry (tests use few). */
  eldersPerVillage?: number;
}

/** Imports 徐州市 into an empty database, then (when asked) the demo registry of the city found; returns that city. */
export async function prepareDemo(pool: pg.Pool, log: Logger, options: DemoOptions): Promise<DemoCity | null> {
  const { rows } = await pool.query<{ any: boolean }>(`select exists (select 1 from region) as any`);
  if (!rows[0]!.any) {
    const code = DEMO_CITY_CODE.slice(0, 4);
    log.info({ city: code }, 'empty database: importing the demo city 徐州市');
    const progress = importProgressReporter(log, 'demo city');
    const report = await importRegions(pool, { kind: 'city', code }, (p) => progress.update(p));
    progress.finish();
    log.info(report, 'demo city imported');
  }
  const city = await findDemoCity(pool);
  if (!city) {
    log.warn('no city with villages in this database: no demo registry and no demo token (import one with `npm run import:regions -- --city <code>`)');
    return null;
  }
  if (options.registry) {
    await ensureDemoRegistry(pool, log, { cityCode: city.code, cityName: city.name, ...(options.eldersPerVillage ? { eldersPerVillage: options.eldersPerVillage } : {}) });
  }
  return city;
}
