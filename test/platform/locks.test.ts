/**
 * Advisory locks are named in platform/locks.ts: every lock class a migration's SQL takes is one of
 * them, no two names share a class, and no module outside platform/locks.ts writes a class number.
 */
import path from 'node:path';
import { projectRoot } from '../../platform/config.js';
import { readSource, sourceFiles } from '../support/sources.js';
import { LOCK_CLASS } from '../../platform/locks.js';

const CLASS_IN_SQL = /pg_(?:try_)?advisory_xact_lock(?:_shared)?\(\s*([0-9]+)\s*,/g;


test('every lock class is named once', () => {
  const classes = Object.values(LOCK_CLASS);
  expect(new Set(classes).size).toBe(classes.length);
});

test("every lock class the migrations' SQL takes is named in platform/locks.ts", () => {
  const named = new Set<number>(Object.values(LOCK_CLASS));
  const used = sourceFiles(new Set(), path.join(projectRoot, 'migrations')).flatMap((file) => [...readSource(file).matchAll(CLASS_IN_SQL)].map((m) => Number(m[1])));
  expect(used.length).toBeGreaterThan(3);
  expect(used.filter((lockClass) => !named.has(lockClass))).toEqual([]);
});

test('no module outside platform/locks.ts writes a lock class as a number', () => {
  const skip = new Set(['node_modules', 'dist', 'test', 'migrations', 'bench', 'verifier']);
  const literal = sourceFiles(skip)
    .filter((file) => file !== path.join('platform', 'locks.ts'))
    .filter((file) => /advisory_xact_lock(?:_shared)?\(\s*[0-9]+\s*,/.test(readSource(file)));
  expect(literal).toEqual([]);
});
