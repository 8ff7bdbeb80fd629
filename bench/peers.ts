/**
 * npm run bench:peers — Sunshine beside two peers on ONE PostgreSQL (figures in docs/performance.md).
 *
 * One throw-away embedded PostgreSQL (fsync on, defaults untouched) holds, side by side:
 *   - Sunshine's own schema with 徐州市 imported and its counties funded; the real server
 *     (dist/scripts/start.js) runs in its own process and is driven over HTTP;
 *   - schema `peer`: a `region(code, name, level, parent_code)` table filled from the same hierarchy,
 *     served by PostGraphile 5 (bench/peers-postgraphile.ts) in its own process;
 *   - schema `pgledger`: pgledger's functions (github.com/pgr0ss/pgledger, MIT), installed from the
 *     checkout named by PGLEDGER_DIR — nothing of it is copied here; without it the write rows are
 *     Sunshine's alone and the bench says so.
 * The same harness drives every side: 8 concurrent closed-loop clients in this process. Rounds are
 * interleaved (peer, Sunshine, then Sunshine, peer, …) so that the shared machine's load falls on
 * both; the load average is printed beside each figure, and each ratio is the median of the rounds'.
 * Both sides' village sets of the deep query are compared before anything is timed. Beside each
 * rate: the CPU per request of the side's server process and of PostgreSQL (from /proc), which a
 * busy machine disturbs far less than the rate itself.
 *
 * Options (env): PGLEDGER_DIR, PEERS_BENCH_SECONDS (per side, work and round; default 5),
 * PEERS_BENCH_ROUNDS (default 3), PEERS_BENCH_ONLY (comma-separated work names: many,hot,deep,point),
 * PEERS_BENCH_SERVER_LOG (a file the servers' logs are appended to), PEERS_BENCH_HTTP=fetch (the
 * clients use global fetch instead of node:http).
 */
import 'reflect-metadata'; // api/relay.ts (the global id of a lot) declares GraphQL types
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { freePort } from '../platform/database.js';
import { projectRoot } from '../platform/config.js';
import { Ledger } from '../ledger/ledger.js';
import { toGlobalId } from '../api/relay.js';
import { issueToken, secretSigningKey } from '../auth/tokens.js';
import { fundCounties, idempotencyKeys, latencyStats, load, runBench, startCityDatabase, tempDataDir } from './support.js';

const SECONDS = Number(process.env.PEERS_BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.PEERS_BENCH_ROUNDS ?? 3);
const ONLY = process.env.PEERS_BENCH_ONLY?.split(',').map((s) => s.trim());
const CLIENTS = 8;
const CITY = '320300000000';
const FUND = 'SENIOR_ALLOWANCE';
const BENCH_SECRET = 'sunshine-peers-bench-secret';
const PGLEDGER_ACCOUNTS = 50;
const log = pino({ level: 'warn' });
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

interface Figure {
  perSecond: number;
  p50: number;
  p95: number;
  load: string;
  /** CPU per request (ms) of the side's server process and of PostgreSQL: less sensitive to the machine's load than the rate. */
  serverCpu?: number;
  databaseCpu?: number;
  /** CPU per request (ms) of this process: the clients themselves, which share the machine with the servers. */
  harnessCpu?: number;
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU time (ms) a process has used so far, from /proc (0 where there is no /proc). */
function cpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}

/**
 * CPU time of the PostgreSQL server: the postmaster, the processes it runs (backends, WAL writer,
 * checkpointer…) and those that have exited (their time is in the postmaster's cutime/cstime), so
 * the sum never goes down when a peer's pool closes an idle connection.
 */
function databaseCpuMs(postmaster: number): number {
  let total = 0;
  try {
    const own = fs.readFileSync(`/proc/${postmaster}/stat`, 'utf8').split(') ')[1]!.split(' ');
    total = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) * TICK_MS; // utime stime cutime cstime
  } catch {
    return 0;
  }
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      if (Number(fields[1]) === postmaster) total += (Number(fields[11]) + Number(fields[12])) * TICK_MS;
    } catch {
      /* gone meanwhile */
    }
  }
  return total;
}

