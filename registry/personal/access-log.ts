/**
 * Reads of the access log (个人信息查阅日志): who read which personal data in clear, scoped by where
 * the elder is registered or lives. The rows are written by unmask.ts, in the read's transaction.
 */
import { inScope } from '../access.js';
import { join, param, sql, type SqlFragment } from '../../platform/sql.js';
import { RegistryRoom, ts } from '../store.js';
import { RecordTable } from '../reads.js';
import type { AccessLogRecord, Page } from '../types.js';

const ACCESS = `l.id::text, ${ts('l.accessed_at')} as "accessedAt", l.subject, l.roles, l.token_id as "tokenId", l.reason, l.entity_type as "entityType",
  l.entity_id::text as "entityId", l.region_code as "regionCode", l.residence_region_code as "residenceRegionCode", l.fields, l.row_count::int as "rowCount",
  l.export_format as "exportFormat", l.period_from::text as "periodFrom", l.period_to::text as "periodTo"`;
export const ENTRIES = new RecordTable<AccessLogRecord>(ACCESS, 'registry.access_log l', 'l');

export interface AccessLogFilter {
  scopePrefix: string;
  subject?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  from?: string | null;
  to?: string | null;
}

export class AccessLog extends RegistryRoom {
  async accessLog(filter: AccessLogFilter, page: Page): Promise<AccessLogRecord[]> {
    return ENTRIES.page(this.sql, accessWhere(filter), page);
  }

  async countAccessLog(filter: AccessLogFilter): Promise<number> {
    return ENTRIES.count(this.sql, accessWhere(filter));
  }

  async accessLogById(ids: readonly string[]): Promise<Map<string, AccessLogRecord>> {
    return ENTRIES.byIds(this.sql, ids);
  }
}

function accessWhere(filter: AccessLogFilter): SqlFragment {
  const scope = param(filter.scopePrefix);
  // A read allowed by the household or by the residence jurisdiction is audited by either.
  const where = [sql`(${inScope('l.region_code', scope)} or ${inScope('l.residence_region_code', scope)})`];
  if (filter.subject) where.push(sql`l.subject = ${filter.subject}`);
  if (filter.entityType) where.push(sql`l.entity_type = ${filter.entityType}`);
  if (filter.entityId) where.push(sql`l.entity_id = ${filter.entityId}::bigint`);
  if (filter.from) where.push(sql`l.accessed_at >= ${filter.from}::timestamptz`);
  if (filter.to) where.push(sql`l.accessed_at < ${filter.to}::timestamptz`);
  return join(where, ' and ');
}
