/**
 * Elders (老年人): registration and changes of the record itself (personal data sealed and masked,
 * each change logged by field name), and its batched and scoped list reads.
 */
import { DomainError } from '../../platform/errors.js';
import { scopePrefixOf } from '../../platform/region-code.js';
import { parseIdNumber, requireAgreement, todayInChina, type Sex } from '../../platform/id-number.js';
import { maskIdNumber, maskName, maskPhone, normalisePhone } from '../personal/pii.js';
import { inScope } from '../access.js';
import { join, param, raw, sql, type SqlFragment } from '../../platform/sql.js';
import { RegistryRoom, ts } from '../store.js';
import { RecordTable } from '../reads.js';
import { birthRangeOfAges } from '../derived.js';
import type { ElderRecord, Page } from '../types.js';
import type { VitalStatus } from '../vocabulary.js';
import * as v from '../validate.js';
import { insertElders, type ElderRow } from './writer.js';

const ELDER = `e.id::text, e.id_masked as "idMasked", e.name_masked as "nameMasked", e.phone_masked as "phoneMasked", e.sex,
  e.birth_date::text as "birthDate", e.hukou_village_code as "hukouVillageCode", e.residence_village_code as "residenceVillageCode",
  ${ts('e.created_at')} as "createdAt", ${ts('e.updated_at')} as "updatedAt", e.created_by as "createdBy", e.updated_by as "updatedBy"`;
export const ELDERS = new RecordTable<ElderRecord>(ELDER, 'registry.elder e', 'e');

export interface RegisterElderInput {
  idNumber: string;
  name: string;
  sex?: Sex | null;
  birthDate?: string | null;
  hukouVillageCode: string;
  residenceVillageCode?: string | null;
  phone?: string | null;
}

export interface UpdateElderInput {
  name?: string | null;
  phone?: string | null;
  /** Explicitly remove the phone number. */
  clearPhone?: boolean | null;
  hukouVillageCode?: string | null;
  residenceVillageCode?: string | null;
}

export interface ElderFilter {
  scopePrefix: string;
  /** Region code (any level) whose subtree the elder's household or residence village lies in. */
  within?: string | null;
  sex?: Sex | null;
  /** Aged at least / at most on `asOf`, as Elder.age counts (derived.ts ageOn): born by then, and alive then. */
  minAge?: number | null;
  maxAge?: number | null;
  /** Holds this category on `asOf`. */
  category?: string | null;
  vitalStatus?: VitalStatus | null;
  asOf: string;
}

/** An elder validated by `prepareElder`, ready to seal and insert. */
export type PreparedElder = ReturnType<Elders['prepareElder']>;

export class Elders extends RegistryRoom {
  /** Validates an elder (ID number against birth date and sex, villages, name, phone) without writing. */
  prepareElder(input: RegisterElderInput, today = todayInChina()) {
    const id = parseIdNumber(input.idNumber, 'idNumber', today);
    const sex = input.sex == null ? null : v.oneOf(input.sex, ['MALE', 'FEMALE'] as const, 'sex');
    const birthDate = v.optionalDate(input.birthDate, 'birthDate');
    requireAgreement(id, { sex, birthDate });
    const name = v.personName(input.name, 'name');
    const hukou = v.villageCode(input.hukouVillageCode, 'hukouVillageCode');
    const residence = input.residenceVillageCode == null ? hukou : v.villageCode(input.residenceVillageCode, 'residenceVillageCode');
    let phone: string | null = null;
    if (input.phone != null && input.phone.trim() !== '') {
      phone = normalisePhone(input.phone);
      if (!phone) throw v.bad('phone must be a mainland mobile (11 digits) or landline number', 'phone');
    }
    return { id, name, hukou, residence, phone, sex: id.sex, birthDate: id.birthDate };
  }

