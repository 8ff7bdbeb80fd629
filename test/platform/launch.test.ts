/**
 * scripts/launch.ts: a command builds only when something it depends on changed, and a stale build
 * never runs. Checked on throw-away projects (not this checkout, which other tests run from).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildState } from '../../scripts/launch.js';
import { projectRoot } from '../../platform/config.js';

function tempProject(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-launch-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

/** Sets a file's modification time `secondsAgo` in the past (or future, when negative). */
function touch(root: string, file: string, secondsAgo = 0): void {
  const when = Date.now() / 1000 - secondsAgo;
  fs.utimesSync(path.join(root, file), when, when);
}

describe('the staleness rule', () => {
  let root: string;
  beforeEach(() => {
    root = tempProject({
      'tsconfig.json': '{}',
      'package.json': '{}',
      'api/server.ts': 'export {};',
      'node_modules/dep/index.ts': 'export {};',
      'docs/notes.md': '',
      'dist/.build-stamp': '',
    });
    for (const file of ['tsconfig.json', 'package.json', 'api/server.ts', 'node_modules/dep/index.ts', 'docs/notes.md']) touch(root, file, 60);
    touch(root, 'dist/.build-stamp', 30);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('current when every input is older than the stamp', () => {
    expect(buildState(root)).toEqual({ codegen: null, compile: null });
  });

  test('a source edited after the last build makes it stale, naming the file', () => {
    touch(root, 'api/server.ts', 0);
    expect(buildState(root).compile).toBe(`${path.join('api', 'server.ts')} changed since the last build`);
  });

  test('a new source file in a new top-level folder counts too', () => {
    fs.mkdirSync(path.join(root, 'payroll'));
    fs.writeFileSync(path.join(root, 'payroll/run.ts'), 'export {};');
    expect(buildState(root).compile).toMatch(/payroll/);
  });

  test('tsconfig.json and package.json are inputs', () => {
    touch(root, 'tsconfig.json', 0);
    expect(buildState(root).compile).toMatch(/tsconfig\.json/);
  });

  test('dependencies, documentation and outputs are not', () => {
    touch(root, 'node_modules/dep/index.ts', 0);
    touch(root, 'docs/notes.md', 0);
    fs.writeFileSync(path.join(root, 'dist/extra.js'), '');
    expect(buildState(root).compile).toBeNull();
  });

  test('no stamp: never built', () => {
    fs.rmSync(path.join(root, 'dist/.build-stamp'));
    expect(buildState(root).compile).toBe('no previous build');
  });

  test('codegen runs only when its inputs changed, and then the build too', () => {
    fs.writeFileSync(path.join(root, 'codegen.yml'), '');
    fs.mkdirSync(path.join(root, 'schema'));
    fs.writeFileSync(path.join(root, 'schema/schema.graphql'), '');
    fs.writeFileSync(path.join(root, 'dist/.codegen-stamp'), '');
    touch(root, 'codegen.yml', 60);
    touch(root, 'schema/schema.graphql', 60);
    touch(root, 'dist/.codegen-stamp', 30);
    expect(buildState(root)).toEqual({ codegen: null, compile: null });
    touch(root, 'schema/schema.graphql', 0);
    expect(buildState(root)).toEqual({ codegen: `${path.join('schema', 'schema.graphql')} changed since the last codegen`, compile: 'codegen output changed' });
  });
});

describe('a command run through the launcher', () => {
  let root: string;
  beforeAll(() => {
    root = tempProject({
      'package.json': '{ "type": "module" }',
      'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2023', module: 'NodeNext', moduleResolution: 'NodeNext', rootDir: '.', outDir: 'dist', strict: true, skipLibCheck: true, types: ['node'] }, include: ['scripts'] }),
      'scripts/hello.ts': "const who: string = 'first';\nprocess.stdout.write(`hello ${who} ${process.argv.slice(2).join(' ')}\\n`);\n",
    });
    fs.copyFileSync(path.join(projectRoot, 'scripts/launch.ts'), path.join(root, 'scripts/launch.ts'));
    fs.symlinkSync(path.join(projectRoot, 'node_modules'), path.join(root, 'node_modules'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const launch = (...args: string[]) => {
    const started = performance.now();
    const result = spawnSync(process.execPath, ['scripts/launch.ts', 'scripts/hello', ...args], { cwd: root, encoding: 'utf8' });
    return { ...result, ms: performance.now() - started };
  };

  test('builds on first use, then runs without building, and an edit is always used', () => {
    const first = launch('a', 'b');
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/no previous build/);
    expect(first.stdout).toBe('hello first a b\n');

    const second = launch('c');
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe('hello first c\n');

    fs.writeFileSync(path.join(root, 'scripts/hello.ts'), "const who: string = 'edited';\nprocess.stdout.write(`hello ${who}\\n`);\n");
    const afterEdit = launch();
    expect(afterEdit.stderr).toMatch(/scripts.hello\.ts changed since the last build/);
    expect(afterEdit.stdout).toBe('hello edited\n');
  });

  test('a source that does not compile stops the command: the old build does not run', () => {
    fs.writeFileSync(path.join(root, 'scripts/hello.ts'), "const who: number = 'not a number';\nprocess.stdout.write(`hello ${who}\\n`);\n");
    const broken = launch();
    expect(broken.status).not.toBe(0);
    expect(broken.stdout).not.toMatch(/hello/);
    // And it stays stale until fixed.
    expect(launch().stdout).not.toMatch(/hello/);
  });
});
