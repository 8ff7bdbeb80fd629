/**
 * npm run bench:startup — how quickly the everyday commands answer once built (README "Build once").
 *
 * 1. `npm run -s token …` RUNS times: from spawning npm to the token on stdout.
 * 2. `npm start` on a data folder of its own (.data/bench-startup, kept between runs): one warm-up
 *    start (initialises PostgreSQL, imports 徐州市, a small demo registry), then RUNS timed starts,
 *    each from spawning npm to the "listening" log line, then a /readyz answer; each stopped with SIGTERM.
 * Prints the figures and the load average (the machine is shared: note it beside the figures).
 * Options (env): BENCH_RUNS (default 5), BENCH_PORT (default 4199).
 */
import { spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../platform/config.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PORT = Number(process.env.BENCH_PORT ?? 4199);
const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(PORT), SUNSHINE_DATA_DIR: path.join(projectRoot, '.data/bench-startup'), SUNSHINE_DEMO_ELDERS_PER_VILLAGE: '1', LOG_FORMAT: 'json' };
delete env.DATABASE_URL;

function timeToken(): number {
  const started = performance.now();
  const result = spawnSync('npm', ['run', '-s', 'token', '--', '--role', 'AUDITOR', '--region', '3203'], { cwd: projectRoot, env, encoding: 'utf8' });
  if (result.status !== 0 || !/^eyJ/.test(result.stdout)) throw new Error(`token failed: ${result.stderr}`);
  return (performance.now() - started) / 1000;
}

/** Seconds from spawning `npm start` until it logs that it listens (and /readyz says ready). */
async function timeStart(): Promise<number> {
  const started = performance.now();
  const child = spawn('npm', ['start'], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    while (!/listening at/.test(output)) {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const ready = await fetch(`http://127.0.0.1:${PORT}/readyz`);
    if (ready.status !== 200) throw new Error(`/readyz answered ${ready.status}`);
    return seconds;
  } finally {
    process.kill(-child.pid!, 'SIGTERM'); // npm, its shell and the server: one process group
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const fmt = (xs: number[]) => `min ${Math.min(...xs).toFixed(2)} s, median ${xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(2)} s, max ${Math.max(...xs).toFixed(2)} s`;

spawnSync('npm', ['run', '-s', 'build'], { cwd: projectRoot, env, stdio: 'inherit' });
const tokens = Array.from({ length: RUNS }, timeToken);
process.stdout.write(`npm run -s token: ${fmt(tokens)}\n`);
const warmUp = await timeStart();
process.stdout.write(`npm start, warm-up (first start of this folder or not): ${warmUp.toFixed(2)} s\n`);
const starts: number[] = [];
for (let i = 0; i < RUNS; i++) starts.push(await timeStart());
process.stdout.write(`npm start (second and later): ${fmt(starts)}\n`);
process.stdout.write(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores, ${new Date().toISOString()}\n`);
