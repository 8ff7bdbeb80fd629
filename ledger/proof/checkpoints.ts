/**
 * Signed checkpoints of the ledger's Merkle tree, proofs, and witness cosignatures. A checkpoint is
 * signed at most a few seconds after a commit (the background loop integrates and signs every
 * `intervalMs`) and at least every `idleSeconds` when nothing happens; it is never signed unless
 * the tree is provably consistent with the last checkpoint signed before it.
 */
import type pg from 'pg';
import { DomainError } from '../../platform/errors.js';
import { AS_APP_ROLE, inTransaction } from '../../platform/sql.js';
import type { Logger } from '../../platform/logger.js';
import { checkpointIdleSeconds } from '../../platform/config.js';
import { checkpointText, parseCheckpointText, signNote, splitNote, verifyCosignature, verifyLogSignature } from './note.js';
import type { ProofKeys } from './keys.js';
import { appendLeaves, EMPTY_ROOT, consistencyFailure, consistencyPath, inclusionPath, rangeHash, withNodes } from './merkle.js';
import { fetchNodes, integrateAll, treeHead, type TreeHead } from './tree.js';

type Queryable = Pick<pg.PoolClient, 'query'>;

export interface CheckpointRecord {
  id: string;
  origin: string;
  size: number;
  root: Buffer;
  keyName: string;
  keyId: string;
  signedAt: string;
  /** The signed note with every witness cosignature of this tree head appended. */
  note: string;
  cosignatures: CosignatureRecord[];
}

export interface CosignatureRecord {
  witness: string;
  keyId: string;
  cosignedAt: string;
  line: string;
}

export interface Proof {
  hashes: Buffer[];
}

/** Thrown (and logged) when the stored tree disagrees with what was signed: nothing is signed then. */
export class CheckpointRefused extends Error {
  override name = 'CheckpointRefused';
}

const CHECKPOINT_COLUMNS = `c.id::text, c.origin, c.size::text, c.root, c.key_name as "keyName", encode(c.key_id, 'hex') as "keyId",
  to_char(c.signed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "signedAt", c.note`;

const proofUnavailable = (message: string) => new DomainError('PROOF_NOT_AVAILABLE', message);

export class ProofService {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Background rounds run so far and the time spent in them (for measurements). */
  readonly stats = { rounds: 0, busyMs: 0 };

  constructor(
    readonly pool: pg.Pool,
    readonly keys: ProofKeys,
    private readonly options: { idleSeconds?: number; log?: Logger } = {},
  ) {}

  // ---- background loop ------------------------------------------------------------------------

