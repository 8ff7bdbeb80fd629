/**
 * Bearer tokens: JWTs verified with `jose`.
 *
 * Keys come from configuration as a key set, so keys can be rotated by `kid`:
 * - `SUNSHINE_JWT_KEYS`: a JWKS (inline JSON or a path to a JSON file) of verification keys, each
 *   with `kid` and `alg` — HS256 secrets (`kty: "oct"`), or RS256/ES256 public keys. During a
 *   rotation both the old and the new key are listed; tokens name theirs in the `kid` header.
 * - otherwise `SUNSHINE_JWT_SECRET`: one HS256 secret (kid "default"); in development a random one
 *   is generated under .data/secrets (see platform/secrets.ts).
 *
 * Claims: `sub` (subject), `roles` (one or more of auth/roles.ts), `jurisdiction` (12-digit region
 * code), `exp`, `iat`, `jti`, issuer `sunshine`, audience `sunshine-api`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { errors, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload, type KeyObject } from 'jose';
import { secretFromEnv } from '../platform/secrets.js';
import { isRole, type Role } from './roles.js';
import { unauthenticated, Viewer } from './viewer.js';
import { jwtKeysSetting } from '../platform/config.js';

export const ISSUER = 'sunshine';
export const AUDIENCE = 'sunshine-api';
const ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

type Key = CryptoKey | KeyObject | Uint8Array;
interface VerificationKey {
  kid: string;
  alg: Algorithm;
  key: Key;
}

export interface KeySet {
  keys: VerificationKey[];
}

function isAlgorithm(value: unknown): value is Algorithm {
  return typeof value === 'string' && (ALGORITHMS as readonly string[]).includes(value);
}

/** Imports a JWKS (verification side). Symmetric keys (`oct`) are HS256 secrets. */
export async function keySetFromJwks(jwks: { keys?: JWK[] }): Promise<KeySet> {
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('the JWT key set has no keys');
  const keys: VerificationKey[] = [];
  for (const jwk of jwks.keys) {
    if (!jwk.kid) throw new Error('every JWT key needs a kid');
    if (!isAlgorithm(jwk.alg)) throw new Error(`JWT key ${jwk.kid}: alg must be one of ${ALGORITHMS.join(', ')}`);
    if (jwk.alg !== 'HS256' && ('d' in jwk)) throw new Error(`JWT key ${jwk.kid}: the API needs public keys only, not private ones`);
    keys.push({ kid: jwk.kid, alg: jwk.alg, key: (await importJWK(jwk, jwk.alg)) as Key });
  }
  return { keys };
}

export function secretKeySet(secret: string, kid = 'default'): KeySet {
  return { keys: [{ kid, alg: 'HS256', key: new TextEncoder().encode(secret) }] };
}

/** The key set from configuration (see the file comment). */
export async function keySetFromConfig(): Promise<KeySet> {
  const raw = jwtKeysSetting();
  if (raw) {
    const text = raw.trim().startsWith('{') ? raw : fs.readFileSync(raw, 'utf8');
    return keySetFromJwks(JSON.parse(text) as { keys?: JWK[] });
  }
  return secretKeySet(secretFromEnv('SUNSHINE_JWT_SECRET', 'jwt-hs256-secret'));
}

/** The most verified tokens remembered per key set (a few MB at most). */
const VERIFIED_TOKENS_MAX = 10_000;

/**
 * Tokens that verified, with their expiry, per key set: a client sends the same token with every
 * request, and checking its signature again each time cost ≈11% of the server's CPU on small
 * writes. Bounded, least recently used first out. A remembered token is accepted only before its
 * `exp` (the same test jose applies), so an expired token is never accepted; failures are never
 * remembered, so a bad token is checked (and refused) every time. A key set is fixed for the life
 * of the process, so what verified once with it verifies again until it expires.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { viewer: Viewer; expiresAt: number }>();

  get(token: string): Viewer | null {
    const entry = this.entries.get(token);
    if (!entry) return null;
    this.entries.delete(token);
    if (Math.floor(Date.now() / 1000) >= entry.expiresAt) return null;
    this.entries.set(token, entry); // most recently used last
    return entry.viewer;
  }

  set(token: string, viewer: Viewer, expiresAt: number): void {
    this.entries.set(token, { viewer, expiresAt });
    if (this.entries.size > VERIFIED_TOKENS_MAX) this.entries.delete(this.entries.keys().next().value!);
  }
}
const verifiedTokens = new WeakMap<KeySet, VerifiedTokens>();

/**
 * Verifies a bearer token and returns who is calling; every failure is UNAUTHENTICATED with a reason.
 * Without `now`, a token that verified before with this key set and has not expired is answered
 * from memory (see VerifiedTokens).
 */
