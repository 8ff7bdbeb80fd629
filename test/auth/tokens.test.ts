/** Bearer tokens: missing, expired, forged, wrong key, unknown kid, bad claims; key rotation with RS256/ES256. */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { issueToken, keySetFromJwks, secretSigningKey, signingKeyFromJwk, verifyToken, AUDIENCE, ISSUER } from '../../auth/tokens.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { errorCodes, startTestApi, TEST_JWT_SECRET, tokenFor, useXuzhouApi, type TestApi } from '../support/api.js';

const live = useXuzhouApi();
const Q = `{ region(code: "3203") { name } }`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function refused(headers: Record<string, string>, message?: RegExp) {
  const res = await live.api.anonymous(Q, undefined, headers);
  expect(res.status).toBe(401);
  expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
  if (message) expect(res.errors![0]!.message).toMatch(message);
  expect(res.data ?? null).toBeNull();
}

test('no token: UNAUTHENTICATED, except pure introspection (so GraphiQL can show the docs)', async () => {
  await refused({}, /authentication required/);
  const introspection = await live.api.anonymous(`{ __schema { queryType { name } } }`);
  expect(introspection.errors).toBeUndefined();
  expect(introspection.data!.__schema.queryType.name).toBe('Query');
  // Mixing introspection with data is not introspection.
  expect(errorCodes(await live.api.anonymous(`{ __typename region(code: "3203") { name } }`))).toEqual(['UNAUTHENTICATED']);
});

test('a valid token passes; the same token expired, forged or for another audience does not', async () => {
  expect((await live.api.anonymous(Q, undefined, bearer(await tokenFor('AUDITOR')))).data!.region.name).toBe('徐州市');
  await refused(bearer(await tokenFor('AUDITOR', '320300000000', { issuedAt: new Date(Date.now() - 9 * 3600_000), expiresIn: '8h' })), /expired at .*ask for a new one/);
  await refused(bearer(await issueToken({ subject: 'mallory', roles: ['CITY_ADMIN'], jurisdiction: '320300000000' }, secretSigningKey('not-the-server-secret'))), /signature/);
  await refused(bearer(await issueToken({ subject: 'x', roles: ['AUDITOR'], jurisdiction: '320300000000' }, secretSigningKey(TEST_JWT_SECRET, 'retired-key'))), /unknown signing key "retired-key"/);
  const secret = new TextEncoder().encode(TEST_JWT_SECRET);
  const base = () => new SignJWT({ roles: ['AUDITOR'], jurisdiction: '320300000000' }).setProtectedHeader({ alg: 'HS256', kid: 'default' }).setSubject('x').setIssuedAt().setExpirationTime('1h');
  await refused(bearer(await base().setIssuer(ISSUER).setAudience('another-api').sign(secret)), /not valid here/);
  await refused(bearer(await base().setIssuer('someone-else').setAudience(AUDIENCE).sign(secret)), /not valid here/);
  await refused(bearer(await new SignJWT({ roles: ['AUDITOR'], jurisdiction: '320300000000' }).setProtectedHeader({ alg: 'HS256', kid: 'default' }).setSubject('x').setIssuer(ISSUER).setAudience(AUDIENCE).sign(secret)), /exp/); // no expiry
  // "alg: none" and garbage
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify({ sub: 'x', roles: ['CITY_ADMIN'], jurisdiction: '320300000000', iss: ISSUER, aud: AUDIENCE, exp: 9999999999 })).toString('base64url');
  await refused(bearer(`${header}.${body}.`));
  await refused(bearer('not-a-jwt'));
  await refused({ authorization: 'Basic dXNlcjpwYXNz' }, /Bearer/);
});

test('claims must name known roles and a jurisdiction of the right level', async () => {
  const secret = new TextEncoder().encode(TEST_JWT_SECRET);
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'default' }).setSubject('x').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('1h').sign(secret);
  await refused(bearer(await sign({ roles: ['SUPERUSER'], jurisdiction: '320300000000' })), /unknown role/);
  await refused(bearer(await sign({ roles: [], jurisdiction: '320300000000' })), /roles/);
  await refused(bearer(await sign({ roles: ['AUDITOR'] })), /jurisdiction/);
  await refused(bearer(await sign({ roles: ['AUDITOR'], jurisdiction: '3203' })), /12-digit/);
  await refused(bearer(await sign({ roles: ['VILLAGE_VERIFIER'], jurisdiction: '320300000000' })), /VILLAGE_VERIFIER cannot have a city-level jurisdiction/);
  await expect(issueToken({ subject: 'x', roles: ['CITY_ADMIN'], jurisdiction: '320321000000' }, secretSigningKey('s'))).rejects.toThrow(/CITY_ADMIN cannot have a county-level/);
});

