/** Helpers for the proof tests: the offline verifier's own modules (plain JS, loaded by path) and its CLI. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { COSIGNATURE_ED25519, formatSignerKey, signerFromSeed, type Signer } from '../../ledger/proof/note.js';
import { proofKeysFrom, type ProofKeys } from '../../ledger/proof/keys.js';

export const VERIFIER = path.resolve('verifier/bin/sunshine-verify.js');

/** Imports a module of verifier/lib (kept out of the TypeScript build on purpose: no server code there, no types). */
export async function verifierModule(name: string): Promise<any> {
  return import(pathToFileURL(path.resolve('verifier/lib', name)).href);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs sunshine-verify with the Node that runs the tests. */
export function runVerifier(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [VERIFIER, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export const ORIGIN = 'sunshine.test/ledger';

export interface TestKeys {
  keys: ProofKeys;
  logSeed: Buffer;
  witness: Signer;
  witnessSeed: Buffer;
  /** The witness's key file text (as `sunshine-verify keygen --witness` prints it). */
  witnessKeyText: string;
}

export function testKeys(): TestKeys {
  const logSeed = randomBytes(32);
  const witnessSeed = randomBytes(32);
  const log = signerFromSeed(ORIGIN, logSeed);
  const witness = signerFromSeed('audit.test/witness', witnessSeed, COSIGNATURE_ED25519);
  return {
    keys: proofKeysFrom({ origin: ORIGIN, signerKeys: [formatSignerKey(log, logSeed)], witnesses: [witness.vkey] }),
    logSeed,
    witness,
    witnessSeed,
    witnessKeyText: formatSignerKey(witness, witnessSeed),
  };
}
