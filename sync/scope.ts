/** Who may pull what: the pull path's permission, the types a caller may read, and the SQL scope parameters. */
import { forbidden, levelOfCode, scopePrefixOf, type Viewer } from '../auth/viewer.js';
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

/** The codes of the regions above a region (province, city, county …), which a caller below may see by name. */
export function ancestorsOf(code: string): string[] {
  const out: string[] = [];
  const lengths = { PROVINCE: 0, CITY: 2, COUNTY: 4, TOWN: 6, VILLAGE: 9 } as const;
  const level = levelOfCode(code);
  for (const length of [2, 4, 6, 9]) {
    if (length > lengths[level]) break;
    out.push(code.slice(0, length).padEnd(12, '0'));
  }
  return out.filter((c) => c !== code);
}

/** SQL scope parameters of a caller, narrowed to `within` (a code inside the jurisdiction) when given. */
export function scopeParams(viewer: Viewer, within?: string | null): ScopeParams {
  const code = within ?? viewer.jurisdiction;
  return { scopePrefix: within ? scopePrefixOf(within) : viewer.scopePrefix, health: viewer.can('health:read'), ancestors: ancestorsOf(code) };
}

/** A CTE that fixes the types of the three projection parameters, whichever a projection uses. */
export const SCOPE_CTE = `with scope_params as (select $1::text as prefix, $2::boolean as health, $3::text[] as ancestors)`;
