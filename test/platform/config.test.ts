/**
 * platform/config.ts is the one module that reads the environment: a variable read anywhere else
 * would be a knob README's configuration table (test/platform/readme-config.test.ts) and the
 * deployment cannot see in one place. Benchmarks (bench/, scripts/bench-*.ts) and tests read their own knobs.
 */
import path from 'node:path';
import { readSource, sourceFiles } from '../support/sources.js';

const SKIP = new Set(['node_modules', 'dist', 'test', 'bench', 'docs', 'schema', 'client', 'migrations', 'verifier']);

test('only platform/config.ts reads process.env', () => {
  const readers = sourceFiles(SKIP)
    .filter((file) => file !== path.join('platform', 'config.ts') && !path.basename(file).startsWith('bench-'))
    .filter((file) => /process\.env\b/.test(readSource(file)));
  expect(readers).toEqual([]);
});
