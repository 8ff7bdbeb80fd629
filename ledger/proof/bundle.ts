/**
 * Ledger bundles for auditors (one JSON Lines file, read by `sunshine-verify bundle`; format in
 * docs/proof.md). The chain and the tree are global, so every bundle carries all leaf hashes of the
 * latest checkpoint (32 bytes a transaction), but only the region's own transactions in full: those
 * it acted in, was the counterpart of, or that touch one of its accounts — its whole history up to
 * the checkpoint, because no-overspend and lot conservation can only be re-derived from a lot's
 * first posting. `from`/`to` choose the period of the stated balances and trial balance. One
 * REPEATABLE READ transaction gives one consistent snapshot; the export is written to the access log
 * before it (logBundle).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { DomainError } from '../../platform/errors.js';
import type { Viewer } from '../../auth/viewer.js';
import { AS_APP_ROLE, inTransaction } from '../../platform/sql.js';
import { isRegionCode, scopePrefixOf } from '../../platform/region-code.js';
import type { ProofService } from './checkpoints.js';
import { consistencyPath, withNodes } from './merkle.js';
import { fetchNodes } from './tree.js';
import { transactionLine, type LineRecord } from './bundle-line.js';

/** v1: every record a JSON object; v2 (the default): transactions as compact lines (bundle-line.ts). */
export const BUNDLE_FORMATS = { v1: 'sunshine-ledger-bundle/v1', v2: 'sunshine-ledger-bundle/v2' } as const;
export type BundleFormat = keyof typeof BUNDLE_FORMATS;
export const BUNDLE_FORMAT = BUNDLE_FORMATS.v2;
/**
 * The export's own statement timeout instead of the API's DB_STATEMENT_TIMEOUT_MS (15 s by default,
 * a guard for interactive queries): selecting a large region's transactions, accounts, lots and
 * balances over a ledger of millions of rows takes longer than that on a loaded machine.
 */
export const BUNDLE_STATEMENT_TIMEOUT_MS = 600_000;
const LEAVES_PER_LINE = 8192;
const TRANSACTIONS_PER_QUERY = 2000;
const EARLIER_CHECKPOINTS = 64;

export interface BundleOptions {
  /** 12-digit region code whose transactions the bundle holds in full. */
  region: string;
  /** YYYY-MM-DD, inclusive; the period of the stated balances (open when null). */
  from: string | null;
  to: string | null;
  /** Who exported, for the access log. */
  actor: { subject: string; roles: readonly string[]; tokenId: string | null };
  reason?: string;
  /** Bundle format, v2 unless asked for (v1 for readers that do not know v2 yet). */
  format?: BundleFormat;
}

const isoDate = (value: string | null, field: string) => {
  if (value === null) return null;
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new DomainError('BAD_USER_INPUT', `${field} must be a date YYYY-MM-DD, got "${value}"`, field);
  }
  return value;
};

/** Validates the options; throws DomainError before anything is read. */
export function checkBundleOptions(options: BundleOptions): void {
  if (!isRegionCode(options.region)) throw new DomainError('BAD_USER_INPUT', `region must be a 12-digit code, got "${options.region}"`, 'region');
  isoDate(options.from, 'from');
  isoDate(options.to, 'to');
  if (options.from && options.to && options.from > options.to) throw new DomainError('BAD_USER_INPUT', `from ${options.from} is after to ${options.to}`, 'from');
  if (options.format !== undefined && !Object.hasOwn(BUNDLE_FORMATS, options.format)) {
    throw new DomainError('BAD_USER_INPUT', `format must be v1 or v2, got "${options.format}"`, 'format');
  }
}

/** A viewer's bundle request: valid options (checkBundleOptions), then ledger:export over the region. */
export function checkBundleRequest(viewer: Viewer, options: BundleOptions): void {
  checkBundleOptions(options);
  viewer.requireAt('ledger:export', options.region, `region ${options.region}`);
}