describe('asymmetric keys and rotation by kid', () => {
  let db: TestDatabase;
  let api: TestApi;
  let oldKey: Awaited<ReturnType<typeof signingKeyFromJwk>>;
  let newKey: Awaited<ReturnType<typeof signingKeyFromJwk>>;
  let strangerKey: Awaited<ReturnType<typeof signingKeyFromJwk>>;

  beforeAll(async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const ec = await generateKeyPair('ES256', { extractable: true });
    const stranger = await generateKeyPair('ES256', { extractable: true });
    oldKey = await signingKeyFromJwk({ ...(await exportJWK(rsa.privateKey)), kid: '2026-01', alg: 'RS256' });
    newKey = await signingKeyFromJwk({ ...(await exportJWK(ec.privateKey)), kid: '2026-07', alg: 'ES256' });
    strangerKey = await signingKeyFromJwk({ ...(await exportJWK(stranger.privateKey)), kid: '2026-07', alg: 'ES256' });
    const keySet = await keySetFromJwks({
      keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: '2026-01', alg: 'RS256' },
        { ...(await exportJWK(ec.publicKey)), kid: '2026-07', alg: 'ES256' },
      ],
    });
    db = await createTestDatabase({ withXuzhou: true });
    // The server only holds public keys; tokens are signed elsewhere (an identity provider, the token CLI with --key).
    const { createApp } = await import('../../api/server.js');
    const { pino } = await import('pino');
    const app = await createApp({ pool: db.pool, sql: db.sql, log: pino({ level: 'silent' }), production: false, keySet });
    const url = await app.listen(0, '127.0.0.1');
    api = {
      url,
      app,
      gql: async (query, variables, headers = {}) => {
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
        return { status: r.status, ...(await r.json()) };
      },
    } as TestApi;
  });
  afterAll(async () => {
    await api?.app.stop();
    await db?.drop();
  });

  test('tokens signed by either listed key pass; a key with a listed kid but other material does not', async () => {
    for (const key of [oldKey, newKey]) {
      const token = await issueToken({ subject: `svc-${key.kid}`, roles: ['SYSTEM_CLIENT'], jurisdiction: '320321000000' }, key);
      const res = await api.gql(`{ region(code: "320321") { name } }`, undefined, bearer(token));
      expect(res.errors).toBeUndefined();
      expect(res.data!.region.name).toBe('丰县');
    }
    const forged = await issueToken({ subject: 'mallory', roles: ['CITY_ADMIN'], jurisdiction: '320300000000' }, strangerKey);
    const res = await api.gql(Q, undefined, bearer(forged));
    expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
    // An HS256 token made with the public key as a secret (algorithm confusion) is refused too.
    const confused = await issueToken({ subject: 'mallory', roles: ['CITY_ADMIN'], jurisdiction: '320300000000' }, secretSigningKey('whatever', '2026-07'));
    expect(errorCodes(await api.gql(Q, undefined, bearer(confused)))).toEqual(['UNAUTHENTICATED']);
  });

  test('a key set refuses private keys and keys without kid or alg', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    await expect(keySetFromJwks({ keys: [{ ...(await exportJWK(pair.privateKey)), kid: 'k', alg: 'ES256' }] })).rejects.toThrow(/public keys only/);
    await expect(keySetFromJwks({ keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES256' }] })).rejects.toThrow(/kid/);
    await expect(keySetFromJwks({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k', alg: 'PS512' }] })).rejects.toThrow(/alg/);
  });
});

test('verifyToken accepts a clock for expiry decisions', async () => {
  const token = await tokenFor('AUDITOR', '320300000000', { expiresIn: '1h' });
  const keySet = await keySetFromJwks({ keys: [{ kty: 'oct', k: Buffer.from(TEST_JWT_SECRET).toString('base64url'), kid: 'default', alg: 'HS256' }] });
  expect((await verifyToken(token, keySet)).roles).toEqual(['AUDITOR']);
  await expect(verifyToken(token, keySet, new Date(Date.now() + 2 * 3600_000))).rejects.toThrow(/expired/);
});
