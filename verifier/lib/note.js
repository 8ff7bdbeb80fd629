// C2SP signed-note (https://c2sp.org/signed-note), tlog-checkpoint and tlog-cosignature (Ed25519,
// cosignature/v1) with node:crypto only.
//
// A note is its text (ending in "\n"), a blank line, then signature lines
// "— <key name> base64(4-byte key id ‖ signature)". Verifier keys ("vkeys") are
// "<name>+<hex key id>+base64(type byte ‖ public key)"; type 0x01 = Ed25519 note signature,
// 0x04 = Ed25519 cosignature/v1 (whose signature is 8-byte big-endian time ‖ Ed25519 signature).
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

export const NOTE_ED25519 = 0x01;
export const COSIGNATURE_ED25519 = 0x04;
const DASH = '\u2014 ';
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function keyId(name, type, publicKey) {
  return createHash('sha256').update(Buffer.from(name, 'utf8')).update(Buffer.from([0x0a, type])).update(publicKey).digest().subarray(0, 4);
}

const validName = (name) => name.length > 0 && !/[\s+]/u.test(name);

/** Splits "a+b+rest" into at most `n` parts: base64 may itself contain "+". */
function splitPlus(text, n) {
  const parts = text.split('+');
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join('+')];
}

/** Parses a vkey; throws with a sentence when it is malformed or its key id does not match. */
export function parseVerifierKey(text) {
  const parts = splitPlus(text.trim(), 3);
  if (parts.length !== 3) throw new Error(`not a verifier key "<name>+<hex id>+<base64 key>": ${text.trim().slice(0, 80)}`);
  const [name, hexId, b64] = parts;
  const raw = Buffer.from(b64, 'base64');
  if (!validName(name) || !/^[0-9a-f]{8}$/.test(hexId) || raw.length !== 33) throw new Error(`malformed verifier key for "${name}"`);
  const type = raw[0];
  if (type !== NOTE_ED25519 && type !== COSIGNATURE_ED25519) throw new Error(`verifier key "${name}" has unsupported type 0x${type.toString(16)}`);
  const publicKey = raw.subarray(1);
  const id = keyId(name, type, publicKey);
  if (id.toString('hex') !== hexId) throw new Error(`verifier key "${name}": key id ${hexId} does not match its key (${id.toString('hex')})`);
  return { name, type, id, publicKey, key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' }) };
}

export function formatVerifierKey(name, type, publicKey) {
  return `${name}+${keyId(name, type, publicKey).toString('hex')}+${Buffer.concat([Buffer.from([type]), publicKey]).toString('base64')}`;
}

/** A signer from a raw 32-byte Ed25519 seed. */
export function signerFromSeed(name, seed, type = NOTE_ED25519) {
  if (!validName(name)) throw new Error(`invalid key name "${name}"`);
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  return { name, type, id: keyId(name, type, publicKey), publicKey, privateKey, vkey: formatVerifierKey(name, type, publicKey) };
}

/** Go-style signer key text: PRIVATE+KEY+<name>+<hex id>+base64(type ‖ seed). */
export function formatSignerKey(signer, seed) {
  return `PRIVATE+KEY+${signer.name}+${signer.id.toString('hex')}+${Buffer.concat([Buffer.from([signer.type]), seed]).toString('base64')}`;
}

export function parseSignerKey(text) {
  const parts = splitPlus(text.trim(), 5);
  if (parts.length !== 5 || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw new Error('not a signer key "PRIVATE+KEY+<name>+<hex id>+<base64>"');
  const raw = Buffer.from(parts[4], 'base64');
  if (raw.length !== 33) throw new Error('malformed signer key');
  const signer = signerFromSeed(parts[2], raw.subarray(1), raw[0]);
  if (signer.id.toString('hex') !== parts[3]) throw new Error(`signer key "${parts[2]}": key id ${parts[3]} does not match its key`);
  return signer;
}

/** Splits a note into its text (through the final "\n") and its signature lines. */
export function splitNote(note) {
  const at = note.lastIndexOf('\n\n');
  if (at < 0 || !note.endsWith('\n')) throw new Error('not a signed note (no blank line before the signatures, or no final newline)');
  const text = note.slice(0, at + 1);
  const lines = note.slice(at + 2, -1).split('\n');
  const signatures = lines.map((line) => {
    if (!line.startsWith(DASH)) throw new Error(`malformed signature line: ${line.slice(0, 80)}`);
    const rest = line.slice(DASH.length);
    const space = rest.lastIndexOf(' ');
    const name = rest.slice(0, space);
    const blob = Buffer.from(rest.slice(space + 1), 'base64');
    if (space <= 0 || blob.length < 5) throw new Error(`malformed signature line: ${line.slice(0, 80)}`);
    return { line, name, id: blob.subarray(0, 4), signature: blob.subarray(4) };
  });
  return { text, signatures };
}

const cosignedMessage = (text, time) => Buffer.from(`cosignature/v1\ntime ${time}\n${text}`, 'utf8');

export function signatureLine(signer, text, time) {
  let blob;
  if (signer.type === COSIGNATURE_ED25519) {
    const stamp = Buffer.alloc(8);
    stamp.writeBigUInt64BE(BigInt(time));
    blob = Buffer.concat([signer.id, stamp, sign(null, cosignedMessage(text, time), signer.privateKey)]);
  } else {
    blob = Buffer.concat([signer.id, sign(null, Buffer.from(text, 'utf8'), signer.privateKey)]);
  }
  return `${DASH}${signer.name} ${blob.toString('base64')}`;
}

export function signNote(text, signer) {
  return `${text}\n${signatureLine(signer, text)}\n`;
}

/**
 * Checks the signatures of `note` against `keys` per C2SP: lines of unknown keys are ignored; a
 * line of a known key that does not verify makes the note invalid. Returns the verified signers
 * ({ key, time? }) and the failures.
 */
export function verifyNote(note, keys) {
  const { text, signatures } = splitNote(note);
  const verified = [];
  const failures = [];
  for (const s of signatures) {
    const key = keys.find((k) => k.name === s.name && k.id.equals(s.id));
    if (!key) continue;
    if (key.type === COSIGNATURE_ED25519) {
      if (s.signature.length !== 72) { failures.push(`cosignature of ${key.name} has the wrong length`); continue; }
      const time = s.signature.readBigUInt64BE(0);
      if (verify(null, cosignedMessage(text, time), key.key, s.signature.subarray(8))) verified.push({ key, time, line: s.line });
      else failures.push(`cosignature of ${key.name} does not verify`);
    } else if (s.signature.length === 64 && verify(null, Buffer.from(text, 'utf8'), key.key, s.signature)) {
      verified.push({ key, line: s.line });
    } else {
      failures.push(`signature of ${key.name} (key ${key.id.toString('hex')}) does not verify`);
    }
  }
  return { text, verified, failures };
}

/** The body of a C2SP tlog-checkpoint: origin, decimal size, base64 root. */
export function parseCheckpointText(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '') throw new Error('a checkpoint has an origin, a size and a root line');
  const [origin, sizeText, rootText] = lines;
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new Error(`checkpoint size "${sizeText}" is not a decimal number`);
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText) throw new Error('checkpoint root is not 32 bytes of base64');
  return { origin, size: BigInt(sizeText), root, extensions: lines.slice(3, -1) };
}

export const checkpointText = (origin, size, root) => `${origin}\n${size}\n${Buffer.from(root).toString('base64')}\n`;

/**
 * A checkpoint note verified against the log's keys: at least one log signature must verify, none
 * of a known key may fail. Witness cosignatures of known witnesses are returned with it.
 */
export function verifyCheckpoint(note, logKeys, witnessKeys = []) {
  const { text, verified, failures } = verifyNote(note, [...logKeys, ...witnessKeys]);
  const checkpoint = parseCheckpointText(text);
  const logSigned = verified.filter((v) => v.key.type === NOTE_ED25519);
  if (failures.length) throw new Error(failures.join('; '));
  if (!logSigned.length) throw new Error('no signature by a known log key');
  return { ...checkpoint, text, logKey: logSigned[0].key, cosignatures: verified.filter((v) => v.key.type === COSIGNATURE_ED25519) };
}
