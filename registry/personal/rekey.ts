/** Key rotation (换钥): after a new key is put first in SUNSHINE_PII_KEY, re-seal what older keys sealed. */
import type { PersonalStore } from './unmask.js';

/**
 * Key rotation: re-encrypts every personal value sealed with a key other than the current one
 * (SUNSHINE_PII_KEY's first key), in batches, each batch one transaction. The look-up hash is
 * untouched (its key is separate). Returns how many rows were re-sealed per table.
 */
export async function reencrypt(store: PersonalStore, batchSize = 2000, onBatch?: (table: string, done: number) => void): Promise<{ elders: number; caregivers: number }> {
  const current = store.pii.currentKeyId;
  const done = { elders: 0, caregivers: 0 };
  for (;;) {
    const n = await store.tx(async (client) => {
      const rows = (
        await client.query<{ id: string; id_enc: Buffer; name_enc: Buffer; phone_enc: Buffer | null; key_id: string }>(
          `select id::text, id_enc, name_enc, phone_enc, key_id from registry.elder where key_id <> $1 order by id limit $2 for update`,
          [current, batchSize],
        )
      ).rows;
      for (const r of rows) {
        const reseal = (sealed: Buffer, field: string) => store.pii.encrypt(store.pii.decrypt(sealed, r.key_id, field), field);
        await client.query(`update registry.elder set id_enc = $2, name_enc = $3, phone_enc = $4, key_id = $5 where id = $1`, [
          r.id, reseal(r.id_enc, 'elder.id_number'), reseal(r.name_enc, 'elder.name'), r.phone_enc ? reseal(r.phone_enc, 'elder.phone') : null, current,
        ]);
      }
      return rows.length;
    });
    done.elders += n;
    onBatch?.('elder', done.elders);
    if (n < batchSize) break;
  }
  for (;;) {
    const n = await store.tx(async (client) => {
      const rows = (
        await client.query<{ id: string; name_enc: Buffer; key_id: string }>(
          `select id::text, name_enc, key_id from registry.caregiver where key_id <> $1 order by id limit $2 for update`,
          [current, batchSize],
        )
      ).rows;
      for (const r of rows) {
        await client.query(`update registry.caregiver set name_enc = $2, key_id = $3 where id = $1`, [
          r.id, store.pii.encrypt(store.pii.decrypt(r.name_enc, r.key_id, 'caregiver.name'), 'caregiver.name'), current,
        ]);
      }
      return rows.length;
    });
    done.caregivers += n;
    onBatch?.('caregiver', done.caregivers);
    if (n < batchSize) break;
  }
  return done;
}
