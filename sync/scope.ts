/** Who may pull what: the pull path's permission, the types a caller may read, the SQL scope parameters, and the access-log record of each bulk pull. */
import type pg from 'pg';
import { forbidden, type Viewer } from '../auth/viewer.js';
import { ancestorsOf, parseRegionCode, scopePrefixOf } from '../platform/region-code.js';
import { EXPORTED_TYPES, typeByChangeType, type ChangeType, type ExportedType, type ScopeParams } from './types.js';

/** The types the caller may receive: `sync:pull` and each type's own read permission. */
export function readableTypes(viewer: Viewer): ExportedType[] {
  return EXPORTED_TYPES.filter((t) => viewer.can(t.permission));
}

/**
 * The types asked for, or every readable type when none are named. FORBIDDEN without `sync:pull`,
 * or when a named type needs a permission the caller lacks (it is not silently left out).
 */
export function requireTypes(viewer: Viewer, asked: readonly ChangeType[] | null | undefined): ExportedType[] {
  viewer.require('sync:pull');
  if (!asked || asked.length === 0) return readableTypes(viewer);
  return [...new Set(asked)].map((name) => {
    const type = typeByChangeType.get(name)!;
    if (!viewer.can(type.permission)) throw forbidden(`${viewer.roles.join('/')} may not receive ${name} (needs ${type.permission})`);
    return type;
  });
}


/**
 * A region to narrow an export or the feed to (`within`): a region code as every API argument takes
 * it (12 digits or the 2/4/6/9-digit prefix; BAD_USER_INPUT otherwise), inside the jurisdiction
 * (FORBIDDEN otherwise). Answers its 12-digit code, or null when it is the jurisdiction itself: no
 * narrowing.
 */
export function parseWithin(viewer: Viewer, within: string): string | null {
  const code = parseRegionCode(within, 'within');
  viewer.requireInScope(code, `within ${code}`);
  return code === viewer.jurisdiction ? null : code;
}

/** SQL scope parameters of a caller, narrowed to `within` (a code inside the jurisdiction) when given. */
export function scopeParams(viewer: Viewer, within?: string | null): ScopeParams {
  const code = within ?? viewer.jurisdiction;
  return { scopePrefix: within ? scopePrefixOf(within) : viewer.scopePrefix, health: viewer.can('health:read'), ancestors: ancestorsOf(code) };
}

/** A CTE that fixes the types of the three projection parameters, whichever a projection uses. */
export const SCOPE_CTE = `with scope_params as (select $1::text as prefix, $2::boolean as health, $3::text[] as ancestors)`;

/**
 * A bulk pull in the access log: an export (started, then finished or aborted) or a feed page — both
 * hand out (masked) personal data of a region by the thousand. `id` names the export; null takes a
 * new number from the exports' sequence (a feed page).
 */
export async function logBulkPull(
  pool: pg.Pool,
  viewer: Viewer,
  entry: { kind: 'Export' | 'Feed'; id: string | null; reason: string; region: string; paths: string[]; rows: number | null },
): Promise<void> {
  await pool.query(
    `insert into registry.access_log (subject, roles, token_id, reason, entity_type, entity_id, region_code, fields, row_count)
     values ($1, $2, $3, $4, $5, coalesce($6::bigint, nextval('sync.export_id_seq')), $7, $8, $9)`,
    [viewer.subject, [...viewer.roles], viewer.tokenId, entry.reason, entry.kind, entry.id, entry.region, entry.paths, entry.rows],
  );
}
