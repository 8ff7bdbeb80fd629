/**
 * The demo population of `npm start` (docs/registry.md "Demo population"): a realistic registry for
 * the demo city, generated deterministically from a seed — the same seed gives the same people,
 * facilities, stays and services (only the ciphertexts differ: each encryption draws a fresh IV).
 *
 * Sized like the real city (徐州: 216 institutions, 1,632 community nodes; every village with its
 * elders): about 20 elders per village, so ~56,000 for 徐州's 2,812 villages. Valid ID numbers with the
 * village's county as address code and correct check characters. Written in one transaction, in
 * multi-row batches, as the application role. Runs only when the registry is empty.
 */
import type pg from 'pg';
import { AS_APP_ROLE, inTransaction } from '../platform/sql.js';
import { makeIdNumber, type Sex } from '../platform/id-number.js';
import { scoreAssessment, ITEMS } from '../registry/assessment.js';
import type { RegistryService } from '../registry/registry.js';
import { maskName } from '../registry/personal/pii.js';
import { insertElders, type InsertedElder } from '../registry/elders/writer.js';

export interface DemoOptions {
  seed?: number;
  /** Regions whose villages get elders, e.g. "3203". */
  cityPrefix: string;
  /** Average elders per village. */
  eldersPerVillage?: number;
  /** Reference date of the generated history (YYYY-MM-DD). */
  today?: string;
  onStage?: (stage: string) => void;
}

export interface DemoReport {
  elders: number;
  categories: number;
  vitalEvents: number;
  assessments: number;
  facilities: number;
  ratings: number;
  bedInventories: number;
  caregivers: number;
  assignments: number;
  stays: number;
  serviceRecords: number;
  durationMs: number;
}

/** mulberry32: small, fast, good enough for demo data, and deterministic. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}

const SURNAMES = [...'王李张刘陈杨黄赵周吴徐孙朱马胡郭林何高梁郑罗宋谢唐韩曹许邓冯曾程蔡彭潘袁于董余苏叶吕魏蒋田杜丁沈姜范江傅钟卢汪戴崔任陆廖姚方金邱夏谭贾邹石熊孟秦薛侯雷白龙段郝孔邵史毛常万顾武康贺严尹钱施牛洪龚'];
const MALE_CHARS = [...'建国德福长顺志强明华文斌永庆振海宝山春生玉林树成广发家兴立新俊峰学军荣贵富金'];
const FEMALE_CHARS = [...'秀英兰芳桂珍玉梅凤霞淑华丽娟翠莲琴云月红爱萍美荣素兰菊芬巧'];
const COMPOUND = ['欧阳', '司马', '诸葛', '上官'];

function personName(r: ReturnType<typeof prng>, sex: Sex): string {
  const surname = r.chance(0.01) ? r.pick(COMPOUND) : r.pick(SURNAMES);
  const chars = sex === 'MALE' ? MALE_CHARS : FEMALE_CHARS;
  return surname + r.pick(chars) + (r.chance(0.8) ? r.pick(chars) : '');
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function dateFrom(r: ReturnType<typeof prng>, fromYear: number, toDate: string): string {
  const lo = Date.UTC(fromYear, 0, 1);
  const hi = Date.parse(`${toDate}T00:00:00Z`);
  return new Date(lo + Math.floor(r.next() * (hi - lo) / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
}

const CATEGORY_RATES: [string, number][] = [
  ['EXTREME_HARDSHIP', 0.015], ['DIBAO', 0.04], ['NEAR_DIBAO', 0.02], ['CHILDLESS_WIDOWED', 0.03], ['LOST_ONLY_CHILD', 0.008],
  ['LIVING_ALONE', 0.12], ['EMPTY_NEST', 0.25], ['DISABILITY_CERTIFIED', 0.06], ['ENTITLED_VETERAN', 0.015],
];

interface Village { code: string; town: string; county: string }

/** Runs `sql` with one array parameter per column, in chunks. */
/** Rows per insert statement (bounds the size of one statement's arrays). */
const INSERT_CHUNK = 5000;