  /** The row to insert for a prepared elder (encrypted and masked columns). */
  elderRow(p: PreparedElder): ElderRow {
    return {
      idHash: this.pii.idHash(p.id.value),
      idEnc: this.pii.encrypt(p.id.value, 'elder.id_number'),
      idMasked: maskIdNumber(p.id.value),
      nameEnc: this.pii.encrypt(p.name, 'elder.name'),
      nameMasked: maskName(p.name),
      phoneEnc: p.phone ? this.pii.encrypt(p.phone, 'elder.phone') : null,
      phoneMasked: p.phone ? maskPhone(p.phone) : null,
      keyId: this.pii.currentKeyId,
    };
  }

  async registerElder(input: RegisterElderInput, actor: string): Promise<ElderRecord> {
    const p = this.prepareElder(input);
    const row = this.elderRow(p);
    const id = await this.tx(async (client) => {
      await this.store.requireRegions(client, [
        { code: p.hukou, field: 'hukouVillageCode' },
        { code: p.residence, field: 'residenceVillageCode' },
      ]);
      const [inserted] = await insertElders(client, [{ row, sex: p.sex, birthDate: p.birthDate, hukouVillageCode: p.hukou, residenceVillageCode: p.residence }], actor);
      return inserted!.id;
    });
    return (await this.elders([id])).get(id)!;
  }

  async updateElder(elderId: string, input: UpdateElderInput, actor: string): Promise<ElderRecord> {
    const id = v.recordId(elderId, 'id');
    /** column → its new value (a fragment for SQL such as null) */
    const sets = new Map<string, unknown>();
    const fields: string[] = [];
    if (input.name != null) {
      const name = v.personName(input.name, 'name');
      sets.set('name_enc', this.pii.encrypt(name, 'elder.name')).set('name_masked', maskName(name));
      fields.push('name');
    }
    if (input.clearPhone) {
      if (input.phone != null) throw v.bad('give either phone or clearPhone', 'clearPhone');
      sets.set('phone_enc', raw('null')).set('phone_masked', raw('null'));
      fields.push('phone');
    } else if (input.phone != null) {
      const phone = normalisePhone(input.phone);
      if (!phone) throw v.bad('phone must be a mainland mobile (11 digits) or landline number', 'phone');
      sets.set('phone_enc', this.pii.encrypt(phone, 'elder.phone')).set('phone_masked', maskPhone(phone));
      fields.push('phone');
    }
    const regions: { code: string; field: string }[] = [];
    if (input.hukouVillageCode != null) {
      const code = v.villageCode(input.hukouVillageCode, 'hukouVillageCode');
      regions.push({ code, field: 'hukouVillageCode' });
      sets.set('hukou_village_code', code);
      fields.push('hukouVillage');
    }
    if (input.residenceVillageCode != null) {
      const code = v.villageCode(input.residenceVillageCode, 'residenceVillageCode');
      regions.push({ code, field: 'residenceVillageCode' });
      sets.set('residence_village_code', code);
      fields.push('residenceVillage');
    }
    if (!sets.size) throw v.bad('nothing to update', 'input');
    const touchesSealed = sets.has('name_enc') || sets.has('phone_enc');
    await this.tx(async (client) => {
      if (regions.length) await this.store.requireRegions(client, regions);
      if (touchesSealed) {
        // One key id per row: values not being changed are re-sealed with the current key too, so every
        // ciphertext of the row opens with the key the row names.
        const row = await this.one<{ id_enc: Buffer; name_enc: Buffer; phone_enc: Buffer | null; key_id: string }>(
          client,
          `select id_enc, name_enc, phone_enc, key_id from registry.elder where id = $1 for update`,
          [id],
        );
        if (!row) throw new DomainError('NOT_FOUND', 'no such elder', 'id');
        if (row.key_id !== this.pii.currentKeyId) {
          const reseal = (sealed: Buffer, field: string) => this.pii.encrypt(this.pii.decrypt(sealed, row.key_id, field), field);
          sets.set('id_enc', reseal(row.id_enc, 'elder.id_number'));
          if (!sets.has('name_enc')) sets.set('name_enc', reseal(row.name_enc, 'elder.name'));
          if (!sets.has('phone_enc') && row.phone_enc) sets.set('phone_enc', reseal(row.phone_enc, 'elder.phone'));
        }
        sets.set('key_id', this.pii.currentKeyId);
      }
      const assignments = join([...sets].map(([column, value]) => sql`${raw(column)} = ${value}`), ', ');
      const updated = await client.query(sql`update registry.elder set ${assignments}, updated_at = now(), updated_by = ${actor} where id = ${id}`.build());
      if (updated.rowCount !== 1) throw new DomainError('NOT_FOUND', 'no such elder', 'id');
      await client.query(`insert into registry.change_log (entity_type, entity_id, fields, recorded_by) values ('Elder', $1, $2, $3)`, [id, fields, actor]);
    });
    return (await this.elders([id])).get(id)!;
  }

