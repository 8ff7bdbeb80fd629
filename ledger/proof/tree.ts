/**
 * The stored Merkle tree (ledger.merkle_node, ledger.tree_head) and its integrator: after
 * transactions commit, it appends their chain hashes as leaves — reading only the tree's right edge
 * and the new transactions, writing the new complete subtrees — off the posting path, in its own
 * short transaction. Proofs read complete subtrees by key.
 */
import type pg from 'pg';
import { AS_APP_ROLE, inTransaction } from '../../platform/sql.js';
import { appendLeaves, EMPTY_ROOT, leafHash, nodeKeyText, peaksOf, type NodeKey } from './merkle.js';
import { LOCK_CLASS, LEDGER_CHAIN_KEY } from '../../platform/locks.js';

type Queryable = Pick<pg.PoolClient, 'query'>;

/** Another integrator (process) holds this while it extends the tree. */
const INTEGRATOR_LOCK = `pg_try_advisory_xact_lock(${LOCK_CLASS.LEDGER_CHAIN}, ${LEDGER_CHAIN_KEY.INTEGRATOR})`;
/** Leaves appended per integration step (one transaction). */
export const INTEGRATION_BATCH = 20_000;

export interface TreeHead {
  size: number;
  root: Buffer;
}

export async function treeHead(db: Queryable): Promise<TreeHead> {
  const { rows } = await db.query<{ size: string; root: Buffer }>(`select h.size::text, h.root from ledger.tree_head h order by h.size desc limit 1`);
  return rows[0] ? { size: Number(rows[0].size), root: rows[0].root } : { size: 0, root: EMPTY_ROOT };
}

/** Stored complete subtrees by key; level 0 is the leaf hash of the transaction's chain hash. */
export async function fetchNodes(db: Queryable, keys: NodeKey[]): Promise<Map<string, Buffer>> {
  const result = new Map<string, Buffer>();
  const leaves = keys.filter((k) => k.level === 0).map((k) => k.index + 1);
  const inner = keys.filter((k) => k.level > 0);
  if (leaves.length) {
    const { rows } = await db.query<{ seq: string; hash: Buffer }>(`select seq::text, hash from ledger.transaction where seq = any($1::bigint[])`, [leaves]);
    for (const row of rows) result.set(nodeKeyText({ level: 0, index: Number(row.seq) - 1 }), leafHash(row.hash));
  }
  if (inner.length) {
    const { rows } = await db.query<{ level: number; idx: string; hash: Buffer }>(
      `select n.level, n.idx::text, n.hash from ledger.merkle_node n
       join unnest($1::smallint[], $2::bigint[]) k(level, idx) on n.level = k.level and n.idx = k.idx`,
      [inner.map((k) => k.level), inner.map((k) => k.index)],
    );
    for (const row of rows) result.set(nodeKeyText({ level: row.level, index: Number(row.idx) }), row.hash);
  }
  return result;
}

export class TreeIntegrityError extends Error {
  override name = 'TreeIntegrityError';
}

/**
 * One integration step: append up to `batch` committed transactions to the tree. Returns the new
 * head, or null when another integrator is at work. Transactions are visible in seq order (seq is
 * assigned under the chain lock, held to commit), so the next leaves are always seq size+1, size+2, ….
 */
export async function integrate(pool: pg.Pool, batch = INTEGRATION_BATCH): Promise<TreeHead | null> {
  return inTransaction(
    pool,
    async (client) => {
      const { rows: lock } = await client.query<{ ok: boolean }>(`select ${INTEGRATOR_LOCK} as ok`);
      if (!lock[0]!.ok) return null;
      const head = await treeHead(client);
      const { rows } = await client.query<{ seq: string; hash: Buffer }>(
        `select t.seq::text, t.hash from ledger.transaction t where t.seq > $1 order by t.seq limit $2`,
        [head.size, batch],
      );
      if (!rows.length) return head;
      rows.forEach((row, i) => {
        if (Number(row.seq) !== head.size + i + 1) throw new TreeIntegrityError(`the ledger has a gap: seq ${head.size + i + 1} expected, ${row.seq} found`);
      });
      const peakKeys = peaksOf(head.size);
      const stored = await fetchNodes(client, peakKeys);
      const peaks = peakKeys.map((key) => {
        const hash = stored.get(nodeKeyText(key));
        if (!hash) throw new TreeIntegrityError(`merkle node ${nodeKeyText(key)} of the tree's right edge is missing`);
        return hash;
      });
      const grown = appendLeaves(head.size, peaks, rows.map((r) => r.hash));
      if (grown.nodes.length) {
        await client.query(
          `insert into ledger.merkle_node (level, idx, hash) select * from unnest($1::smallint[], $2::bigint[], $3::bytea[])`,
          [grown.nodes.map((n) => n.level), grown.nodes.map((n) => n.index), grown.nodes.map((n) => n.hash)],
        );
      }
      const next = { size: head.size + rows.length, root: grown.root };
      await client.query(`insert into ledger.tree_head (size, root) values ($1, $2)`, [next.size, next.root]);
      return next;
    },
    AS_APP_ROLE,
  );
}

/** Integrates until the tree has every committed transaction (or another integrator is at work). */
export async function integrateAll(pool: pg.Pool, batch = INTEGRATION_BATCH): Promise<TreeHead | null> {
  for (;;) {
    const before = await treeHead(pool);
    const after = await integrate(pool, batch);
    if (!after || after.size === before.size) return after;
  }
}
