import { Migration } from '@mikro-orm/migrations';

/**
 * Four-eyes approvals and commitments (审批与预留, issue 13).
 *
 * - ledger.approval_policy_change: the approval policies as an append-only history. A policy is
 *   (fund line, operation) → min_amount: a write of that operation and fund line needs a second
 *   person when its amount (fen) is at least min_amount; 0 = always, null = never. The current
 *   policy is the latest change of its (fund line, operation). Seeded by this migration.
 * - ledger.proposal (+ proposal_item, one per ledger transaction it will become): a write waiting
 *   for approval. ledger.proposal_decision: at most one per proposal (APPROVED, REJECTED or
 *   EXPIRED) — decisions are rows, never updates.
 * - ledger.hold: the money a pending proposal holds on a lot (承诺/预留). A hold counts while its
 *   proposal has no decision and has not expired (expires_at > now()): expiry needs no job.
 *   Enforced here, under the lot's advisory lock (the lock every posting takes): a hold is refused
 *   when the lot's AVAILABLE balance less the holds already on it is smaller than the hold, and an
 *   AVAILABLE posting is refused when it would leave less than what is held on the lot (SL030). So
 *   available = balance − held never goes below zero, whichever commits first.
 * - ledger.transaction gets proposal_id, proposed_by, approved_by. A transaction with a proposal_id
 *   must have an APPROVED decision by approved_by, proposed_by must be the proposal's, and the two
 *   must differ (SL031). Its canonical content (the hashed text) becomes 'v2,…,proposal_id,
 *   proposed_by,approved_by'; without a proposal it stays 'v1,…' byte for byte, so every existing
 *   hash still verifies.
 * - One idempotency key space per region for transactions and proposals: a transaction whose key a
 *   proposal item of its region carries (other than its own proposal's) is refused (SL032).
 */
export class Migration20261202100000_approvals extends Migration {
  override name = 'Migration20261202100000_approvals';

