/**
 * The snapshot export against real PostgreSQL: one consistent snapshot under concurrent writes,
 * snapshot + feed with nothing missed and nothing repeated, masking as in the API, the access log,
 * gzip, permissions.
 */
import { toGlobalId } from '../../api/relay.js';
import { authHeader, useXuzhouApi } from '../support/api.js';
import { FENG, FENG_V1, FULL_ITEMS, idNumber, PEI, PEI_V1, registerElder } from '../registry/support.js';
import { exportAs, feedOf } from './support.js';

const live = useXuzhouApi();

async function villagesOf(county: string, n: number): Promise<string[]> {
  const { rows } = await live.db.pool.query(`select code from region where level = 'VILLAGE' and code like $1 order by code limit $2`, [`${county.slice(0, 6)}%`, n]);
  return rows.map((r) => r.code);
}

/** Inserts two facilities per transaction (a pair that must be seen together or not at all), until stopped. */
async function pairWriter(w: number, villages: string[], stop: () => boolean, pairs: string[][]) {
  for (let i = 0; !stop(); i++) {
    const client = await live.db.pool.connect();
    try {
      await client.query('begin');
      const ids: string[] = [];
      for (const half of ['甲', '乙']) {
        const { rows } = await client.query(
          `insert into registry.facility (name, type, village_code, operating_model, status, created_by, updated_by)
           values ($1, 'MEAL_POINT', $2, 'PRIVATE_NONPROFIT', 'OPERATING', 'export-test', 'export-test') returning id::text`,
          [`助餐点 ${w}-${i}${half}`, villages[i % villages.length]],
        );
        ids.push(rows[0].id);
      }
      await client.query('commit');
      pairs.push(ids);
    } finally {
      client.release();
    }
  }
}

