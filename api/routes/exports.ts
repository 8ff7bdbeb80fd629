/**
 * GET /exports/books?region=…&from=…&to=…&what=transactions|trail|trial-balance&format=hledger|xlsx|csv
 *   [&fundLine=…][&month=YYYY-MM][&accounts=names|codes][&reason=…]
 * with `Authorization: Bearer <token>`: the books of a region and period as a download
 * (docs/exports.md). Thin: authenticate, parse, hand over to ledger/reports. Errors before the
 * download starts answer in the GraphQL error shape with a matching HTTP status; a failure
 * mid-stream aborts the connection (the client sees an incomplete download, never a file that looks whole).
 */
import express from 'express';
import type pg from 'pg';
import { GraphQLError } from 'graphql';
import type { KeySet } from '../../auth/tokens.js';
import type { Logger } from '../../platform/logger.js';
import { DomainError } from '../../platform/errors.js';
import { exportBooks, parseExportRequest, viewerCaller } from '../../ledger/reports/index.js';
import { viewerFromHeader } from '../auth.js';
import { rateLimiter, type Limits } from '../hardening.js';

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

function sendError(res: express.Response, status: number, message: string, extensions: Record<string, unknown>): void {
  res.status(status).json({ errors: [{ message, extensions }] });
}

export function booksExportRoutes(options: { pool: pg.Pool; keys: KeySet; log: Logger; limits: Limits }): express.Router {
  const router = express.Router();
  router.get('/books', rateLimiter(options.limits), async (req, res) => {
    let started = false;
    try {
      const viewer = await viewerFromHeader(req.header('authorization'), options.keys);
      if (!viewer.authenticated) throw new DomainError('UNAUTHENTICATED', 'authentication required: send "Authorization: Bearer <token>"');
      const request = parseExportRequest(req.query as Record<string, unknown>);
      const result = await exportBooks(options.pool, viewerCaller(viewer), request, res, (start) => {
        started = true;
        res.status(200);
        res.setHeader('content-type', start.contentType);
        res.setHeader('content-disposition', `attachment; filename="${start.fileName}"`);
        res.setHeader('cache-control', 'no-store');
        res.setHeader('x-sunshine-rows', String(start.rows));
        res.setHeader('x-sunshine-access-log-id', start.accessLogId);
        res.setHeader('x-sunshine-chain-head', start.head.seq);
      });
      options.log.info({ subject: viewer.subject, region: request.regionCode, what: request.what, format: request.format, rows: result.rows }, 'books exported');
    } catch (error) {
      if (started) {
        options.log.error({ err: error }, 'export failed mid-stream');
        res.destroy(error instanceof Error ? error : undefined);
      } else if (error instanceof DomainError) {
        sendError(res, STATUS[error.code] ?? 400, error.message, { code: error.code, ...(error.field ? { field: error.field } : {}) });
      } else if (error instanceof GraphQLError) {
        sendError(res, 401, error.message, { code: error.extensions.code ?? 'UNAUTHENTICATED' });
      } else {
        options.log.error({ err: error }, 'export failed');
        sendError(res, 500, 'internal server error', { code: 'INTERNAL_SERVER_ERROR' });
      }
    }
  });
  return router;
}
