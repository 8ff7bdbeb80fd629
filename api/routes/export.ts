/**
 * GET /export/v1/<types>?within=<code> — the snapshot export as NDJSON (sync/export.ts), with the
 * bearer token of the API. <types> is one export path (`elders`) or several joined by commas
 * (`regions,elders,stays`: one snapshot for all); GET /export/v1/ lists the paths the caller may
 * read. gzip when the request accepts it. Errors before the first byte answer with a status and the
 * GraphQL error shape ({ errors: [{ message, extensions: { code } }] }); an error after it cuts the
 * stream short, without the final `{"end":true,…}` line, so a consumer can tell.
 */
import zlib from 'node:zlib';
import type { Writable } from 'node:stream';
import express from 'express';
import type pg from 'pg';
import { GraphQLError } from 'graphql';
import type { KeySet } from '../../auth/tokens.js';
import type { Logger } from '../../platform/logger.js';
import { DomainError } from '../../platform/errors.js';
import { singleParam } from '../../platform/validate.js';
import { viewerFromHeader } from '../auth.js';
import { prepareExport } from '../../sync/export.js';
import { readableTypes } from '../../sync/scope.js';
import { typeByPath } from '../../sync/types.js';

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, RATE_LIMITED: 429 };

function sendError(res: express.Response, code: string, message: string, field?: string): void {
  res.status(STATUS[code] ?? 500).json({ errors: [{ message, extensions: { code, ...(field ? { field } : {}) } }] });
}

/** Writes and waits for 'drain' when the stream's buffer is full: the consumer sets the pace. */
function sinkOf(stream: Writable) {
  return (chunk: string) =>
    new Promise<void>((resolve, reject) => {
      if (stream.destroyed) return resolve();
      if (stream.write(chunk)) return resolve();
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        stream.off('error', reject);
        resolve();
      };
      stream.once('drain', done).once('close', done).once('error', reject);
    });
}

export function exportRoutes({ pool, keys, log }: { pool: pg.Pool; keys: KeySet; log: Logger }): express.Router {
  const router = express.Router();

  async function authenticate(req: express.Request, res: express.Response) {
    try {
      const viewer = await viewerFromHeader(req.header('authorization'), keys);
      if (!viewer.authenticated) {
        sendError(res, 'UNAUTHENTICATED', 'authentication required: send "Authorization: Bearer <token>"');
        return null;
      }
      return viewer;
    } catch (error) {
      if (error instanceof GraphQLError) sendError(res, 'UNAUTHENTICATED', error.message);
      else throw error;
      return null;
    }
  }

  router.get('/v1/', async (req, res) => {
    const viewer = await authenticate(req, res);
    if (!viewer) return;
    if (!viewer.can('sync:pull')) return sendError(res, 'FORBIDDEN', `${viewer.roles.join('/')} may not export (needs sync:pull)`);
    res.json({ jurisdiction: viewer.jurisdiction, types: readableTypes(viewer).map((t) => ({ path: t.path, type: t.changeType })) });
  });

  router.get('/v1/:types', async (req, res) => {
    const viewer = await authenticate(req, res);
    if (!viewer) return;
    const paths = String(req.params.types).split(',');
    const unknown = paths.find((p) => !typeByPath.has(p));
    if (unknown !== undefined) return sendError(res, 'NOT_FOUND', `no export "${unknown.slice(0, 40)}" (see GET /export/v1/)`);
    let prepared;
    try {
      const within = singleParam(req.query, 'within');
      prepared = await prepareExport(pool, viewer, { types: paths.map((p) => typeByPath.get(p)!.changeType), within });
    } catch (error) {
      if (error instanceof DomainError) return sendError(res, error.code, error.message, error.field);
      throw error;
    }
    // Negotiated with the q-values ("gzip;q=0" refuses gzip), not by the word's presence.
    const gzip = req.acceptsEncodings('gzip', 'identity') === 'gzip';
    res.status(200).set({ 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', vary: 'accept-encoding', ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
    // HEAD (which Express routes here) answers the headers only: it must not run, log and discard a whole export.
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const body: Writable = gzip ? zlib.createGzip({ level: 1 }) : res;
    if (gzip) (body as zlib.Gzip).pipe(res);
    let closed = false;
    res.on('close', () => {
      closed = !res.writableFinished;
      // (a client gone, or cut off as stalled by api/downloads.ts, with the gzip stream's buffer full:
      // the sink waits on that stream, which must close too for the export to end)
      if (closed && gzip) body.destroy();
    });
    try {
      const rows = await prepared.run(sinkOf(body), () => closed);
      log.info({ subject: viewer.subject, types: paths, within: prepared.within, rows, aborted: closed }, 'snapshot export');
    } catch (error) {
      log.error({ err: error, types: paths }, 'snapshot export failed');
      res.destroy();
      return;
    }
    body.end();
  });
  return router;
}
