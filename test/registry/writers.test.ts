/** One writer per registry table that the API, the import and the demo share: elders are inserted by registry/elders/writer.ts only. */
import path from 'node:path';
import { readSource, sourceFiles } from '../support/sources.js';

test('only registry/elders/writer.ts inserts into registry.elder', () => {
  const skip = new Set(['node_modules', 'dist', 'test', 'migrations', 'bench', 'verifier', 'client', 'docs']);
  const writers = sourceFiles(skip).filter((file) => /insert\s+into\s+registry\.elder\s*\(/i.test(readSource(file)));
  expect(writers).toEqual([path.join('registry', 'elders', 'writer.ts')]);
});