/** Runs `work` and adds the CPU per request its server and PostgreSQL used. */
async function measured(work: () => Promise<Figure>, serverPid: number | undefined, postmaster: number): Promise<Figure> {
  const server0 = serverPid ? cpuMs(serverPid) : 0;
  const db0 = databaseCpuMs(postmaster);
  const harness0 = process.cpuUsage();
  const f = await work();
  const harness = process.cpuUsage(harness0);
  const requests = f.perSecond * SECONDS;
  return {
    ...f,
    harnessCpu: (harness.user + harness.system) / 1000 / requests,
    serverCpu: serverPid ? (cpuMs(serverPid) - server0) / requests : undefined,
    databaseCpu: (databaseCpuMs(postmaster) - db0) / requests,
  };
}

/** CLIENTS closed-loop clients calling `call` for `seconds`; requests per second and latency. */
async function closedLoop(call: () => Promise<unknown>, seconds: number): Promise<Figure> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const s = latencyStats(latencies);
  return { perSecond: s.n / seconds, p50: s.p50, p95: s.p95, load: load() };
}

/**
 * PEERS_BENCH_WAITS=1: what PostgreSQL's backends are doing during a run, sampled every 20 ms from
 * pg_stat_activity (state and wait event of each active backend, by the first words of its query).
 */
function activitySampler(pool: pg.Pool | null) {
  const seen = new Map<string, number>();
  let samples = 0;
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      if (!pool) return;
      seen.clear();
      samples = 0;
      timer = setInterval(async () => {
        const { rows } = await pool.query(
          `select state, coalesce(wait_event_type || ':' || wait_event, 'CPU') as wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) as query
           from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() and state <> 'idle'`,
        );
        samples++;
        for (const r of rows) seen.set(`${r.state} | ${r.wait} | ${r.query}`, (seen.get(`${r.state} | ${r.wait} | ${r.query}`) ?? 0) + 1);
      }, 20);
    },
    stop(label: string) {
      if (!timer) return;
      clearInterval(timer);
      console.log(`\n  backends during ${label} (${samples} samples; average busy backends by state | wait | query):`);
      for (const [k, n] of [...seen].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`  ${(n / samples).toFixed(2)} ${k}`);
    },
  };
}

/**
 * POSTs a GraphQL request; any error in the answer fails the bench. Over keep-alive connections
 * (node:http, one per closed-loop client at most): the clients share the machine's two cores with
 * the servers, so what they cost is taken from the servers, and global `fetch` (undici) costs
 * ≈ 0.45 ms of CPU per request here against ≈ 0.15 ms (docs/performance.md). PEERS_BENCH_HTTP=fetch
 * uses fetch, to compare.
 */
function graphqlClient(url: string, token?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const fail = (status: number, json: { errors?: unknown }) => new Error(`${url}: ${status} ${JSON.stringify(json.errors ?? json)}`);
  if (process.env.PEERS_BENCH_HTTP === 'fetch') {
    return async (query: string, variables?: unknown): Promise<any> => {
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const json = (await res.json()) as { data?: unknown; errors?: unknown };
      if (json.errors || !res.ok) throw fail(res.status, json);
      return json.data;
    };
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const target = new URL(url);
  const post = (body: Buffer, retried: boolean): Promise<any> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { agent, method: 'POST', hostname: target.hostname, port: target.port, path: target.pathname, headers: { ...headers, 'content-length': body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown; errors?: unknown };
              if (json.errors || res.statusCode !== 200) reject(fail(res.statusCode ?? 0, json));
              else resolve(json.data);
            } catch (error) {
              reject(error);
            }
          });
          res.on('error', reject);
        },
      );
      // A kept-alive connection the server closed while idle (between rounds) fails when reused:
      // the request never reached it, so it is sent once more (the writes carry idempotency keys).
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (req.reusedSocket && !retried && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) post(body, true).then(resolve, reject);
        else reject(error);
      });
      req.end(body);
    });
  return (query: string, variables?: unknown): Promise<any> => post(Buffer.from(JSON.stringify({ query, variables })), false);
}