describe('the snapshot export', () => {
  test('reads one snapshot while writers commit, and snapshot + feed from its cursor miss nothing and repeat nothing', async () => {
    const villages = await villagesOf(FENG, 10);
    const pairs: string[][] = [];
    let stop = false;
    const writers = Promise.all([0, 1, 2, 3].map((w) => pairWriter(w, villages, () => stop, pairs)));
    const until = async (n: number) => { while (pairs.length < n) await new Promise((resolve) => setTimeout(resolve, 10)); };
    await until(5);
    // Regions first (3 thousand lines) so that the facilities are read well after the snapshot was taken.
    const snapshot = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'regions,facilities');
    await until(pairs.length + 5);
    stop = true;
    await writers;
    expect(snapshot.status).toBe(200);
    expect(snapshot.trailer).toEqual({ end: true, rows: snapshot.rows.length });
    const exported = new Set(snapshot.rows.filter((r) => r.__typename === 'Facility').map((r) => r.id));
    // Each pair committed atomically: a consistent snapshot holds both halves or neither.
    let inSnapshot = 0;
    for (const [a, b] of pairs) {
      expect(exported.has(toGlobalId('Facility', a!))).toBe(exported.has(toGlobalId('Facility', b!)));
      if (exported.has(toGlobalId('Facility', a!))) inSnapshot++;
    }
    expect(inSnapshot).toBeGreaterThan(0);
    expect(inSnapshot).toBeLessThan(pairs.length); // writes landed after the snapshot too
    // The feed from the snapshot's cursor: exactly the facilities the snapshot lacks, once each.
    const { changes } = await feedOf(live.api, 'SYSTEM_CLIENT', FENG).drain(snapshot.header.cursor, ['FACILITY']);
    const fed = changes.map((c) => c.id);
    expect(new Set(fed).size).toBe(fed.length);
    for (const id of fed) expect(exported.has(id)).toBe(false);
    // Every facility written is in exactly one of the two; the feed brings nothing else.
    const all = pairs.flat().map((id) => toGlobalId('Facility', id));
    for (const id of all) expect([id, exported.has(id) !== fed.includes(id)]).toEqual([id, true]);
    expect(fed.filter((id) => !all.includes(id))).toEqual([]);
  });

  test('first line names the snapshot; rows are masked as in the API; health data only with health:read; gzip when asked', async () => {
    const clearName = '司马光明';
    const id = idNumber('1941-02-03', 'FEMALE', FENG.slice(0, 6));
    const elder = await registerElder(live.api, { idNumber: id, name: clearName, hukouVillageCode: FENG_V1, phone: '13912345678' });
    const assessed = await live.api.gql(`mutation ($i: RecordAssessmentInput!) { recordAssessment(input: $i) { id } }`, { i: { elderId: elder.id, assessedOn: '2026-03-01', reason: 'FIRST', items: FULL_ITEMS } });
    expect(assessed.errors).toBeUndefined();

    const plain = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'elders,assessments');
    expect(plain.header).toMatchObject({ types: ['elders', 'assessments'], within: FENG, jurisdiction: FENG });
    expect(plain.header.snapshot).toMatch(/^[0-9]+:[0-9]+:[0-9,]*$/);
    const row = plain.rows.find((r) => r.id === elder.id)!;
    const api = await live.api.as('SYSTEM_CLIENT', FENG).gql(`query ($id: ID!) { elder(id: $id) { id registryNo idNumber name phone sex birthDate birthYear hukouVillageCode residenceVillageCode } }`, { id: elder.id });
    expect(row).toMatchObject(api.data!.elder);
    expect(plain.text).not.toContain(clearName);
    expect(plain.text).not.toContain(id);
    expect(plain.text).not.toContain('13912345678');
    expect(plain.rows.find((r) => r.id === assessed.data!.recordAssessment.id)!.details).toBeNull();
    // The city administrator holds health:read: the same export carries the assessment details.
    const admin = await exportAs(live.api, 'CITY_ADMIN', '320300000000', 'assessments', `?within=${FENG}`);
    expect(admin.rows.find((r) => r.id === assessed.data!.recordAssessment.id)!.details).toMatchObject({ total: expect.any(Number) });

    const zipped = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'elders,assessments', '', { gzip: true });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    expect(zipped.rows).toEqual(plain.rows);
  });

  test('the encoding is negotiated with q-values, and HEAD answers the headers without running (or logging) an export', async () => {
    const base = live.api.url.replace(/\/graphql$/, '');
    const headers = { ...(await authHeader('SYSTEM_CLIENT', FENG)) };
    const refused = await fetch(`${base}/export/v1/facilities`, { headers: { ...headers, 'accept-encoding': 'gzip;q=0, identity' } });
    expect(refused.headers.get('content-encoding')).toBeNull();
    expect((await refused.text()).split('\n')[0]).toMatch(/^\{"snapshot"/);
    const before = (await live.db.pool.query(`select coalesce(max(id), 0) as id from registry.access_log`)).rows[0].id;
    const head = await fetch(`${base}/export/v1/facilities`, { method: 'HEAD', headers });
    expect([head.status, head.headers.get('content-type')]).toEqual([200, 'application/x-ndjson; charset=utf-8']);
    expect((await live.db.pool.query(`select count(*)::int as n from registry.access_log where id > $1`, [before])).rows[0].n).toBe(0);
    expect((await fetch(`${base}/export/v1/nothing`, { method: 'HEAD', headers })).status).toBe(404); // validated as a GET is
  });

  test('every export is written to the access log: subject, types, region and rows', async () => {
    const before = (await live.db.pool.query(`select coalesce(max(id), 0) as id from registry.access_log`)).rows[0].id;
    const town = (await live.db.pool.query(`select code from region where level = 'TOWN' and code like '320321%' order by code limit 1`)).rows[0].code;
    const result = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'facilities', `?within=${town.slice(0, 9)}`);
    expect(result.status).toBe(200);
    const { rows } = await live.db.pool.query(
      `select subject, roles, reason, entity_type, region_code, fields, row_count::int from registry.access_log where id > $1 order by id`,
      [before],
    );
    expect(rows).toEqual([
      expect.objectContaining({ subject: `system_client@${FENG}`, roles: ['SYSTEM_CLIENT'], entity_type: 'Export', region_code: town, fields: ['facilities'], row_count: null }),
      expect.objectContaining({ subject: `system_client@${FENG}`, entity_type: 'Export', region_code: town, fields: ['facilities'], row_count: result.rows.length, reason: expect.stringMatching(/finished$/) }),
    ]);
    // Auditors read them through the API's access log, with the row count.
    const log = await live.api.as('AUDITOR', FENG).gql(`query ($s: String) { accessLog(filter: { subject: $s }, first: 50) { nodes { entityType fields regionCode rowCount reason } } }`, { s: `system_client@${FENG}` });
    expect(log.errors).toBeUndefined();
    expect(log.data!.accessLog.nodes.slice(-2)).toEqual([
      { entityType: 'Export', fields: ['facilities'], regionCode: town, rowCount: null, reason: expect.stringMatching(/started$/) },
      { entityType: 'Export', fields: ['facilities'], regionCode: town, rowCount: result.rows.length, reason: expect.stringMatching(/finished$/) },
    ]);
    // Within a town, only the town's facilities.
    expect(result.rows.every((r) => r.villageCode.startsWith(town.slice(0, 9)))).toBe(true);
  });

  test('permissions and jurisdiction exactly as in the API', async () => {
    const elderB = await registerElder(live.api, { idNumber: idNumber('1943-01-01', 'MALE', PEI.slice(0, 6)), name: '王五', hukouVillageCode: PEI_V1 });
    const feng = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'elders');
    expect(feng.rows.some((r) => r.id === elderB.id)).toBe(false);
    expect(feng.rows.every((r) => r.hukouVillageCode.startsWith('320321') || r.residenceVillageCode.startsWith('320321'))).toBe(true);
    expect((await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'elders', `?within=${PEI}`)).status).toBe(403);
    expect((await exportAs(live.api, 'FINANCE_OFFICER', FENG, 'transactions')).status).toBe(403);
    expect((await exportAs(live.api, 'VILLAGE_VERIFIER', FENG_V1, 'elders')).status).toBe(403);
    expect((await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'secrets')).status).toBe(404);
    const bad = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'elders', '?within=12x');
    expect([bad.status, bad.header.errors[0].extensions]).toEqual([400, { code: 'BAD_USER_INPUT', field: 'within' }]);
    // `within` given twice is refused: it was dropped, and the export widened to the whole county
    const twice = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'elders', `?within=${FENG_V1}&within=${FENG.slice(0, 9)}`);
    expect([twice.status, twice.header.errors[0].extensions]).toEqual([400, { code: 'BAD_USER_INPUT', field: 'within' }]);
    const base = live.api.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/export/v1/elders`)).status).toBe(401);
    expect((await fetch(`${base}/export/v1/elders`, { headers: { authorization: 'Bearer nonsense' } })).status).toBe(401);
    // The region list: the subtree and the regions above it (visible by name), nothing of another county.
    const regions = await exportAs(live.api, 'SYSTEM_CLIENT', FENG, 'regions');
    const codes = regions.rows.map((r) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['320000000000', '320300000000', FENG]));
    expect(codes.filter((c) => !c.startsWith('320321'))).toEqual(['320000000000', '320300000000']);
  });
});
