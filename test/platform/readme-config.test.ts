/**
 * README's configuration table stays true: every environment variable the application reads
 * (process.env.X, or a name given to intFromEnv / secretFromEnv) has a row. Benchmark knobs
 * (BENCH_*, LEDGER_BENCH_*, documented in bench/) and the shell's USER are not configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../platform/config.js';
import { readSource, sourceFiles } from '../support/sources.js';

const NOT_CONFIGURATION = /^(BENCH_|LEDGER_BENCH_|USER$|NODE_OPTIONS$)/;
const SKIP = new Set(['node_modules', 'dist', 'test', 'bench', 'docs', 'schema', 'client', 'migrations']);


test('every environment variable the code reads is in the README configuration table', () => {
  const names = new Set<string>();
  for (const file of sourceFiles(SKIP)) {
    const text = readSource(file);
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