async function waitFor(url: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not answer at ${url}`);
}

/** PEERS_BENCH_CPU_PROF=<dir>: both servers write a V8 CPU profile there when they stop. */
function spawnNode(script: string, env: Record<string, string>): ChildProcess {
  const profile = process.env.PEERS_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.PEERS_BENCH_CPU_PROF)}`] : [];
  // PEERS_BENCH_SERVER_LOG=<file>: the servers' logs (stdout) are appended there instead of dropped.
  const out = process.env.PEERS_BENCH_SERVER_LOG ? fs.openSync(process.env.PEERS_BENCH_SERVER_LOG, 'a') : 'ignore';
  return spawn(process.execPath, [...profile, path.join(projectRoot, 'dist', script)], { env: { ...process.env, ...env }, stdio: ['ignore', out, 'inherit'] });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The peer schema: the region table PostGraphile serves, filled from Sunshine's hierarchy. */
async function createPeerRegions(pool: pg.Pool): Promise<void> {
  await pool.query(`
    create schema peer;
    create table peer.region (
      code text collate "C" primary key,
      name text not null,
      level text not null,
      parent_code text collate "C" references peer.region (code));
    create index on peer.region (parent_code);
    insert into peer.region (code, name, level, parent_code) select code, name, level, parent_code from public.region;
    analyze peer.region;`);
}

/** pgledger's SQL, in the order its README gives, into schema `pgledger`; null when PGLEDGER_DIR names no checkout. */
function pgledgerSql(): string[] | null {
  const dir = process.env.PGLEDGER_DIR;
  if (!dir) return null;
  const files = ['vendor/scoville-pgsql-ulid/ulid-to-uuid.sql', 'vendor/scoville-pgsql-ulid/uuid-to-ulid.sql', 'pgledger.sql'].map((f) => path.join(dir, f));
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`PGLEDGER_DIR=${dir} is not a pgledger checkout (missing ${missing.join(', ')})`);
  return files.map((f) => fs.readFileSync(f, 'utf8'));
}

/** A pool whose connections see pgledger's schema first; pgledger's functions installed, accounts created. */
async function installPgledger(url: string, sql: string[]): Promise<{ pool: pg.Pool; accounts: string[] }> {
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS + 2, options: '-c search_path=pgledger,public' });
  pool.on('error', () => {});
  await pool.query('create schema pgledger');
  for (const text of sql) await pool.query(text);
  const accounts: string[] = [];
  for (let i = 0; i < PGLEDGER_ACCOUNTS; i++) {
    accounts.push((await pool.query(`select id from pgledger_create_account($1, 'CNY')`, [`account_${i}`])).rows[0].id);
  }
  return { pool, accounts };
}

/** Requests per group commit since the last call, read from the server's /metrics. */
function groupCommitMeter(base: string) {
  let last = { commits: 0, requests: 0 };
  const read = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string) => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      if (!match) throw new Error(`/metrics has no ${name}`);
      return Number(match[1]);
    };
    return { commits: value('sunshine_ledger_commits_total'), requests: value('sunshine_ledger_committed_requests_total') };
  };
  return {
    async reset() {
      last = await read();
    },
    async perCommit(): Promise<number> {
      const now = await read();
      const perCommit = (now.requests - last.requests) / Math.max(1, now.commits - last.commits);
      last = now;
      return perCommit;
    },
  };
}

const villagesOf = (root: any, childrenOf: (r: any) => any[]): string[] =>
  childrenOf(root).flatMap((county) => childrenOf(county).flatMap((town) => childrenOf(town).map((v) => v.code as string)));

