/**
 * The change feed: the outbox (sync.change) read in commit-consistent order for one caller.
 *
 * No change is missed: a page reads only rows whose transaction is older than every transaction
 * still running (xid < pg_snapshot_xmin(pg_current_snapshot())) — each such transaction has
 * committed or rolled back, so nothing can appear below the horizon later — and pages by the
 * compound key (xid, seq) it orders by. The price: a long write transaction anywhere holds the
 * feed back until it ends (the lag is measured in bench/sync.ts).
 *
 * Each change carries the object's CURRENT state, read with the caller's projection (sync/types.ts):
 * UPSERT when the object is visible to the caller now, LEFT_SCOPE when it is not (it moved out of
 * the jurisdiction). Deciding from the current state, not from the change row, keeps a mirror right
 * even when two transactions touching one object commit in the other order than their xids.
 */
import type pg from 'pg';
import type { Viewer } from '../auth/viewer.js';
import { decodeCursor, encodeCursor, resyncRequired, type FeedPosition } from './cursor.js';
import { logBulkPull, parseWithin, requireTypes, SCOPE_CTE, scopeParams } from './scope.js';
import { subtreeRangeOf } from '../platform/region-code.js';
import { scopeValues, typeByChangeType, typeByName, type ChangeType, type ExportedType, type ScopeParams } from './types.js';
import { DomainError } from '../platform/errors.js';

export const DEFAULT_FEED_PAGE = 500;
export const MAX_FEED_PAGE = 2000;
/** Rows of the outbox one request looks at, at most (changes of other jurisdictions are skipped). */
const SCAN_BUDGET = 20_000;
const MAX_SEQ = '9223372036854775807';

export type ChangeOperation = 'UPSERT' | 'LEFT_SCOPE';

export interface ChangeItem {
  /** Resume after this change. */
  cursor: string;
  type: ChangeType;
  /** Global id of the object. */
  id: string;
  operation: ChangeOperation;
  /** When the change was written, inside its transaction (ISO 8601, UTC). */
  committedAt: string;
  /** The object now, as the caller sees it; null for LEFT_SCOPE. */
  state: Record<string, unknown> | null;
  /** A ledger transaction's chain hash (hex). */
  hash: string | null;
}

export interface FeedPage {
  changes: ChangeItem[];
  /** Resume here, also when the page is empty (it may have skipped other jurisdictions' changes). */
  cursor: string;
  /** More changes are already readable: ask again at once. */
  hasMore: boolean;
  /**
   * Committed changes wait beyond the horizon: a transaction that is still running somewhere on the
   * database server holds the feed back (they come once it ends). Ask again shortly.
   */
  pending: boolean;
}

export interface FeedRequest {
  after: string | null;
  first?: number | null;
  types?: readonly ChangeType[] | null;
  /**
   * A region of the jurisdiction to follow the feed within. A cursor carries the `within` of the
   * export it comes from, and the feed follows it within that region whether or not it is given
   * again; given, it must be that one (BAD_USER_INPUT otherwise). Without `after`: narrows the feed
   * from its beginning.
   */
  within?: string | null;
}

/** The database's lineage (sync.database_epoch(): a restored or replaced copy differs). */
export async function databaseEpoch(db: Pick<pg.Pool, 'query'> | pg.PoolClient): Promise<string> {
  const { rows } = await db.query<{ epoch: string }>(`select sync.database_epoch() as epoch`);
  return rows[0]!.epoch;
}

interface ScannedRow {
  last_xid: string | null;
  last_seq: string | null;
  scanned: string;
  xid: string | null;
  seq: string | null;
  entity_type: string | null;
  entity_id: string | null;
  changed_at: string | null;
  horizon_xmax: string;
  pending: boolean;
}

function checkFirst(first: number | null | undefined): number {
  const n = first ?? DEFAULT_FEED_PAGE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_FEED_PAGE) throw new DomainError('BAD_USER_INPUT', `first must be between 1 and ${MAX_FEED_PAGE}, got ${n}`, 'first');
  return n;
}

