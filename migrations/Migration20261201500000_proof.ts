import { Migration } from '@mikro-orm/migrations';

/**
 * Proof without trust (ledger/proof/): an RFC 6962 Merkle tree over the chain hashes of the ledger's
 * transactions in seq order, and the signed checkpoints (C2SP tlog-checkpoint) of that tree, with
 * witness cosignatures. Everything here is append-only, enforced like the ledger's own tables
 * (statement triggers refuse UPDATE, DELETE and TRUNCATE even for the owner, even of no row; the application role has only
 * SELECT and INSERT):
 *   merkle_node  — hash of every complete subtree of 2^level leaves (level ≥ 1; leaves are
 *                  SHA-256(0x00 ‖ transaction.hash)), written by the integrator after commits;
 *   tree_head    — the tree's size and root after each integration step;
 *   checkpoint   — every signed checkpoint note; never smaller than an earlier one, never another
 *                  root for a size already signed (checked here as well as before signing);
 *   cosignature  — witness cosignature lines of a checkpoint, each verified before it is stored.
 */
export class Migration20261201500000_proof extends Migration {
  override name = 'Migration20261201500000_proof';

  override up(): void {
    this.addSql(`
      create table ledger.merkle_node (
        level smallint not null check (level between 1 and 62),
        idx bigint not null check (idx >= 0),
        hash bytea not null check (length(hash) = 32),
        primary key (level, idx)
      )`);
    this.addSql(`comment on table ledger.merkle_node is 'Merkle 树节点: RFC 6962 hash of leaves [idx·2^level, (idx+1)·2^level) (complete subtrees only)'`);
    this.addSql(`
      create table ledger.tree_head (
        size bigint primary key check (size > 0),
        root bytea not null check (length(root) = 32),
        integrated_at timestamptz not null default clock_timestamp()
      )`);
    this.addSql(`comment on table ledger.tree_head is 'Merkle 树头: size and root after each integration step'`);
    this.addSql(`
      create table ledger.checkpoint (
        id bigint generated always as identity primary key,
        origin text not null check (length(origin) between 1 and 200),
        size bigint not null check (size >= 0),
        root bytea not null check (length(root) = 32),
        key_name text not null,
        key_id bytea not null check (length(key_id) = 4),
        note text not null,
        signed_at timestamptz not null default clock_timestamp()
      )`);
    this.addSql(`comment on table ledger.checkpoint is '签名检查点: every signed checkpoint note (C2SP tlog-checkpoint), in the order signed'`);
    this.addSql(`create index checkpoint_size_idx on ledger.checkpoint (size, id)`);
    this.addSql(`
      create table ledger.cosignature (
        id bigint generated always as identity primary key,
        checkpoint_id bigint not null references ledger.checkpoint (id),
        witness text not null,
        key_id bytea not null check (length(key_id) = 4),
        cosigned_at timestamptz not null,
        line text not null,
        recorded_at timestamptz not null default clock_timestamp(),
        recorded_by text not null,
        unique (checkpoint_id, witness, key_id)
      )`);
    this.addSql(`comment on table ledger.cosignature is '见证签名: a witness''s tlog-cosignature/v1 line for a checkpoint'`);

    // The database refuses a checkpoint that shrinks the tree or gives a signed size another root.
    // (Consistency of different sizes needs a proof: ledger/proof checks it before it signs.)
    this.addSql(`
      create function ledger.checkpoint_before_insert() returns trigger language plpgsql as $$
      declare
        last ledger.checkpoint;
      begin
        perform pg_advisory_xact_lock(21325, 2);
        select * into last from ledger.checkpoint order by size desc, id desc limit 1;
        if found and new.size < last.size then
          raise exception 'checkpoint of size % is smaller than the signed checkpoint of size %', new.size, last.size using errcode = 'SL020';
        end if;
        if exists (select from ledger.checkpoint c where c.size = new.size and c.root <> new.root) then
          raise exception 'a checkpoint of size % with another root was already signed', new.size using errcode = 'SL020';
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger checkpoint_before_insert before insert on ledger.checkpoint
      for each row execute function ledger.checkpoint_before_insert()`);

    for (const table of ['merkle_node', 'tree_head', 'checkpoint', 'cosignature']) {
      this.addSql(`create trigger ${table}_append_only before update or delete on ledger.${table}
        for each statement execute function ledger.reject_change()`);
      this.addSql(`create trigger ${table}_no_truncate before truncate on ledger.${table}
        for each statement execute function ledger.reject_change()`);
      this.addSql(`revoke all on ledger.${table} from public`);
      this.addSql(`grant select, insert on ledger.${table} to sunshine_app`);
    }
    this.addSql(`grant execute on function ledger.checkpoint_before_insert() to sunshine_app`);
  }

  override down(): void {
    this.addSql(`drop table ledger.cosignature, ledger.checkpoint, ledger.tree_head, ledger.merkle_node`);
    this.addSql(`drop function ledger.checkpoint_before_insert()`);
  }
}
