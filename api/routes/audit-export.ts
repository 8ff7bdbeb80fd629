/**
 * GET /audit/findings/export?format=xlsx|csv&reason=…[&regionCode=…&ruleId=…&status=…&severity=…&fundLine=…
 * &periodFrom=…&periodTo=…&subjectType=…&subjectId=…&includeDescendants=false]: findings with their
 * evidence as a download, for a bearer token holding audit:export; written to the access log.
 */
import express from 'express';
import type pg from 'pg';
import { viewerFromHeader } from '../auth.js';
import type { KeySet } from '../../auth/tokens.js';
import { DomainError } from '../../platform/errors.js';
import { singleParam } from '../../platform/validate.js';
import { exportFindings } from '../../audit/export.js';
import type { Logger } from '../../platform/logger.js';

const FILTER_KEYS = ['ruleId', 'severity', 'status', 'regionCode', 'fundLine', 'periodFrom', 'periodTo', 'subjectType', 'subjectId'] as const;
const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

export function auditExportRouter(pool: pg.Pool, keys: KeySet, log: Logger): express.Router {
  const router = express.Router();
  router.get('/findings/export', async (req, res) => {
    try {
      const viewer = await viewerFromHeader(req.header('authorization'), keys);
      if (!viewer.authenticated) throw new DomainError('UNAUTHENTICATED', 'authentication required: send "Authorization: Bearer <token>"');
      const query = req.query as Record<string, unknown>;
      const text = (name: string) => singleParam(query, name);
      const filter = Object.fromEntries(FILTER_KEYS.map((k) => [k, text(k)]).filter(([, v]) => v != null));
      if (text('includeDescendants') != null) Object.assign(filter, { includeDescendants: text('includeDescendants') !== 'false' });
      const result = await exportFindings(pool, viewer, { format: text('format') ?? 'xlsx', reason: text('reason') ?? '', filter });
      res.setHeader('content-type', result.format === 'CSV' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      res.setHeader('content-disposition', `attachment; filename="${result.filename}"`);
      res.setHeader('cache-control', 'no-store');
      res.setHeader('x-audit-rows', String(result.rows));
      res.send(result.body);
    } catch (error) {
      const code = error instanceof DomainError ? error.code : (error as { extensions?: { code?: string } })?.extensions?.code;
      if (code && code in STATUS) {
        res.status(STATUS[code]!).json({ errors: [{ message: (error as Error).message, extensions: { code, ...((error as DomainError).field ? { field: (error as DomainError).field } : {}) } }] });
        return;
      }
      log.error({ err: error }, 'audit export failed');
      res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  });
  return router;
}
