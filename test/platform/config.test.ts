/**
 * platform/config.ts is the one module that reads the environment: a variable read anywhere else
 * would be a knob README's configuration table (test/platform/readme-config.test.ts) and the
 * deployment cannot see in one place. Benchmarks (bench/, scripts/bench-*.ts) and tests read their own knobs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../platform/config.js';

const SKIP = new Set(['node_modules', 'dist', 'test', 'bench', 'docs', 'schema', 'client', 'migrations', 'verifier']);
/**
 * Still read where they are used: the token verifier's key set, the HTTP server's body limit,
 * proxy and metrics settings, and the checkpoint keys (each module owns its parsing of them).
 */
const NOT_YET_MOVED = new Set(['auth/tokens.ts', 'api/server.ts', 'ledger/proof/keys.ts', 'ledger/proof/checkpoints.ts']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || (dir === projectRoot && SKIP.has(entry.name))) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

test('only platform/config.ts reads process.env', () => {
  const readers = sources(projectRoot)
    .map((file) => path.relative(projectRoot, file))
    .filter((file) => file !== path.join('platform', 'config.ts') && !NOT_YET_MOVED.has(file) && !path.basename(file).startsWith('bench-'))
    .filter((file) => /process\.env\b/.test(fs.readFileSync(path.join(projectRoot, file), 'utf8')));
  expect(readers).toEqual([]);
});
