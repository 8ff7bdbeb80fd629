import { Migration } from '@mikro-orm/migrations';

/**
 * The fund ledger (资金台账): append-only, double-entry, per-lot running balances, a gapless
 * hash chain — every invariant enforced here, in PostgreSQL, whoever writes.
 *
 * Write protocol (ledger/ledger.ts follows it; anything else is rejected by the triggers):
 *   1. take the chain lock first (platform/locks.ts: LEDGER_CHAIN, key 1 — the same lock the header
 *      trigger takes), then the idempotency locks;
 *   2. insert lots (if any) and postings — postings sorted by lot, so lot locks are always taken in
 *      one order;
 *   3. insert the transaction header last: its trigger takes the chain lock (already held), assigns
 *      the next seq, and hashes the header with its postings.
 * Lock order is therefore chain head → idempotency keys → lots (ascending), which cannot deadlock
 * (docs/ledger.md, "Group commit").
 *
 * Append-only: account, lot, transaction and posting reject UPDATE, DELETE and TRUNCATE through
 * triggers (even for their owner), and the application role `sunshine_app` has only SELECT and INSERT.
 */
export class Migration20261123010000_ledger extends Migration {
  override name = 'Migration20261123010000_ledger';

  override up(): void {
    this.addSql(`do $$ begin
      if not exists (select from pg_roles where rolname = 'sunshine_app') then create role sunshine_app nologin; end if;
    end $$`);
    this.addSql(`grant sunshine_app to current_user`);
    this.addSql(`create schema ledger`);
    this.addSql(`grant usage on schema public, ledger to sunshine_app`);
    this.addSql(`grant select on region to sunshine_app`);

    this.addSql(`
      create table ledger.fund_line (
        code text primary key check (code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
        name_zh text not null check (length(btrim(name_zh)) > 0),
        name_en text not null check (length(btrim(name_en)) > 0),
        sort_order int not null default 100,
        created_at timestamptz not null default now()
      )`);
    this.addSql(`comment on table ledger.fund_line is '资金线: the fund lines money flows along (reference data; a city may rename or add lines)'`);
    this.addSql(`
      insert into ledger.fund_line (code, name_zh, name_en, sort_order) values
        ('HARDSHIP_SUPPORT', '特困供养', 'Hardship support', 1),
        ('FACILITY_SUBSIDY', '机构补贴', 'Facility subsidies', 2),
        ('PROJECT_GRANT', '项目补助', 'Project grants', 3),
        ('SENIOR_ALLOWANCE', '尊老金', 'Senior allowances', 4),
        ('OPERATIONS', '运营经费', 'Operations', 5)`);

    this.addSql(`
      create table ledger.account (
        id bigint generated always as identity primary key,
        region_code text collate "C" not null references region (code),
        fund_line text not null references ledger.fund_line (code),
        kind text not null check (kind in ('FUNDING_SOURCE', 'AVAILABLE', 'IN_TRANSIT_DOWN', 'EXPENDITURE')),
        payee_type text check (payee_type in ('PERSON', 'FACILITY', 'PROJECT', 'OPERATOR', 'CONTRACTOR')),
        payee_id text check (length(payee_id) between 1 and 64),
        created_at timestamptz not null default now(),
        constraint account_payee_only_on_expenditure check ((kind = 'EXPENDITURE') = (payee_type is not null) and (payee_type is null) = (payee_id is null)),
        constraint account_key unique nulls not distinct (region_code, fund_line, kind, payee_type, payee_id)
      )`);
    this.addSql(`comment on table ledger.account is '账户: (region, fund line, kind[, payee]); balances are per account and lot'`);

    this.addSql(`create sequence ledger.transaction_id_seq`);
    this.addSql(`
      create table ledger.lot (
        id bigint generated always as identity primary key,
        fund_line text not null references ledger.fund_line (code),
        region_code text collate "C" not null references region (code),
        parent_lot_id bigint references ledger.lot (id),
        fiscal_year int not null check (fiscal_year between 2000 and 2100),
        funding_source text not null check (funding_source in ('CENTRAL_TRANSFER', 'PROVINCIAL_TRANSFER', 'CITY_TRANSFER',
          'OWN_BUDGET', 'WELFARE_LOTTERY', 'CENTRAL_BUDGET_INVESTMENT', 'SPECIAL_BOND', 'PARTY_BUILDING_FUND', 'DONATION', 'OTHER')),
        document_no text not null check (length(btrim(document_no)) between 1 and 100),
        created_by_transaction_id bigint not null,
        created_at timestamptz not null default now()
      )`);
    this.addSql(`comment on table ledger.lot is '资金批次: money of one appropriation document; allocations create child lots'`);
    this.addSql(`create index lot_parent_idx on ledger.lot (parent_lot_id)`);
    this.addSql(`create index lot_region_idx on ledger.lot (region_code, fund_line, fiscal_year, id)`);

    this.addSql(`
      create table ledger.transaction (
        id bigint primary key default nextval('ledger.transaction_id_seq'),
        seq bigint not null unique check (seq > 0),
        kind text not null check (kind in ('APPROPRIATION', 'ALLOCATION', 'ALLOCATION_RECEIVED', 'DISBURSEMENT', 'RETURN', 'REVERSAL')),
        idempotency_key text not null unique check (length(idempotency_key) between 1 and 200),
        request_hash bytea not null,
        fund_line text not null references ledger.fund_line (code),
        region_code text collate "C" not null references region (code),
        counterpart_region_code text collate "C" references region (code),
        effective_date date not null,
        recorded_at timestamptz not null,
        document_no text check (length(document_no) <= 100),
        memo text check (length(memo) <= 2000),
        actor text not null check (length(btrim(actor)) > 0),
        reverses_id bigint unique references ledger.transaction (id),
        reason text check (length(reason) <= 2000),
        allocation_id bigint references ledger.transaction (id),
        payee_type text,
        payee_id text,
        service_month text check (service_month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
        benefit_code text check (length(benefit_code) <= 40),
        beneficiary_village_code text collate "C" references region (code),
        prev_hash bytea not null check (length(prev_hash) = 32),
        hash bytea not null unique check (length(hash) = 32),
        constraint transaction_reversal_has_reason check ((kind = 'REVERSAL') = (reverses_id is not null) and (kind <> 'REVERSAL' or length(btrim(reason)) > 0)),
        constraint transaction_disbursement_fields check (kind <> 'DISBURSEMENT' or (payee_type is not null and payee_id is not null
          and service_month is not null and benefit_code is not null and beneficiary_village_code is not null)),
        constraint transaction_receipt_names_allocation check ((kind = 'ALLOCATION_RECEIVED') = (allocation_id is not null))
      )`);
    this.addSql(`comment on table ledger.transaction is '记账凭证: one ledger transaction, hash-chained in seq order'`);
    this.addSql(`create unique index transaction_received_once on ledger.transaction (allocation_id) where kind = 'ALLOCATION_RECEIVED'`);
    this.addSql(`create index transaction_region_idx on ledger.transaction (region_code, seq)`);
    this.addSql(`create index transaction_payee_idx on ledger.transaction (payee_type, payee_id, seq) where payee_id is not null`);
    this.addSql(`create index transaction_document_idx on ledger.transaction (document_no) where document_no is not null`);
    this.addSql(`create index transaction_effective_idx on ledger.transaction (effective_date, seq)`);
    this.addSql(`alter table ledger.lot add constraint lot_created_by_fk foreign key (created_by_transaction_id)
      references ledger.transaction (id) deferrable initially deferred`);
    this.addSql(`create index lot_created_by_idx on ledger.lot (created_by_transaction_id)`);

    this.addSql(`
      create table ledger.posting (
        id bigint generated always as identity primary key,
        transaction_id bigint not null references ledger.transaction (id) deferrable initially deferred,
        account_id bigint not null references ledger.account (id),
        lot_id bigint not null references ledger.lot (id),
        amount bigint not null check (amount <> 0),
        effective_date date not null,
        fund_line text not null,
        account_kind text not null,
        region_code text collate "C" not null,
        lot_seq int not null,
        balance_after bigint not null,
        constraint posting_lot_sequence unique (account_id, lot_id, lot_seq),
        constraint posting_sign check (case account_kind when 'FUNDING_SOURCE' then balance_after <= 0 else balance_after >= 0 end)
      )`);
    this.addSql(`comment on table ledger.posting is '分录: +debit / -credit in fen; balance_after is the running balance of (account, lot)'`);
    this.addSql(`create index posting_transaction_idx on ledger.posting (transaction_id)`);
    this.addSql(`create index posting_lot_idx on ledger.posting (lot_id)`);

    // Append-only, even for the owner.
    this.addSql(`
      create function ledger.reject_change() returns trigger language plpgsql as $$
      begin
        raise exception 'ledger table %.% is append-only: % is not allowed (corrections are reversals)',
          tg_table_schema, tg_table_name, tg_op using errcode = 'SL000';
      end $$`);
    for (const table of ['account', 'lot', 'transaction', 'posting']) {
      this.addSql(`create trigger ${table}_append_only before update or delete on ledger.${table}
        for each row execute function ledger.reject_change()`);
      this.addSql(`create trigger ${table}_no_truncate before truncate on ledger.${table}
        for each statement execute function ledger.reject_change()`);
      this.addSql(`revoke all on ledger.${table} from public`);
      this.addSql(`grant select, insert on ledger.${table} to sunshine_app`);
    }
    this.addSql(`grant select on ledger.fund_line to sunshine_app`);
    this.addSql(`grant usage on sequence ledger.transaction_id_seq to sunshine_app`);

    // Postings: running balance per (account, lot) under the lot's lock; no overspend.
    this.addSql(`
      create function ledger.posting_before_insert() returns trigger language plpgsql as $$
      declare
        acct ledger.account;
        lot_line text;
        prev record;
      begin
        if exists (select from ledger.transaction where id = new.transaction_id) then
          raise exception 'postings must be inserted before their transaction header (transaction %)', new.transaction_id
            using errcode = 'SL010';
        end if;
        select * into acct from ledger.account where id = new.account_id;
        if not found then raise exception 'no account %', new.account_id using errcode = '23503'; end if;
        select fund_line into lot_line from ledger.lot where id = new.lot_id;
        if not found then raise exception 'no lot %', new.lot_id using errcode = '23503'; end if;
        if lot_line <> acct.fund_line then
          raise exception 'lot % belongs to fund line %, account % to %', new.lot_id, lot_line, acct.id, acct.fund_line
            using errcode = 'SL011';
        end if;
        new.fund_line := acct.fund_line;
        new.account_kind := acct.kind;
        new.region_code := acct.region_code;
        perform pg_advisory_xact_lock(new.lot_id);
        select p.lot_seq, p.balance_after into prev from ledger.posting p
          where p.account_id = new.account_id and p.lot_id = new.lot_id order by p.lot_seq desc limit 1;
        new.lot_seq := coalesce(prev.lot_seq, 0) + 1;
        new.balance_after := coalesce(prev.balance_after, 0) + new.amount;
        if (acct.kind = 'FUNDING_SOURCE' and new.balance_after > 0) or (acct.kind <> 'FUNDING_SOURCE' and new.balance_after < 0) then
          raise exception 'insufficient funds: % account % (region %, %) in lot % has % fen, the posting needs %',
            acct.kind, acct.id, acct.region_code, acct.fund_line, new.lot_id,
            coalesce(prev.balance_after, 0), abs(new.amount) using errcode = 'SL001';
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger posting_before_insert before insert on ledger.posting
      for each row execute function ledger.posting_before_insert()`);

    // Daily totals per (region, fund line, account kind, effective date): a derived summary (not a
    // journal table) kept by a statement-level trigger in the posting's own transaction, so that
    // balances as of any date over any subtree read a few hundred rows instead of every posting.
    // Rows are locked in key order after the lot locks and before the chain lock (no deadlock).
    // The application role may only read it; the trigger writes as the owner.
    this.addSql(`
      create table ledger.daily_total (
        region_code text collate "C" not null,
        fund_line text not null,
        account_kind text not null,
        effective_date date not null,
        amount bigint not null,
        primary key (region_code, fund_line, effective_date, account_kind)
      )`);
    this.addSql(`comment on table ledger.daily_total is 'derived: sum of posting amounts per region, fund line, account kind and effective date'`);
    this.addSql(`revoke all on ledger.daily_total from public`);
    this.addSql(`grant select on ledger.daily_total to sunshine_app`);
    this.addSql(`
      create function ledger.add_daily_totals() returns trigger language plpgsql security definer
        set search_path = pg_catalog, ledger as $$
      begin
        insert into ledger.daily_total (region_code, fund_line, account_kind, effective_date, amount)
        select region_code, fund_line, account_kind, effective_date, sum(amount) from inserted
        group by region_code, fund_line, effective_date, account_kind
        order by region_code, fund_line, effective_date, account_kind
        on conflict (region_code, fund_line, effective_date, account_kind)
          do update set amount = ledger.daily_total.amount + excluded.amount;
        return null;
      end $$`);
    this.addSql(`create trigger posting_daily_totals after insert on ledger.posting
      referencing new table as inserted for each statement execute function ledger.add_daily_totals()`);

    // The canonical content that is hashed: the header's fields, each quoted (quote_nullable escapes
    // quotes and writes NULL for null, so the encoding is unambiguous), then its postings in id order.
    // Dates and times are rendered explicitly, independent of DateStyle and TimeZone. One definition,
    // used by the insert trigger (postings of one transaction) and by verify_chain (postings of a
    // whole range aggregated in one pass). Text, not jsonb: about 10x cheaper per transaction.
    this.addSql(`
      create function ledger.posting_entry(p ledger.posting) returns text language sql stable parallel safe as $$
        select concat_ws(',', p.account_id, p.lot_id, p.amount, to_char(p.effective_date, 'YYYY-MM-DD')) $$`);
    this.addSql(`
      create function ledger.canonical_content(t ledger.transaction, postings text) returns text language sql stable parallel safe as $$
        select concat_ws(',', 'v1', t.id, t.seq, quote_nullable(t.kind), quote_nullable(t.idempotency_key),
          encode(t.request_hash, 'hex'), quote_nullable(t.fund_line), quote_nullable(t.region_code),
          quote_nullable(t.counterpart_region_code), to_char(t.effective_date, 'YYYY-MM-DD'),
          floor(extract(epoch from t.recorded_at) * 1000000)::bigint, quote_nullable(t.document_no), quote_nullable(t.memo),
          quote_nullable(t.actor), quote_nullable(t.reverses_id), quote_nullable(t.reason), quote_nullable(t.allocation_id),
          quote_nullable(t.payee_type), quote_nullable(t.payee_id), quote_nullable(t.service_month),
          quote_nullable(t.benefit_code), quote_nullable(t.beneficiary_village_code), '[' || coalesce(postings, '') || ']') $$`);
    this.addSql(`
      create function ledger.transaction_hash(t ledger.transaction, postings text) returns bytea language sql stable parallel safe as $$
        select sha256(t.prev_hash || convert_to(ledger.canonical_content(t, postings), 'UTF8')) $$`);

    // Balanced: checked at commit, once per transaction, however the rows were inserted. Postings
    // cannot escape it: without a header they fail the deferred foreign key at commit, and after
    // their header they are refused (SL010).
    this.addSql(`
      create function ledger.check_balanced() returns trigger language plpgsql as $$
      declare
        legs int;
        unbalanced text;
      begin
        select sum(n), string_agg(fund_line || ' ' || total, ', ') filter (where total <> 0) into legs, unbalanced
        from (select fund_line, count(*) as n, sum(amount) as total from ledger.posting
              where transaction_id = new.id group by fund_line) s;
        if coalesce(legs, 0) < 2 then
          raise exception 'transaction % has % posting(s); at least 2 are required', new.id, coalesce(legs, 0) using errcode = 'SL002';
        end if;
        if unbalanced is not null then
          raise exception 'transaction % does not balance: %', new.id, unbalanced using errcode = 'SL002';
        end if;
        return null;
      end $$`);

    this.addSql(`
      create function ledger.transaction_before_insert() returns trigger language plpgsql as $$
      declare
        head record;
        legs int;
        mismatched int;
        entries text;
      begin
        select count(*), count(*) filter (where p.effective_date <> new.effective_date or p.fund_line <> new.fund_line),
               string_agg(ledger.posting_entry(p), ';' order by p.id)
          into legs, mismatched, entries
          from ledger.posting p where p.transaction_id = new.id;
        if legs < 2 then
          raise exception 'transaction % has fewer than 2 postings: insert its postings first', new.id using errcode = 'SL002';
        end if;
        if mismatched > 0 then
          raise exception 'postings of transaction % disagree with its effective date or fund line', new.id using errcode = 'SL012';
        end if;
        perform pg_advisory_xact_lock(21325, 1);
        select t.seq, t.hash into head from ledger.transaction t order by t.seq desc limit 1;
        new.seq := coalesce(head.seq, 0) + 1;
        new.prev_hash := coalesce(head.hash, '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
        new.recorded_at := clock_timestamp();
        new.hash := ledger.transaction_hash(new, entries);
        return new;
      end $$`);
    this.addSql(`create trigger transaction_before_insert before insert on ledger.transaction
      for each row execute function ledger.transaction_before_insert()`);
    this.addSql(`create constraint trigger transaction_balanced after insert on ledger.transaction
      deferrable initially deferred for each row execute function ledger.check_balanced()`);

    // verify: recompute every hash and link in [from, to]; the first broken seq, or null.
    this.addSql(`
      create function ledger.verify_chain(from_seq bigint, to_seq bigint) returns bigint language sql stable as $$
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
    this.addSql(`grant execute on all functions in schema ledger to sunshine_app`);
  }

  override down(): void {
    this.addSql('drop schema ledger cascade');
  }
}