const PEER_DEEP = `{ regionByCode(code: "${CITY}") { name regionsByParentCode { nodes { code name regionsByParentCode { nodes { code name regionsByParentCode { totalCount nodes { code name } } } } } } } }`;
const SUNSHINE_DEEP = `{ region(code: "${CITY}") { name children(first: 20) { nodes { code name children(first: 50) { nodes { code name children(first: 100) { totalCount nodes { code name } } } } } } } }`;
const PEER_POINT = `{ regionByCode(code: "320321000000") { code name level parentCode } }`;
const SUNSHINE_POINT = `{ region(code: "320321000000") { code name level parentCode } }`;
/**
 * The per-credential limits stay on (their cost is part of every request, as in production), set
 * beyond what 8 clients can send in a minute: the 8 clients share one token, and the defaults
 * (1,200 requests, 10 million points a minute) would refuse most of a round.
 */
const LIMITS_ON_NEVER_REACHED = { requests: String(1e9), cost: String(1e13) };
const DISBURSE = `mutation ($input: DisburseInput!) { disburse(input: $input) { replayed transaction { id } } }`;

interface Work {
  name: string;
  label: string;
  peerName: string;
  peer: (() => Promise<unknown>) | null;
  sunshine: () => Promise<unknown>;
  writes: boolean;
}

