/**
 * Personal data in clear (查看明文): the values of elders and caregivers a `personal:unmask` holder
 * asks for with a reason, each record read written to the append-only access log in the same
 * transaction — the log row commits with the read or not at all — under a daily quota per subject.
 * Only records inside the caller's scope are read or logged (registry/access.ts).
 */
import type pg from 'pg';
import { unmaskDailyLimit } from '../../platform/config.js';
import { DomainError } from '../../platform/errors.js';
import { LOCK_CLASS } from '../../platform/locks.js';
import { inScopeSql } from '../access.js';
import type { Actor, ElderClear } from '../types.js';
import * as v from '../validate.js';
import type { Pii } from './pii.js';

/** The personal-data fields of an elder that may be asked for in clear. */
export type PersonalField = 'idNumber' | 'name' | 'phone' | 'birthDate';

/** The transaction runner (as the application role, database errors mapped) and the keys. */
export interface PersonalStore {
  tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  pii: Pii;
}

/**
 * Clear personal values of elders, and one access-log row per elder, in ONE transaction: the
 * log row commits with the read or not at all. Only elders inside the scope are read or logged.
 */
export async function unmaskElders(
store: PersonalStore,
  elderIds: readonly string[],
  fields: readonly PersonalField[],
  reason: string,
  actor: Actor,
  scopePrefix: string,
): Promise<Map<string, Partial<ElderClear>>> {
  const why = v.freeText(reason, 'reason', 500);
  if (!fields.length) throw v.bad('no personal field requested', 'fields');
  const rows = await store.tx(async (client) => {
    await requireUnmaskQuota(client, actor.subject, elderIds.length);
    const result = await client.query<{ id: string; id_enc: Buffer; name_enc: Buffer; phone_enc: Buffer | null; key_id: string; birth_date: string }>(
      `with target as (
         select e.id, e.id_enc, e.name_enc, e.phone_enc, e.key_id, e.birth_date::text as birth_date, e.hukou_village_code,
                nullif(e.residence_village_code, e.hukou_village_code) as residence_village_code
         from registry.elder e
         where e.id = any($1::bigint[]) and (${inScopeSql('e.hukou_village_code', 2)} or ${inScopeSql('e.residence_village_code', 2)})),
       logged as (
         insert into registry.access_log (subject, roles, token_id, reason, entity_type, entity_id, region_code, residence_region_code, fields)
         select $3, $4, $5, $6, 'Elder', t.id, t.hukou_village_code, t.residence_village_code, $7 from target t returning entity_id)
       select t.id::text, t.id_enc, t.name_enc, t.phone_enc, t.key_id, t.birth_date from target t join logged l on l.entity_id = t.id`,
      [elderIds, scopePrefix, actor.subject, [...actor.roles], actor.tokenId, why, [...fields]],
    );
    return result.rows;
  });
  const out = new Map<string, Partial<ElderClear>>();
  for (const row of rows) {
    const clear: Partial<ElderClear> = {};
    if (fields.includes('idNumber')) clear.idNumber = store.pii.decrypt(row.id_enc, row.key_id, 'elder.id_number');
    if (fields.includes('name')) clear.name = store.pii.decrypt(row.name_enc, row.key_id, 'elder.name');
    if (fields.includes('phone')) clear.phone = row.phone_enc ? store.pii.decrypt(row.phone_enc, row.key_id, 'elder.phone') : null;
    if (fields.includes('birthDate')) clear.birthDate = row.birth_date;
    out.set(row.id, clear);
  }
  return out;
}

/**
 * At most SUNSHINE_UNMASK_DAILY_LIMIT (default 2,000) records read in clear per subject in any 24
 * hours, counted from the access log itself; concurrent requests of one subject queue on an
 * advisory lock so the count cannot be raced. Over the limit → RATE_LIMITED, nothing read or logged.
 */
async function requireUnmaskQuota(client: pg.PoolClient, subject: string, wanted: number): Promise<void> {
  const limit = unmaskDailyLimit();
  await client.query(`select pg_advisory_xact_lock($1, hashtext($2))`, [LOCK_CLASS.REGISTRY_UNMASK_QUOTA, subject]);
  const [row] = (
    await client.query<{ n: number }>(`select count(*)::int as n from registry.access_log where subject = $1 and accessed_at > now() - interval '1 day'`, [subject])
  ).rows;
  if ((row?.n ?? 0) + wanted > limit) {
    throw new DomainError('RATE_LIMITED', `personal data of at most ${limit} records per 24 hours may be read in clear (${row?.n ?? 0} already); ask an administrator if more is needed`);
  }
}

export async function unmaskCaregivers(store: PersonalStore, ids: readonly string[], reason: string, actor: Actor, scopePrefix: string): Promise<Map<string, { name: string }>> {
  const why = v.freeText(reason, 'reason', 500);
  const rows = await store.tx(async (client) => {
    await requireUnmaskQuota(client, actor.subject, ids.length);
    const result = await client.query<{ id: string; name_enc: Buffer; key_id: string }>(
      `with target as (
         select c.id, c.name_enc, c.key_id, c.region_code from registry.caregiver c
         where c.id = any($1::bigint[]) and ${inScopeSql('c.region_code', 2)}),
       logged as (
         insert into registry.access_log (subject, roles, token_id, reason, entity_type, entity_id, region_code, fields)
         select $3, $4, $5, $6, 'Caregiver', t.id, t.region_code, '{name}' from target t returning entity_id)
       select t.id::text, t.name_enc, t.key_id from target t join logged l on l.entity_id = t.id`,
      [ids, scopePrefix, actor.subject, [...actor.roles], actor.tokenId, why],
    );
    return result.rows;
  });
  return new Map(rows.map((r) => [r.id, { name: store.pii.decrypt(r.name_enc, r.key_id, 'caregiver.name') }]));
}
