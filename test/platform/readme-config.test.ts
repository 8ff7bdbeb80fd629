/**
 * README's configuration table stays true: every environment variable the application reads
 * (process.env.X, or a name given to intFromEnv / secretFromEnv) has a row. Benchmark knobs
 * (BENCH_*, LEDGER_BENCH_*, documented in bench/) and the shell's USER are not configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../platform/config.js';

const NOT_CONFIGURATION = /^(BENCH_|LEDGER_BENCH_|USER$|NODE_OPTIONS$)/;
const SKIP = new Set(['node_modules', 'dist', 'test', 'bench', 'docs', 'schema', 'client', 'migrations']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || (dir === projectRoot && SKIP.has(entry.name))) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

test('every environment variable the code reads is in the README configuration table', () => {
  const names = new Set<string>();
  for (const file of sources(projectRoot)) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:process\.env|\benv)\.([A-Z][A-Z0-9_]+)|(?:intFromEnv|secretFromEnv)\(\s*'([A-Z][A-Z0-9_]+)'/g)) {
      names.add(match[1] ?? match[2]!);
    }
  }
  expect(names.size).toBeGreaterThan(15);
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('### Configuration'), readme.indexOf('## Other commands'));
  const missing = [...names].filter((name) => !NOT_CONFIGURATION.test(name) && !table.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});
