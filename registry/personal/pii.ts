/**
 * Personal data at rest and on the wire (PIPL Art. 28/51; docs/registry.md "Personal data").
 *
 * - Encryption: AES-256-GCM, a fresh 12-byte IV per value, the field name as additional
 *   authenticated data (a ciphertext moved to another column does not decrypt). Stored as
 *   iv ‖ tag ‖ ciphertext, with the id of the key beside it in the row, so keys can rotate: new
 *   rows use the current key, old rows still decrypt with theirs.
 * - Look-up: HMAC-SHA256 under a separate key over the normalised 18-character ID number; unique
 *   in the database, so a duplicate registration is refused whoever writes.
 * - Masking: the forms every reader sees by default (3203**********123X, 张*, 138****1234, 1948-03-**).
 *
 * Keys come from configuration (platform/secrets.ts): SUNSHINE_PII_KEY holds one base64/base64url
 * 32-byte key, or several as "id:key,id:key" (the first encrypts, all decrypt); a development run
 * without it gets a generated key under .data/secrets.
 */
import crypto from 'node:crypto';
import { secretFromEnv } from '../../platform/secrets.js';

export interface PiiKeys {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
  hmacKey: Buffer;
}

function decodeKey(text: string, variable: string): Buffer {
  const key = Buffer.from(text.trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), 'base64url');
  if (key.length !== 32) throw new Error(`${variable} must be 32 bytes, base64 or base64url encoded`);
  return key;
}

function keyIdOf(key: Buffer): string {
  return 'k' + crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Parses "key" or "id:key,id:key" (first = current). */
export function parseKeyRing(value: string, variable = 'SUNSHINE_PII_KEY'): { currentKeyId: string; keys: Map<string, Buffer> } {
  const keys = new Map<string, Buffer>();
  let currentKeyId = '';
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = part.indexOf(':');
    const key = decodeKey(colon > 0 ? part.slice(colon + 1) : part, variable);
    const id = colon > 0 ? part.slice(0, colon) : keyIdOf(key);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new Error(`${variable}: key id "${id}" must be 1–32 letters, digits, _ or -`);
    keys.set(id, key);
    currentKeyId ||= id;
  }
  if (!currentKeyId) throw new Error(`${variable} is empty`);
  return { currentKeyId, keys };
}

export function piiKeysFromConfig(): PiiKeys {
  const ring = parseKeyRing(secretFromEnv('SUNSHINE_PII_KEY', 'pii-aes256-key'));
  const hmacKey = decodeKey(secretFromEnv('SUNSHINE_PII_HMAC_KEY', 'pii-hmac-key'), 'SUNSHINE_PII_HMAC_KEY');
  return { ...ring, hmacKey };
}

let cached: PiiKeys | undefined;
/** The process's keys, read once. */
export function piiKeys(): PiiKeys {
  cached ??= piiKeysFromConfig();
  return cached;
}

export class Pii {
  constructor(private readonly keys: PiiKeys = piiKeys()) {}

  get currentKeyId(): string {
    return this.keys.currentKeyId;
  }

  encrypt(plain: string, field: string): Buffer {
    const key = this.keys.keys.get(this.keys.currentKeyId)!;
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(field, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  decrypt(sealed: Buffer, keyId: string, field: string): string {
    const key = this.keys.keys.get(keyId);
    if (!key) throw new Error(`personal-data key "${keyId}" is not configured (SUNSHINE_PII_KEY)`);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from(field, 'utf8'));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** Keyed hash of a normalised ID number, for look-up and de-duplication. */
  idHash(normalisedIdNumber: string): Buffer {
    return crypto.createHmac('sha256', this.keys.hmacKey).update(normalisedIdNumber, 'utf8').digest();
  }
}

// ---- masking ------------------------------------------------------------------------------------

/** 3203**********123X: the first 4 and last 4 characters. */
export function maskIdNumber(id: string): string {
  return id.length <= 8 ? '*'.repeat(id.length) : `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}`;
}

const COMPOUND_SURNAMES = new Set([
  '欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '轩辕', '令狐',
  '钟离', '澹台', '呼延', '南宫', '独孤', '万俟', '闻人', '端木', '西门', '司空', '百里', '东郭', '申屠', '太叔', '公冶',
]);

/** 张* / 欧阳** / 李**: the surname, every other character a star. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  const surname = chars.length > 2 && COMPOUND_SURNAMES.has(chars.slice(0, 2).join('')) ? 2 : 1;
  return chars.slice(0, surname).join('') + '*'.repeat(chars.length - surname);
}

/** 138****1234 (mobile), 0516****5678 and 010****5678 (landline): the first 3 digits (a landline's area code, 3 or 4) and the last 4. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/-/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  // A landline shows its area code only: 3 digits for 010 and 02x (Beijing, the largest cities),
  // else 4 (0516 …). Four for all showed the first digit of a Beijing number's own eight.
  const areaCode = /^0[12]/.test(digits) ? 3 : 4;
  const head = digits.startsWith('0') ? Math.min(areaCode, digits.length - 4) : Math.min(3, digits.length - 4);
  return digits.slice(0, head) + '*'.repeat(Math.max(0, digits.length - head - 4)) + digits.slice(-4);
}

/** 1948-03-**: the day of birth is hidden; year and month stay (they drive the age bands). */
export function maskBirthDate(date: string): string {
  return `${date.slice(0, 7)}-**`;
}

/** Normalises a phone number; null when it is not a mainland mobile or landline number. */
export function normalisePhone(input: string): string | null {
  const compact = input.replace(/[\s()]/g, '').replace(/^\+?86/, '');
  if (/^1[3-9][0-9]{9}$/.test(compact)) return compact;
  if (/^0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}$/.test(compact)) return compact.replace('-', '');
  return null;
}
