#!/usr/bin/env node
// sunshine-verify: offline checks of Sunshine ledger bundles, and the witness side of checkpoints.
// Plain Node (≥ 20), no dependencies, no network, no database.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { verifyBundle } from '../lib/bundle.js';
import { COSIGNATURE_ED25519, formatSignerKey, NOTE_ED25519, parseSignerKey, parseVerifierKey, signerFromSeed } from '../lib/note.js';
import { cosign } from '../lib/witness.js';

const USAGE = `usage:
  sunshine-verify bundle <bundle.jsonl | dir> --key <vkey | file> [--key …] [--witness-key <vkey | file> …]
                  [--quorum N] [--saved <checkpoint file>] [--threads N] [--json]
      exit 0: every check passed; 1: a check failed; 2: the command could not run
      --threads N: worker threads besides the main one (default: cores - 1); the first hashes the file
      and builds the Merkle tree, the others parse and hash transactions; 0: all on the main thread
  sunshine-verify witness --signer <key file> --log-key <vkey | file> --state <file> --checkpoint <file> [--proof <json file>]
      prints the checkpoint with this witness's cosignature (tlog-cosignature/v1)
  sunshine-verify keygen --name <name> [--witness]
      prints a new signer key (keep it secret) and its verifier key`;

/** vkeys given inline or as files with one per line. */
function readKeys(values = []) {
  return values.flatMap((value) => {
    const text = existsSync(value) ? readFileSync(value, 'utf8') : value;
    return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map(parseVerifierKey);
  });
}

/**
 * The signer key of a key file: the PRIVATE+KEY+… line of what keygen printed (its second line, the
 * verifier key, may stay in the file: `keygen … > witness.key` is the documented way to make one).
 */
function readSigner(path) {
  const line = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).find((l) => l.startsWith('PRIVATE+KEY+'));
  if (!line) throw new UsageError(`${path} holds no signer key (a PRIVATE+KEY+… line, as keygen prints)`);
  return parseSignerKey(line);
}

function bundleFile(path) {
  return statSync(path).isDirectory() ? join(path, 'bundle.jsonl') : path;
}

async function runBundle(args) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { key: { type: 'string', multiple: true }, 'witness-key': { type: 'string', multiple: true }, quorum: { type: 'string' }, saved: { type: 'string' }, json: { type: 'boolean' }, threads: { type: 'string' } },
  });
  if (positionals.length !== 1 || !values.key) throw new UsageError('bundle needs one bundle and at least one --key');
  const logKeys = readKeys(values.key).filter((k) => k.type === NOTE_ED25519);
  const witnessKeys = readKeys(values['witness-key']).filter((k) => k.type === COSIGNATURE_ED25519);
  const started = performance.now();
  const result = await verifyBundle(bundleFile(positionals[0]), {
    logKeys,
    witnessKeys,
    quorum: Number(values.quorum ?? 0),
    saved: values.saved ? readFileSync(values.saved, 'utf8') : null,
    ...(values.threads !== undefined ? { threads: Number(values.threads) } : {}),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const cpu = process.cpuUsage();
  const cpuSeconds = ((cpu.user + cpu.system) / 1e6).toFixed(2);
  // The main thread's own share (Node ≥ 23.9): on an idle machine with a core per thread, the wall-clock floor.
  const main = process.threadCpuUsage?.();
  const mainSeconds = main ? ((main.user + main.system) / 1e6).toFixed(2) : null;
  const times = `${seconds} s, CPU ${cpuSeconds} s${mainSeconds ? `, main thread ${mainSeconds} s` : ''}`;
  if (values.json) {
    process.stdout.write(JSON.stringify({ ...result, seconds: Number(seconds), cpuSeconds: Number(cpuSeconds), mainThreadCpuSeconds: mainSeconds && Number(mainSeconds) }) + '\n');
  } else {
    for (const f of result.failures) {
      const where = f.seq ? `seq ${f.seq} ` : f.line ? `line ${f.line} ` : '';
      process.stdout.write(`FAIL ${where}${f.check}: expected ${f.expected}; found ${f.found}\n`);
    }
    if (result.count > result.failures.length) process.stdout.write(`… and ${result.count - result.failures.length} more failures\n`);
    const s = result.stats;
    process.stdout.write(
      result.ok
        ? `OK: ${s.transactions} transactions, tree size ${s.treeSize}, root ${s.root}${s.cosignatures?.length ? `, cosigned by ${s.cosignatures.join(', ')}` : ''} (${times})\n`
        : `FAILED: ${result.count} failure(s) (${times})\n`,
    );
  }
  return result.ok ? 0 : 1;
}

function runWitness(args) {
  const { values } = parseArgs({
    args,
    options: { signer: { type: 'string' }, 'log-key': { type: 'string', multiple: true }, state: { type: 'string' }, checkpoint: { type: 'string' }, proof: { type: 'string' } },
  });
  if (!values.signer || !values['log-key'] || !values.state || !values.checkpoint) throw new UsageError('witness needs --signer, --log-key, --state and --checkpoint');
  const signer = readSigner(values.signer);
  if (signer.type !== COSIGNATURE_ED25519) throw new UsageError('the --signer key is not a witness key (make one with keygen --witness)');
  const cosigned = cosign({
    note: readFileSync(values.checkpoint, 'utf8'),
    logKeys: readKeys(values['log-key']).filter((k) => k.type === NOTE_ED25519),
    signer,
    stateFile: values.state,
    proof: values.proof ? JSON.parse(readFileSync(values.proof, 'utf8')) : null,
  });
  process.stdout.write(cosigned);
  return 0;
}

function runKeygen(args) {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, witness: { type: 'boolean' } } });
  if (!values.name) throw new UsageError('keygen needs --name');
  const seed = randomBytes(32);
  const signer = signerFromSeed(values.name, seed, values.witness ? COSIGNATURE_ED25519 : NOTE_ED25519);
  process.stdout.write(`${formatSignerKey(signer, seed)}\n${signer.vkey}\n`);
  return 0;
}

class UsageError extends Error {}

const [command, ...rest] = process.argv.slice(2);
const commands = { bundle: runBundle, witness: runWitness, keygen: runKeygen };
try {
  if (!commands[command]) throw new UsageError(command ? `unknown command "${command}"` : 'no command');
  process.exitCode = await commands[command](rest);
} catch (error) {
  process.stderr.write(`sunshine-verify: ${error.message}\n${error instanceof UsageError ? USAGE + '\n' : ''}`);
  process.exitCode = 2;
}