/** Snapshot text "xmin:xmax:xip,…": its xmax. */
const snapshotXmax = (snapshot: string) => BigInt(snapshot.split(':')[1]!);

export async function readChanges(pool: pg.Pool, viewer: Viewer, request: FeedRequest): Promise<FeedPage> {
  const types = requireTypes(viewer, request.types);
  const first = checkFirst(request.first);
  const epoch = await databaseEpoch(pool);
  // (an empty cursor is a mistake, not "from the beginning": that is null, or leaving it out)
  if (request.after === '') throw new DomainError('BAD_USER_INPUT', 'after must be a cursor the feed or an export handed out, or null to start from the beginning', 'after');
  const asked = request.within == null ? undefined : parseWithin(viewer, request.within);
  const start: FeedPosition = request.after
    ? decodeCursor(request.after, viewer.jurisdiction)
    : { epoch, jurisdiction: viewer.jurisdiction, xid: '0', seq: '0', snapshot: null, within: asked ?? null };
  if (start.epoch !== epoch) throw resyncRequired('the cursor belongs to another copy of the database (it was restored or replaced)');
  const within = start.within ?? null;
  if (asked !== undefined && asked !== within) throw withinMismatch(within ?? viewer.jurisdiction, asked ?? viewer.jurisdiction);

  // Narrowed, the feed is what the narrowed export would show: the region's subtree and the regions above it.
  const scope = scopeParams(viewer, within);
  const [low, high] = within ? subtreeRangeOf(within) : viewer.scopeRange;
  const { rows } = await pool.query<ScannedRow>(
    `with scanned as (
       select c.xid, c.seq, c.entity_type, c.entity_id, c.regions, c.old_regions, c.changed_at from sync.change c
       where (c.xid, c.seq) > ($1::xid8, $2::bigint) and c.xid < pg_snapshot_xmin(pg_current_snapshot())
       order by c.xid, c.seq limit $3
     ), relevant as (
       select s.* from scanned s
       where s.entity_type = any($4::text[])
         and ($5::text is null or not pg_visible_in_snapshot(s.xid, $5::text::pg_snapshot))
         and (exists (select from unnest(s.regions || s.old_regions) r where r between $6 and $7)
              or (s.entity_type = 'Region' and s.entity_id = any($8::text[])))
       order by s.xid, s.seq limit $9
     ), last as (select s.xid, s.seq from scanned s order by s.xid desc, s.seq desc limit 1)
     select l.xid::text as last_xid, l.seq::text as last_seq, (select count(*) from scanned)::text as scanned,
            r.xid::text, r.seq::text, r.entity_type, r.entity_id,
            to_char(r.changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as changed_at,
            pg_snapshot_xmax(pg_current_snapshot())::text as horizon_xmax,
            -- Every cursor lies below the horizon it was handed out under, and the horizon only rises:
            -- committed rows at or above it (of this caller) are exactly those the feed holds back.
            exists (select from sync.change c where c.xid >= pg_snapshot_xmin(pg_current_snapshot()) and c.entity_type = any($4::text[])
                    and (exists (select from unnest(c.regions || c.old_regions) r where r between $6 and $7)
                         or (c.entity_type = 'Region' and c.entity_id = any($8::text[])))) as pending
     from (select 1) one left join last l on true left join relevant r on true
     order by r.xid, r.seq`,
    [start.xid, start.seq, SCAN_BUDGET, types.map((t) => t.typename), start.snapshot, low, high, scope.ancestors, first + 1],
  );
  const head = rows[0]!;
  if (BigInt(start.xid) > BigInt(head.horizon_xmax)) throw resyncRequired('the cursor is ahead of this database (it was restored from an older copy)');

  const found = rows.filter((r) => r.xid !== null);
  const delivered = found.slice(0, first);
  const positionOf = (xid: string, seq: string): string =>
    encodeCursor({ epoch, jurisdiction: viewer.jurisdiction, xid, seq, snapshot: start.snapshot && BigInt(xid) < snapshotXmax(start.snapshot) ? start.snapshot : null, within });
  const end = found.length > first ? delivered.at(-1)! : head.last_xid ? { xid: head.last_xid, seq: head.last_seq! } : { xid: start.xid, seq: start.seq };
  const states = await currentStates(pool, scope, delivered.map((r) => ({ type: r.entity_type!, key: r.entity_id! })));
  const changes = delivered.map((r): ChangeItem => {
    const type = typeByName.get(r.entity_type!)!;
    const state = states.get(`${r.entity_type}:${r.entity_id}`) ?? null;
    return {
      cursor: positionOf(r.xid!, r.seq!),
      type: type.changeType,
      id: globalIdOf(type, r.entity_id!),
      operation: state ? 'UPSERT' : 'LEFT_SCOPE',
      committedAt: r.changed_at!,
      state,
      hash: state && typeof state.hash === 'string' ? state.hash : null,
    };
  });
  if (changes.length) await logFeedPage(pool, viewer, within ?? viewer.jurisdiction, changes);
  return {
    changes,
    cursor: positionOf(end.xid!, end.seq!),
    hasMore: found.length > first || Number(head.scanned) >= SCAN_BUDGET,
    pending: head.pending,
  };
}