/** Writes the bundle line by line through `write` (which may apply back-pressure). Returns its counts. */
export async function writeBundle(
  pool: pg.Pool,
  proofs: ProofService,
  options: BundleOptions,
  write: (text: string) => Promise<void> | void,
): Promise<{ treeSize: number; transactions: number; lines: number }> {
  checkBundleOptions(options);
  const prefix = scopePrefixOf(options.region);
  const digest = createHash('sha256');
  let lines = 0;
  let pending: string[] = [];
  const flush = async () => {
    if (pending.length) await write(pending.join(''));
    pending = [];
  };
  const format = options.format ?? 'v2';
  const emit = async (record: Record<string, unknown>) => {
    const line = format === 'v2' && record.type === 'transaction' ? transactionLine(record as LineRecord) : JSON.stringify(record) + '\n';
    digest.update(line);
    lines++;
    pending.push(line);
    if (pending.length >= 512) await flush();
  };

  const latest = await logBundle(pool, proofs, options);
  const treeSize = latest.size;
  return inTransaction(
    pool,
    async (client) => {
      await client.query(
        `create temp table bundle_tx on commit drop as
         select t.id, t.seq from ledger.transaction t
         where t.seq <= $1 and (starts_with(t.region_code, $2) or starts_with(coalesce(t.counterpart_region_code, ''), $2)
           or exists (select from ledger.posting p where p.transaction_id = t.id and starts_with(p.region_code, $2)))`,
        [treeSize, prefix],
      );
      await client.query(`create index on bundle_tx (seq); analyze bundle_tx`);

      await emit({ type: 'header', format: BUNDLE_FORMATS[format], origin: latest.origin, region: options.region, from: options.from, to: options.to, treeSize, generatedAt: new Date().toISOString() });
      await emit({ type: 'checkpoint', note: latest.note });
      const earlier = await client.query<{ size: string; note: string }>(
        `select c.size::text, c.note from (select distinct on (k.size) k.size, k.note from ledger.checkpoint k
           where k.size > 0 and k.size < $1 order by k.size desc, k.id desc) c
         order by c.size desc limit $2`,
        [treeSize, EARLIER_CHECKPOINTS],
      );
      for (const row of earlier.rows) await emit({ type: 'earlierCheckpoint', note: row.note });
      for (const row of earlier.rows) {
        const hashes = await withNodes((node) => consistencyPath(Number(row.size), 0, treeSize, true, node), (keys) => fetchNodes(client, keys));
        await emit({ type: 'consistency', fromSize: Number(row.size), toSize: treeSize, hashes: hashes.map((h) => h.toString('base64')) });
      }
      for (let start = 0; start < treeSize; start += LEAVES_PER_LINE) {
        const { rows } = await client.query<{ hash: Buffer }>(`select hash from ledger.transaction where seq > $1 and seq <= $2 order by seq`, [start, Math.min(start + LEAVES_PER_LINE, treeSize)]);
        await emit({ type: 'leaves', start, hashes: Buffer.concat(rows.map((r) => r.hash)).toString('base64') });
      }
      const accounts = await client.query(
        `select a.id::text, a.region_code as "regionCode", a.fund_line as "fundLine", a.kind, a.payee_type as "payeeType", a.payee_id as "payeeId"
         from ledger.account a where a.id in (select p.account_id from ledger.posting p join bundle_tx b on b.id = p.transaction_id) order by a.id`,
      );
      for (const a of accounts.rows) await emit({ type: 'account', ...a });
      const lots = await client.query(
        `select l.id::text, l.fund_line as "fundLine", l.region_code as "regionCode", l.parent_lot_id::text as "parentLotId", l.fiscal_year as "fiscalYear",
                l.funding_source as "fundingSource", l.document_no as "documentNo", l.created_by_transaction_id::text as "createdByTransactionId"
         from ledger.lot l where l.id in (select p.lot_id from ledger.posting p join bundle_tx b on b.id = p.transaction_id) order by l.id`,
      );
      for (const l of lots.rows) await emit({ type: 'lot', ...l });
      const transactions = await emitTransactions(client, emit);
      await emitStatements(client, prefix, options, emit);
      await flush();
      await write(JSON.stringify({ type: 'end', lines, sha256: digest.digest('hex') }) + '\n');
      return { treeSize, transactions, lines: lines + 1 };
    },
    `set transaction isolation level repeatable read; set local statement_timeout = ${BUNDLE_STATEMENT_TIMEOUT_MS}; ${AS_APP_ROLE}`,
  );
}

/**
 * Writes the export to the access log in a transaction of its own, committed before the first byte
 * is sent: an export that breaks off (the client went away, a statement failed) was still made,
 * and must stay logged. Answers the latest checkpoint, which the bundle then carries (its REPEATABLE
 * READ snapshot, taken after this commit, holds every transaction the checkpoint covers).
 */
async function logBundle(pool: pg.Pool, proofs: ProofService, options: BundleOptions) {
  return inTransaction(
    pool,
    async (client) => {
      const region = await client.query(`select code from region where code = $1`, [options.region]);
      if (!region.rows.length) throw new DomainError('NOT_FOUND', `no region ${options.region}`, 'region');
      const [latest] = await proofs.checkpoints(client, { first: 1 });
      if (!latest) throw new DomainError('PROOF_NOT_AVAILABLE', 'no checkpoint has been signed yet (one is signed a few seconds after the first commit)');
      await client.query(
        `insert into registry.access_log (subject, roles, token_id, reason, entity_type, entity_id, region_code, fields)
         values ($1, $2, $3, $4, 'LedgerBundle', $5, $6, '{transactions,postings,payees,balances}')`,
        [options.actor.subject, [...options.actor.roles], options.actor.tokenId, options.reason ?? `ledger bundle ${options.from ?? '…'}..${options.to ?? '…'}`, latest.size, options.region],
      );
      return latest;
    },
    AS_APP_ROLE,
  );
}

