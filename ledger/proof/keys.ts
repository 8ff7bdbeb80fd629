/**
 * The checkpoint signing keys and the witnesses' public keys, from configuration:
 *   SUNSHINE_CHECKPOINT_ORIGIN  the log's origin line and key name (default sunshine.local/ledger);
 *   SUNSHINE_CHECKPOINT_KEY     signer keys "PRIVATE+KEY+<name>+<id>+<base64>", comma- or newline-separated;
 *                               the first signs, the others are kept to publish (rotation by key id);
 *                               outside production, when unset, a generated seed under .data/secrets;
 *   SUNSHINE_CHECKPOINT_VKEYS   retired log verifier keys to keep publishing (their private part gone);
 *   SUNSHINE_WITNESS_KEYS       witnesses' cosignature verifier keys (type 0x04), whose cosignatures are accepted.
 */
import { secretFromEnv } from '../../platform/secrets.js';
import { checkpointKeySettings, type CheckpointKeySettings } from '../../platform/config.js';
import { COSIGNATURE_ED25519, NOTE_ED25519, parseSignerKey, parseVerifierKey, signerFromSeed, type Signer, type VerifierKey } from './note.js';

export interface ProofKeys {
  origin: string;
  signer: Signer;
  /** Every log key to publish and accept: the signer first, then older ones. */
  logKeys: VerifierKey[];
  witnesses: VerifierKey[];
}

const list = (text: string | undefined) => (text ?? '').split(/[\n,]/).map((s) => s.trim()).filter(Boolean);

export function proofKeysFrom(options: { origin?: string; signerKeys?: string[]; retired?: string[]; witnesses?: string[] }): ProofKeys {
  const origin = options.origin ?? 'sunshine.local/ledger';
  const signers = (options.signerKeys ?? []).map(parseSignerKey);
  for (const s of signers) if (s.type !== NOTE_ED25519) throw new Error(`checkpoint key ${s.name} is not a note-signing (0x01) key`);
  const retired = (options.retired ?? []).map(parseVerifierKey);
  const witnesses = (options.witnesses ?? []).map(parseVerifierKey);
  for (const w of witnesses) if (w.type !== COSIGNATURE_ED25519) throw new Error(`witness key ${w.name} is not a cosignature (0x04) key`);
  const signer = signers[0];
  if (!signer) throw new Error('no checkpoint signing key');
  if (signer.name !== origin) throw new Error(`the checkpoint key is named ${signer.name}, the origin is ${origin}: they must be the same`);
  return { origin, signer, logKeys: [...signers, ...retired], witnesses };
}

export function proofKeysFromEnv(settings: CheckpointKeySettings = checkpointKeySettings()): ProofKeys {
  const origin = settings.origin;
  const signerKeys = list(settings.signerKeys);
  if (!signerKeys.length) {
    // Development: a generated 32-byte seed (production refuses to start without the variable).
    const seed = Buffer.from(secretFromEnv('SUNSHINE_CHECKPOINT_KEY', 'checkpoint-ed25519-seed'), 'base64url');
    const signer = signerFromSeed(origin, seed);
    return { origin, signer, logKeys: [signer, ...list(settings.retiredKeys).map(parseVerifierKey)], witnesses: list(settings.witnessKeys).map(parseVerifierKey) };
  }
  return proofKeysFrom({ origin, signerKeys, retired: list(settings.retiredKeys), witnesses: list(settings.witnessKeys) });
}

/** The public keys, one vkey a line, as served at GET /checkpoint/keys. */
export function publishedKeys(keys: ProofKeys): string {
  return [...keys.logKeys.map((k) => k.vkey), ...keys.witnesses.map((k) => k.vkey)].join('\n') + '\n';
}
