/**
 * HTTP routes of proofs without trust:
 *   GET /checkpoint        the latest signed checkpoint with its cosignatures (text; public, like a CT log's)
 *   GET /checkpoint/keys   the log's and the witnesses' verifier keys (text, one vkey a line; public)
 *   GET /ledger/export     ?region=…&from=…&to=…[&reason=…][&format=v1] a ledger bundle (v2 by default) of a region in
 *                          the caller's jurisdiction; needs a bearer token with ledger:export; access-logged.
 */
import type express from 'express';
import type pg from 'pg';
import { DomainError } from '../../platform/errors.js';
import { singleParam } from '../../platform/validate.js';
import type { Logger } from '../../platform/logger.js';
import { AuthError } from '../../auth/viewer.js';
import { drained } from '../../platform/streams.js';
import { normaliseRegionCode } from '../../platform/region-code.js';
import { publishedKeys, writeBundle, type BundleFormat, type ProofService } from '../../ledger/proof/index.js';
import { checkBundleRequest } from '../../ledger/proof/bundle.js';
import type { Viewer } from '../../auth/viewer.js';

export interface ProofRouteOptions {
  pool: pg.Pool;
  proofs: ProofService;
  log: Logger;
  viewerOf: (req: express.Request) => Promise<Viewer>;
  guard: express.RequestHandler[];
}

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, PROOF_NOT_AVAILABLE: 409 };

function sendError(res: express.Response, error: unknown, log: Logger): void {
  const e = error as { code?: string; field?: string; message?: string; extensions?: { code?: string } };
  const code = error instanceof DomainError || error instanceof AuthError ? e.code! : e.extensions?.code;
  if (code && STATUS[code]) {
    res.status(STATUS[code]).json({ errors: [{ message: e.message, extensions: { code, ...(e.field ? { field: e.field } : {}) } }] });
  } else {
    log.error({ err: error }, 'ledger export failed');
    res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  }
}



export function mountProofRoutes(app: express.Express, { proofs, pool, log, viewerOf, guard }: ProofRouteOptions): void {
  app.get('/checkpoint', async (_req, res) => {
    try {
      const latest = await proofs.latest();
      if (!latest) {
        res.status(404).type('text/plain').send('no checkpoint has been signed yet\n');
        return;
      }
      res.set('cache-control', 'no-cache').type('text/plain; charset=utf-8').send(latest.note);
    } catch (error) {
      sendError(res, error, log);
    }
  });

  app.get('/checkpoint/keys', (_req, res) => {
    res.type('text/plain; charset=utf-8').send(publishedKeys(proofs.keys));
  });

  app.get('/ledger/export', ...guard, async (req: express.Request, res: express.Response) => {
    let started = false;
    try {
      const viewer = await viewerOf(req);
      if (!viewer.authenticated) throw new AuthError('UNAUTHENTICATED', 'authentication required: send "Authorization: Bearer <token>"');
      let region: string;
      try {
        region = normaliseRegionCode(singleParam(req.query, 'region') ?? '');
      } catch {
        throw new DomainError('BAD_USER_INPUT', 'region must be a region code (2, 4, 6, 9 or 12 digits)', 'region');
      }
      const options = {
        region,
        from: singleParam(req.query, 'from'),
        to: singleParam(req.query, 'to'),
        actor: { subject: viewer.subject, roles: viewer.roles, tokenId: viewer.tokenId },
        reason: singleParam(req.query, 'reason') ?? undefined,
        format: (singleParam(req.query, 'format') ?? undefined) as BundleFormat | undefined,
      };
      checkBundleRequest(viewer, options);
      await writeBundle(pool, proofs, options, async (text) => {
        if (!started) {
          started = true;
          // (v2 mixes JSON lines with tab-separated transaction lines: no longer plain NDJSON)
          res.status(200).type(options.format === 'v1' ? 'application/x-ndjson; charset=utf-8' : 'text/plain; charset=utf-8').set('content-disposition', `attachment; filename="ledger-${region}.jsonl"`);
        }
        // (a client that goes away while the buffer is full must end the export, not leave it waiting)
        if (!res.write(text)) await drained(res);
      });
      res.end();
    } catch (error) {
      if (started) {
        // The bundle's end line is missing, which the verifier reports; the log says why.
        log.error({ err: error }, 'ledger export broke off');
        res.destroy();
      } else {
        sendError(res, error, log);
      }
    }
  });
}
