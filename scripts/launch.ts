/**
 * The entry point of every npm script: build only when the build is stale, then run the compiled
 * script in this process.
 *
 *   node scripts/launch.ts scripts/start [args…]   build if stale, then run dist/scripts/start.js
 *   node scripts/launch.ts --build                  build if stale, run nothing (npm test)
 *
 * Node 24 runs this file straight from source (type stripping), so deciding whether to build needs
 * no build: only erasable TypeScript here, and only node: imports.
 *
 * The rule: a build is stale when any build input is newer than the stamp written when the last
 * successful build started (edits made during a build therefore make it stale again). Inputs are the
 * TypeScript and JSON files of every top-level folder except the ones below, plus tsconfig.json,
 * package.json and package-lock.json (dependencies changed). Codegen (client/generated/) runs only
 * when its own inputs changed: codegen.yml, schema/ and client/operations/. tsc runs incrementally
 * (dist/.tsbuildinfo). `npm run build` is the same check; delete dist/ to force a full build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import module from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Top-level folders that hold no build input (outputs, data, documentation, dependencies). */
const NOT_INPUTS = new Set(['node_modules', 'dist', '.data', '.git', '.ci', 'coverage', 'docs', 'schema']);
const SOURCE_FILE = /\.(ts|mts|cts|tsx|json)$/;
const ROOT_INPUTS = ['tsconfig.json', 'package.json', 'package-lock.json'];
const CODEGEN_CONFIG = 'codegen.yml';
const CODEGEN_INPUTS = ['schema', 'client/operations'];
const BUILD_STAMP = 'dist/.build-stamp';
const CODEGEN_STAMP = 'dist/.codegen-stamp';
const LOCK = 'dist/.build-lock';

export interface Newest {
  file: string | null;
  mtimeMs: number;
}

/** The most recently modified file below `dir` (recursively) whose name passes `accept`. */
export function newestFile(dir: string, accept: (name: string) => boolean, skip: (relative: string) => boolean = () => false, root = dir): Newest {
  let newest: Newest = { file: null, mtimeMs: 0 };
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    const relative = path.relative(root, full);
    if (skip(relative)) continue;
    let candidate: Newest;
    if (entry.isDirectory()) candidate = newestFile(full, accept, skip, root);
    else if (entry.isFile() && accept(entry.name)) candidate = { file: relative, mtimeMs: fs.statSync(full).mtimeMs };
    else continue;
    if (candidate.mtimeMs > newest.mtimeMs) newest = candidate;
  }
  return newest;
}

function newer(a: Newest, b: Newest): Newest {
  return b.mtimeMs > a.mtimeMs ? b : a;
}

function stampTime(root: string, stamp: string): number | null {
  try {
    return fs.statSync(path.join(root, stamp)).mtimeMs;
  } catch {
    return null;
  }
}

/** The newest TypeScript/JSON input of tsc. */
export function newestBuildInput(root: string): Newest {
  let newest: Newest = { file: null, mtimeMs: 0 };
  for (const file of ROOT_INPUTS) {
    try {
      newest = newer(newest, { file, mtimeMs: fs.statSync(path.join(root, file)).mtimeMs });
    } catch {
      // not every project has both
    }
  }
  const skipOutputs = (relative: string) => NOT_INPUTS.has(relative.split(path.sep)[0]!) || relative.split(path.sep).includes('node_modules');
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || NOT_INPUTS.has(entry.name) || entry.name.startsWith('.')) continue;
    newest = newer(newest, newestFile(path.join(root, entry.name), (name) => SOURCE_FILE.test(name), skipOutputs, root));
  }
  return newest;
}

/** The newest input of codegen, or null when the project has no codegen.yml. */
export function newestCodegenInput(root: string): Newest | null {
  const config = path.join(root, CODEGEN_CONFIG);
  if (!fs.existsSync(config)) return null;
  let newest: Newest = { file: CODEGEN_CONFIG, mtimeMs: fs.statSync(config).mtimeMs };
  for (const dir of CODEGEN_INPUTS) newest = newer(newest, newestFile(path.join(root, dir), () => true, () => false, root));
  return newest;
}

