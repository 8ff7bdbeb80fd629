import { Migration } from '@mikro-orm/migrations';

/**
 * Faster chain verification. The first verify_chain joined each range's postings by scanning the
 * whole posting table (once per chunk) and sorted the range twice (by transaction for the postings,
 * by seq for the links), spilling to disk. This one walks the range in seq order on the seq index
 * (so the window needs no sort) and reads each transaction's postings through the posting
 * transaction index; the canonical text and hash are the same functions, the rules the same.
 */
export class Migration20261123020000_ledger_fast_path extends Migration {
  override name = 'Migration20261123020000_ledger_fast_path';

  override up(): void {
    this.addSql(`
      create or replace function ledger.verify_chain(from_seq bigint, to_seq bigint) returns bigint language sql stable as $$
        select min(x.seq) from (
          select t.seq, t.hash, t.prev_hash,
                 lag(t.seq) over w as before_seq, lag(t.hash) over w as before_hash,
                 ledger.transaction_hash(t, (select string_agg(ledger.posting_entry(p), ';' order by p.id)
                                             from ledger.posting p where p.transaction_id = t.id)) as recomputed
          from ledger.transaction t
          where t.seq between greatest(from_seq - 1, 1) and to_seq
          window w as (order by t.seq)
        ) x
        where x.seq >= from_seq and (
          x.hash is distinct from x.recomputed
          or (x.before_seq is not null and (x.seq <> x.before_seq + 1 or x.prev_hash <> x.before_hash))
          or (x.before_seq is null and x.seq = 1 and x.prev_hash <> '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
          or (x.before_seq is null and x.seq > from_seq)
        ) $$`);
  }

  override down(): void {
    this.addSql(`
      create or replace function ledger.verify_chain(from_seq bigint, to_seq bigint) returns bigint language sql stable as $$
        with range as (
          select t.* from ledger.transaction t where t.seq between greatest(from_seq - 1, 1) and to_seq
        ), entries as (
          select p.transaction_id, string_agg(ledger.posting_entry(p), ';' order by p.id) as postings
          from ledger.posting p join range r on r.id = p.transaction_id
          group by p.transaction_id
        )
        select min(x.seq) from (
          select r.seq, r.hash, r.prev_hash,
                 lag(r.seq) over w as before_seq, lag(r.hash) over w as before_hash,
                 ledger.transaction_hash(r::ledger.transaction, e.postings) as recomputed
          from range r left join entries e on e.transaction_id = r.id
          window w as (order by r.seq)
        ) x
        where x.seq >= from_seq and (
          x.hash is distinct from x.recomputed
          or (x.before_seq is not null and (x.seq <> x.before_seq + 1 or x.prev_hash <> x.before_hash))
          or (x.before_seq is null and x.seq = 1 and x.prev_hash <> '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
          or (x.before_seq is null and x.seq > from_seq)
        ) $$`);
  }
}