async function emitTransactions(client: pg.PoolClient, emit: (record: Record<string, unknown>) => Promise<void>): Promise<number> {
  let after = 0;
  let count = 0;
  for (;;) {
    const { rows } = await client.query(
      `select t.id::text, t.seq::text, t.kind, t.idempotency_key as "idempotencyKey", encode(t.request_hash, 'hex') as "requestHash",
              t.fund_line as "fundLine", t.region_code as "regionCode", t.counterpart_region_code as "counterpartRegionCode",
              to_char(t.effective_date, 'YYYY-MM-DD') as "effectiveDate",
              floor(extract(epoch from t.recorded_at) * 1000000)::bigint::text as "recordedAtMicros",
              to_char(t.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "recordedAt",
              t.document_no as "documentNo", t.memo, t.actor, t.reverses_id::text as "reversesId", t.reason, t.allocation_id::text as "allocationId",
              t.payee_type as "payeeType", t.payee_id as "payeeId", t.service_month as "serviceMonth", t.benefit_code as "benefitCode",
              t.beneficiary_village_code as "beneficiaryVillageCode", encode(t.prev_hash, 'hex') as "prevHash", encode(t.hash, 'hex') as hash,
              t.proposal_id::text as "proposalId", t.proposed_by as "proposedBy", t.approved_by as "approvedBy"
       from bundle_tx b join ledger.transaction t on t.id = b.id where b.seq > $1 order by b.seq limit $2`,
      [after, TRANSACTIONS_PER_QUERY],
    );
    if (!rows.length) return count;
    const postings = await client.query<{ tx: string; id: string; accountId: string; lotId: string; amount: string; effectiveDate: string }>(
      `select p.transaction_id::text as tx, p.id::text, p.account_id::text as "accountId", p.lot_id::text as "lotId", p.amount::text,
              to_char(p.effective_date, 'YYYY-MM-DD') as "effectiveDate"
       from ledger.posting p where p.transaction_id = any($1::bigint[]) order by p.id`,
      [rows.map((r) => r.id)],
    );
    const byTx = new Map<string, unknown[]>();
    for (const { tx, ...p } of postings.rows) {
      const list = byTx.get(tx) ?? [];
      list.push(p);
      byTx.set(tx, list);
    }
    // Null fields are left out (the verifier reads a missing field as NULL): a smaller line parses faster.
    for (const t of rows) await emit({ type: 'transaction', ...withoutNulls(t), postings: byTx.get(t.id) ?? [] });
    count += rows.length;
    after = Number(rows[rows.length - 1].seq);
  }
}

function withoutNulls(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null));
}

/** The statements the verifier re-derives: balances per account and lot as of `to`, and the trial balance of the period. */
async function emitStatements(client: pg.PoolClient, prefix: string, options: BundleOptions, emit: (record: Record<string, unknown>) => Promise<void>): Promise<void> {
  const balances = await client.query(
    `select p.account_id::text as "accountId", p.lot_id::text as "lotId", sum(p.amount)::text as balance
     from ledger.posting p join bundle_tx b on b.id = p.transaction_id
     where starts_with(p.region_code, $1) and ($2::date is null or p.effective_date <= $2)
     group by p.account_id, p.lot_id having sum(p.amount) <> 0 order by p.account_id, p.lot_id`,
    [prefix, options.to],
  );
  for (const b of balances.rows) await emit({ type: 'balance', ...b });
  const trial = await client.query(
    `select p.region_code as "regionCode", p.fund_line as "fundLine", p.account_kind as "accountKind",
            coalesce(sum(p.amount) filter (where p.effective_date < $2), 0)::text as opening,
            coalesce(sum(p.amount) filter (where p.amount > 0 and ($2::date is null or p.effective_date >= $2)), 0)::text as debits,
            coalesce(-sum(p.amount) filter (where p.amount < 0 and ($2::date is null or p.effective_date >= $2)), 0)::text as credits,
            sum(p.amount)::text as closing
     from ledger.posting p join bundle_tx b on b.id = p.transaction_id
     where starts_with(p.region_code, $1) and ($3::date is null or p.effective_date <= $3)
     group by p.region_code, p.fund_line, p.account_kind order by 1, 2, 3`,
    [prefix, options.from, options.to],
  );
  for (const r of trial.rows) await emit({ type: 'trial', ...r });
}
