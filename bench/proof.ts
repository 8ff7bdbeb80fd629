/**
 * npm run bench:proof — what proofs without trust cost (figures in docs/proof.md).
 *
 *   1. Write throughput of single disbursements (8 concurrent callers, group commit) with and without
 *      the checkpointer running (integrate + sign every second), in alternating rounds off, on, …, off;
 *      each "on" round is compared with its two neighbours, so the drift of the write rate as the
 *      ledger grows cancels: checkpointing must cost < 10% of write throughput.
 *   2. Integrating a backlog (a disburseBatch of PROOF_BENCH_BATCH lines) into the tree, signing, and
 *      proof latency; exporting the whole city as a bundle and verifying it offline.
 *   3. Offline verification of a synthetic bundle of PROOF_BENCH_TOTAL (default 1,000,000)
 *      transactions, generated with the verifier's own encoding: must take < 10 s.
 *      PROOF_BENCH_FORMAT: v2 (default, compact transaction lines) or v1 (JSON only).
 * Options (env): PROOF_BENCH_SECONDS (per throughput round, default 6), PROOF_BENCH_ROUNDS (default 11), PROOF_BENCH_FIRST (off|on),
 * PROOF_BENCH_SKIP_OFFLINE=1, PROOF_BENCH_SKIP_DB=1, PROOF_BENCH_KEEP=1, PROOF_BENCH_BATCH (default
 * 100,000), PROOF_BENCH_TOTAL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { Ledger } from '../ledger/ledger.js';
import { hashRequest } from '../ledger/requests.js';
import type { DisburseInput } from '../ledger/types.js';
import { ProofService, proofKeysFrom, integrateAll, writeBundle, BUNDLE_FORMATS, type BundleFormat } from '../ledger/proof/index.js';
import { transactionLine, type LineRecord } from '../ledger/proof/bundle-line.js';
import { formatSignerKey, signerFromSeed, checkpointText, signNote } from '../ledger/proof/note.js';
import { idempotencyKeys, latencyStats, load, runBench, startCityDatabase } from './support.js';

const SECONDS = Number(process.env.PROOF_BENCH_SECONDS ?? 6);
const ROUNDS = 2 * Math.floor(Number(process.env.PROOF_BENCH_ROUNDS ?? 11) / 2) + 1; // odd: off, on, …, off
/** PROOF_BENCH_FIRST=on: on, off, …, on instead (each "on" round inside is compared with its two "off" neighbours either way). */
const FIRST_ON = process.env.PROOF_BENCH_FIRST === 'on';
const isOn = (round: number) => (round % 2 === 1) !== FIRST_ON;
const BATCH = Number(process.env.PROOF_BENCH_BATCH ?? 100_000);
const TOTAL = Number(process.env.PROOF_BENCH_TOTAL ?? 1_000_000);
const FORMAT = (process.env.PROOF_BENCH_FORMAT ?? 'v2') as BundleFormat;
const CALLERS = 8;
const CITY = '320300000000';
const FUND = 'SENIOR_ALLOWANCE';
const ORIGIN = 'bench.sunshine/ledger';
const log = pino({ level: 'warn' });
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const verifierBin = path.join(root, 'verifier/bin/sunshine-verify.js');
const key = idempotencyKeys();