  /** Integrates new transactions and signs a checkpoint when due; every `intervalMs` until stop(). */
  start(intervalMs = 1000): void {
    if (this.timer) return;
    const tick = () => {
      const started = performance.now();
      this.running = this.step()
        .catch((error) => this.options.log?.error({ err: error }, 'checkpointing failed'))
        .then(() => {
          this.stats.rounds++;
          this.stats.busyMs += performance.now() - started;
          this.running = null;
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One round: extend the tree, then sign if the tree grew or the last checkpoint is older than idleSeconds. */
  async step(): Promise<CheckpointRecord | null> {
    await integrateAll(this.pool);
    return this.signIfDue();
  }

  async signIfDue(): Promise<CheckpointRecord | null> {
    const idleSeconds = this.options.idleSeconds ?? checkpointIdleSeconds();
    return inTransaction(
      this.pool,
      async (client) => {
        const head = await treeHead(client);
        const last = await this.lastSigned(client);
        const stale = !last || Date.now() - Date.parse(last.signedAt) >= idleSeconds * 1000;
        if (last && last.size === head.size && !stale) return null;
        await this.requireConsistent(client, last, head);
        const note = signNote(checkpointText(this.keys.origin, head.size, head.root), this.keys.signer);
        const { rows } = await client.query<{ id: string }>(
          `insert into ledger.checkpoint (origin, size, root, key_name, key_id, note) values ($1, $2, $3, $4, $5, $6) returning id::text`,
          [this.keys.origin, head.size, head.root, this.keys.signer.name, this.keys.signer.id, note],
        );
        this.options.log?.info({ size: head.size, checkpoint: rows[0]!.id }, 'checkpoint signed');
        return (await this.checkpoints(client, { ids: [rows[0]!.id] }))[0]!;
      },
      AS_APP_ROLE,
    );
  }

  /**
   * Before signing `head`: the root recomputed from the stored subtrees must be the head's, and the
   * last signed checkpoint must be a prefix of it (an RFC 9162 consistency proof from the stored
   * tree, verified against the root that was signed).
   */
  private async requireConsistent(db: Queryable, last: CheckpointRecord | null, head: TreeHead): Promise<void> {
    const recomputed = await withNodes((node) => rangeHash(0, head.size, node), (keys) => fetchNodes(db, keys));
    if (!recomputed.equals(head.root)) throw new CheckpointRefused(`the stored tree of size ${head.size} does not have the root its head records`);
    if (!last || last.size === 0) return;
    if (last.origin !== this.keys.origin) throw new CheckpointRefused(`the last checkpoint is for ${last.origin}, this log is ${this.keys.origin}`);
    if (head.size < last.size) throw new CheckpointRefused(`the tree (size ${head.size}) is smaller than the last checkpoint (size ${last.size})`);
    const proof = await withNodes((node) => consistencyPath(last.size, 0, head.size, true, node), (keys) => fetchNodes(db, keys));
    const why = consistencyFailure(last.size, head.size, last.root, head.root, proof);
    if (why) throw new CheckpointRefused(`the tree of size ${head.size} is not consistent with checkpoint ${last.id} (size ${last.size}): ${why}`);
  }

  private async lastSigned(db: Queryable): Promise<CheckpointRecord | null> {
    const { rows } = await db.query<{ id: string }>(`select c.id::text from ledger.checkpoint c order by c.size desc, c.id desc limit 1`);
    return rows[0] ? (await this.checkpoints(db, { ids: [rows[0].id] }))[0]! : null;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** Checkpoints by id, or the newest first (`first`, after the id `before`). */
  async checkpoints(db: Queryable, which: { ids?: string[]; first?: number; before?: string | null; maxSize?: number }): Promise<CheckpointRecord[]> {
    const { rows } = which.ids
      ? await db.query(`select ${CHECKPOINT_COLUMNS} from ledger.checkpoint c where c.id = any($1::bigint[]) order by c.id desc`, [which.ids])
      : await db.query(
          `select ${CHECKPOINT_COLUMNS} from ledger.checkpoint c
           where ($1::bigint is null or c.id < $1) and ($3::bigint is null or c.size <= $3) order by c.id desc limit $2`,
          [which.before ?? null, which.first ?? 50, which.maxSize ?? null],
        );
    if (!rows.length) return [];
    const cosigs = await db.query<CosignatureRecord & { size: string; root: Buffer }>(
      `select c.size::text, c.root, s.witness, encode(s.key_id, 'hex') as "keyId",
              to_char(s.cosigned_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "cosignedAt", s.line
       from ledger.cosignature s join ledger.checkpoint c on c.id = s.checkpoint_id
       where c.size = any($1::bigint[]) order by s.id`,
      [rows.map((r) => r.size)],
    );
    return rows.map((r) => {
      const cosignatures = cosigs.rows.filter((s) => s.size === r.size && s.root.equals(r.root));
      const unique = [...new Map(cosignatures.map((s) => [`${s.witness}|${s.keyId}`, s])).values()];
      return {
        ...r,
        size: Number(r.size),
        note: r.note + unique.map((s) => `${s.line}\n`).join(''),
        cosignatures: unique.map(({ witness, keyId, cosignedAt, line }) => ({ witness, keyId, cosignedAt, line })),
      };
    });
  }

  async checkpointCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`select count(*)::int as n from ledger.checkpoint`);
    return rows[0]!.n;
  }

  /**
   * The ledger as it is now against the latest signed checkpoint: its signature, and the root of
   * the chain hashes of transactions 1 … size recomputed from ledger.transaction (not from the
   * stored tree). Dropping the newest transactions or rewriting old ones (even with every chain hash
   * recomputed) changes that root.
   */
  async verifyAgainstCheckpoint(): Promise<{ ok: boolean; treeSize: number | null; problem: string | null }> {
    const latest = await this.latest();
    if (!latest) return { ok: true, treeSize: null, problem: null };
    const result = (problem: string | null) => ({ ok: problem === null, treeSize: latest.size, problem });
    if (!verifyLogSignature(latest.note, this.keys.logKeys)) return result(`checkpoint ${latest.id} does not verify with the log keys`);
    const { rows: top } = await this.pool.query<{ seq: string | null }>(`select max(seq)::text as seq from ledger.transaction`);
    const headSeq = Number(top[0]!.seq ?? 0);
    if (headSeq < latest.size) return result(`a checkpoint of ${latest.size} transactions was signed, the ledger now has ${headSeq}: transactions were dropped`);
    let size = 0;
    let peaks: Buffer[] = [];
    let root: Buffer = EMPTY_ROOT;
    while (size < latest.size) {
      const { rows } = await this.pool.query<{ seq: string; hash: Buffer }>(
        `select t.seq::text, t.hash from ledger.transaction t where t.seq > $1 and t.seq <= $2 order by t.seq`,
        [size, Math.min(size + 50_000, latest.size)],
      );
      if (!rows.length || Number(rows[0]!.seq) !== size + 1 || Number(rows.at(-1)!.seq) !== size + rows.length) return result(`the ledger has a gap after seq ${size}`);
      ({ peaks, root } = appendLeaves(size, peaks, rows.map((r) => r.hash)));
      size += rows.length;
    }
    return result(root.equals(latest.root) ? null : `transactions 1 … ${latest.size} do not give the signed root: history was rewritten`);
  }

  async latest(): Promise<CheckpointRecord | null> {
    return this.lastSigned(this.pool);
  }

  /** RFC 9162 inclusion proof of the transaction with `seq` in the tree of `treeSize` (default: the latest checkpoint's). */
  async inclusionProof(seq: number, treeSize: number | null): Promise<{ leafIndex: number; treeSize: number; hashes: Buffer[]; checkpoint: CheckpointRecord | null }> {
    const head = await treeHead(this.pool);
    let size = treeSize;
    if (size === null) {
      const latest = await this.latest();
      if (!latest || latest.size < seq) throw proofUnavailable(`transaction seq ${seq} is not in a signed checkpoint yet (one is signed a few seconds after each commit)`);
      size = latest.size;
    }
    requireSize(size, 'treeSize');
    if (size < seq) throw new DomainError('BAD_USER_INPUT', `a tree of size ${size} does not contain seq ${seq} (leaf ${seq - 1})`, 'treeSize');
    if (size > head.size) throw proofUnavailable(`the tree has ${head.size} leaves so far, not ${size}`);
    const hashes = await withNodes((node) => inclusionPath(seq - 1, 0, size, node), (keys) => fetchNodes(this.pool, keys));
    return { leafIndex: seq - 1, treeSize: size, hashes, checkpoint: await this.checkpointOfSize(size) };
  }

  /** RFC 9162 consistency proof from `fromSize` to `toSize` (1 ≤ fromSize ≤ toSize ≤ the tree's size). */
  async consistencyProof(fromSize: number, toSize: number): Promise<{ fromSize: number; toSize: number; hashes: Buffer[] }> {
    requireSize(fromSize, 'fromSize');
    requireSize(toSize, 'toSize');
    if (fromSize < 1) throw new DomainError('BAD_USER_INPUT', 'fromSize must be at least 1: every tree is consistent with the empty one', 'fromSize');
    if (fromSize > toSize) throw new DomainError('BAD_USER_INPUT', `fromSize ${fromSize} is larger than toSize ${toSize}`, 'fromSize');
    const head = await treeHead(this.pool);
    if (toSize > head.size) throw proofUnavailable(`the tree has ${head.size} leaves so far, not ${toSize}`);
    const hashes = await withNodes((node) => consistencyPath(fromSize, 0, toSize, true, node), (keys) => fetchNodes(this.pool, keys));
    return { fromSize, toSize, hashes };
  }

  private async checkpointOfSize(size: number): Promise<CheckpointRecord | null> {
    const { rows } = await this.pool.query<{ id: string }>(`select c.id::text from ledger.checkpoint c where c.size = $1 order by c.id desc limit 1`, [size]);
    return rows[0] ? (await this.checkpoints(this.pool, { ids: [rows[0].id] }))[0]! : null;
  }

  // ---- witnesses ------------------------------------------------------------------------------

  /**
   * Stores the cosignatures of configured witnesses found in `note` (a checkpoint this log signed,
   * with the witnesses' lines added). Each is verified first; a line of a known witness that does
   * not verify refuses the whole note (C2SP); lines of unknown keys are ignored.
   */
  async cosign(note: string, recordedBy: string): Promise<CheckpointRecord> {
    let text: string;
    let signatures: ReturnType<typeof splitNote>['signatures'];
    let body: ReturnType<typeof parseCheckpointText>;
    try {
      ({ text, signatures } = splitNote(note));
      body = parseCheckpointText(text);
    } catch (error) {
      throw new DomainError('BAD_USER_INPUT', `not a cosigned checkpoint: ${(error as Error).message}`, 'note');
    }
    const accepted: { witness: string; keyId: Buffer; time: bigint; line: string }[] = [];
    for (const s of signatures) {
      const witness = this.keys.witnesses.find((w) => w.name === s.name && w.id.equals(s.id));
      if (!witness) continue;
      const time = verifyCosignature(witness, text, s);
      if (time === null) throw new DomainError('COSIGNATURE_INVALID', `the cosignature of witness ${witness.name} does not verify`, 'note');
      if (time > BigInt(Math.floor(Date.now() / 1000) + 300)) throw new DomainError('COSIGNATURE_INVALID', `the cosignature of ${witness.name} is dated in the future`, 'note');
      accepted.push({ witness: witness.name, keyId: witness.id, time, line: s.line });
    }
    if (!accepted.length) throw new DomainError('COSIGNATURE_INVALID', 'the note carries no cosignature of a configured witness (SUNSHINE_WITNESS_KEYS)', 'note');
    return inTransaction(
      this.pool,
      async (client) => {
        const { rows } = await client.query<{ id: string }>(
          `select c.id::text from ledger.checkpoint c where c.origin = $1 and c.size = $2 and c.root = $3 order by c.id desc limit 1`,
          [body.origin, body.size, body.root],
        );
        if (!rows[0]) throw new DomainError('NOT_FOUND', `this log never signed a checkpoint of size ${body.size} with that root`, 'note');
        for (const a of accepted) {
          await client.query(
            `insert into ledger.cosignature (checkpoint_id, witness, key_id, cosigned_at, line, recorded_by)
             values ($1, $2, $3, to_timestamp($4), $5, $6) on conflict (checkpoint_id, witness, key_id) do nothing`,
            [rows[0].id, a.witness, a.keyId, Number(a.time), a.line, recordedBy],
          );
        }
        return (await this.checkpoints(client, { ids: [rows[0].id] }))[0]!;
      },
      AS_APP_ROLE,
    );
  }
}

function requireSize(size: number, field: string): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new DomainError('BAD_USER_INPUT', `${field} must be a non-negative integer`, field);
}
