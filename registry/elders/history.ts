/**
 * The append-only history of an elder: special categories (身份, held for a period, ended by an end
 * record) and vital status (生存状态, the latest report is current).
 */
import { DomainError } from '../../platform/errors.js';
import { LOCK_CLASS } from '../../platform/locks.js';
import { todayInChina } from '../../platform/id-number.js';
import { RegistryRoom, requireBorn, ts } from '../store.js';
import { RecordTable } from '../reads.js';
import type { CategoryMembershipRecord, VitalEventRecord } from '../types.js';
import { VITAL_SOURCES, VITAL_STATUSES, type VitalSource, type VitalStatus } from '../vocabulary.js';
import * as v from '../validate.js';

const MEMBERSHIP = `m.id::text, m.elder_id::text as "elderId", m.category, m.valid_from::text as "validFrom",
  coalesce(least(x.ended_on, m.valid_to), x.ended_on, m.valid_to)::text as "validTo", m.valid_to::text as "plannedValidTo",
  x.ended_on::text as "endedOn", x.reason as "endReason", m.source_system as "sourceSystem", m.source_ref as "sourceRef",
  ${ts('m.recorded_at')} as "recordedAt", m.recorded_by as "recordedBy"`;
export const MEMBERSHIPS = new RecordTable<CategoryMembershipRecord>(MEMBERSHIP, 'registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id', 'm');
const VITAL = `v.id::text, v.elder_id::text as "elderId", v.status, v.death_date::text as "deathDate", v.source, v.source_ref as "sourceRef",
  ${ts('v.recorded_at')} as "recordedAt", v.recorded_by as "recordedBy"`;
export const VITAL_EVENTS = new RecordTable<VitalEventRecord>(VITAL, 'registry.vital_event v', 'v');

export class ElderHistory extends RegistryRoom {
  async addCategory(
    input: { elderId: string; category: string; validFrom: string; validTo?: string | null; sourceSystem?: string | null; sourceRef?: string | null },
    actor: string,
  ): Promise<CategoryMembershipRecord> {
    const elderId = v.recordId(input.elderId, 'elderId');
    const category = v.text(input.category, 'category', 40);
    const validFrom = v.isoDate(input.validFrom, 'validFrom');
    const validTo = v.optionalDate(input.validTo, 'validTo');
    if (validTo && validTo < validFrom) throw v.bad('validTo must not be before validFrom', 'validTo');
    const id = await this.tx(async (client) => {
      const life = await this.store.elderLife(client, elderId);
      if (!(await this.one(client, `select 1 from registry.category where code = $1`, [category]))) {
        throw v.bad(`unknown category ${category} (see specialCategories)`, 'category');
      }
      requireBorn(life, validFrom, 'validFrom');
      // Serialise category writes per elder, so the overlap check below cannot race.
      await client.query(`select pg_advisory_xact_lock($1, hashtext($2))`, [LOCK_CLASS.REGISTRY_CATEGORY, elderId]);
      // The same category may be held again later, never twice at once.
      const overlapping = await this.one(
        client,
        `select 1 from registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id
         where m.elder_id = $1 and m.category = $2
           and daterange(m.valid_from, coalesce(least(x.ended_on, m.valid_to), x.ended_on, m.valid_to), '[]') && daterange($3::date, $4::date, '[]')`,
        [elderId, category, validFrom, validTo],
      );
      if (overlapping) throw new DomainError('ALREADY_EXISTS', 'the elder already holds this category for part of this period', 'validFrom');
      return this.store.insert(
        client,
        `insert into registry.category_membership (elder_id, category, valid_from, valid_to, source_system, source_ref, recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7) returning id::text`,
        [elderId, category, validFrom, validTo, v.optionalFreeText(input.sourceSystem, 'sourceSystem', 100), v.optionalFreeText(input.sourceRef, 'sourceRef', 100), actor],
      );
    });
    return (await this.membershipsById([id])).get(id)!;
  }

  async endCategory(input: { membershipId: string; endedOn: string; reason: string }, actor: string): Promise<CategoryMembershipRecord> {
    const id = v.recordId(input.membershipId, 'membershipId');
    const endedOn = v.isoDate(input.endedOn, 'endedOn');
    const reason = v.freeText(input.reason, 'reason', 500);
    await this.tx(async (client) => {
      const m = await this.one<{ validFrom: string; validTo: string | null }>(
        client,
        `select valid_from::text as "validFrom", valid_to::text as "validTo" from registry.category_membership where id = $1`,
        [id],
      );
      if (!m) throw new DomainError('NOT_FOUND', 'no such membership', 'membershipId');
      if (endedOn < m.validFrom) throw v.bad('endedOn must not be before the membership started', 'endedOn');
      await client.query(`insert into registry.category_membership_end (membership_id, ended_on, reason, recorded_by) values ($1, $2, $3, $4)`, [id, endedOn, reason, actor]);
    });
    return (await this.membershipsById([id])).get(id)!;
  }

  async membershipsById(ids: readonly string[]): Promise<Map<string, CategoryMembershipRecord>> {
    return MEMBERSHIPS.byIds(this.sql, ids);
  }

  async membershipsByElders(elderIds: readonly string[]): Promise<Map<string, CategoryMembershipRecord[]>> {
    return MEMBERSHIPS.byOwners(this.sql, 'm.elder_id', elderIds, 'm.valid_from, m.id');
  }

  async recordVitalStatus(
    input: { elderId: string; status: VitalStatus; deathDate?: string | null; source: VitalSource; sourceRef?: string | null },
    actor: string,
  ): Promise<VitalEventRecord> {
    const elderId = v.recordId(input.elderId, 'elderId');
    const status = v.oneOf(input.status, VITAL_STATUSES, 'status');
    const source = v.oneOf(input.source, VITAL_SOURCES, 'source');
    const deathDate = v.optionalDate(input.deathDate, 'deathDate');
    if (status === 'DECEASED' && !deathDate) throw v.bad('deathDate is required when status is DECEASED', 'deathDate');
    if (status === 'ALIVE' && deathDate) throw v.bad('deathDate must be empty when status is ALIVE', 'deathDate');
    if (deathDate && deathDate > todayInChina()) throw v.bad('deathDate is in the future', 'deathDate');
    const id = await this.tx(async (client) => {
      const life = await this.store.elderLife(client, elderId);
      if (deathDate) requireBorn(life, deathDate, 'deathDate');
      return this.store.insert(
        client,
        `insert into registry.vital_event (elder_id, status, death_date, source, source_ref, recorded_by) values ($1, $2, $3, $4, $5, $6) returning id::text`,
        [elderId, status, deathDate, source, v.optionalFreeText(input.sourceRef, 'sourceRef', 100), actor],
      );
    });
    return VITAL_EVENTS.written(this.sql, id);
  }

  async vitalEventsByElders(elderIds: readonly string[]): Promise<Map<string, VitalEventRecord[]>> {
    return VITAL_EVENTS.byOwners(this.sql, 'v.elder_id', elderIds, 'v.id');
  }

  /** History rows by id (for node(id)), with the key that decides their scope. */
  async vitalEventsById(ids: readonly string[]): Promise<Map<string, VitalEventRecord>> {
    return VITAL_EVENTS.byIds(this.sql, ids);
  }
}
