/**
 * The tree's dependency rules (README "Layout"), read from the sources' own imports: domain modules
 * never import `api/` nor GraphQL, `platform/` imports no other folder of the project but its
 * migrations, only entry points and tests import `demo/`, and the folders import each other in one
 * direction only (no two folders, nor a ring of them, depend on each other).
 */
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../platform/config.js';

const DOMAIN = ['platform', 'hierarchy', 'auth', 'registry', 'ledger', 'payments', 'audit', 'sync', 'demo'];
const GRAPHQL_PACKAGES = /^(graphql|graphql-.*|type-graphql|@apollo\/.*|@graphql-.*)$/;
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

/** Every source file of the project outside tests, generated code and dependencies. */
function sources(dir = projectRoot): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return ['node_modules', 'dist', 'test', 'generated', '.git', '.data', 'coverage'].includes(entry.name) ? [] : sources(full);
    }
    return /\.(ts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

interface Edge { from: string; folder: string; to: string; target: string }

/** Each import of a file: a project folder (relative import) or a package name. */
function imports(): Edge[] {
  return sources().flatMap((file) => {
    const relative = path.relative(projectRoot, file);
    const folder = relative.split(path.sep)[0]!;
    return [...fs.readFileSync(file, 'utf8').matchAll(IMPORT)].map(([, spec]) => {
      const target = spec!.startsWith('.') ? path.relative(projectRoot, path.resolve(path.dirname(file), spec!)).split(path.sep)[0]! : `package:${spec}`;
      return { from: relative, folder, to: target, target: spec! };
    });
  });
}

const edges = imports();
const crossing = (e: Edge) => !e.to.startsWith('package:') && e.to !== e.folder;

test('the sources are read (the rules below are not checked on nothing)', () => {
  expect(edges.filter(crossing).length).toBeGreaterThan(100);
  for (const folder of DOMAIN) expect(edges.some((e) => e.folder === folder)).toBe(true);
});

test('domain modules never import api/ nor GraphQL', () => {
  const offending = edges.filter((e) => DOMAIN.includes(e.folder) && (e.to === 'api' || (e.to.startsWith('package:') && GRAPHQL_PACKAGES.test(e.to.slice(8)))));
  expect(offending.map((e) => `${e.from} → ${e.target}`)).toEqual([]);
});

test('platform/ imports no other folder of the project but its migrations (the runner applies them)', () => {
  expect(edges.filter((e) => e.folder === 'platform' && crossing(e) && e.to !== 'migrations').map((e) => `${e.from} → ${e.target}`)).toEqual([]);
});

test('only entry points, benches and tests import demo/', () => {
  expect(edges.filter((e) => e.to === 'demo' && e.folder !== 'demo' && !['scripts', 'bench'].includes(e.folder)).map((e) => `${e.from} → ${e.target}`)).toEqual([]);
});

test('folders depend on each other in one direction only: the folder graph has no cycle', () => {
  const graph = new Map<string, Set<string>>();
  for (const e of edges.filter(crossing)) graph.set(e.folder, (graph.get(e.folder) ?? new Set()).add(e.to));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, trail: string[]) => {
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...trail.slice(trail.indexOf(next)), node, next].join(' → '));
      else if (!state.has(next)) visit(next, [...trail, node]);
    }
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node, []);
  expect(cycles).toEqual([]);
});