async function insertColumns(client: pg.PoolClient, sql: string, columns: unknown[][], chunk = INSERT_CHUNK): Promise<pg.QueryResult[]> {
  const results: pg.QueryResult[] = [];
  const n = columns[0]?.length ?? 0;
  for (let i = 0; i < n; i += chunk) results.push(await client.query(sql, columns.map((c) => c.slice(i, i + chunk))));
  return results;
}

export async function generateDemoRegistry(pool: pg.Pool, registry: RegistryService, options: DemoOptions): Promise<DemoReport> {
  const started = performance.now();
  const r = prng(options.seed ?? 20261123);
  const today = options.today ?? '2026-11-01';
  const year = Number(today.slice(0, 4));
  const perVillage = options.eldersPerVillage ?? 20;
  const stage = options.onStage ?? (() => {});
  const report: DemoReport = { elders: 0, categories: 0, vitalEvents: 0, assessments: 0, facilities: 0, ratings: 0, bedInventories: 0, caregivers: 0, assignments: 0, stays: 0, serviceRecords: 0, durationMs: 0 };

  await inTransaction(
    pool,
    async (client) => {
      const villages = (
        await client.query<{ code: string; town: string }>(
          `select code, parent_code as town from region where level = 'VILLAGE' and code between $1 and rpad($1, 12, '9') order by code`,
          [options.cityPrefix],
        )
      ).rows.map((v): Village => ({ ...v, county: v.code.slice(0, 6) + '000000' }));
      if (!villages.length) throw new Error(`no villages under ${options.cityPrefix}: import the regions first`);
      const byTown = new Map<string, Village[]>();
      for (const v of villages) byTown.set(v.town, [...(byTown.get(v.town) ?? []), v]);

      // ---- elders ----
      stage('elders');
      interface E { hash: Buffer; sex: Sex; birth: string; village: Village; residence: string; id?: string; age: number }
      const elders: E[] = [];
      const rows: ReturnType<RegistryService['elderRow']>[] = [];
      const sequences = new Map<string, number>();
      for (const village of villages) {
        const count = Math.max(3, Math.round(perVillage * (0.4 + r.next() * 1.2)));
        for (let i = 0; i < count; i++) {
          const sex: Sex = r.chance(0.52) ? 'FEMALE' : 'MALE';
          const u = r.next();
          const age = u < 0.55 ? r.int(60, 69) : u < 0.85 ? r.int(70, 79) : u < 0.97 ? r.int(80, 89) : u < 0.997 ? r.int(90, 99) : r.int(100, 106);
          const birth = `${year - age - (r.chance(0.85) ? 0 : 1)}-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}`;
          const address = village.code.slice(0, 6);
          const key = address + birth;
          const seq = (sequences.get(key) ?? r.int(0, 400)) + 2;
          sequences.set(key, seq);
          const idNumber = makeIdNumber(address, birth, seq, sex);
          const residence = r.chance(0.92) ? village.code : r.pick(byTown.get(village.town)!).code;
          const phone = r.chance(0.7) ? `1${r.pick(['38', '39', '50', '51', '52', '58', '59', '80', '87', '88', '35', '36'])}${pad(r.int(0, 99999999), 8)}` : null;
          const prepared = {
            id: { value: idNumber, converted: false, birthDate: birth, sex, addressCode: address },
            name: personName(r, sex),
            hukou: village.code,
            residence,
            phone,
            sex,
            birthDate: birth,
          };
          const row = registry.elderRow(prepared);
          rows.push(row);
          elders.push({ hash: row.idHash, sex, birth, village, residence, age });
        }
      }
      const inserted: InsertedElder[] = [];
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const chunk = elders.slice(i, i + INSERT_CHUNK).map((e, j) => ({ row: rows[i + j]!, sex: e.sex, birthDate: e.birth, hukouVillageCode: e.village.code, residenceVillageCode: e.residence }));
        inserted.push(...(await insertElders(client, chunk, 'demo-generator')));
      }
      const idByHash = new Map(inserted.map((row) => [row.idHash.toString('hex'), row.id] as const));
      for (const e of elders) e.id = idByHash.get(e.hash.toString('hex'))!;
      report.elders = elders.length;

      // ---- categories and vital status (deaths decided first: nothing happens to anyone after their death) ----
      stage('categories and vital status');
      const deceased = elders.filter((e) => r.chance(0.02 + Math.max(0, e.age - 80) * 0.004));
      const deathDates = deceased.map(() => dateFrom(r, year - 2, today));
      const deathOf = new Map(deceased.map((e, i) => [e.id!, deathDates[i]!]));
      const cat: { e: string[]; c: string[]; f: string[] } = { e: [], c: [], f: [] };
      const categoriesOf = new Map<string, string[]>();
      for (const e of elders) {
        for (const [code, rate] of CATEGORY_RATES) {
          if (!r.chance(rate)) continue;
          const from = dateFrom(r, 2015, today);
          if (deathOf.has(e.id!) && from >= deathOf.get(e.id!)!) continue;
          cat.e.push(e.id!);
          cat.c.push(code);
          cat.f.push(from);
          categoriesOf.set(e.id!, [...(categoriesOf.get(e.id!) ?? []), code]);
        }
      }
      const memberships = await insertColumns(
        client,
        `insert into registry.category_membership (elder_id, category, valid_from, source_system, recorded_by)
         select e, c, f, 'demo', 'demo-generator' from unnest($1::bigint[], $2::text[], $3::date[]) t (e, c, f) returning id::text, valid_from::text`,
        [cat.e, cat.c, cat.f],
      );
      report.categories = cat.e.length;
      const ended = memberships.flatMap((res) => res.rows as { id: string; valid_from: string }[]).filter(() => r.chance(0.08));
      for (let i = 0; i < ended.length; i += 5000) {
        const part = ended.slice(i, i + 5000);
        await client.query(
          `insert into registry.category_membership_end (membership_id, ended_on, reason, recorded_by)
           select m, least($3::date, f + 365), '复核不再符合条件', 'demo-generator' from unnest($1::bigint[], $2::date[]) t (m, f)`,
          [part.map((m) => m.id), part.map((m) => m.valid_from), today],
        );
      }
      await insertColumns(
        client,
        `insert into registry.vital_event (elder_id, status, death_date, source, recorded_by)
         select e, 'DECEASED', d, s, 'demo-generator' from unnest($1::bigint[], $2::date[], $3::text[]) t (e, d, s)`,
        [deceased.map((e) => e.id), deathDates, deceased.map(() => r.pick(['HOUSEHOLD_REGISTER', 'CREMATION', 'VILLAGE_REPORT', 'DEATH_CERTIFICATE']))],
      );
      report.vitalEvents = deceased.length;
      const dead = new Set(deceased.map((e) => e.id));

      // ---- assessments ----
      stage('assessments');
      const as: unknown[][] = Array.from({ length: 16 }, () => []);
      for (const e of elders) {
        const cats = categoriesOf.get(e.id!) ?? [];
        const p = e.age >= 80 || cats.includes('DISABILITY_CERTIFIED') || cats.includes('EXTREME_HARDSHIP') ? 0.6 : 0.12;
        if (!r.chance(p)) continue;
        const rounds = r.chance(0.3) ? 2 : 1;
        let frailty = Math.min(0.95, Math.max(0, (e.age - 60) / 50 + (r.next() - 0.5) * 0.4));
        for (let k = 0; k < rounds; k++) {
          const items = Object.fromEntries(ITEMS.map((item) => [item.code, Math.max(0, Math.min(item.max, Math.round(item.max * (1 - frailty) + (r.next() - 0.5) * 1.5)))]));
          if (items['B3.9'] === 0 && !r.chance(0.1)) items['B3.9'] = 1;
          const diagnoses = r.chance(frailty * 0.25) ? [r.pick(['F00.1', 'F01.9', 'F03'])] : r.chance(0.3) ? [r.pick(['I10', 'E11.9', 'I63.9', 'M17.9'])] : [];
          const riskEventCount = r.chance(frailty * 0.3) ? r.int(1, 3) : 0;
          const s = scoreAssessment({ items, diagnoses, riskEventCount });
          const assessedOn = k === 0 ? dateFrom(r, year - 3, `${year - 1}-06-30`) : dateFrom(r, year - 1, today);
          if (deathOf.has(e.id!) && assessedOn >= deathOf.get(e.id!)!) break;
          const validUntil = `${Number(assessedOn.slice(0, 4)) + 1}${assessedOn.slice(4, 10) === '-02-29' ? '-02-28' : assessedOn.slice(4)}`;
          [e.id, assessedOn, k === 0 ? 'FIRST' : 'ROUTINE', JSON.stringify(s.items), s.dimensions.selfCare, s.dimensions.mobility, s.dimensions.mentalState,
            s.dimensions.perceptionSocial, s.total, s.preliminaryLevel, `{${s.adjustments.join(',')}}`, s.finalLevel, `{${diagnoses.join(',')}}`, riskEventCount, validUntil, `${e.village.county.slice(0, 6)}评估站`].forEach((v, i) => as[i]!.push(v));
          frailty = Math.min(0.95, frailty + r.next() * 0.15);
        }
      }
      await insertColumns(
        client,
        `insert into registry.assessment (elder_id, assessed_on, reason, items, self_care, mobility, mental_state, perception_social, total,
           preliminary_level, adjustments, final_level, diagnoses, risk_event_count, valid_until, agency, recorded_by)
         select a, b, c, d::jsonb, e, f, g, h, i, j, k::text[], l, m::text[], n, o, p, 'demo-generator'
         from unnest($1::bigint[], $2::date[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[], $10::int[], $11::text[], $12::int[], $13::text[], $14::int[], $15::date[], $16::text[])
           as t (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)`,
        as,
      );
      report.assessments = as[0]!.length;

      // ---- facilities ----
      stage('facilities');
      interface F { name: string; type: string; village: Village; model: string; operator: string | null; since: string; beds: number; id?: string }
      const facilities: F[] = [];
      const towns = [...byTown.keys()];
      const townName = new Map((await client.query<{ code: string; name: string }>(`select code, name from region where code = any($1::text[])`, [towns])).rows.map((t) => [t.code, t.name]));
      const villageName = new Map((await client.query<{ code: string; name: string }>(`select code, name from region where code = any($1::text[])`, [villages.map((v) => v.code)])).rows.map((t) => [t.code, t.name]));
      const operators = ['徐州颐养养老服务有限公司', '江苏康乐养老集团', '徐州市福寿康养老服务中心', '淮海幸福家养老服务有限公司', '徐州国投康养产业公司'];
      for (const town of towns) {
        const vs = byTown.get(town)!;
        const tname = townName.get(town) ?? town;
        const central = vs[0]!;
        const regional = r.chance(0.2);
        facilities.push({
          name: regional ? `${tname}区域性养老服务中心` : `${tname}敬老院`,
          type: regional ? 'REGIONAL_CARE_CENTRE' : 'RURAL_WELFARE_HOME',
          village: central,
          model: regional ? 'PUBLIC_BUILT_PRIVATE_RUN' : r.pick(['PUBLIC_BUILT_PUBLIC_RUN', 'PUBLIC_BUILT_PRIVATE_RUN']),
          operator: regional ? r.pick(operators) : `${tname}人民政府`,
          since: dateFrom(r, 2005, '2022-12-31'),
          beds: regional ? r.int(300, 360) : r.int(40, 120),
        });
        if (r.chance(0.15)) facilities.push({ name: `${tname}康养院`, type: 'ELDERLY_CARE_INSTITUTION', village: r.pick(vs), model: r.pick(['PRIVATE_NONPROFIT', 'PRIVATE_FORPROFIT']), operator: r.pick(operators), since: dateFrom(r, 2012, '2024-12-31'), beds: r.int(60, 200) });
        if (r.chance(0.8)) facilities.push({ name: `${tname}日间照料中心`, type: 'DAY_CARE_CENTRE', village: central, model: 'PUBLIC_BUILT_PRIVATE_RUN', operator: r.pick(operators), since: dateFrom(r, 2016, '2025-06-30'), beds: 0 });
        for (const v of vs) {
          if (r.chance(0.55)) facilities.push({ name: `${villageName.get(v.code) ?? v.code}养老服务站`, type: 'COMMUNITY_NODE', village: v, model: r.chance(0.7) ? 'PUBLIC_BUILT_PRIVATE_RUN' : 'PUBLIC_BUILT_PUBLIC_RUN', operator: r.chance(0.7) ? r.pick(operators) : null, since: dateFrom(r, 2018, '2026-06-30'), beds: 0 });
          if (r.chance(0.12)) facilities.push({ name: `${villageName.get(v.code) ?? v.code}老年助餐点`, type: 'MEAL_POINT', village: v, model: 'PUBLIC_BUILT_PRIVATE_RUN', operator: r.pick(operators), since: dateFrom(r, 2020, '2026-06-30'), beds: 0 });
        }
      }
      const fres = await insertColumns(
        client,
        `insert into registry.facility (name, type, village_code, operating_model, operator_name, status, operating_since, created_by, updated_by)
         select n, t, v, m, o, 'OPERATING', s, 'demo-generator', 'demo-generator' from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[]) x (n, t, v, m, o, s)
         returning id::text, village_code, name`,
        [facilities.map((f) => f.name), facilities.map((f) => f.type), facilities.map((f) => f.village.code), facilities.map((f) => f.model), facilities.map((f) => f.operator), facilities.map((f) => f.since)],
      );
      const fid = new Map(fres.flatMap((res) => res.rows.map((row: { id: string; village_code: string; name: string }) => [`${row.village_code}|${row.name}`, row.id] as const)));
      for (const f of facilities) f.id = fid.get(`${f.village.code}|${f.name}`)!;
      report.facilities = facilities.length;
      const residential = facilities.filter((f) => f.beds > 0);

      // ---- ratings and beds ----
      const rated = residential.filter(() => r.chance(0.7));
      const ratingLevel = rated.map((f) => (f.type === 'REGIONAL_CARE_CENTRE' ? r.int(3, 5) : r.int(1, 4)));
      const ratedOn = rated.map(() => dateFrom(r, year - 3, `${year}-06-30`));
      await insertColumns(
        client,
        `insert into registry.facility_rating (facility_id, level, rated_on, valid_until, certificate_no, recorded_by)
         select f, l, d, (d + interval '3 years' - interval '1 day')::date, c, 'demo-generator' from unnest($1::bigint[], $2::int[], $3::date[], $4::text[]) t (f, l, d, c)`,
        [rated.map((f) => f.id), ratingLevel, ratedOn, rated.map((_, i) => `徐民评〔${ratedOn[i]!.slice(0, 4)}〕${i + 1}号`)],
      );
      report.ratings = rated.length;
      const occupancy = new Map<string, number>();
      const bedCols: unknown[][] = Array.from({ length: 7 }, () => []);
      for (const f of residential) {
        const occupied = Math.round(f.beds * (0.45 + r.next() * 0.35));
        occupancy.set(f.id!, occupied);
        for (const [asOf, factor] of [[`${year - 1}-01-01`, 0.9], [`${year}-01-01`, 1]] as const) {
          const actual = Math.round(f.beds * (factor === 1 ? 1 : 0.95));
          const nursing = f.type === 'REGIONAL_CARE_CENTRE' ? actual : Math.round(actual * 0.5);
          [f.id, asOf, f.beds, actual, nursing, Math.round(actual * (f.type === 'REGIONAL_CARE_CENTRE' ? 0.5 : 0.3)), Math.min(actual, Math.round(occupied * factor))].forEach((v, i) => bedCols[i]!.push(v));
        }
      }
      await insertColumns(
        client,
        `insert into registry.bed_inventory (facility_id, as_of, approved, actual, nursing, inclusive, occupied, source, recorded_by)
         select f, d, a, c, n, i, o, 'REGISTRATION', 'demo-generator' from unnest($1::bigint[], $2::date[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[]) t (f, d, a, c, n, i, o)`,
        bedCols,
      );
      report.bedInventories = bedCols[0]!.length;

      // ---- stays: residents from the facility's county, the oldest and frailest first ----
      stage('stays');
      const byCounty = new Map<string, E[]>();
      for (const e of elders) if (e.age >= 70) byCounty.set(e.village.county, [...(byCounty.get(e.village.county) ?? []), e]);
      for (const list of byCounty.values()) list.sort((a, b) => b.age - a.age || (a.id! < b.id! ? -1 : 1));
      const taken = new Set<string>();
      const stayCols: unknown[][] = Array.from({ length: 6 }, () => []);
      const residents = new Map<string, number>();
      for (const f of residential) {
        const pool = byCounty.get(f.village.county) ?? [];
        let want = occupancy.get(f.id!) ?? 0;
        let n = 0;
        for (const e of pool) {
          if (want === 0) break;
          if (taken.has(e.id!) || !r.chance(0.35)) continue;
          taken.add(e.id!);
          const death = deathOf.get(e.id!) ?? null;
          const admitted = dateFrom(r, 2018, death ?? today);
          const discharged = death ?? (r.chance(0.06) ? dateFrom(r, Number(admitted.slice(0, 4)) + 1, `${year + 1}-01-01`) : null);
          if (discharged && discharged <= admitted) continue;
          const cats = categoriesOf.get(e.id!) ?? [];
          [e.id, f.id, admitted, discharged && discharged <= today ? discharged : null, `${String.fromCharCode(65 + (n % 4))}-${100 + n}`, cats.includes('EXTREME_HARDSHIP') ? 'HARDSHIP_CENTRALISED' : r.chance(0.2) ? 'INCLUSIVE_DISCOUNT' : 'SELF_PAY'].forEach((v, i) => stayCols[i]!.push(v));
          want--;
          n++;
        }
        residents.set(f.id!, n);
      }
      await insertColumns(
        client,
        `insert into registry.stay (elder_id, facility_id, admitted_on, discharged_on, bed_code, funding_mode, recorded_by, discharged_by)
         select e, f, a, d, b, m, 'demo-generator', case when d is null then null else 'demo-generator' end
         from unnest($1::bigint[], $2::bigint[], $3::date[], $4::date[], $5::text[], $6::text[]) t (e, f, a, d, b, m)`,
        stayCols,
      );
      report.stays = stayCols[0]!.length;

      // ---- caregivers and monthly assignments (most facilities near 1:10, some below) ----
      stage('caregivers');
      const cg: { region: string[]; cert: (string | null)[]; level: (string | null)[]; facility: string[] } = { region: [], cert: [], level: [], facility: [] };
      const cgRows: { enc: Buffer; masked: string; keyId: string }[] = [];
      for (const f of residential) {
        const n = residents.get(f.id!) ?? 0;
        const certifiedWanted = Math.ceil(n / 10) - (r.chance(0.25) ? r.int(1, 2) : 0);
        const total = Math.max(1, Math.ceil(n / 7));
        for (let i = 0; i < total; i++) {
          const sex: Sex = r.chance(0.8) ? 'FEMALE' : 'MALE';
          const name = personName(r, sex);
          const certified = i < certifiedWanted;
          cgRows.push({ enc: registry.pii.encrypt(name, 'caregiver.name'), masked: maskName(name), keyId: registry.pii.currentKeyId });
          cg.region.push(f.village.county);
          cg.cert.push(certified ? `HL${f.village.county.slice(0, 6)}${pad(cgRows.length, 6)}` : null);
          cg.level.push(certified ? r.pick(['JUNIOR', 'INTERMEDIATE', 'SENIOR']) : null);
          cg.facility.push(f.id!);
        }
      }
      const cgIds = (
        await insertColumns(
          client,
          `insert into registry.caregiver (name_enc, name_masked, key_id, region_code, certificate_no, certificate_level, created_by, updated_by)
           select e, m, k, r, c, l, 'demo-generator', 'demo-generator' from unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) with ordinality t (e, m, k, r, c, l, o)
           order by o returning id::text`,
          [cgRows.map((c) => c.enc), cgRows.map((c) => c.masked), cgRows.map((c) => c.keyId), cg.region, cg.cert, cg.level],
        )
      ).flatMap((res) => res.rows.map((row: { id: string }) => row.id));
      report.caregivers = cgIds.length;
      const asg: unknown[][] = [[], [], [], []];
      const lastMonth = Number(today.slice(5, 7));
      cgIds.forEach((id, i) => {
        for (let m = 1; m <= lastMonth; m++) [id, cg.facility[i], `${year}-${pad(m)}-01`, cg.cert[i] != null].forEach((v, k) => asg[k]!.push(v));
      });
      await insertColumns(
        client,
        `insert into registry.staff_assignment (caregiver_id, facility_id, month, role, certified, recorded_by)
         select c, f, m, 'CAREGIVER', x, 'demo-generator' from unnest($1::bigint[], $2::bigint[], $3::date[], $4::boolean[]) t (c, f, m, x)`,
        asg,
      );
      report.assignments = asg[0]!.length;

      // ---- service records: community nodes and meal points serve elders of their village ----
      stage('service records');
      const providers = new Map<string, F[]>();
      for (const f of facilities) if (f.type === 'COMMUNITY_NODE' || f.type === 'MEAL_POINT' || f.type === 'DAY_CARE_CENTRE') providers.set(f.village.code, [...(providers.get(f.village.code) ?? []), f]);
      const townProviders = new Map<string, F[]>();
      for (const f of facilities) if (f.type === 'DAY_CARE_CENTRE') townProviders.set(f.village.town, [...(townProviders.get(f.village.town) ?? []), f]);
      const sr: unknown[][] = Array.from({ length: 7 }, () => []);
      const types = ['MEAL', 'MEAL', 'MEAL', 'BATH', 'CLEAN', 'MEDICAL', 'MOBILITY', 'EMERGENCY', 'VISIT'];
      const tsStart = Date.parse(`${year}-01-01T00:00:00+08:00`);
      const tsEnd = Date.parse(`${today}T00:00:00+08:00`);
      for (const e of elders) {
        if (dead.has(e.id!) || taken.has(e.id!) || !r.chance(e.age >= 70 ? 0.45 : 0.15)) continue;
        const near = providers.get(e.residence) ?? townProviders.get(e.residence.slice(0, 9) + '000') ?? [];
        if (!near.length) continue;
        const n = r.int(1, 4);
        for (let k = 0; k < n; k++) {
          const f = r.pick(near);
          const type = f.type === 'MEAL_POINT' ? 'MEAL' : r.pick(types);
          const start = tsStart + Math.floor(r.next() * (tsEnd - tsStart) / 60_000) * 60_000;
          [e.id, f.id, type, e.residence, new Date(start).toISOString(), r.chance(0.7), type === 'MEAL' ? 800 : r.int(20, 80) * 100].forEach((v, i) => sr[i]!.push(v));
        }
      }
      await insertColumns(
        client,
        `insert into registry.service_record (elder_id, facility_id, service_type, village_code, started_at, ended_at, subsidised, unit_price_fen, recorded_by)
         select e, f, t, v, s, s + interval '1 hour', x, p, 'demo-generator' from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[], $7::bigint[]) t (e, f, t, v, s, x, p)`,
        sr,
      );
      report.serviceRecords = sr[0]!.length;
    },
    AS_APP_ROLE,
  );
  // Statistics for the planner right away (autovacuum would get there, later).
  await pool.query('analyze region');
  await pool.query(
    `analyze registry.elder, registry.category_membership, registry.category_membership_end, registry.vital_event, registry.assessment,
       registry.facility, registry.facility_rating, registry.bed_inventory, registry.caregiver, registry.staff_assignment, registry.stay, registry.service_record`,
  );
  report.durationMs = Math.round(performance.now() - started);
  return report;
}
