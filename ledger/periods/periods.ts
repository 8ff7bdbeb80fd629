/**
 * Accounting periods (会计期间): a (region, fund line, month) is OPEN, CLOSED or SEALED. The rules that
 * protect the books — no posting into a closed month, months close and seal in order, reopening only
 * through an exception approved by another person, sealed never reopens — are the database's
 * (migrations/Migration20261201200100_periods.ts); this module adds who may act (Viewer), what blocks
 * a close or a seal (allocations in transit, open CRITICAL audit findings, unsealed regions below),
 * and the sealed trial balance. Each action is one transaction as the application role, holding the
 * exclusive period lock of the region and fund line from its start, so what it checked still holds
 * when it commits.
 */
import type pg from 'pg';
import type { Viewer } from '../../auth/viewer.js';
import { forbidden } from '../../auth/viewer.js';
import { levelOfCode } from '../../platform/region-code.js';
import { AS_APP_ROLE, inTransaction } from '../../platform/sql.js';
import { badInput, fromDatabaseError, LedgerError, PeriodBlockedError, type PeriodBlocker } from '../errors.js';
import * as v from '../validate.js';
import { computeTrialBalance, sameLines, sealedTrialBalance, storeTrialBalance, type TrialBalanceLine } from './trial-balance.js';
import { LOCK_CLASS } from '../../platform/locks.js';

export type PeriodState = 'OPEN' | 'CLOSED' | 'SEALED';
export type PeriodAction = 'CLOSE' | 'REOPEN' | 'SEAL';

export interface PeriodEventRecord {
  id: string;
  action: PeriodAction;
  actor: string;
  at: string;
  exceptionId: string | null;
  atSeq: string | null;
  atHash: string | null;
}

export interface PeriodRecord {
  regionCode: string;
  fundLine: string;
  /** YYYY-MM */
  month: string;
  state: PeriodState;
  /** When the month is open through a reopening: when that ends (it is CLOSED again then). */
  reopenedUntil: string | null;
  events: PeriodEventRecord[];
}

export interface PeriodExceptionRecord {
  id: string;
  regionCode: string;
  fundLine: string;
  month: string;
  reason: string;
  requestedBy: string;
  requestedAt: string;
  expiresAt: string;
  approvedBy: string | null;
  approvedAt: string | null;
}

export interface TrialBalanceRecord {
  regionCode: string;
  fundLine: string;
  month: string;
  includeDescendants: boolean;
  /** Stored at sealing (immutable) or computed now from the postings (the month is not sealed). */
  sealed: boolean;
  /** The chain head the figures were computed at (for a live one: now). */
  atSeq: string;
  atHash: string | null;
  sealedAt: string | null;
  sealedBy: string | null;
  lines: TrialBalanceLine[];
}

export interface PeriodKey {
  regionCode: string;
  fundLine: string;
  month: string;
}

/** The most months one `periods` call lists. */
export const MAX_PERIOD_RANGE = 120;
/** The longest a reopening may last. */
export const MAX_REOPEN_DAYS = 31;

const PERIOD_LOCK = (client: pg.PoolClient, regionCode: string, fundLine: string) =>
  client.query('select pg_advisory_xact_lock($1, ledger.period_lock_key($2, $3))', [LOCK_CLASS.LEDGER_PERIOD, regionCode, fundLine]);

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function monthStart(month: unknown, field: string): string {
  const m = v.month(month, field);
  const year = Number(m.slice(0, 4));
  if (year < 2000 || year > 2100) throw badInput(`${field} must be between 2000-01 and 2100-12`, field);
  return `${m}-01`;
}