export interface BuildState {
  /** Why codegen must run (a changed input, or no previous run), or null. */
  codegen: string | null;
  /** Why tsc must run, or null. */
  compile: string | null;
}

function reason(newest: Newest, stamp: number | null, what: string): string | null {
  if (stamp === null) return `no previous ${what}`;
  return newest.mtimeMs > stamp ? `${newest.file} changed since the last ${what}` : null;
}

/** What must be rebuilt in `root`, and why. Codegen output is itself a tsc input, so after codegen tsc always runs. */
export function buildState(root: string): BuildState {
  const codegenInput = newestCodegenInput(root);
  const codegen = codegenInput ? reason(codegenInput, stampTime(root, CODEGEN_STAMP), 'codegen') : null;
  const compile = codegen ? 'codegen output changed' : reason(newestBuildInput(root), stampTime(root, BUILD_STAMP), 'build');
  return { codegen, compile };
}

/** Runs a build tool with this Node (the project's Node 24); its output goes to stderr, so `TOKEN=$(npm run -s token …)` captures only the token. */
function run(root: string, script: string, args: string[]): void {
  const result = spawnSync(process.execPath, [path.join(root, script), ...args], { cwd: root, stdio: ['inherit', 2, 2] });
  if (result.status !== 0) throw new BuildFailed(`${path.basename(script)} ${args.join(' ')} failed`);
}

export class BuildFailed extends Error {}

/** Writes `stamp` with the time the step started, so that edits made while it ran count as newer. */
function writeStamp(root: string, stamp: string, startedMs: number): void {
  const file = path.join(root, stamp);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${new Date(startedMs).toISOString()}\n`);
  fs.utimesSync(file, startedMs / 1000, startedMs / 1000);
}

/** One build at a time per checkout (npm start and npm run token started together): a lock directory. */
function withLock<T>(root: string, fn: () => T): T {
  const lock = path.join(root, LOCK);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const waitUntil = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than ten minutes was left by a build that was killed.
      if (Date.now() > waitUntil || Date.now() - fs.statSync(lock).mtimeMs > 10 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds what is stale; returns what was done (empty when the build was current). */
export function buildIfStale(root: string, say: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): string[] {
  const first = buildState(root);
  if (!first.codegen && !first.compile) return [];
  return withLock(root, () => {
    const state = buildState(root); // again: another process may have built while we waited
    const done: string[] = [];
    if (state.codegen) {
      say(`codegen: ${state.codegen}`);
      const started = Date.now();
      run(root, 'node_modules/@graphql-codegen/cli/cjs/bin.js', ['--config', CODEGEN_CONFIG, '--silent']);
      writeStamp(root, CODEGEN_STAMP, started);
      done.push('codegen');
    }
    const compile = state.codegen ? 'codegen output changed' : state.compile;
    if (compile) {
      say(`build: ${compile}; compiling…`);
      const started = Date.now();
      run(root, 'node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo']);
      writeStamp(root, BUILD_STAMP, started);
      done.push('compile');
    }
    return done;
  });
}

/** node scripts/launch.ts <module under dist, without .js> [args…] | --build */
async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const [target, ...args] = process.argv.slice(2);
  if (!target) throw new BuildFailed('usage: node scripts/launch.ts <dist module, e.g. scripts/start> [args…] | --build');
  buildIfStale(root);
  if (target === '--build') return;
  const compiled = path.join(root, 'dist', `${target}.js`);
  if (!fs.existsSync(compiled)) throw new BuildFailed(`no ${path.relative(root, compiled)}: is "${target}" a script of this project?`);
  // V8's compile cache on disk: the API's dependency graph (Apollo, MikroORM, graphql, express …)
  // loads markedly faster from the second run on. Only for this process's imports; git-ignored.
  module.enableCompileCache?.(path.join(root, 'node_modules/.cache/sunshine-compile'));
  // The script sees the same argv as if Node had started it directly (commander, "is this the main module" checks).
  process.argv = [process.argv[0]!, compiled, ...args];
  await import(pathToFileURL(compiled).href);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof BuildFailed ? error.message : String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  });
}
