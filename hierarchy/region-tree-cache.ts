/**
 * The answers of the region tree statements (region-tree.ts), kept until the hierarchy changes.
 *
 * Why: the hierarchy is reference data — national statistical codes, re-imported a few times a
 * year — read by nearly every request, and the statement's round trip to PostgreSQL was most of a
 * point lookup's cost (the socket write alone a quarter of the server's CPU). An answer read once
 * serves every later request of the same shape, region, pages and viewer's scope.
 *
 * Freshness: every statement that changes the region table commits a notice
 * (Migration20261203100000_region_change_notice), which the cache listens for on a connection of
 * its own; it then drops everything. An answer whose read overlapped a notice is not kept. Without
 * its listening connection (not yet connected, lost, reconnecting) it keeps nothing and every read
 * goes to PostgreSQL; a new connection starts empty. So an answer lags a committed change by at
 * most the time its notice takes to arrive (milliseconds), as a read from a replica would.
 *
 * Bounded by the characters of text it keeps; the least recently used answers go first.
 */
import type pg from 'pg';
import { derivedClient } from '../platform/pools.js';
import type { Logger } from '../platform/logger.js';

export const REGION_CHANGED_CHANNEL = 'sunshine_region_changed';

/** ≈ 64 MB of text (JavaScript strings of ASCII and CJK: 1–2 bytes a character): ≈ 400 answers of a whole city. */
const DEFAULT_MAX_CHARS = 32 * 1024 * 1024;
/** An answer longer than this is not kept (it would push out hundreds of others). */
const MAX_ENTRY_SHARE = 0.1;
/** The longest the listening connection may take to connect (a server that does not answer is a failure, retried). */
const CONNECT_TIMEOUT_MS = 10_000;
/** The wait before connecting again after the listening connection failed. */
const RECONNECT_MS = 1_000;

export class RegionTreeCache {
  /** Reads answered from the cache, reads that went to PostgreSQL, and times everything was dropped. */
  readonly stats = { hits: 0, misses: 0, cleared: 0 };
  private readonly entries = new Map<string, string>();
  private chars = 0;
  /** Advanced by every drop: a read that began before one does not keep its answer. */
  private generation = 0;
  /** The connection listening for notices; null: not listening, nothing is kept. */
  private listener: pg.Client | null = null;
  private stopped = false;
  private reconnect: NodeJS.Timeout | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { maxChars?: number; log?: Logger } = {},
  ) {}

  /**
   * Connects the listening connection; a failure is logged and retried in the background (until
   * then nothing is kept). Resolves once it listens or has failed; never rejects.
   */
  start(): Promise<void> {
    this.stopped = false;
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    this.reconnect = null;
    const listener = this.listener;
    this.listener = null;
    this.clear();
    await listener?.end().catch(() => {});
  }

  /** Whether answers are being kept (the listening connection is up). */
  get listening(): boolean {
    return this.listener !== null;
  }

  /** The answer kept under `key`, or `load`'s (kept when no change was noticed while it was read). */
  async read(key: string, load: () => Promise<string | null>): Promise<string | null> {
    if (!this.listener) return load();
    const known = this.entries.get(key);
    if (known !== undefined) {
      this.stats.hits++;
      this.entries.delete(key); // most recently used last
      this.entries.set(key, known);
      return known;
    }
    this.stats.misses++;
    const generation = this.generation;
    const value = await load();
    if (value !== null && this.listener && generation === this.generation) this.keep(key, value);
    return value;
  }

  /** Drops every answer. */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.chars = 0;
    this.stats.cleared++;
  }

  private keep(key: string, value: string): void {
    const max = this.options.maxChars ?? DEFAULT_MAX_CHARS;
    const size = key.length + value.length;
    if (size > max * MAX_ENTRY_SHARE) return;
    this.entries.set(key, value);
    this.chars += size;
    for (const [oldest, text] of this.entries) {
      if (this.chars <= max) break;
      this.entries.delete(oldest);
      this.chars -= oldest.length + text.length;
    }
  }

  private async connect(): Promise<void> {
    const client = derivedClient(this.pool, { connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('notification', () => this.clear());
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${REGION_CHANGED_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    this.clear(); // whatever changed before listening began is unknown: start empty
    this.listener = client;
  }

  /** The listening connection failed or ended: keep nothing until a new one listens. */
  private lost(client: pg.Client, error?: unknown): void {
    if (this.listener === client) {
      this.listener = null;
      this.clear();
    }
    client.removeAllListeners('end');
    client.on('error', () => {});
    void client.end().catch(() => {});
    if (this.stopped || this.reconnect) return;
    this.options.log?.warn({ err: error }, 'region cache: the connection listening for hierarchy changes is lost; reading every answer from PostgreSQL until it is back');
    this.reconnect = setTimeout(() => {
      this.reconnect = null;
      void this.connect();
    }, RECONNECT_MS);
    this.reconnect.unref();
  }
}