export async function verifyToken(token: string, keySet: KeySet, now?: Date): Promise<Viewer> {
  if (now) return (await verifySigned(token, keySet, now)).viewer;
  let cache = verifiedTokens.get(keySet);
  if (!cache) verifiedTokens.set(keySet, (cache = new VerifiedTokens()));
  const known = cache.get(token);
  if (known) return known;
  const { viewer, expiresAt } = await verifySigned(token, keySet);
  cache.set(token, viewer, expiresAt);
  return viewer;
}

/** The signature and claims check itself; `expiresAt` is the token's `exp` (seconds). */
async function verifySigned(token: string, keySet: KeySet, now?: Date): Promise<{ viewer: Viewer; expiresAt: number }> {
  let payload: JWTPayload;
  try {
    const result = await jwtVerify(
      token,
      async (header) => {
        const candidates = header.kid ? keySet.keys.filter((k) => k.kid === header.kid) : keySet.keys.length === 1 ? keySet.keys : [];
        const match = candidates.find((k) => k.alg === header.alg);
        if (!match) throw unauthenticated(header.kid ? `unknown signing key "${header.kid}" for ${header.alg}` : 'the token names no signing key (kid)');
        return match.key;
      },
      { issuer: ISSUER, audience: AUDIENCE, algorithms: [...ALGORITHMS], requiredClaims: ['sub', 'exp'], ...(now ? { currentDate: now } : {}) },
    );
    payload = result.payload;
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw unauthenticated(`the token expired at ${new Date((error.payload.exp ?? 0) * 1000).toISOString()}; ask for a new one`);
    if (error instanceof errors.JWSSignatureVerificationFailed) throw unauthenticated('the token signature is invalid');
    if (error instanceof errors.JWTClaimValidationFailed) throw unauthenticated(`the token is not valid here: ${error.message}`);
    if (error instanceof errors.JOSEError) throw unauthenticated(`the token is malformed or unsupported: ${error.message}`);
    throw error;
  }
  const roles = Array.isArray(payload.roles) ? payload.roles : [];
  if (roles.length === 0 || !roles.every(isRole)) throw unauthenticated(`the token's roles claim is missing or names an unknown role`);
  if (typeof payload.jurisdiction !== 'string') throw unauthenticated('the token has no jurisdiction claim');
  const viewer = new Viewer({ subject: payload.sub!, roles: roles as Role[], jurisdiction: payload.jurisdiction, tokenId: payload.jti ?? null });
  return { viewer, expiresAt: payload.exp! };
}

export interface IssueOptions {
  subject: string;
  roles: readonly Role[];
  jurisdiction: string;
  /** Lifetime, as jose understands it: '8h', '30d', or seconds. */
  expiresIn?: string | number;
  /** Issue time (tests make expired tokens with it). */
  issuedAt?: Date;
}

export interface SigningKey {
  kid: string;
  alg: Algorithm;
  key: Key;
}

export function secretSigningKey(secret: string, kid = 'default'): SigningKey {
  return { kid, alg: 'HS256', key: new TextEncoder().encode(secret) };
}

/** A signing key from a private JWK (RS256/ES256) or an HS256 `oct` JWK, e.g. `--key file.json` of the token CLI. */
export async function signingKeyFromJwk(jwk: JWK): Promise<SigningKey> {
  if (!jwk.kid) throw new Error('the signing key needs a kid');
  if (!isAlgorithm(jwk.alg)) throw new Error(`the signing key's alg must be one of ${ALGORITHMS.join(', ')}`);
  return { kid: jwk.kid, alg: jwk.alg, key: (await importJWK(jwk, jwk.alg)) as Key };
}

/** The development signing key: the configured (or generated) HS256 secret. */
export function signingKeyFromConfig(): SigningKey {
  return secretSigningKey(secretFromEnv('SUNSHINE_JWT_SECRET', 'jwt-hs256-secret'));
}

export async function issueToken(options: IssueOptions, signingKey: SigningKey): Promise<string> {
  // Validates roles and jurisdiction exactly as verification will.
  new Viewer({ subject: options.subject, roles: options.roles, jurisdiction: options.jurisdiction });
  const issuedAt = Math.floor((options.issuedAt ?? new Date()).getTime() / 1000);
  const lifetime = options.expiresIn ?? '8h';
  return new SignJWT({ roles: [...options.roles], jurisdiction: options.jurisdiction })
    .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: 'JWT' })
    .setSubject(options.subject)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(typeof lifetime === 'number' ? issuedAt + lifetime : relative(issuedAt, lifetime))
    .setJti(crypto.randomUUID())
    .sign(signingKey.key);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
/** '8h' → issuedAt + 28800 (relative to issuedAt, not to now, so backdated tokens expire in the past). */
function relative(issuedAt: number, lifetime: string): number {
  const match = /^([0-9]+)\s*([smhd])$/.exec(lifetime.trim());
  if (!match) throw new Error(`lifetime "${lifetime}" must look like 30m, 8h or 30d`);
  return issuedAt + Number(match[1]) * UNIT_SECONDS[match[2]!]!;
}