function addMonths(start: string, n: number): string {
  const d = new Date(`${start}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return d.toISOString().slice(0, 10);
}

export class Periods {
  constructor(private readonly pool: pg.Pool) {}

  // ---- reads ---------------------------------------------------------------------------------

  /** The periods of a region and fund line from one month to another (inclusive), oldest first. */
  async list(viewer: Viewer, region: string, fundLine: string, from: string, to: string): Promise<PeriodRecord[]> {
    const regionCode = v.regionCode(region, 'regionCode'); // (12 digits, or the 2/4/6/9-digit prefix)
    viewer.requireAt('ledger:read', regionCode, `regionCode ${regionCode}`);
    const start = monthStart(from, 'from');
    const end = monthStart(to, 'to');
    if (end < start) throw badInput('to is before from', 'to');
    const count = (Number(end.slice(0, 4)) - Number(start.slice(0, 4))) * 12 + Number(end.slice(5, 7)) - Number(start.slice(5, 7)) + 1;
    if (count > MAX_PERIOD_RANGE) throw badInput(`at most ${MAX_PERIOD_RANGE} months at once, got ${count}`, 'to');
    await this.requireReference(this.pool, regionCode, v.code(fundLine, 'fundLine'));
    return this.load(this.pool, regionCode, fundLine, start, end);
  }

  /** The trial balance of a month: the sealed one when the month is sealed, else computed now from the postings. */
  async trialBalance(viewer: Viewer, region: string, fundLine: string, month: string, includeDescendants: boolean): Promise<TrialBalanceRecord> {
    const regionCode = v.regionCode(region, 'regionCode');
    viewer.requireAt('ledger:read', regionCode, `regionCode ${regionCode}`);
    const start = monthStart(month, 'month');
    await this.requireReference(this.pool, regionCode, v.code(fundLine, 'fundLine'));
    const scope = includeDescendants ? 'SUBTREE' : 'REGION';
    const seal = await this.sealOf(this.pool, regionCode, fundLine, start);
    if (seal) {
      const lines = (await sealedTrialBalance(this.pool, seal.id)).filter((l) => l.scope === scope);
      return { regionCode, fundLine, month: start.slice(0, 7), includeDescendants, sealed: true, atSeq: seal.atSeq!, atHash: seal.atHash, sealedAt: seal.at, sealedBy: seal.actor, lines };
    }
    // One snapshot for the head and the figures.
    return inTransaction(
      this.pool,
      async (client) => {
        const head = await chainHead(client);
        const lines = await computeTrialBalance(client, { regionCode, fundLine, monthStart: start, scope, atSeq: head.seq });
        return { regionCode, fundLine, month: start.slice(0, 7), includeDescendants, sealed: false, atSeq: head.seq, atHash: head.hash, sealedAt: null, sealedBy: null, lines };
      },
      `${AS_APP_ROLE}; set transaction isolation level repeatable read, read only`,
    );
  }

  /** Recomputes a sealed trial balance from the postings (up to the seq it was sealed at) and compares. */
  async reproduces(regionCode: string, fundLine: string, month: string): Promise<boolean | null> {
    const start = monthStart(month, 'month');
    const seal = await this.sealOf(this.pool, regionCode, fundLine, start);
    if (!seal) return null;
    const stored = await sealedTrialBalance(this.pool, seal.id);
    const recomputed = [
      ...(await computeTrialBalance(this.pool, { regionCode, fundLine, monthStart: start, scope: 'REGION', atSeq: seal.atSeq })),
      ...(await computeTrialBalance(this.pool, { regionCode, fundLine, monthStart: start, scope: 'SUBTREE', atSeq: seal.atSeq })),
    ];
    return sameLines(stored, recomputed);
  }

  // ---- writes --------------------------------------------------------------------------------

  /** OPEN → CLOSED, by the region's finance officer (or the city admin); refused while something blocks it. */
  async close(viewer: Viewer, key: PeriodKey): Promise<PeriodRecord> {
    const { regionCode, fundLine, start } = this.parseKey(viewer, 'ledger:close', key);
    return this.write(async (client) => {
      await this.requireReference(client, regionCode, fundLine);
      await PERIOD_LOCK(client, regionCode, fundLine);
      const blockers = [...(await inTransitAllocations(client, regionCode, fundLine, start)), ...(await criticalFindings(client, regionCode, fundLine, start))];
      if (blockers.length) throw blocked(`cannot close ${regionCode} ${fundLine} ${start.slice(0, 7)}`, blockers);
      await insertEvent(client, { regionCode, fundLine, start, action: 'CLOSE', actor: viewer.subject });
      return (await this.load(client, regionCode, fundLine, start, start))[0]!;
    });
  }

  /** A request to reopen a CLOSED month (the first of the four eyes): reason and expiry; another person approves it with `reopen`. */
  async requestReopen(viewer: Viewer, key: PeriodKey & { reason: string; expiresAt: string }): Promise<PeriodExceptionRecord> {
    const { regionCode, fundLine, start } = this.parseKey(viewer, 'ledger:close', key);
    // The reason stays for ever in an append-only table: no ID number or phone in it.
    const reason = v.freeText(key.reason, 'reason', 2000);
    // (a calendar date and time of day with its offset: Date alone takes 2026-02-30 for March 2nd)
    const expiresAt = new Date(v.isoDateTime(key.expiresAt, 'expiresAt', { requireOffset: true }));
    if (expiresAt.getTime() <= Date.now()) throw badInput('expiresAt must be in the future', 'expiresAt');
    if (expiresAt.getTime() > Date.now() + MAX_REOPEN_DAYS * 86_400_000) throw badInput(`a reopening lasts at most ${MAX_REOPEN_DAYS} days`, 'expiresAt');
    return this.write(async (client) => {
      await this.requireReference(client, regionCode, fundLine);
      const state = await periodState(client, regionCode, fundLine, start);
      if (state !== 'CLOSED') throw new LedgerError('PERIOD_STATE', `period ${regionCode} ${fundLine} ${start.slice(0, 7)} is ${state}: only a CLOSED month can be reopened`);
      const { rows } = await client.query(
        `insert into ledger.period_exception (region_code, fund_line, month, reason, requested_by, expires_at)
         values ($1, $2, $3, $4, $5, $6) returning id::text`,
        [regionCode, fundLine, start, reason, viewer.subject, expiresAt.toISOString()],
      );
      return (await loadExceptions(client, [rows[0].id]))[0]!;
    });
  }

  /** CLOSED → OPEN until the exception's expiry: approved by someone other than the requester (SELF_APPROVAL otherwise). */
  async reopen(viewer: Viewer, exceptionId: string): Promise<{ period: PeriodRecord; exception: PeriodExceptionRecord }> {
    viewer.require('ledger:close');
    v.id(exceptionId, 'requestId');
    return this.write(async (client) => {
      const [exception] = await loadExceptions(client, [exceptionId]);
      if (!exception) throw new LedgerError('NOT_FOUND', `no reopening request ${exceptionId}`, 'requestId');
      viewer.requireInScope(exception.regionCode, 'requestId');
      if (exception.requestedBy === viewer.subject) {
        throw new LedgerError('SELF_APPROVAL', `you asked for this reopening (request ${exceptionId}); another person must approve it`);
      }
      const start = `${exception.month}-01`;
      await PERIOD_LOCK(client, exception.regionCode, exception.fundLine);
      await insertEvent(client, { regionCode: exception.regionCode, fundLine: exception.fundLine, start, action: 'REOPEN', actor: viewer.subject, exceptionId });
      return {
        period: (await this.load(client, exception.regionCode, exception.fundLine, start, start))[0]!,
        exception: (await loadExceptions(client, [exceptionId]))[0]!,
      };
    });
  }

  /**
   * CLOSED → SEALED, by the city (its admin or a city-level finance officer): every region below
   * with money in the fund line must have sealed the month first. Writes the sealed trial balance
   * (region and subtree, per kind and per lot) at the chain head the seal records.
   */
  async seal(viewer: Viewer, key: PeriodKey): Promise<{ period: PeriodRecord; trialBalance: TrialBalanceRecord }> {
    const { regionCode, fundLine, start } = this.parseKey(viewer, 'ledger:seal', key);
    if (levelOfCode(viewer.jurisdiction) !== 'CITY') throw forbidden('sealing is done by the city (a city-level jurisdiction)');
    return this.write(async (client) => {
      await this.requireReference(client, regionCode, fundLine);
      await PERIOD_LOCK(client, regionCode, fundLine);
      const unsealed = await client.query(
        `select d.region_code from (
           select distinct a.region_code from ledger.account a, region r
           where r.code = $1 and a.region_code > r.code and a.region_code <= r.subtree_max and a.fund_line = $2) d
         where ledger.period_state(d.region_code, $2, $3::date) <> 'SEALED'
         order by 1 limit 50`,
        [regionCode, fundLine, start],
      );
      if (unsealed.rows.length) {
        throw blocked(
          `cannot seal ${regionCode} ${fundLine} ${start.slice(0, 7)}: regions below it with money in ${fundLine} must seal it first`,
          unsealed.rows.map((r) => ({ kind: 'SUBTREE_NOT_SEALED', id: r.region_code, description: `region ${r.region_code} has not sealed ${start.slice(0, 7)}` })),
        );
      }
      const seal = await insertEvent(client, { regionCode, fundLine, start, action: 'SEAL', actor: viewer.subject });
      const lines = [
        ...(await computeTrialBalance(client, { regionCode, fundLine, monthStart: start, scope: 'REGION', atSeq: seal.atSeq })),
        ...(await computeTrialBalance(client, { regionCode, fundLine, monthStart: start, scope: 'SUBTREE', atSeq: seal.atSeq })),
      ];
      await storeTrialBalance(client, seal.id, lines);
      return {
        period: (await this.load(client, regionCode, fundLine, start, start))[0]!,
        trialBalance: {
          regionCode, fundLine, month: start.slice(0, 7), includeDescendants: true, sealed: true, atSeq: seal.atSeq!, atHash: seal.atHash,
          sealedAt: seal.at, sealedBy: seal.actor, lines: lines.filter((l) => l.scope === 'SUBTREE'),
        },
      };
    });
  }

  // ---- helpers -------------------------------------------------------------------------------

  private parseKey(viewer: Viewer, permission: 'ledger:close' | 'ledger:seal', key: PeriodKey) {
    const regionCode = v.regionCode(key.regionCode, 'regionCode');
    viewer.requireAt(permission, regionCode, `regionCode ${regionCode}`);
    return { regionCode, fundLine: v.code(key.fundLine, 'fundLine'), start: monthStart(key.month, 'month') };
  }

  private async write<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.pool, fn, AS_APP_ROLE);
    } catch (error) {
      throw fromDatabaseError(error) ?? error;
    }
  }

  private async requireReference(db: Pick<pg.Pool, 'query'> | pg.PoolClient, regionCode: string, fundLine: string): Promise<void> {
    const { rows } = await db.query(
      `select exists (select from region where code = $1) as region, exists (select from ledger.fund_line where code = $2) as line`,
      [regionCode, fundLine],
    );
    if (!rows[0].region) throw new LedgerError('NOT_FOUND', `no region with code ${regionCode}`, 'regionCode');
    if (!rows[0].line) throw badInput(`unknown fund line ${fundLine}`, 'fundLine');
  }

  private async sealOf(db: Pick<pg.Pool, 'query'>, regionCode: string, fundLine: string, start: string): Promise<PeriodEventRecord | null> {
    const { rows } = await db.query(`select ${EVENT_COLUMNS} from ledger.period_event e where region_code = $1 and fund_line = $2 and month = $3 and action = 'SEAL'`, [
      regionCode, fundLine, start,
    ]);
    return (rows[0] as PeriodEventRecord | undefined) ?? null;
  }

  private async load(db: Pick<pg.Pool, 'query'> | pg.PoolClient, regionCode: string, fundLine: string, start: string, end: string): Promise<PeriodRecord[]> {
    const { rows } = await db.query(
      `select to_char(m, 'YYYY-MM') as month, ledger.period_state($1, $2, m::date) as state,
              (select ${iso('x.expires_at')} from ledger.period_event e join ledger.period_exception x on x.id = e.exception_id
               where e.region_code = $1 and e.fund_line = $2 and e.month = m::date and x.expires_at > clock_timestamp()
                 and e.id = (select max(id) from ledger.period_event l where l.region_code = $1 and l.fund_line = $2 and l.month = m::date)) as reopened_until
       from generate_series($3::date, $4::date, interval '1 month') m order by m`,
      [regionCode, fundLine, start, end],
    );
    const events = await db.query(
      `select to_char(e.month, 'YYYY-MM') as month, ${EVENT_COLUMNS} from ledger.period_event e
       where e.region_code = $1 and e.fund_line = $2 and e.month between $3 and $4 order by e.id`,
      [regionCode, fundLine, start, end],
    );
    const byMonth = new Map<string, PeriodEventRecord[]>();
    for (const { month, ...event } of events.rows) byMonth.set(month, [...(byMonth.get(month) ?? []), event as PeriodEventRecord]);
    return rows.map((r) => ({ regionCode, fundLine, month: r.month, state: r.state, reopenedUntil: r.reopened_until, events: byMonth.get(r.month) ?? [] }));
  }
}

const EVENT_COLUMNS = `e.id::text, e.action, e.actor, ${iso('e.at')} as at, e.exception_id::text as "exceptionId",
  e.at_seq::text as "atSeq", encode(e.at_hash, 'hex') as "atHash"`;

function blocked(message: string, blockers: PeriodBlocker[]): PeriodBlockedError {
  return new PeriodBlockedError(`${message}: ${blockers.map((b) => b.description).join('; ')}`, blockers);
}

async function chainHead(client: pg.PoolClient): Promise<{ seq: string; hash: string | null }> {
  const { rows } = await client.query(`select t.seq::text, encode(t.hash, 'hex') as hash from ledger.transaction t order by t.seq desc limit 1`);
  return { seq: rows[0]?.seq ?? '0', hash: rows[0]?.hash ?? null };
}

async function periodState(client: pg.PoolClient, regionCode: string, fundLine: string, start: string): Promise<PeriodState> {
  const { rows } = await client.query('select ledger.period_state($1, $2, $3::date) as state', [regionCode, fundLine, start]);
  return rows[0].state as PeriodState;
}

async function insertEvent(
  client: pg.PoolClient,
  e: { regionCode: string; fundLine: string; start: string; action: PeriodAction; actor: string; exceptionId?: string },
): Promise<PeriodEventRecord> {
  const { rows } = await client.query(
    `insert into ledger.period_event as e (region_code, fund_line, month, action, actor, exception_id) values ($1, $2, $3, $4, $5, $6)
     returning ${EVENT_COLUMNS}`,
    [e.regionCode, e.fundLine, e.start, e.action, e.actor, e.exceptionId ?? null],
  );
  return rows[0] as PeriodEventRecord;
}

async function loadExceptions(client: pg.PoolClient, ids: string[]): Promise<PeriodExceptionRecord[]> {
  const { rows } = await client.query(
    `select x.id::text, x.region_code as "regionCode", x.fund_line as "fundLine", to_char(x.month, 'YYYY-MM') as month, x.reason,
            x.requested_by as "requestedBy", ${iso('x.requested_at')} as "requestedAt", ${iso('x.expires_at')} as "expiresAt",
            e.actor as "approvedBy", ${iso('e.at')} as "approvedAt"
     from ledger.period_exception x left join ledger.period_event e on e.exception_id = x.id
     where x.id = any($1::bigint[]) order by x.id`,
    [ids],
  );
  return rows as PeriodExceptionRecord[];
}

/** Allocations from or to the region, issued by the end of the month, still in transit (not received, returned or reversed). */
async function inTransitAllocations(client: pg.PoolClient, regionCode: string, fundLine: string, start: string): Promise<PeriodBlocker[]> {
  const { rows } = await client.query(
    `with open_lots as (
       select p.lot_id from ledger.account a join ledger.posting p on p.account_id = a.id
       where a.region_code = $1 and a.fund_line = $2 and a.kind = 'IN_TRANSIT_DOWN'
       group by p.lot_id having sum(p.amount) <> 0
       union
       select l.id from ledger.lot l join ledger.posting p on p.lot_id = l.id and p.account_kind = 'IN_TRANSIT_DOWN'
       where l.region_code = $1 and l.fund_line = $2 and l.parent_lot_id is not null
       group by l.id having sum(p.amount) <> 0)
     select t.id::text, t.region_code, t.counterpart_region_code, t.effective_date::text as effective_date,
            (select q.amount::text from ledger.posting q where q.transaction_id = t.id and q.account_kind = 'IN_TRANSIT_DOWN') as amount
     from open_lots o join ledger.lot l on l.id = o.lot_id join ledger.transaction t on t.id = l.created_by_transaction_id
     where t.kind = 'ALLOCATION' and t.effective_date < ($3::date + interval '1 month')
     order by t.id limit 100`,
    [regionCode, fundLine, start],
  );
  return rows.map((r) => ({
    kind: 'ALLOCATION_IN_TRANSIT' as const,
    id: r.id,
    description: `allocation ${r.id} of ${r.amount} fen from ${r.region_code} to ${r.counterpart_region_code}, issued ${r.effective_date}, is still in transit (receive or reverse it)`,
  }));
}

/**
 * The hook for the audit engine (schema `audit`, built separately): when it provides
 * audit.open_critical_findings(region_code, fund_line, month), its open CRITICAL findings block the
 * close — those of every month the close closes, not only the month named: the first close of a
 * region and fund line closes all earlier months with it (closed-through), and asking about the
 * named month alone let the findings of those months through. The months closed are the ones after
 * the latest month with events (the month itself when it is being closed again after a reopening);
 * a finding without a period touches every month. Called under the period lock. Until the hook
 * exists there is nothing to check.
 */
async function criticalFindings(client: pg.PoolClient, regionCode: string, fundLine: string, start: string): Promise<PeriodBlocker[]> {
  const { rows: present } = await client.query(`select to_regprocedure('audit.open_critical_findings(text, text, text)') is not null as ok`);
  if (!present[0].ok) return [];
  // (a null month asks for the findings of every period; the range of this close is applied here)
  const { rows } = await client.query(
    `with closes as (
       select to_char(case when max(e.month) is null then null when max(e.month) < $3::date then max(e.month) + interval '1 month' else $3::date end, 'YYYY-MM') as first_month
       from ledger.period_event e where e.region_code = $1 and e.fund_line = $2)
     select to_jsonb(f) as finding from audit.open_critical_findings($1, $2, null) f, closes c
     where f.period_from is null
        or (f.period_from <= $4 and (c.first_month is null or coalesce(f.period_to, f.period_from) >= c.first_month))
     limit 100`,
    [regionCode, fundLine, start, start.slice(0, 7)],
  );
  return rows.map((r, i) => {
    const f = r.finding as Record<string, unknown>;
    const id = String(f.id ?? f.finding_id ?? i + 1);
    const about = [f.rule_id, f.subject_type && f.subject_id ? `${String(f.subject_type)} ${String(f.subject_id)}` : null].filter(Boolean).join(', ');
    return { kind: 'CRITICAL_AUDIT_FINDING' as const, id, description: `open CRITICAL audit finding ${id}${about ? ` (${about})` : ''}` };
  });
}
