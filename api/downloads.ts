/**
 * Downloads that stream (the sync export, the books, the audit findings, the ledger bundle) each hold
 * one of the server's database connections from their first row to their last: a caller who opened a
 * few and stopped reading could take every connection, and then the whole API waits (found in
 * review: 10 stalled exports by one county's token made a one-row query time out). So:
 * - at most `perCredential` downloads at once per bearer token (or per address without one), and at
 *   most `total` in all, leaving the rest of the pool to the API; more answer 429 RATE_LIMITED;
 * - a download whose client has taken nothing for `stallMs` (the response's buffer full all that
 *   time) is cut off: the stream is destroyed, the route sees it closed and gives its connection back.
 * A download that is read, however slowly, is never cut.
 */
import type express from 'express';
import { credentialKey } from './hardening.js';
import { intFromEnv } from '../platform/config.js';

export interface DownloadLimits {
  perCredential: number;
  total: number;
  stallMs: number;
}

/** DOWNLOADS_PER_CREDENTIAL (2), DOWNLOADS_MAX (half the database pool), DOWNLOAD_STALL_SECONDS (60). */
export function downloadLimitsFromEnv(poolSize: number): DownloadLimits {
  return {
    perCredential: intFromEnv('DOWNLOADS_PER_CREDENTIAL', 2, 1, 100),
    total: intFromEnv('DOWNLOADS_MAX', Math.max(1, Math.floor(poolSize / 2)), 1, 1000),
    stallMs: intFromEnv('DOWNLOAD_STALL_SECONDS', 60, 1, 3600) * 1000,
  };
}

/** Middleware for the download routes: takes a slot for the response's lifetime and watches it for a stalled reader. */
export function downloadGuard(limits: DownloadLimits): express.RequestHandler {
  const running = new Map<string, number>();
  let total = 0;
  return (req, res, next) => {
    const authorization = req.header('authorization');
    const key = authorization ? credentialKey(authorization) : `address:${req.ip ?? ''}`;
    const mine = running.get(key) ?? 0;
    if (mine >= limits.perCredential || total >= limits.total) {
      const message =
        mine >= limits.perCredential
          ? `${mine} downloads of this credential are running (at most ${limits.perCredential} at once): wait for one to finish`
          : `${total} downloads are running (at most ${limits.total} at once): try again shortly`;
      res.status(429).set('retry-after', '5').json({ errors: [{ message, extensions: { code: 'RATE_LIMITED' } }] });
      return;
    }
    running.set(key, mine + 1);
    total++;
    const stopWatching = watchForStall(res, limits.stallMs);
    res.once('close', () => {
      stopWatching();
      total--;
      const left = (running.get(key) ?? 1) - 1;
      if (left > 0) running.set(key, left);
      else running.delete(key);
    });
    next();
  };
}

/**
 * Destroys `res` once its buffer has stayed full for `stallMs` with nothing taken from it: no drain,
 * and what it holds never less than at the last look (the routes write only after a drain, so a
 * buffer that shrinks is a client reading, however slowly). Checked a few times per period, on a
 * timer that does not keep the process alive.
 */
function watchForStall(res: express.Response, stallMs: number): () => void {
  let fullSince: number | null = null;
  let held = 0;
  const progressed = () => (fullSince = null);
  res.on('drain', progressed);
  const timer = setInterval(() => {
    if (res.destroyed) return;
    const now = res.writableLength;
    if (!res.writableNeedDrain || now < held) fullSince = null;
    held = now;
    if (!res.writableNeedDrain) return;
    fullSince ??= Date.now();
    if (Date.now() - fullSince >= stallMs) res.destroy(new Error(`download stalled: the client read nothing for ${stallMs / 1000} s`));
  }, Math.max(50, Math.floor(stallMs / 4)));
  timer.unref();
  return () => {
    clearInterval(timer);
    res.off('drain', progressed);
  };
}