async function main() {
  const sql = pgledgerSql();
  if (!sql) console.log('> PGLEDGER_DIR is not set: pgledger is not installed and the write rows show Sunshine alone (git clone https://github.com/pgr0ss/pgledger, then PGLEDGER_DIR=<checkout>).\n');

  const { server: database, discard } = await startCityDatabase('sunshine-peers-bench-', 'peers_bench', log);
  const children: ChildProcess[] = [];
  const pools: pg.Pool[] = [];
  const secretsDir = tempDataDir('sunshine-peers-secrets-');
  try {
    const pool = new pg.Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => {});
    pools.push(pool);
    const key = idempotencyKeys();
    const { counties, villages, lots } = await fundCounties(pool, new Ledger(pool), key, CITY, FUND);
    await createPeerRegions(pool);
    const pgledger = sql ? await installPgledger(database.url, sql) : null;
    if (pgledger) pools.push(pgledger.pool);

    const [sunshinePort, peerPort] = [await freePort(), await freePort()];
    const sunshineBase = `http://127.0.0.1:${sunshinePort}`;
    children.push(
      spawnNode('scripts/start.js', {
        DATABASE_URL: database.url, PORT: String(sunshinePort), LOG_LEVEL: 'warn', SUNSHINE_JWT_SECRET: BENCH_SECRET, SUNSHINE_SECRETS_DIR: secretsDir,
        RATE_LIMIT_PER_MINUTE: LIMITS_ON_NEVER_REACHED.requests, GRAPHQL_COST_PER_MINUTE: LIMITS_ON_NEVER_REACHED.cost, SUNSHINE_DEMO_REGISTRY: 'off', SUNSHINE_AUDIT_SCHEDULE: 'off',
      }),
      spawnNode('bench/peers-postgraphile.js', { PEER_DATABASE_URL: database.url, PEER_PORT: String(peerPort), NODE_ENV: 'production' }),
    );
    await waitFor(`${sunshineBase}/readyz`, children[0]!, 'the Sunshine server');
    await waitFor(`http://127.0.0.1:${peerPort}/graphql`, children[1]!, 'PostGraphile');

    const token = await issueToken({ subject: 'bench', roles: ['FINANCE_OFFICER'], jurisdiction: CITY }, secretSigningKey(BENCH_SECRET));
    const sunshine = graphqlClient(`${sunshineBase}/graphql`, token);
    const peer = graphqlClient(`http://127.0.0.1:${peerPort}/graphql`);

    // Same villages on both sides, before anything is timed.
    const ours = villagesOf((await sunshine(SUNSHINE_DEEP)).region, (r) => r.children.nodes);
    const theirs = villagesOf((await peer(PEER_DEEP)).regionByCode, (r) => r.regionsByParentCode.nodes);
    if (ours.length !== 2812 || JSON.stringify([...ours].sort()) !== JSON.stringify([...theirs].sort())) {
      throw new Error(`the deep query's villages differ: Sunshine ${ours.length}, PostGraphile ${theirs.length}`);
    }
    console.log(`- deep query: both sides return the same ${ours.length.toLocaleString('en')} villages (${(JSON.stringify(await sunshine(SUNSHINE_DEEP)).length / 1024).toFixed(0)} KB of data from Sunshine)`);

    // Each county pays PGLEDGER_ACCOUNTS payees in turn, as pgledger moves money between that many
    // accounts: after the warm-up the accounts exist on both sides (a county pays the same people
    // every month). Until 2026-12-02 every disbursement paid a new payee, so each one also created
    // an account (an extra statement per group), which pgledger's side never does.
    let payee = 0;
    const disburse = (county: string) =>
      sunshine(DISBURSE, {
        input: {
          idempotencyKey: key('pay'), effectiveDate: '2026-02-10', regionCode: county, fundLine: FUND, amount: String(10000 + (payee % 50) * 100),
          payeeType: 'PERSON', payeeId: `E${county.slice(4, 6)}-${payee % PGLEDGER_ACCOUNTS}`, serviceMonth: '2026-02', benefitCode: 'SA_MONTHLY',
          villageCode: villages.get(county)![payee++ % villages.get(county)!.length]!, lotId: toGlobalId('Lot', lots.get(county)!),
        },
      });
    const transfer = (from: string, to: string) => pgledger!.pool.query('select id from pgledger_create_transfer($1, $2, $3)', [from, to, (1 + Math.floor(Math.random() * 999_999)) / 100]);
    const randomPair = () => {
      const from = pick(pgledger!.accounts);
      let to = pick(pgledger!.accounts);
      while (to === from) to = pick(pgledger!.accounts);
      return [from, to] as const;
    };

    const works: Work[] = [
      {
        name: 'many', label: `single disbursements, ${PGLEDGER_ACCOUNTS} accounts / ${counties.length} lots`, peerName: 'pgledger', writes: true,
        peer: pgledger ? () => transfer(...randomPair()) : null,
        sunshine: () => disburse(pick(counties)),
      },
      {
        name: 'hot', label: 'single disbursements, one hot lot', peerName: 'pgledger', writes: true,
        peer: pgledger ? () => transfer(pgledger.accounts[0]!, pick(pgledger.accounts.slice(1))) : null,
        sunshine: () => disburse(counties[0]!),
      },
      { name: 'deep', label: `deep city→counties→towns→villages query (${ours.length.toLocaleString('en')} villages)`, peerName: 'PostGraphile 5', writes: false, peer: () => peer(PEER_DEEP), sunshine: () => sunshine(SUNSHINE_DEEP) },
      { name: 'point', label: 'point lookup of one region', peerName: 'PostGraphile 5', writes: false, peer: () => peer(PEER_POINT), sunshine: () => sunshine(SUNSHINE_POINT) },
    ].filter((w) => !ONLY || ONLY.includes(w.name));

    // Warm both sides (JIT, plan caches, connection pools) before the first round.
    for (const w of works) {
      if (w.peer) await closedLoop(w.peer, 1);
      await closedLoop(w.sunshine, 1);
    }

    const meter = groupCommitMeter(sunshineBase);
    const activity = activitySampler(process.env.PEERS_BENCH_WAITS ? pool : null);
    const dataDirectory = (await pool.query(`select setting from pg_settings where name = 'data_directory'`)).rows[0].setting as string;
    const postmaster = Number(fs.readFileSync(path.join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const cpuCell = (f: Figure) => `${f.serverCpu === undefined ? '–' : f.serverCpu.toFixed(2)} + ${f.databaseCpu!.toFixed(2)} + ${f.harnessCpu!.toFixed(2)}`;
    const results = new Map<string, { peer: Figure[]; sunshine: Figure[]; perCommit: number[] }>(works.map((w) => [w.name, { peer: [], sunshine: [], perCommit: [] }]));
    console.log(`\n## Rounds (${CLIENTS} clients, ${SECONDS} s per side, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? ''})\n`);
    console.log('| round | work | side | req/s | p50 ms | p95 ms | CPU ms per request (server + PostgreSQL + clients) | requests per commit | load |\n|---:|---|---|---:|---:|---:|---:|---:|---:|');
    for (let round = 1; round <= ROUNDS; round++) {
      for (const w of works) {
        const r = results.get(w.name)!;
        const sides = round % 2 ? (['peer', 'sunshine'] as const) : (['sunshine', 'peer'] as const);
        for (const side of sides) {
          if (side === 'peer') {
            if (!w.peer) continue;
            activity.start();
            const f = await measured(() => closedLoop(w.peer!, SECONDS), w.writes ? undefined : children[1]!.pid, postmaster);
            activity.stop(`${w.peerName} ${w.name}`);
            r.peer.push(f);
            console.log(`| ${round} | ${w.name} | ${w.peerName} | ${f.perSecond.toFixed(0)} | ${f.p50.toFixed(1)} | ${f.p95.toFixed(1)} | ${cpuCell(f)} | | ${f.load} |`);
          } else {
            if (w.writes) await meter.reset();
            activity.start();
            const f = await measured(() => closedLoop(w.sunshine, SECONDS), children[0]!.pid, postmaster);
            activity.stop(`Sunshine ${w.name}`);
            const perCommit = w.writes ? await meter.perCommit() : NaN;
            r.sunshine.push(f);
            if (w.writes) r.perCommit.push(perCommit);
            console.log(`| ${round} | ${w.name} | Sunshine | ${f.perSecond.toFixed(0)} | ${f.p50.toFixed(1)} | ${f.p95.toFixed(1)} | ${cpuCell(f)} | ${w.writes ? perCommit.toFixed(1) : ''} | ${f.load} |`);
          }
        }
      }
    }

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const span = (fs: Figure[]) => `${Math.min(...fs.map((f) => f.perSecond)).toFixed(0)}–${Math.max(...fs.map((f) => f.perSecond)).toFixed(0)}/s`;
    const loads = (fs: Figure[]) => fs.map((f) => f.load).join(', ');
    console.log('\n## Side by side (median of rounds; range; ratio = median of the rounds\' Sunshine / peer)\n');
    const cpu = (fs: Figure[]) => median(fs.map((f) => (f.serverCpu ?? 0) + f.databaseCpu!));
    console.log('| work | peer | Sunshine over HTTP | ratio | CPU ms per request, peer / Sunshine (server + PostgreSQL) | load during the rounds |\n|---|---:|---:|---:|---:|---|');
    for (const w of works) {
      const r = results.get(w.name)!;
      const ratio = r.peer.length ? median(r.sunshine.map((s, i) => s.perSecond / r.peer[i]!.perSecond)).toFixed(2) : 'n/a';
      const peerCell = r.peer.length ? `${w.peerName} ${median(r.peer.map((f) => f.perSecond)).toFixed(0)}/s (${span(r.peer)})` : `${w.peerName}: not installed`;
      const cpuCell = `${r.peer.length ? cpu(r.peer).toFixed(2) : '–'} / ${cpu(r.sunshine).toFixed(2)}`;
      console.log(`| ${w.label} | ${peerCell} | ${median(r.sunshine.map((f) => f.perSecond)).toFixed(0)}/s (${span(r.sunshine)}) | ${ratio} | ${cpuCell} | ${loads([...r.peer, ...r.sunshine])} |`);
    }
  } finally {
    for (const child of children) await stop(child);
    for (const p of pools) await p.end();
    await discard();
    fs.rmSync(secretsDir, { recursive: true, force: true });
  }
}

runBench(main);
