import { Migration } from '@mikro-orm/migrations';

/**
 * The two reads every group of writes starts with — the committed transactions carrying the group's
 * idempotency keys, and the lots and AVAILABLE balances its plans spend from — as PL/pgSQL functions,
 * so that PostgreSQL plans them once per connection instead of on every group (measured with
 * bench:ledger-profile: 0.26 and 0.18 ms of planning per group, ≈ 0.1 ms a disbursement over HTTP,
 * where a group carries ≈ 4).
 *
 * Why functions and not named statements from the client: a named statement gets a generic plan
 * after five runs, made from the statistics of the moment; made while the ledger was small it
 * scanned whole tables, stayed in use as the tables grew, and the write rate fell from 571 to 184/s
 * within a minute (docs/performance.md). Each function's plan is made once per connection
 * (`plan_cache_mode = force_generic_plan`: left to choose, PostgreSQL kept planning the key look-up
 * afresh on every call, its generic estimate of an array of unknown length being dearer than a
 * plan for the two keys at hand) and with neither sequential scans nor hash or merge joins: the
 * plan walks the (region, fund line) or (region, key) pairs asked for and probes an index for each,
 * whatever the size of the tables when it was made.
 * ledger.lot_held's query is inline (a SQL function called per row is planned again on every call).
 */
export class Migration20261203200000_group_reads extends Migration {
  override name = 'Migration20261203200000_group_reads';

  override up(): void {
    this.addSql(`
      create function ledger.keyed_transactions(regions text[], keys text[])
        returns table (id text, region_code text, idempotency_key text, request_hash bytea)
        language plpgsql stable
        set plan_cache_mode = force_generic_plan set enable_seqscan = off set enable_hashjoin = off set enable_mergejoin = off as $$
      #variable_conflict use_column
      begin
        return query
          select t.id::text, t.region_code::text, t.idempotency_key, t.request_hash
          from (select distinct * from unnest(regions, keys)) k (region_code, idempotency_key)
          join ledger.transaction t on t.region_code = k.region_code and t.idempotency_key = k.idempotency_key;
      end $$`);
    this.addSql(`comment on function ledger.keyed_transactions(text[], text[]) is 'the committed transactions carrying these (region, idempotency key) pairs: the first read of a group of writes'`);
    this.addSql(`
      create function ledger.available_lots(regions text[], fund_lines text[])
        returns table (region_code text, fund_line text, lot_id text, fiscal_year int, balance text)
        language plpgsql stable
        set plan_cache_mode = force_generic_plan set enable_seqscan = off set enable_hashjoin = off set enable_mergejoin = off as $$
      #variable_conflict use_column
      begin
        return query
          select k.region_code, k.fund_line, l.id::text, l.fiscal_year,
                 (coalesce((select b.balance_after from ledger.lot_balance b where b.account_id = a.id and b.lot_id = l.id), 0)
                  - (select coalesce(sum(h.amount), 0)::bigint from ledger.hold h
                     where h.lot_id = l.id and h.expires_at > now()
                       and not exists (select from ledger.proposal_decision d where d.proposal_id = h.proposal_id)))::text
          from unnest(regions, fund_lines) k (region_code, fund_line)
          join ledger.lot l on l.region_code = k.region_code and l.fund_line = k.fund_line
          left join ledger.account a on a.region_code = l.region_code and a.fund_line = l.fund_line
                                    and a.kind = 'AVAILABLE' and a.payee_type is null
          order by l.fiscal_year, l.id;
      end $$`);
    this.addSql(`comment on function ledger.available_lots(text[], text[]) is 'the lots of these (region, fund line) pairs, oldest fiscal year first, with their AVAILABLE balance less pending holds: the planning read of a group of writes'`);
    this.addSql(`grant execute on function ledger.keyed_transactions(text[], text[]), ledger.available_lots(text[], text[]) to sunshine_app`);
  }

  override down(): void {
    this.addSql(`drop function ledger.keyed_transactions(text[], text[]), ledger.available_lots(text[], text[])`);
  }
}
