/** Verified tokens are remembered for their lifetime only: expired ones are refused, bad ones checked every time. */
import { jest } from '@jest/globals';
import { issueToken, secretKeySet, secretSigningKey, verifyToken } from '../../auth/tokens.js';

const SECRET = 'token-cache-test-secret';

/** Moves the clock (Date only: jose's crypto and the test runner keep real timers). */
function setClock(ms: number): void {
  jest.useFakeTimers({ now: ms, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
}

afterEach(() => jest.useRealTimers());

test('a token verified once is answered again with the same caller until it expires, then refused', async () => {
  const keySet = secretKeySet(SECRET);
  const token = await issueToken({ subject: 'alice', roles: ['AUDITOR'], jurisdiction: '320300000000', expiresIn: 60 }, secretSigningKey(SECRET));
  const first = await verifyToken(token, keySet);
  expect(first.subject).toBe('alice');
  expect(await verifyToken(token, keySet)).toBe(first); // from memory: the same Viewer

  const issued = Date.now();
  setClock(issued + 61_000);
  await expect(verifyToken(token, keySet)).rejects.toThrow(/expired/);
  // Still refused on every later call (nothing of it is remembered any more).
  await expect(verifyToken(token, keySet)).rejects.toThrow(/expired/);
});

test('a token is remembered per key set: another key set checks the signature itself', async () => {
  const token = await issueToken({ subject: 'bob', roles: ['AUDITOR'], jurisdiction: '320300000000' }, secretSigningKey(SECRET));
  await verifyToken(token, secretKeySet(SECRET));
  await expect(verifyToken(token, secretKeySet('another-secret'))).rejects.toThrow(/signature/);
});

test('a refused token is never remembered: a forged one fails every time', async () => {
  const keySet = secretKeySet(SECRET);
  const forged = await issueToken({ subject: 'mallory', roles: ['CITY_ADMIN'], jurisdiction: '320300000000' }, secretSigningKey('not-the-secret'));
  for (let i = 0; i < 3; i++) await expect(verifyToken(forged, keySet)).rejects.toThrow(/signature/);
});

test('with an explicit time the signature and claims are checked, whatever was remembered', async () => {
  const keySet = secretKeySet(SECRET);
  const token = await issueToken({ subject: 'carol', roles: ['AUDITOR'], jurisdiction: '320300000000', expiresIn: 60 }, secretSigningKey(SECRET));
  await verifyToken(token, keySet);
  await expect(verifyToken(token, keySet, new Date(Date.now() + 120_000))).rejects.toThrow(/expired/);
});
