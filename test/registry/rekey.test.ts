/** Key rotation: rows sealed with an old key are re-encrypted with the current one; look-ups keep working. */
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { RegistryService } from '../../registry/registry.js';
import { parseKeyRing, Pii } from '../../registry/personal/pii.js';
import { FENG, FENG_V1, idNumber, tolerateDropTermination } from './support.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: true });
  tolerateDropTermination(db.pool);
});
afterAll(() => db?.drop());

test('registry:rekey re-seals every value with the new key; the old key can then be dropped', async () => {
  const oldKey = Buffer.alloc(32, 7).toString('base64');
  const newKey = Buffer.alloc(32, 9).toString('base64url');
  const hmacKey = Buffer.alloc(32, 5);
  const before = new RegistryService(db.pool, db.sql, new Pii({ ...parseKeyRing(`old:${oldKey}`), hmacKey }));
  const number = idNumber('1942-02-02');
  const elder = await before.registerElder({ idNumber: number, name: '轮换测试', hukouVillageCode: FENG_V1, phone: '13700001111' }, 'test');
  await before.registerCaregiver({ name: '护理员甲', regionCode: FENG }, 'test');

  // A rotation changes no record: when each was last changed, and the change feed, stay as they were.
  const untouched = async () => (await db.pool.query(
    `select (select jsonb_agg(updated_at order by id) from registry.elder) as elders, (select jsonb_agg(updated_at order by id) from registry.caregiver) as caregivers,
            (select count(*)::int from sync.change) as changes`,
  )).rows[0];
  const beforeRotation = await untouched();
  const rotated = new RegistryService(db.pool, db.sql, new Pii({ ...parseKeyRing(`new:${newKey},old:${oldKey}`), hmacKey }));
  expect(await rotated.reencrypt(1)).toEqual({ elders: 1, caregivers: 1 });
  expect(await untouched()).toEqual(beforeRotation);
  expect(await rotated.reencrypt(1)).toEqual({ elders: 0, caregivers: 0 });
  expect((await db.pool.query(`select distinct key_id from registry.elder union select distinct key_id from registry.caregiver`)).rows).toEqual([{ key_id: 'new' }]);

  const newOnly = new RegistryService(db.pool, db.sql, new Pii({ ...parseKeyRing(`new:${newKey}`), hmacKey }));
  const clear = await newOnly.unmaskElders([elder.id], ['idNumber', 'name', 'phone'], 'key rotation check', { subject: 't', roles: ['AUDITOR'], tokenId: null }, '3203');
  expect(clear.get(elder.id)).toEqual({ idNumber: number, name: '轮换测试', phone: '13700001111' });
  expect((await newOnly.elderByIdNumber(number))?.id).toBe(elder.id);
});

test('changing a name after a key rotation re-seals the whole row with the current key', async () => {
  const oldKey = Buffer.alloc(32, 11).toString('base64');
  const newKey = Buffer.alloc(32, 12).toString('base64');
  const hmacKey = Buffer.alloc(32, 5);
  const before = new RegistryService(db.pool, db.sql, new Pii({ ...parseKeyRing(`a:${oldKey}`), hmacKey }));
  const number = idNumber('1943-03-03');
  const elder = await before.registerElder({ idNumber: number, name: '改名前', hukouVillageCode: FENG_V1, phone: '13600002222' }, 'test');
  const rotated = new RegistryService(db.pool, db.sql, new Pii({ ...parseKeyRing(`b:${newKey},a:${oldKey}`), hmacKey }));
  await rotated.updateElder(elder.id, { name: '改名后' }, 'test');
  const newOnly = new RegistryService(db.pool, db.sql, new Pii({ ...parseKeyRing(`b:${newKey}`), hmacKey }));
  const clear = await newOnly.unmaskElders([elder.id], ['idNumber', 'name', 'phone'], 'after rename', { subject: 't2', roles: ['AUDITOR'], tokenId: null }, '3203');
  expect(clear.get(elder.id)).toEqual({ idNumber: number, name: '改名后', phone: '13600002222' });
});
