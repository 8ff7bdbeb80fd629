/**
 * C2SP signed-note / tlog-checkpoint / tlog-cosignature with node:crypto (Ed25519).
 * Note signature lines are "— <key name> base64(4-byte key id ‖ signature)"; key ids are
 * SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], type 0x01 for the log's note signatures and 0x04 for
 * witness cosignatures (whose signature is 8-byte big-endian time ‖ Ed25519 signature over
 * "cosignature/v1\ntime <t>\n" ‖ checkpoint text).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export const NOTE_ED25519 = 0x01;
export const COSIGNATURE_ED25519 = 0x04;
const DASH = '\u2014 ';
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface VerifierKey {
  name: string;
  type: number;
  id: Buffer;
  publicKey: Buffer;
  key: KeyObject;
  /** "<name>+<hex id>+base64(type ‖ public key)". */
  vkey: string;
}

export interface Signer extends VerifierKey {
  privateKey: KeyObject;
}

export function keyId(name: string, type: number, publicKey: Buffer): Buffer {
  return createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, type])).update(publicKey).digest().subarray(0, 4);
}

function validName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && !/[\s+]/u.test(name);
}

function verifierKey(name: string, type: number, publicKey: Buffer): VerifierKey {
  const id = keyId(name, type, publicKey);
  return {
    name,
    type,
    id,
    publicKey,
    key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }),
    vkey: `${name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([type]), publicKey]).toString('base64')}`,
  };
}

/** Splits "a+b+rest" into at most `n` parts: base64 may itself contain "+". */
function splitPlus(text: string, n: number): string[] {
  const parts = text.split('+');
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join('+')];
}

export function parseVerifierKey(text: string): VerifierKey {
  const parts = splitPlus(text.trim(), 3);
  const raw = parts.length === 3 ? Buffer.from(parts[2]!, 'base64') : Buffer.alloc(0);
  if (parts.length !== 3 || !validName(parts[0]!) || raw.length !== 33 || (raw[0] !== NOTE_ED25519 && raw[0] !== COSIGNATURE_ED25519)) {
    throw new Error(`not an Ed25519 verifier key "<name>+<hex id>+<base64>": ${text.trim().slice(0, 60)}`);
  }
  const key = verifierKey(parts[0]!, raw[0]!, raw.subarray(1));
  if (key.id.toString('hex') !== parts[1]) throw new Error(`verifier key ${parts[0]}: key id ${parts[1]} does not match the key`);
  return key;
}

export function signerFromSeed(name: string, seed: Buffer, type = NOTE_ED25519): Signer {
  if (!validName(name)) throw new Error(`invalid key name "${name}" (no spaces or "+")`);
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = (createPublicKey(privateKey).export({ format: 'der', type: 'spki' }) as Buffer).subarray(SPKI_PREFIX.length);
  return { ...verifierKey(name, type, publicKey), privateKey };
}

/** "PRIVATE+KEY+<name>+<hex id>+base64(type ‖ seed)" (the form the verifier's keygen prints). */
export function parseSignerKey(text: string): Signer {
  const parts = splitPlus(text.trim(), 5);
  const raw = parts.length === 5 ? Buffer.from(parts[4]!, 'base64') : Buffer.alloc(0);
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY' || raw.length !== 33) {
    throw new Error('not a signer key "PRIVATE+KEY+<name>+<hex id>+<base64>"');
  }
  const signer = signerFromSeed(parts[2]!, raw.subarray(1), raw[0]);
  if (signer.id.toString('hex') !== parts[3]) throw new Error(`signer key ${parts[2]}: key id ${parts[3]} does not match the key`);
  return signer;
}

export const formatSignerKey = (signer: Signer, seed: Buffer) =>
  `PRIVATE+KEY+${signer.name}+${signer.id.toString('hex')}+${Buffer.concat([Buffer.from([signer.type]), seed]).toString('base64')}`;

export const checkpointText = (origin: string, size: number, root: Buffer) => `${origin}\n${size}\n${root.toString('base64')}\n`;

const cosignedMessage = (text: string, time: bigint) => Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, 'utf8');

/** The signed note: text, blank line, the signer's line. */
export function signNote(text: string, signer: Signer): string {
  const signature = sign(null, Buffer.from(text, 'utf8'), signer.privateKey);
  return `${text}\n${DASH}${signer.name} ${Buffer.concat([signer.id, signature]).toString('base64')}\n`;
}

/** A witness's cosignature line (for tests and tools; the real witness is `sunshine-verify witness`). */
export function cosignatureLine(signer: Signer, text: string, time: bigint): string {
  const stamp = Buffer.alloc(8);
  stamp.writeBigUInt64BE(time);
  return `${DASH}${signer.name} ${Buffer.concat([signer.id, stamp, sign(null, cosignedMessage(text, time), signer.privateKey)]).toString('base64')}`;
}

export interface SignatureLine {
  line: string;
  name: string;
  id: Buffer;
  signature: Buffer;
}

/** A note's text and its signature lines; throws when it is not a signed note. */
export function splitNote(note: string): { text: string; signatures: SignatureLine[] } {
  const at = note.lastIndexOf('\n\n');
  if (at < 0 || !note.endsWith('\n')) throw new Error('not a signed note: text, a blank line, then signature lines');
  const text = note.slice(0, at + 1);
  const signatures = note
    .slice(at + 2, -1)
    .split('\n')
    .map((line) => {
      const rest = line.startsWith(DASH) ? line.slice(DASH.length) : '';
      const space = rest.lastIndexOf(' ');
      const blob = Buffer.from(rest.slice(space + 1), 'base64');
      if (space <= 0 || blob.length < 5) throw new Error(`malformed signature line "${line.slice(0, 60)}"`);
      return { line, name: rest.slice(0, space), id: blob.subarray(0, 4), signature: blob.subarray(4) };
    });
  return { text, signatures };
}

export function parseCheckpointText(text: string): { origin: string; size: number; root: Buffer } {
  const lines = text.split('\n');
  const [origin, sizeText, rootText] = lines;
  if (lines.length !== 4 || !origin || !/^(0|[1-9][0-9]{0,15})$/.test(sizeText ?? '')) throw new Error('a checkpoint is an origin, a size and a root line');
  const root = Buffer.from(rootText!, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText) throw new Error('the checkpoint root is not 32 bytes of base64');
  return { origin, size: Number(sizeText), root };
}

/** Verifies a cosignature line of a known witness over `text`; returns its time, or null when it does not verify. */
export function verifyCosignature(witness: VerifierKey, text: string, s: SignatureLine): bigint | null {
  if (witness.type !== COSIGNATURE_ED25519 || s.signature.length !== 72) return null;
  const time = s.signature.readBigUInt64BE(0);
  return verify(null, cosignedMessage(text, time), witness.key, s.signature.subarray(8)) ? time : null;
}

/** True when `note` carries a valid signature of one of `keys` (note signatures, type 0x01) and none of theirs fails. */
export function verifyLogSignature(note: string, keys: VerifierKey[]): boolean {
  const { text, signatures } = splitNote(note);
  let ok = false;
  for (const s of signatures) {
    const key = keys.find((k) => k.type === NOTE_ED25519 && k.name === s.name && k.id.equals(s.id));
    if (!key) continue;
    if (s.signature.length !== 64 || !verify(null, Buffer.from(text, 'utf8'), key.key, s.signature)) return false;
    ok = true;
  }
  return ok;
}
