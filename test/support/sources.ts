/** The project's TypeScript sources, for tests that check where a rule is written (env reads, lock ids, region-code patterns). */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../platform/config.js';

/** Every .ts file below `dir` (default: the project), skipping folders with these names and hidden ones; paths relative to the project. */
export function sourceFiles(skip: ReadonlySet<string>, dir = projectRoot): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || skip.has(entry.name)) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(skip, full);
    return entry.name.endsWith('.ts') ? [path.relative(projectRoot, full)] : [];
  });
}

export const readSource = (file: string) => fs.readFileSync(path.join(projectRoot, file), 'utf8');