  async elders(ids: readonly string[]): Promise<Map<string, ElderRecord>> {
    return ELDERS.byIds(this.sql, ids);
  }

  async elderByIdNumber(idNumber: string): Promise<ElderRecord | null> {
    const parsed = parseIdNumber(idNumber, 'idNumber');
    const rows = await this.sql.query<ElderRecord>(`select ${ELDER} from registry.elder e where e.id_hash = $1`, [this.pii.idHash(parsed.value)]);
    return rows[0] ?? null;
  }

  async listElders(filter: ElderFilter, page: Page): Promise<ElderRecord[]> {
    return ELDERS.page(this.sql, elderWhere(filter), page);
  }

  async countElders(filter: ElderFilter): Promise<number> {
    return ELDERS.count(this.sql, elderWhere(filter));
  }

  /** Is the registry empty (demo data is generated only then)? */
  async isEmpty(): Promise<boolean> {
    const rows = await this.sql.query(`select 1 from registry.elder limit 1`);
    return rows.length === 0;
  }
}

/** Household or residence village inside the scope prefix (either jurisdiction sees the elder). */
function livesOrIsRegisteredIn(prefix: string): SqlFragment {
  const p = param(prefix);
  return sql`(${inScope('e.hukou_village_code', p)} or ${inScope('e.residence_village_code', p)})`;
}

function elderWhere(filter: ElderFilter): SqlFragment {
  const where = [livesOrIsRegisteredIn(filter.scopePrefix)];
  if (filter.within) where.push(livesOrIsRegisteredIn(scopePrefixOf(filter.within)));
  if (filter.sex) where.push(sql`e.sex = ${filter.sex}`);
  if (filter.minAge != null || filter.maxAge != null) {
    // The rule of Elder.age, once (derived.ts): the born only, whatever the bounds — no one is aged 0 before their birth.
    const { bornFrom, bornTo } = birthRangeOfAges(filter.asOf, filter.minAge ?? null, filter.maxAge ?? null);
    where.push(sql`e.birth_date <= ${bornTo}::date`);
    if (bornFrom) where.push(sql`e.birth_date >= ${bornFrom}::date`);
    // …and the living: one who died before asOf is 79 for ever, and in no age band.
    where.push(sql`not exists (select 1 from (select v.status, v.death_date from registry.vital_event v where v.elder_id = e.id order by v.id desc limit 1) latest
      where latest.status = 'DECEASED' and latest.death_date <= ${param(filter.asOf)}::date)`);
  }
  if (filter.category) {
    const asOf = param(filter.asOf);
    where.push(sql`exists (select 1 from registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id
      where m.elder_id = e.id and m.category = ${filter.category} and m.valid_from <= ${asOf}::date
        and coalesce(least(x.ended_on, m.valid_to), x.ended_on, m.valid_to, 'infinity') >= ${asOf}::date)`);
  }
  if (filter.vitalStatus) {
    const latest = `(select v.status from registry.vital_event v where v.elder_id = e.id order by v.id desc limit 1)`;
    where.push(raw(filter.vitalStatus === 'DECEASED' ? `${latest} = 'DECEASED'` : `coalesce(${latest}, 'ALIVE') = 'ALIVE'`));
  }
  return join(where, ' and ');
}
