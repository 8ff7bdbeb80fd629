/**
 * The guard of the streaming downloads (api/downloads.ts), on a real HTTP server with a route that
 * streams without end, as a big export does to a client that stops reading: slots per credential
 * and in all, a stalled reader cut off, a slow reader never.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { downloadGuard, type DownloadLimits } from '../../api/downloads.js';

let server: http.Server;
let base: string;
const closed: string[] = [];
/** Every client request opened, destroyed after each test (a paused one would keep the worker alive). */
const opened: http.ClientRequest[] = [];

/** Streams 64 KiB chunks for as long as the client takes them (backpressure), until it is gone. */
function endless(req: express.Request, res: express.Response) {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  res.on('close', () => closed.push(String(req.query.n)));
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

async function start(limits: DownloadLimits) {
  const app = express();
  app.get('/download', downloadGuard(limits), endless);
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A request whose body is not read (paused at its first bytes): its response's buffers fill up. */
function openStalled(n: number, token = 'a'): Promise<{ status: number; ended: Promise<void>; req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/download?n=${n}`, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      res.pause();
      const ended = new Promise<void>((done) => res.socket.once('close', () => done()));
      resolve({ status: res.statusCode!, ended, req, res });
    });
    req.on('error', reject);
    opened.push(req);
  });
}

afterEach(async () => {
  for (const req of opened.splice(0)) req.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  closed.length = 0;
});

test('at most perCredential downloads per token and total in all: more get 429 RATE_LIMITED, and a finished one frees its slot', async () => {
  await start({ perCredential: 2, total: 3, stallMs: 60_000 });
  const a1 = await openStalled(1, 'a');
  const a2 = await openStalled(2, 'a');
  expect([a1.status, a2.status]).toEqual([200, 200]);
  const third = await fetch(`${base}/download?n=3`, { headers: { authorization: 'Bearer a' } });
  expect(third.status).toBe(429);
  expect((await third.json()).errors[0].extensions.code).toBe('RATE_LIMITED');
  const b1 = await openStalled(4, 'b'); // another credential: its own slots, within the total
  expect(b1.status).toBe(200);
  const fourth = await fetch(`${base}/download?n=5`, { headers: { authorization: 'Bearer c' } });
  expect(fourth.status).toBe(429); // the total (3) is reached
  expect((await fourth.json()).errors[0].message).toMatch(/3 downloads are running/);
  a1.req.destroy(); // the client goes away: its slot is free again
  await a1.ended;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const again = await openStalled(6, 'a');
  expect(again.status).toBe(200);
});

test('a client that reads nothing for stallMs is cut off (the route sees its response close); one that keeps reading is not', async () => {
  await start({ perCredential: 5, total: 5, stallMs: 1_500 });
  const stalled = await openStalled(11);
  const slow = await openStalled(12);
  // The slow reader takes one chunk at a time, 50 times a second (a slow line, not a stalled one).
  let read = 0;
  slow.res.on('data', (b: Buffer) => {
    read += b.length;
    slow.res.pause();
  });
  const reader = setInterval(() => slow.res.resume(), 20);
  const startedAt = Date.now();
  // (seen from the route: the paused client's socket reports nothing until it is read)
  while (!closed.includes('11') && Date.now() - startedAt < 10_000) await new Promise((resolve) => setTimeout(resolve, 25));
  const cutAfter = Date.now() - startedAt;
  expect(cutAfter).toBeGreaterThanOrEqual(1_400);
  expect(cutAfter).toBeLessThan(8_000);
  expect(closed).toContain('11');
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // well past the stall time
  clearInterval(reader);
  expect(closed).not.toContain('12');
  expect(read).toBeGreaterThan(0);
});
