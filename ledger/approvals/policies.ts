/**
 * Approval policies (审批规则): per fund line and operation, the amount from which a write needs a
 * second person. Stored in the database as an append-only history (ledger.approval_policy_change);
 * the current policy of a (fund line, operation) is its latest change. Only the city administrator
 * changes them.
 */
import type pg from 'pg';
import type { Viewer } from '../../auth/viewer.js';
import { forbidden } from '../../auth/viewer.js';
import { AS_APP_ROLE, inTransaction } from '../../platform/sql.js';
import { badInput } from '../errors.js';
import { parseFen } from '../money.js';
import * as v from '../validate.js';
import { LOCK_CLASS } from '../../platform/locks.js';

/** What a policy applies to: a transaction kind, or a whole disburseBatch by its total. */
export const APPROVAL_OPERATIONS = ['APPROPRIATION', 'ALLOCATION', 'ALLOCATION_RECEIVED', 'DISBURSEMENT', 'DISBURSEMENT_BATCH', 'RETURN', 'REVERSAL'] as const;
export type ApprovalOperation = (typeof APPROVAL_OPERATIONS)[number];

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export interface PolicyRecord {
  /** The change that made it the policy. */
  changeId: string;
  fundLine: string;
  operation: ApprovalOperation;
  /** Fen from which approval is needed (0: always); null: never. */
  minAmount: bigint | null;
  changedBy: string;
  changedAt: string;
}

export interface PolicyChangeRecord extends PolicyRecord {
  previousMinAmount: bigint | null;
  previousChangeId: string | null;
  reason: string;
}

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const fen = (value: string | null) => (value === null ? null : BigInt(value));

/** Does a write of this amount need approval under the policy? */
export const requiresApproval = (policy: Pick<PolicyRecord, 'minAmount'> | undefined, amount: bigint) =>
  policy !== undefined && policy.minAmount !== null && amount >= policy.minAmount;

/** Current policies, optionally of some fund lines and operations only. */
export async function currentPolicies(db: Queryable, filter: { fundLines?: string[]; operations?: ApprovalOperation[] } = {}): Promise<PolicyRecord[]> {
  const { rows } = await db.query(
    `select change_id::text, fund_line, operation, min_amount::text, changed_by, ${iso('changed_at')} as changed_at
     from ledger.approval_policy
     where ($1::text[] is null or fund_line = any($1)) and ($2::text[] is null or operation = any($2))
     order by fund_line, operation`,
    [filter.fundLines ?? null, filter.operations ?? null],
  );
  return rows.map((r) => ({ changeId: r.change_id, fundLine: r.fund_line, operation: r.operation, minAmount: fen(r.min_amount), changedBy: r.changed_by, changedAt: r.changed_at }));
}

/**
 * How long a process trusts the policies it read before reading them again. A change takes effect
 * at once in the process that made it (it forgets its copy) and within this time in the others.
 * Writes below every threshold then cost no extra round trip (the group writer keeps its groups).
 */
export const POLICY_CACHE_MS = 1_000;
const cache = new WeakMap<pg.Pool, { until: number; policies: Promise<PolicyRecord[]> }>();

/** The current policies, read at most once per POLICY_CACHE_MS per pool. */
export function cachedPolicies(pool: pg.Pool): Promise<PolicyRecord[]> {
  const hit = cache.get(pool);
  if (hit && hit.until > performance.now()) return hit.policies;
  const policies = currentPolicies(pool);
  cache.set(pool, { until: performance.now() + POLICY_CACHE_MS, policies });
  policies.catch(() => cache.delete(pool));
  return policies;
}

export class ApprovalPolicies {
  constructor(private readonly pool: pg.Pool) {}

  /** Every current policy (readers of the ledger may see them: they are the bureau's rules). */
  list(viewer: Viewer): Promise<PolicyRecord[]> {
    viewer.require('ledger:read');
    return currentPolicies(this.pool);
  }

  /** The history of one fund line's policies (or all), newest first. */
  async history(viewer: Viewer, fundLine: string | null): Promise<PolicyChangeRecord[]> {
    viewer.require('ledger:read');
    const line = fundLine == null ? null : v.code(fundLine, 'fundLine');
    const { rows } = await this.pool.query(
      `select id::text, fund_line, operation, min_amount::text, previous_min_amount::text, previous_change_id::text, changed_by,
              ${iso('changed_at')} as changed_at, reason
       from ledger.approval_policy_change c where ($1::text is null or c.fund_line = $1) order by c.id desc limit 1000`,
      [line],
    );
    return rows.map((r) => ({
      changeId: r.id, fundLine: r.fund_line, operation: r.operation, minAmount: fen(r.min_amount), changedBy: r.changed_by, changedAt: r.changed_at,
      previousMinAmount: fen(r.previous_min_amount), previousChangeId: r.previous_change_id, reason: r.reason,
    }));
  }

  /** A new policy for (fund line, operation), by the city administrator only; the old one stays in the history. */
  async change(viewer: Viewer, input: { fundLine: unknown; operation: unknown; minAmount?: unknown; reason: unknown }): Promise<PolicyChangeRecord> {
    if (!viewer.roles.includes('CITY_ADMIN')) throw forbidden('only CITY_ADMIN may change approval policies');
    const fundLine = v.code(input.fundLine, 'fundLine');
    const operation = v.oneOf(input.operation, APPROVAL_OPERATIONS, 'operation');
    const minAmount = input.minAmount == null ? null : parseFen(input.minAmount, 'minAmount');
    if (minAmount !== null && minAmount < 0n) throw badInput('minAmount must not be negative', 'minAmount');
    const reason = v.freeText(input.reason, 'reason', 2000);
    return inTransaction(
      this.pool,
      async (client) => {
        // One change at a time per (fund line, operation), so "previous" is exact.
        await client.query(`select pg_advisory_xact_lock($1, hashtext($2 || '/' || $3))`, [LOCK_CLASS.APPROVAL_POLICY, fundLine, operation]);
        const { rowCount } = await client.query('select 1 from ledger.fund_line where code = $1', [fundLine]);
        if (!rowCount) throw badInput(`unknown fund line ${fundLine}`, 'fundLine');
        const [previous] = await currentPolicies(client, { fundLines: [fundLine], operations: [operation] });
        const { rows } = await client.query(
          `insert into ledger.approval_policy_change (fund_line, operation, min_amount, previous_min_amount, previous_change_id, changed_by, reason)
           values ($1, $2, $3, $4, $5, $6, $7) returning id::text, ${iso('changed_at')} as changed_at`,
          [fundLine, operation, minAmount?.toString() ?? null, previous?.minAmount?.toString() ?? null, previous?.changeId ?? null, viewer.subject, reason],
        );
        return {
          changeId: rows[0].id, fundLine, operation, minAmount, changedBy: viewer.subject, changedAt: rows[0].changed_at,
          previousMinAmount: previous?.minAmount ?? null, previousChangeId: previous?.changeId ?? null, reason,
        };
      },
      AS_APP_ROLE,
    ).finally(() => cache.delete(this.pool));
  }
}