/**
 * A page of the feed is a bulk pull of (masked) personal data like an export page, so it is in the
 * access log like one (entity_type 'Feed', the page's types and rows); a page with nothing in it is
 * not (found in review: paging the feed from the start returned every elder of a county unlogged).
 */
function logFeedPage(pool: pg.Pool, viewer: Viewer, region: string, changes: ChangeItem[]): Promise<void> {
  const paths = [...new Set(changes.map((c) => typeByChangeType.get(c.type)?.path ?? c.type))];
  return logBulkPull(pool, viewer, { kind: 'Feed', id: null, reason: 'change feed page', region, paths, rows: changes.length });
}

/**
 * A cursor followed within another region than its export's: a mirror of a town would receive the
 * county's changes (objects it never had), a mirror of the county would no longer hear of its other
 * towns. Not RESYNC_REQUIRED: the cursor is good for its own region.
 */
const withinMismatch = (own: string, asked: string) =>
  new DomainError('BAD_USER_INPUT', `this cursor follows the feed within ${own} (the within of the export it comes from), not ${asked}: leave within out, or take an export within ${asked} and follow its cursor`, 'within');

const globalIdOf = (type: ExportedType, key: string) => Buffer.from(`${type.typename}:${key}`, 'utf8').toString('base64url');

/** The current state of each object, as the caller sees it; objects not visible to the caller are absent. */
async function currentStates(pool: pg.Pool, scope: ScopeParams, wanted: { type: string; key: string }[]): Promise<Map<string, Record<string, unknown>>> {
  const byType = new Map<string, Set<string>>();
  for (const w of wanted) (byType.get(w.type) ?? byType.set(w.type, new Set()).get(w.type)!).add(w.key);
  const out = new Map<string, Record<string, unknown>>();
  await Promise.all(
    [...byType].map(async ([typename, keys]) => {
      const type = typeByName.get(typename)!;
      const keyType = type.typename === 'Region' ? 'text[]' : 'bigint[]';
      const { rows } = await pool.query<{ key: string; state: Record<string, unknown> }>(
        `${SCOPE_CTE} select ${type.key}::text as key, ${type.json} as state from ${type.from} where ${type.key} = any($4::${keyType}) and ${type.visible}`,
        [...scopeValues(scope), [...keys]],
      );
      for (const row of rows) out.set(`${typename}:${row.key}`, row.state);
    }),
  );
  return out;
}

/**
 * A feed position just before a snapshot: every transaction the snapshot does not contain comes
 * after it. `within`: the region the snapshot was narrowed to (null: the jurisdiction), which the
 * feed from this cursor keeps to.
 */
export function cursorBeforeSnapshot(epoch: string, jurisdiction: string, snapshot: string, within: string | null): string {
  const xmin = BigInt(snapshot.split(':')[0]!);
  return encodeCursor({ epoch, jurisdiction, xid: String(xmin - 1n), seq: MAX_SEQ, snapshot, within });
}