  override up(): void {
    const operations = `'APPROPRIATION', 'ALLOCATION', 'ALLOCATION_RECEIVED', 'DISBURSEMENT', 'DISBURSEMENT_BATCH', 'RETURN', 'REVERSAL'`;
    this.addSql(`
      create table ledger.approval_policy_change (
        id bigint generated always as identity primary key,
        fund_line text not null references ledger.fund_line (code),
        operation text not null check (operation in (${operations})),
        min_amount bigint check (min_amount >= 0),
        previous_min_amount bigint,
        previous_change_id bigint references ledger.approval_policy_change (id),
        changed_by text not null check (length(btrim(changed_by)) > 0),
        changed_at timestamptz not null default clock_timestamp(),
        reason text not null check (length(btrim(reason)) between 1 and 2000)
      )`);
    this.addSql(`comment on table ledger.approval_policy_change is '审批规则变更: append-only history of the approval policies; the latest change of a (fund line, operation) is the policy'`);
    this.addSql(`create index approval_policy_current_idx on ledger.approval_policy_change (fund_line, operation, id desc)`);
    // Seed: appropriations and reversals always; allocations from 100万元, single payments from 5万元,
    // a disbursement batch from 50万元 in total; receipts and returns never (they only move money back).
    this.addSql(`
      insert into ledger.approval_policy_change (fund_line, operation, min_amount, changed_by, reason)
      select f.code, o.operation, o.min_amount, 'system', 'initial policy'
      from ledger.fund_line f cross join (values ('APPROPRIATION', 0::bigint), ('REVERSAL', 0), ('ALLOCATION', 100000000),
        ('DISBURSEMENT', 5000000), ('DISBURSEMENT_BATCH', 50000000), ('ALLOCATION_RECEIVED', null), ('RETURN', null)) o (operation, min_amount)
      order by f.sort_order, f.code, o.operation`);
    this.addSql(`
      create view ledger.approval_policy as
        select distinct on (fund_line, operation) id as change_id, fund_line, operation, min_amount, changed_by, changed_at
        from ledger.approval_policy_change order by fund_line, operation, id desc`);

    this.addSql(`
      create table ledger.proposal (
        id bigint generated always as identity primary key,
        operation text not null check (operation in (${operations})),
        region_code text collate "C" not null references region (code),
        fund_line text not null references ledger.fund_line (code),
        amount numeric not null check (amount > 0),
        effective_date date not null,
        proposed_by text not null check (length(btrim(proposed_by)) > 0),
        proposed_at timestamptz not null default clock_timestamp(),
        expires_at timestamptz not null,
        policy_change_id bigint not null references ledger.approval_policy_change (id),
        constraint proposal_expiry check (expires_at > proposed_at)
      )`);
    this.addSql(`comment on table ledger.proposal is '待审批事项: a ledger write waiting for a second person; amount is the total (fen) the policy was applied to'`);
    this.addSql(`create index proposal_region_idx on ledger.proposal (region_code, id)`);
    this.addSql(`
      create table ledger.proposal_item (
        proposal_id bigint not null references ledger.proposal (id),
        n int not null check (n >= 0),
        kind text not null,
        region_code text collate "C" not null references region (code),
        idempotency_key text not null check (length(idempotency_key) between 1 and 200),
        request_hash bytea not null,
        request jsonb not null,
        primary key (proposal_id, n),
        constraint proposal_item_key unique (region_code, idempotency_key)
      )`);
    this.addSql(`comment on table ledger.proposal_item is 'one ledger write of a proposal: its idempotency key (in the key space of its region) and the request, with the lots it holds'`);
    this.addSql(`
      create table ledger.proposal_decision (
        proposal_id bigint primary key references ledger.proposal (id),
        decision text not null check (decision in ('APPROVED', 'REJECTED', 'EXPIRED')),
        decided_by text not null check (length(btrim(decided_by)) > 0),
        decided_at timestamptz not null default clock_timestamp(),
        reason text check (length(reason) <= 2000),
        constraint proposal_decision_reason check (decision <> 'REJECTED' or length(btrim(reason)) > 0)
      )`);
    this.addSql(`comment on table ledger.proposal_decision is 'the one decision on a proposal: APPROVED (it became ledger transactions), REJECTED (with a reason) or EXPIRED (recorded when seen)'`);
    this.addSql(`
      create table ledger.hold (
        id bigint generated always as identity primary key,
        proposal_id bigint not null references ledger.proposal (id),
        lot_id bigint not null references ledger.lot (id),
        amount bigint not null check (amount > 0),
        expires_at timestamptz not null
      )`);
    this.addSql(`comment on table ledger.hold is '预留: money of a lot held by a pending proposal; counts while the proposal has no decision and expires_at is ahead'`);
    this.addSql(`create index hold_lot_idx on ledger.hold (lot_id, expires_at)`);
    this.addSql(`create index hold_proposal_idx on ledger.hold (proposal_id)`);

    for (const table of ['approval_policy_change', 'proposal', 'proposal_item', 'proposal_decision', 'hold']) {
      this.addSql(`create trigger ${table}_append_only before update or delete on ledger.${table}
        for each row execute function ledger.reject_change()`);
      this.addSql(`create trigger ${table}_no_truncate before truncate on ledger.${table}
        for each statement execute function ledger.reject_change()`);
      this.addSql(`revoke all on ledger.${table} from public`);
      this.addSql(`grant select, insert on ledger.${table} to sunshine_app`);
    }
    this.addSql(`grant select on ledger.approval_policy to sunshine_app`);

    // What pending proposals hold on a lot now. Called after the lot's lock, in a statement of its own
    // (READ COMMITTED: it sees every decision and hold committed before the lock was granted).
    this.addSql(`
      create function ledger.lot_held(lot bigint) returns bigint language sql stable as $$
        select coalesce(sum(h.amount), 0)::bigint from ledger.hold h
        where h.lot_id = lot and h.expires_at > now()
          and not exists (select from ledger.proposal_decision d where d.proposal_id = h.proposal_id) $$`);
    this.addSql(`
      create function ledger.hold_before_insert() returns trigger language plpgsql as $$
      declare
        lot_region text;
        lot_line text;
        balance bigint;
        held bigint;
      begin
        select region_code, fund_line into lot_region, lot_line from ledger.lot where id = new.lot_id;
        if not found then raise exception 'no lot %', new.lot_id using errcode = '23503'; end if;
        if new.expires_at is distinct from (select expires_at from ledger.proposal where id = new.proposal_id) then
          raise exception 'a hold expires with its proposal %', new.proposal_id using errcode = 'SL031';
        end if;
        perform pg_advisory_xact_lock(new.lot_id);
        select coalesce((select p.balance_after from ledger.posting p join ledger.account a on a.id = p.account_id
                          where a.region_code = lot_region and a.fund_line = lot_line and a.kind = 'AVAILABLE' and a.payee_type is null
                            and p.lot_id = new.lot_id order by p.lot_seq desc limit 1), 0) into balance;
        held := ledger.lot_held(new.lot_id);
        if balance - held < new.amount then
          raise exception 'insufficient funds: % lot % of region % has % fen available (% fen balance, % fen held by pending proposals), the proposal needs %',
            lot_line, new.lot_id, lot_region, balance - held, balance, held, new.amount using errcode = 'SL030';
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger hold_before_insert before insert on ledger.hold for each row execute function ledger.hold_before_insert()`);
    // Runs after posting_before_insert (triggers fire in name order): the lot is locked and
    // balance_after computed. Only a spend from AVAILABLE can eat into what is held.
    this.addSql(`
      create function ledger.posting_respects_holds() returns trigger language plpgsql as $$
      declare
        held bigint;
      begin
        if new.account_kind = 'AVAILABLE' and new.amount < 0 then
          held := ledger.lot_held(new.lot_id);
          if held > 0 and new.balance_after < held then
            raise exception 'insufficient funds: % lot % of region % would keep % fen, but % fen of it are held by pending proposals',
              new.fund_line, new.lot_id, new.region_code, new.balance_after, held using errcode = 'SL030';
          end if;
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger posting_respects_holds before insert on ledger.posting for each row execute function ledger.posting_respects_holds()`);

    this.addSql(`alter table ledger.transaction add column proposal_id bigint references ledger.proposal (id),
      add column proposed_by text, add column approved_by text`);
    this.addSql(`alter table ledger.transaction add constraint transaction_four_eyes check (
      (proposal_id is null and proposed_by is null and approved_by is null)
      or (proposal_id is not null and length(btrim(proposed_by)) > 0 and length(btrim(approved_by)) > 0 and proposed_by <> approved_by))`);
    this.addSql(`create index transaction_proposal_idx on ledger.transaction (proposal_id) where proposal_id is not null`);
    this.addSql(`
      create function ledger.transaction_approval_check() returns trigger language plpgsql as $$
      begin
        -- One key space for transactions and proposals of a region (the writers hold the key's advisory lock).
        if exists (select from ledger.proposal_item i where i.region_code = new.region_code and i.idempotency_key = new.idempotency_key
                   and i.proposal_id is distinct from new.proposal_id) then
          raise exception 'idempotency key % of region % belongs to a proposal', new.idempotency_key, new.region_code using errcode = 'SL032';
        end if;
        if new.proposal_id is not null and not exists (
          select from ledger.proposal p join ledger.proposal_decision d on d.proposal_id = p.id
          where p.id = new.proposal_id and p.proposed_by = new.proposed_by
            and d.decision = 'APPROVED' and d.decided_by = new.approved_by) then
          raise exception 'transaction % names proposal % without its approval by %', new.id, new.proposal_id, new.approved_by
            using errcode = 'SL031';
        end if;
        return new;
      end $$`);
    this.addSql(`create trigger transaction_approval_check before insert on ledger.transaction
      for each row execute function ledger.transaction_approval_check()`);

    // The hashed text: v1 unchanged (its body moves to canonical_v1), v2 when a proposal is named.
    this.addSql(`
      create function ledger.canonical_v1(t ledger.transaction, postings text) returns text language sql stable parallel safe as $$
        select concat_ws(',', 'v1', t.id, t.seq, quote_nullable(t.kind), quote_nullable(t.idempotency_key),
          encode(t.request_hash, 'hex'), quote_nullable(t.fund_line), quote_nullable(t.region_code),
          quote_nullable(t.counterpart_region_code), to_char(t.effective_date, 'YYYY-MM-DD'),
          floor(extract(epoch from t.recorded_at) * 1000000)::bigint, quote_nullable(t.document_no), quote_nullable(t.memo),
          quote_nullable(t.actor), quote_nullable(t.reverses_id), quote_nullable(t.reason), quote_nullable(t.allocation_id),
          quote_nullable(t.payee_type), quote_nullable(t.payee_id), quote_nullable(t.service_month),
          quote_nullable(t.benefit_code), quote_nullable(t.beneficiary_village_code), '[' || coalesce(postings, '') || ']') $$`);
    this.addSql(`
      create or replace function ledger.canonical_content(t ledger.transaction, postings text) returns text language sql stable parallel safe as $$
        select case when t.proposal_id is null then ledger.canonical_v1(t, postings)
          else 'v2,' || substr(ledger.canonical_v1(t, postings), 4) || ',' || quote_nullable(t.proposal_id) || ','
               || quote_nullable(t.proposed_by) || ',' || quote_nullable(t.approved_by) end $$`);
    this.addSql(`grant execute on all functions in schema ledger to sunshine_app`);
  }

  override down(): void {
    this.addSql(`
      create or replace function ledger.canonical_content(t ledger.transaction, postings text) returns text language sql stable parallel safe as $$
        select ledger.canonical_v1(t, postings) $$`);
    this.addSql(`drop trigger transaction_approval_check on ledger.transaction`);
    this.addSql(`drop trigger posting_respects_holds on ledger.posting`);
    this.addSql(`alter table ledger.transaction drop constraint transaction_four_eyes`);
    this.addSql(`alter table ledger.transaction drop column proposal_id, drop column proposed_by, drop column approved_by`);
    this.addSql(`drop table ledger.hold, ledger.proposal_decision, ledger.proposal_item, ledger.proposal`);
    this.addSql(`drop view ledger.approval_policy`);
    this.addSql(`drop table ledger.approval_policy_change`);
    this.addSql(`drop function ledger.transaction_approval_check(), ledger.posting_respects_holds(), ledger.hold_before_insert(), ledger.lot_held(bigint)`);
  }
}