function runVerifier(bundle: string, keys: string): { seconds: number; out: string } {
  const started = performance.now();
  const out = execFileSync(process.execPath, [verifierBin, 'bundle', bundle, '--key', keys], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { seconds: (performance.now() - started) / 1000, out: out.trim() };
}

async function databasePart(seed: Buffer, tmp: string): Promise<void> {
  const { server, discard } = await startCityDatabase('sunshine-proof-bench-', 'proof_bench', log);
  const pool = new pg.Pool({ connectionString: server.url, max: CALLERS + 4 });
  pool.on('error', () => {});
  const signer = signerFromSeed(ORIGIN, seed);
  const proofs = new ProofService(pool, proofKeysFrom({ origin: ORIGIN, signerKeys: [formatSignerKey(signer, seed)] }), { log });
  const ledger = new Ledger(pool);
  try {
    const counties = (await pool.query(`select code, subtree_max from region where level = 'COUNTY' and code like '3203%' order by code`)).rows;
    const villages = new Map<string, string>();
    for (const c of counties) villages.set(c.code, (await pool.query(`select code from region where level = 'VILLAGE' and code between $1 and $2 limit 1`, [c.code, c.subtree_max])).rows[0].code);
    const app = await ledger.appropriate({ idempotencyKey: key('app'), effectiveDate: '2026-01-02', regionCode: CITY, fundLine: FUND, amount: 10n ** 15n, fiscalYear: 2026, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: '苏财社〔2026〕1号' }, 'bench');
    const lots = new Map<string, string>();
    for (const c of counties) {
      const alloc = await ledger.allocate({ idempotencyKey: key('alloc'), effectiveDate: '2026-01-05', fromRegionCode: CITY, toRegionCode: c.code, fundLine: FUND, amount: 10n ** 13n, documentNo: `徐财社〔2026〕${c.code}`, lotId: app.transaction.postings[0]!.lotId }, 'bench');
      await ledger.receiveAllocation({ idempotencyKey: key('recv'), effectiveDate: '2026-01-06', allocationId: alloc.transaction.id }, 'bench');
      lots.set(c.code, alloc.transaction.postings.find((p) => p.accountKind === 'IN_TRANSIT_DOWN')!.lotId);
    }
    const codes = counties.map((c) => c.code as string);
    const line = (i: number, month = '2026-02'): DisburseInput => {
      const county = codes[i % codes.length]!;
      return { idempotencyKey: key('pay'), effectiveDate: `${month}-10`, regionCode: county, fundLine: FUND, amount: BigInt(10000 + (i % 50) * 100), payeeType: 'PERSON', payeeId: `E${county.slice(4, 6)}-${i % 20000}`, serviceMonth: month, benefitCode: 'SA_MONTHLY', villageCode: villages.get(county)!, lotId: lots.get(county)! };
    };
    await integrateAll(pool);
    await proofs.signIfDue();

    async function throughput(): Promise<number> {
      let done = 0;
      const until = performance.now() + SECONDS * 1000;
      await Promise.all(Array.from({ length: CALLERS }, async () => {
        while (performance.now() < until) {
          await ledger.disburse(line(Math.floor(Math.random() * 1e6)), 'bench');
          done++;
        }
      }));
      return done / SECONDS;
    }
    // Rounds alternate off, on, off, …, off over the same growing ledger, and each "on" round is
    // compared with the mean of the "off" rounds just before and after it: a write rate that drifts
    // as the ledger grows (it does) cancels out of each ratio, instead of swamping the comparison.
    console.log(`## Checkpointing and write throughput (${CALLERS} concurrent callers, ${ROUNDS} alternating rounds of ${SECONDS} s, fsync on, ${os.cpus().length} cores; load average ${load()})\n`);
    console.log('| round | checkpointer | disbursements/s | on ÷ mean of neighbours | checkpoints signed | checkpointer busy | load after |\n|---:|---|---:|---:|---:|---:|---:|');
    const rates: number[] = [];
    const rows: string[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const on = isOn(round);
      const before = await proofs.checkpointCount();
      const busyBefore = proofs.stats.busyMs;
      if (on) proofs.start(1000);
      const rate = await throughput();
      if (on) await proofs.stop();
      else await integrateAll(pool); // (untimed) the next "on" round starts from an integrated tree, as in steady state
      rates.push(rate);
      const busy = on ? `${((proofs.stats.busyMs - busyBefore) / SECONDS).toFixed(0)} ms/s` : '–';
      rows.push([String(round + 1), on ? 'on' : 'off', rate.toFixed(0), '', String((await proofs.checkpointCount()) - before), busy, load()]);
    }
    const ratios: number[] = [];
    for (let round = isOn(1) ? 1 : 2; round < ROUNDS - 1; round += 2) {
      const ratio = rates[round]! / ((rates[round - 1]! + rates[round + 1]!) / 2);
      ratios.push(ratio);
      rows[round]![3] = `${(100 * ratio).toFixed(1)}%`;
    }
    for (const row of rows) console.log(`| ${row.join(' | ')} |`);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(
      `\n- write throughput with the checkpointer ÷ without (each "on" round against its two neighbours): median ${(100 * median(ratios)).toFixed(1)}%, mean ${(100 * mean(ratios)).toFixed(1)}%, ` +
        `range ${(100 * Math.min(...ratios)).toFixed(1)}–${(100 * Math.max(...ratios)).toFixed(1)}% over ${ratios.length} rounds; ` +
        `the checkpointer's rounds took ${(proofs.stats.busyMs / proofs.stats.rounds).toFixed(0)} ms on average, once a second`,
    );

    await proofs.step();
    const t0 = performance.now();
    await ledger.disburseBatch(Array.from({ length: BATCH }, (_, i) => line(i, '2026-03')), 'bench');
    const batchSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const head = await integrateAll(pool);
    const integrateSeconds = (performance.now() - t1) / 1000;
    const t2 = performance.now();
    await proofs.signIfDue();
    const signMs = performance.now() - t2;
    console.log(`- a backlog of ${BATCH.toLocaleString('en')} transactions (written in ${batchSeconds.toFixed(1)} s) integrated into the tree in ${integrateSeconds.toFixed(1)} s (${(BATCH / integrateSeconds).toFixed(0)} leaves/s), tree size ${head!.size.toLocaleString('en')}; consistency check + signing ${signMs.toFixed(0)} ms (load ${load()})`);
    const nodes = (await pool.query(`select count(*)::int as n, pg_total_relation_size('ledger.merkle_node') as bytes from ledger.merkle_node`)).rows[0];
    console.log(`- stored tree: ${nodes.n.toLocaleString('en')} nodes, ${(Number(nodes.bytes) / head!.size).toFixed(0)} bytes per transaction with its index`);
    const inclusion: number[] = [];
    const consistency: number[] = [];
    for (let i = 0; i < 200; i++) {
      const seq = 1 + Math.floor(Math.random() * head!.size);
      let t = performance.now();
      await proofs.inclusionProof(seq, head!.size);
      inclusion.push(performance.now() - t);
      t = performance.now();
      await proofs.consistencyProof(Math.max(1, seq - 1), head!.size);
      consistency.push(performance.now() - t);
    }
    const i = latencyStats(inclusion);
    const c = latencyStats(consistency);
    console.log(`- inclusion proof p50 ${i.p50.toFixed(1)} ms, p95 ${i.p95.toFixed(1)} ms; consistency proof p50 ${c.p50.toFixed(1)} ms, p95 ${c.p95.toFixed(1)} ms (200 each)`);
    const t3 = performance.now();
    const verified = await proofs.verifyAgainstCheckpoint();
    console.log(`- verifyLedger's checkpoint check over ${head!.size.toLocaleString('en')} transactions: ${((performance.now() - t3) / 1000).toFixed(1)} s (ok: ${verified.ok})`);

    const bundle = path.join(tmp, 'city.jsonl');
    const out = fs.createWriteStream(bundle);
    const t4 = performance.now();
    const written = await writeBundle(pool, proofs, { region: CITY, from: null, to: null, actor: { subject: 'bench', roles: ['CLI'], tokenId: null } }, (text) => new Promise<void>((resolve) => (out.write(text) ? resolve() : out.once('drain', () => resolve()))));
    await new Promise((resolve) => out.end(resolve));
    const exportSeconds = (performance.now() - t4) / 1000;
    fs.writeFileSync(path.join(tmp, 'keys.txt'), signer.vkey + '\n');
    const check = runVerifier(bundle, path.join(tmp, 'keys.txt'));
    console.log(`- whole-city bundle of ${written.transactions.toLocaleString('en')} transactions: exported in ${exportSeconds.toFixed(1)} s (${(fs.statSync(bundle).size / 2 ** 20).toFixed(0)} MiB), verified offline in ${check.seconds.toFixed(1)} s: ${check.out.split('\n').at(-1)}`);
  } finally {
    await pool.end();
    await discard();
  }
}

/** A synthetic whole-city bundle of `total` transactions: 10 county appropriations, then disbursements. */
async function syntheticBundle(file: string, total: number, seed: Buffer): Promise<void> {
  const { transactionHash } = await import(pathToFileURL(path.join(root, 'verifier/lib/canonical.js')).href);
  const { TreeBuilder } = await import(pathToFileURL(path.join(root, 'verifier/lib/merkle.js')).href);
  const counties = Array.from({ length: 10 }, (_, k) => `3203${String(21 + k).padStart(2, '0')}000000`);
  const payees = 1000;
  const tx = (i: number) => {
    const k = (i - 1) % counties.length;
    const region = counties[k]!;
    const base = {
      id: String(i), seq: String(i), idempotencyKey: `bench-${i}`, requestHash: createHash('sha256').update(String(i)).digest('hex'), fundLine: FUND, regionCode: region,
      counterpartRegionCode: null, effectiveDate: '2026-03-10', recordedAtMicros: String(1_780_000_000_000_000 + i), memo: null, actor: 'bench', reversesId: null, reason: null, allocationId: null,
    };
    if (i <= counties.length) {
      // the request hash the server gives an appropriation: the verifier recomputes it (the lot's fiscal year and funding source are in it)
      const requestHash = hashRequest('APPROPRIATION', { idempotencyKey: base.idempotencyKey, effectiveDate: base.effectiveDate, memo: null, regionCode: region, fundLine: FUND, amount: 100_000_000_000_000n, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '苏财社〔2026〕1号' }).toString('hex');
      return { ...base, requestHash, kind: 'APPROPRIATION', documentNo: '苏财社〔2026〕1号', payeeType: null, payeeId: null, serviceMonth: null, benefitCode: null, beneficiaryVillageCode: null,
        postings: [{ id: String(2 * i - 1), accountId: String(k + 1), lotId: String(k + 1), amount: '100000000000000', effectiveDate: '2026-03-10' }, { id: String(2 * i), accountId: String(101 + k), lotId: String(k + 1), amount: '-100000000000000', effectiveDate: '2026-03-10' }] };
    }
    const payee = i % payees;
    const amount = String(10000 + (i % 50) * 100);
    return { ...base, kind: 'DISBURSEMENT', documentNo: null, payeeType: 'PERSON', payeeId: `E${k}-${payee}`, serviceMonth: '2026-03', benefitCode: 'SA_MONTHLY', beneficiaryVillageCode: region.slice(0, 9) + '201',
      postings: [{ id: String(2 * i - 1), accountId: String(k + 1), lotId: String(k + 1), amount: `-${amount}`, effectiveDate: '2026-03-10' }, { id: String(2 * i), accountId: String(1000 + k * payees + payee), lotId: String(k + 1), amount, effectiveDate: '2026-03-10' }] };
  };
  // Pass 1: the chain and its leaves, and the balances the bundle states.
  const leaves = Buffer.alloc(total * 32);
  const tree = new TreeBuilder();
  const balances = new Map<string, bigint>();
  let prev = '0'.repeat(64);
  for (let i = 1; i <= total; i++) {
    const t: any = { ...tx(i), prevHash: prev };
    prev = transactionHash(t);
    Buffer.from(prev, 'hex').copy(leaves, (i - 1) * 32);
    tree.push(leaves.subarray((i - 1) * 32, i * 32));
    for (const p of t.postings) balances.set(`${p.accountId}|${p.lotId}`, (balances.get(`${p.accountId}|${p.lotId}`) ?? 0n) + BigInt(p.amount));
  }
  const signer = signerFromSeed(ORIGIN, seed);
  const out = fs.createWriteStream(file);
  const digest = createHash('sha256');
  let lines = 0;
  let buffer: string[] = [];
  const emit = async (record: Record<string, unknown>, flush = false) => {
    const text = FORMAT === 'v2' && record.type === 'transaction' ? transactionLine(record as LineRecord) : JSON.stringify(record) + '\n';
    digest.update(text);
    lines++;
    buffer.push(text);
    if (buffer.length >= 1000 || flush) {
      if (!out.write(buffer.join(''))) await new Promise((resolve) => out.once('drain', () => resolve(undefined)));
      buffer = [];
    }
  };
  await emit({ type: 'header', format: BUNDLE_FORMATS[FORMAT], origin: ORIGIN, region: CITY, from: null, to: null, treeSize: total, generatedAt: new Date().toISOString() });
  await emit({ type: 'checkpoint', note: signNote(checkpointText(ORIGIN, total, tree.root()), signer) });
  for (let start = 0; start < total; start += 8192) await emit({ type: 'leaves', start, hashes: leaves.subarray(start * 32, Math.min(total, start + 8192) * 32).toString('base64') });
  for (let k = 0; k < counties.length; k++) {
    await emit({ type: 'account', id: String(k + 1), regionCode: counties[k], fundLine: FUND, kind: 'AVAILABLE', payeeType: null, payeeId: null });
    await emit({ type: 'account', id: String(101 + k), regionCode: counties[k], fundLine: FUND, kind: 'FUNDING_SOURCE', payeeType: null, payeeId: null });
    for (let j = 0; j < payees; j++) await emit({ type: 'account', id: String(1000 + k * payees + j), regionCode: counties[k], fundLine: FUND, kind: 'EXPENDITURE', payeeType: 'PERSON', payeeId: `E${k}-${j}` });
  }
  for (let k = 0; k < counties.length; k++) await emit({ type: 'lot', id: String(k + 1), fundLine: FUND, regionCode: counties[k], parentLotId: null, fiscalYear: 2026, fundingSource: 'OWN_BUDGET', documentNo: '苏财社〔2026〕1号', createdByTransactionId: String(k + 1) });
  prev = '0'.repeat(64);
  for (let i = 1; i <= total; i++) {
    const t: any = { type: 'transaction', ...Object.fromEntries(Object.entries(tx(i)).filter(([, v]) => v !== null)), prevHash: prev };
    t.hash = leaves.subarray((i - 1) * 32, i * 32).toString('hex');
    prev = t.hash;
    await emit(t);
  }
  for (const [k, balance] of balances) if (balance !== 0n) await emit({ type: 'balance', accountId: k.split('|')[0], lotId: k.split('|')[1], balance: String(balance) });
  // Trial lines from the postings (debits and credits separately).
  const trial = new Map<string, [bigint, bigint]>();
  for (let i = 1; i <= total; i++) {
    for (const p of tx(i).postings) {
      const id = Number(p.accountId);
      const county = counties[id <= 10 ? id - 1 : id < 1000 ? id - 101 : Math.floor((id - 1000) / payees)]!;
      const kind = id <= 10 ? 'AVAILABLE' : id < 1000 ? 'FUNDING_SOURCE' : 'EXPENDITURE';
      const sums = trial.get(`${county}|${kind}`) ?? [0n, 0n] as [bigint, bigint];
      const amount = BigInt(p.amount);
      if (amount > 0n) sums[0] += amount;
      else sums[1] -= amount;
      trial.set(`${county}|${kind}`, sums);
    }
  }
  for (const [k, [debits, credits]] of trial) {
    const [regionCode, accountKind] = k.split('|');
    await emit({ type: 'trial', regionCode, fundLine: FUND, accountKind, opening: '0', debits: String(debits), credits: String(credits), closing: String(debits - credits) });
  }
  if (buffer.length) out.write(buffer.join(''));
  out.write(JSON.stringify({ type: 'end', lines, sha256: digest.digest('hex') }) + '\n');
  await new Promise((resolve) => out.end(resolve));
}

async function main() {
  const seed = randomBytes(32);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-proof-bench-files-'));
  try {
    if (process.env.PROOF_BENCH_SKIP_DB !== '1') await databasePart(seed, tmp);
    if (process.env.PROOF_BENCH_SKIP_OFFLINE === '1') return;
    const file = path.join(tmp, 'synthetic.jsonl');
    const t = performance.now();
    await syntheticBundle(file, TOTAL, seed);
    const generated = (performance.now() - t) / 1000;
    fs.writeFileSync(path.join(tmp, 'keys.txt'), signerFromSeed(ORIGIN, seed).vkey + '\n');
    const check = runVerifier(file, path.join(tmp, 'keys.txt'));
    console.log(`\n## Offline verification\n\n- synthetic whole-city bundle (format ${FORMAT}) of ${TOTAL.toLocaleString('en')} transactions (${(fs.statSync(file).size / 2 ** 20).toFixed(0)} MiB, generated in ${generated.toFixed(0)} s): verified in ${check.seconds.toFixed(1)} s — ${check.out.split('\n').at(-1)} (load ${load()})`);
  } finally {
    if (process.env.PROOF_BENCH_KEEP === '1') console.log(`(files kept in ${tmp})`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

runBench(main);
