/**
 * Feed cursors: opaque to clients, durable (the outbox is never pruned), signed with a server
 * secret (HMAC-SHA256) so that a client cannot forge a position or another jurisdiction's cursor.
 *
 * Inside: the database epoch, the jurisdiction it was made under, the position (xid, seq) — the
 * compound key the feed is ordered by; strictly after it comes next — and, for a cursor handed out
 * by a snapshot export, that snapshot (pg_snapshot text), so the feed skips the transactions the
 * snapshot already contained: snapshot + feed repeat nothing and miss nothing. A cursor of an
 * export narrowed with `within` carries that region too, and the feed follows it within it: the
 * changes of what that snapshot could hold, no others (docs/sync.md "Narrowed mirrors").
 */
import crypto from 'node:crypto';
import { DomainError } from '../platform/errors.js';
import { secretFromEnv } from '../platform/secrets.js';
import { isRegionCode } from '../platform/region-code.js';

export interface FeedPosition {
  epoch: string;
  jurisdiction: string;
  /** xid8 as decimal text. */
  xid: string;
  /** seq as decimal text. */
  seq: string;
  /** Transactions visible in this snapshot were delivered by the export: skip them. */
  snapshot: string | null;
  /** The region (12 digits, inside the jurisdiction) the feed is narrowed to; null or absent: the jurisdiction. */
  within?: string | null;
}

let secret: Buffer | undefined;

function key(): Buffer {
  secret ??= Buffer.from(secretFromEnv('SUNSHINE_CURSOR_SECRET', 'cursor-secret'), 'utf8');
  return secret;
}

const sign = (body: string) => crypto.createHmac('sha256', key()).update(body).digest('base64url');

export function encodeCursor(p: FeedPosition): string {
  const body = Buffer.from(
    JSON.stringify({ v: 1, e: p.epoch, j: p.jurisdiction, x: p.xid, s: p.seq, ...(p.snapshot ? { p: p.snapshot } : {}), ...(p.within ? { w: p.within } : {}) }),
    'utf8',
  ).toString('base64url');
  return `${body}.${sign(body)}`;
}

export const resyncRequired = (message: string) => new DomainError('RESYNC_REQUIRED', `${message}: take a new snapshot (GET /export/v1/…) and follow the feed from its cursor`);

/**
 * The position inside a cursor. Garbage → BAD_USER_INPUT; a well-formed cursor whose signature does
 * not verify (another server's, or a rotated secret) or that was made for another jurisdiction →
 * RESYNC_REQUIRED. The epoch and the xid horizon are checked by the feed against the database.
 */
export function decodeCursor(cursor: string, jurisdiction: string, field = 'after'): FeedPosition {
  const match = /^([A-Za-z0-9_-]{1,4000})\.([A-Za-z0-9_-]{43})$/.exec(cursor);
  let parsed: Record<string, unknown> | null = null;
  if (match) {
    try {
      parsed = JSON.parse(Buffer.from(match[1]!, 'base64url').toString('utf8'));
    } catch {
      parsed = null;
    }
  }
  const ok =
    parsed && parsed.v === 1 && typeof parsed.e === 'string' && typeof parsed.j === 'string' &&
    typeof parsed.x === 'string' && /^[0-9]{1,20}$/.test(parsed.x) && typeof parsed.s === 'string' && /^[0-9]{1,20}$/.test(parsed.s) &&
    (parsed.p === undefined || (typeof parsed.p === 'string' && /^[0-9]+:[0-9]+:[0-9,]*$/.test(parsed.p))) &&
    (parsed.w === undefined || isRegionCode(parsed.w));
  if (!ok || !match) throw new DomainError('BAD_USER_INPUT', `"${cursor.slice(0, 40)}…" is not a feed cursor`, field);
  const expected = Buffer.from(sign(match[1]!));
  const given = Buffer.from(match[2]!);
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) throw resyncRequired('the cursor was not issued by this server (or its secret was rotated)');
  if (parsed!.j !== jurisdiction) throw resyncRequired(`the cursor was made for jurisdiction ${String(parsed!.j)}, not ${jurisdiction}`);
  return { epoch: parsed!.e as string, jurisdiction, xid: parsed!.x as string, seq: parsed!.s as string, snapshot: (parsed!.p as string | undefined) ?? null, within: (parsed!.w as string | undefined) ?? null };
}
