/**
 * Bulk import of a county's registry from CSV (docs/registry.md "Bulk import"): elders or facilities.
 *
 * - Every row is validated with the same rules as the API; a bad row is rejected with its line
 *   number and every reason, the good rows are imported.
 * - Idempotent: an elder already registered (same ID number, by its keyed hash) or a facility
 *   already registered (same village and name) is left as it is and counted `unchanged`; its
 *   categories, bed inventory and rating are appended only when that exact fact is not there yet.
 *   Re-running a file imports nothing new.
 * - One transaction as the application role, in multi-row batches: a crash leaves nothing half-done.
 * - The rejected-row report never repeats personal data in clear: ID numbers appear masked.
 */
import fs from 'node:fs';
import type pg from 'pg';
import { AS_APP_ROLE, inTransaction } from '../platform/sql.js';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { DomainError } from '../platform/errors.js';
import { LOCK_CLASS } from '../platform/locks.js';
import type { RegistryService } from './registry.js';
import { maskIdNumber, normalisePhone } from './personal/pii.js';
import { parseIdNumber } from '../platform/id-number.js';
import * as v from './validate.js';
import { insertElders } from './elders/writer.js';

export type ImportKind = 'elders' | 'facilities';

export interface RegistryImportProgress {
  bytesDone: number;
  bytesTotal: number;
  rows: number;
}

export interface RejectedRow {
  line: number;
  /** Masked ID number (elders) or the facility name, to find the row again. */
  key: string;
  reasons: string[];
}

export interface RegistryImportReport {
  kind: ImportKind;
  rows: number;
  inserted: number;
  unchanged: number;
  rejected: number;
  /** Facts appended to existing or new records (categories; bed inventories and ratings). */
  factsAppended: number;
  /** Facts not appended because the elder already holds that category then (elders: a category is held once at a time). */
  factsSkipped: number;
  rejectedRows: RejectedRow[];
  durationMs: number;
}

export interface ImportOptions {
  /** Only rows whose (household) village lies under this region code prefix are accepted. */
  withinPrefix?: string | null;
  actor: string;
  onProgress?: (p: RegistryImportProgress) => void;
  batchSize?: number;
}

export const ELDER_COLUMNS = ['id_number', 'name', 'sex', 'birth_date', 'hukou_village_code', 'residence_village_code', 'phone', 'categories'] as const;
export const FACILITY_COLUMNS = [
  'name', 'type', 'village_code', 'operating_model', 'operator_name', 'uscc', 'status', 'operating_since',
  'beds_as_of', 'approved_beds', 'actual_beds', 'nursing_beds', 'inclusive_beds', 'occupied_beds', 'star_level', 'rated_on', 'rating_valid_until',
] as const;

const SEX: Record<string, 'MALE' | 'FEMALE'> = { 男: 'MALE', 女: 'FEMALE', MALE: 'MALE', FEMALE: 'FEMALE', M: 'MALE', F: 'FEMALE', '1': 'MALE', '2': 'FEMALE' };

type Row = Record<string, string | undefined>;
interface Parsed<T> { line: number; value: T; key: string }

/** Collects every problem of a row instead of stopping at the first. */
class Problems {
  readonly reasons: string[] = [];
  run<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      if (error instanceof DomainError) {
        this.reasons.push(error.field ? `${error.field}: ${error.message}` : error.message);
        return undefined;
      }
      throw error;
    }
  }
  add(reason: string) {
    this.reasons.push(reason);
  }
}

const blank = (s: string | undefined) => s == null || s.trim() === '';

async function* records(file: string, expected: readonly string[], required: readonly string[], onBytes: (n: number) => void): AsyncGenerator<{ line: number; row: Row }> {
  const input = fs.createReadStream(file);
  let bytes = 0;
  input.on('data', (chunk) => {
    bytes += chunk.length;
    onBytes(bytes);
  });
  const parser = input.pipe(parse({ columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }));
  let checkedHeader = false;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Row; info: { lines: number } }>) {
      if (!checkedHeader) {
        checkedHeader = true;
        const missing = required.filter((c) => !(c in record));
        if (missing.length) throw new DomainError('BAD_USER_INPUT', `the CSV header lacks required column(s): ${missing.join(', ')} (expected ${expected.join(',')})`, 'header');
      }
      yield { line: info.lines, row: record };
    }
  } catch (error) {
    // csv-parse's own message quotes the cell it stopped at (an ID or phone number, as like as not):
    // only its code and line go on, to the caller, the terminal and the log.
    const e = error as { code?: unknown; lines?: unknown };
    if (typeof e?.code === 'string' && e.code.startsWith('CSV_')) {
      throw new DomainError('BAD_USER_INPUT', `the CSV cannot be read at line ${typeof e.lines === 'number' ? e.lines : '?'} (${e.code}): fix the file there and import it again`, 'file');
    }
    throw error;
  }
}

interface ElderRow {
  prepared: ReturnType<RegistryService['prepareElder']>;
  categories: { category: string; validFrom: string }[];
}

function parseCategories(text: string | undefined, known: Set<string>, problems: Problems): { category: string; validFrom: string }[] {
  if (blank(text)) return [];
  const out: { category: string; validFrom: string }[] = [];
  for (const part of text!.split(/[;；]/).map((p) => p.trim()).filter(Boolean)) {
    const [code, from] = part.split(/[:：@]/).map((p) => p.trim());
    if (!code || !known.has(code)) {
      problems.add('categories: an unknown category code (see specialCategories)'); // (the cell is not repeated: a shifted column puts personal data here)
      continue;
    }
    const validFrom = problems.run(() => v.isoDate(from, 'categories'));
    if (validFrom) out.push({ category: code, validFrom });
  }
  return out;
}

export async function importRegistryCsv(pool: pg.Pool, registry: RegistryService, kind: ImportKind, file: string, options: ImportOptions): Promise<RegistryImportReport> {
  const started = performance.now();
  const bytesTotal = fs.statSync(file).size;
  const batchSize = options.batchSize ?? 1000;
  const report: RegistryImportReport = { kind, rows: 0, inserted: 0, unchanged: 0, rejected: 0, factsAppended: 0, factsSkipped: 0, rejectedRows: [], durationMs: 0 };
  const reject = (line: number, key: string, reasons: string[]) => {
    report.rejected++;
    report.rejectedRows.push({ line, key, reasons });
  };
  const inScope = (code: string) => !options.withinPrefix || code.startsWith(options.withinPrefix);
  let bytesDone = 0;
  const progress = () => options.onProgress?.({ bytesDone, bytesTotal, rows: report.rows });

  await inTransaction(
    pool,
    async (client) => {
      const known = new Set((await client.query<{ code: string }>(kind === 'elders' ? 'select code from registry.category' : 'select code from registry.facility_type')).rows.map((r) => r.code));

      /** Village codes of a batch that exist. */
      const existingVillages = async (codes: string[]) =>
        new Set((await client.query<{ code: string }>(`select code from region where code = any($1::text[]) and level = 'VILLAGE'`, [[...new Set(codes)]])).rows.map((r) => r.code));

      if (kind === 'elders') {
        const seen = new Map<string, number>();
        let batch: Parsed<ElderRow>[] = [];
        const flush = async () => {
          if (!batch.length) return;
          const villages = await existingVillages(batch.flatMap((b) => [b.value.prepared.hukou, b.value.prepared.residence]));
          const inScopeOnly = batch.filter((b) => {
            const reasons: string[] = [];
            if (!villages.has(b.value.prepared.hukou)) reasons.push('hukou_village_code: no such village');
            if (!villages.has(b.value.prepared.residence)) reasons.push('residence_village_code: no such village');
            if (reasons.length) reject(b.line, b.key, reasons);
            return reasons.length === 0;
          });
          // Only rows not yet registered are encrypted and inserted (the keyed hash is cheap; AES is not free).
          const hashed = inScopeOnly.map((b) => ({ b, hash: registry.pii.idHash(b.value.prepared.id.value) }));
          const stored = new Map(
            (await client.query<{ id_hash: Buffer; hukou: string; residence: string }>(
              `select id_hash, hukou_village_code as hukou, residence_village_code as residence from registry.elder where id_hash = any($1::bytea[])`, [hashed.map((h) => h.hash)],
            )).rows.map((r) => [r.id_hash.toString('hex'), r]),
          );
          // A person registered already is the import's only if the record as stored lies in its scope
          // (the file's villages are not the record's: a 丰县 file appended categories to a 沛县 elder).
          const kept = hashed.filter(({ b, hash }) => {
            const record = stored.get(hash.toString('hex'));
            if (record && !(inScope(record.hukou) || inScope(record.residence))) {
              reject(b.line, b.key, [`id_number: registered already, outside the import scope ${options.withinPrefix}`]);
              return false;
            }
            return true;
          });
          const good = kept.map((k) => k.b);
          const hashes = kept.map((k) => k.hash);
          const fresh = kept.filter((k) => !stored.has(k.hash.toString('hex'))).map((k) => k.b);
          const rows = fresh.map((b) => ({ b, row: registry.elderRow(b.value.prepared) }));
          const inserted = await insertElders(
            client,
            rows.map((r) => ({ row: r.row, sex: r.b.value.prepared.sex, birthDate: r.b.value.prepared.birthDate, hukouVillageCode: r.b.value.prepared.hukou, residenceVillageCode: r.b.value.prepared.residence })),
            options.actor,
            { skipRegistered: true },
          );
          report.inserted += inserted.length;
          report.unchanged += good.length - inserted.length;
          // Categories: for new and existing elders alike, appended only when that (category, valid_from) is not there yet.
          const withCategories = good.map((b, i) => ({ b, hash: hashes[i]! })).filter((r) => r.b.value.categories.length);
          if (withCategories.length) {
            const ids = await client.query<{ id: string; id_hash: Buffer }>(`select id::text, id_hash from registry.elder where id_hash = any($1::bytea[])`, [withCategories.map((r) => r.hash)]);
            const idOf = new Map(ids.rows.map((r) => [r.id_hash.toString('hex'), r.id]));
            const facts = withCategories.flatMap((r) => r.b.value.categories.map((c) => ({ elderId: idOf.get(r.hash.toString('hex'))!, ...c })));
            // A category is never held twice at once, as addElderCategory refuses (the import's
            // memberships are open-ended): per elder and category, the earliest fact that overlaps
            // nothing held is appended, the others are counted as skipped. Under addElderCategory's
            // per-elder locks, taken in one order, so neither can race the other.
            await client.query(`select pg_advisory_xact_lock($1, hashtext(e)) from (select distinct unnest($2::text[]) e order by 1) s`, [LOCK_CLASS.REGISTRY_CATEGORY, facts.map((f) => f.elderId)]);
            const added = await client.query(
              `insert into registry.category_membership (elder_id, category, valid_from, source_system, recorded_by)
               select distinct on (t.e, t.c) t.e, t.c, t.f, 'import', $4 from unnest($1::bigint[], $2::text[], $3::date[]) t (e, c, f)
               where not exists (
                 select from registry.category_membership m left join registry.category_membership_end x on x.membership_id = m.id
                 where m.elder_id = t.e and m.category = t.c
                   and daterange(m.valid_from, coalesce(least(x.ended_on, m.valid_to), x.ended_on, m.valid_to), '[]') && daterange(t.f, null, '[]'))
               order by t.e, t.c, t.f`,
              [facts.map((f) => f.elderId), facts.map((f) => f.category), facts.map((f) => f.validFrom), options.actor],
            );
            report.factsAppended += added.rowCount ?? 0;
            report.factsSkipped += facts.length - (added.rowCount ?? 0);
          }
          batch = [];
        };
        for await (const { line, row } of records(file, ELDER_COLUMNS, ['id_number', 'name', 'hukou_village_code'], (n) => (bytesDone = n))) {
          report.rows++;
          const problems = new Problems();
          const sexText = row.sex?.trim().toUpperCase();
          const sex = blank(sexText) ? null : SEX[sexText!] ?? (problems.add('sex: not 男/女 or MALE/FEMALE'), null);
          // Check each column on its own first, so that a row reports every problem it has.
          problems.run(() => parseIdNumber(row.id_number ?? '', 'id_number'));
          problems.run(() => v.personName(row.name, 'name'));
          problems.run(() => v.villageCode(row.hukou_village_code, 'hukou_village_code'));
          if (!blank(row.residence_village_code)) problems.run(() => v.villageCode(row.residence_village_code, 'residence_village_code'));
          if (!blank(row.phone) && !normalisePhone(row.phone!)) problems.add('phone: not a mainland mobile (11 digits) or landline number');
          const prepared = problems.reasons.length ? undefined : problems.run(() =>
            registry.prepareElder({
              idNumber: row.id_number ?? '',
              name: row.name ?? '',
              sex,
              birthDate: blank(row.birth_date) ? null : row.birth_date,
              hukouVillageCode: row.hukou_village_code ?? '',
              residenceVillageCode: blank(row.residence_village_code) ? null : row.residence_village_code,
              phone: blank(row.phone) ? null : row.phone,
            }),
          );
          const categories = parseCategories(row.categories, known, problems);
          const key = prepared ? maskIdNumber(prepared.id.value) : /^[0-9]{6}/.test(row.id_number ?? '') ? maskIdNumber(row.id_number!.trim()) : '';
          // The rule of every dated event of an elder (registry/store.ts requireBorn), for the file's categories.
          if (prepared && categories.some((c) => c.validFrom < prepared.birthDate)) problems.add('categories: valid from before the birth date');
          if (prepared && !inScope(prepared.hukou)) problems.add(`hukou_village_code: outside the import scope ${options.withinPrefix}`);
          // The residence puts the elder in that county's books too (registry/commands.ts registerElder): a 丰县 file registers no one living in 沛县.
          if (prepared && !inScope(prepared.residence)) problems.add(`residence_village_code: outside the import scope ${options.withinPrefix}`);
          if (prepared) {
            const earlier = seen.get(prepared.id.value);
            if (earlier) problems.add(`id_number: the same person as line ${earlier}`);
            else seen.set(prepared.id.value, line);
          }
          if (problems.reasons.length || !prepared) reject(line, key, problems.reasons);
          else batch.push({ line, key, value: { prepared, categories } });
          if (batch.length >= batchSize) {
            await flush();
            progress();
          }
        }
        await flush();
      } else {
        const seen = new Map<string, number>();
        const seenUscc = new Map<string, number>();
        type FacilityRow = { f: ReturnType<RegistryService['prepareFacility']>; beds: number[] | null; bedsAsOf: string | null; rating: { level: number; ratedOn: string; validUntil: string | null } | null };
        let batch: Parsed<FacilityRow>[] = [];
        const flush = async () => {
          if (!batch.length) return;
          const villages = await existingVillages(batch.map((b) => b.value.f.villageCode));
          // A credit code (uscc) is one facility's: one registered already for another facility is
          // that row's problem (it was a unique violation that failed the whole import).
          const usccs = batch.map((b) => b.value.f.uscc).filter((u): u is string => u != null);
          const usccOwner = new Map(
            (await client.query<{ uscc: string; village_code: string; name: string }>(`select uscc, village_code, name from registry.facility where uscc = any($1::text[])`, [usccs]))
              .rows.map((r) => [r.uscc, `${r.village_code}|${r.name}`]),
          );
          const good = batch.filter((b) => {
            const reasons: string[] = [];
            if (!villages.has(b.value.f.villageCode)) reasons.push('village_code: no such village');
            const owner = b.value.f.uscc == null ? undefined : usccOwner.get(b.value.f.uscc);
            if (owner !== undefined && owner !== `${b.value.f.villageCode}|${b.value.f.name}`) reasons.push('uscc: registered already for another facility');
            if (reasons.length) reject(b.line, b.key, reasons);
            return reasons.length === 0;
          });
          const f = good.map((b) => b.value.f);
          const inserted = await client.query(
            `insert into registry.facility (name, type, village_code, operating_model, operator_name, uscc, status, operating_since, created_by, updated_by)
             select * , $9, $9 from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[])
             on conflict (village_code, name) do nothing`,
            [f.map((x) => x.name), f.map((x) => x.type), f.map((x) => x.villageCode), f.map((x) => x.operatingModel), f.map((x) => x.operatorName), f.map((x) => x.uscc), f.map((x) => x.status), f.map((x) => x.operatingSince), options.actor],
          );
          report.inserted += inserted.rowCount ?? 0;
          report.unchanged += good.length - (inserted.rowCount ?? 0);
          const ids = await client.query<{ id: string; village_code: string; name: string }>(
            `select f.id::text, f.village_code, f.name from registry.facility f join unnest($1::text[], $2::text[]) t (v, n) on f.village_code = t.v and f.name = t.n`,
            [f.map((x) => x.villageCode), f.map((x) => x.name)],
          );
          const idOf = new Map(ids.rows.map((r) => [`${r.village_code}|${r.name}`, r.id]));
          const withBeds = good.filter((b) => b.value.beds);
          if (withBeds.length) {
            const col = (i: number) => withBeds.map((b) => b.value.beds![i]);
            const added = await client.query(
              `insert into registry.bed_inventory (facility_id, as_of, approved, actual, nursing, inclusive, occupied, source, recorded_by)
               select t.f, t.d, t.a, t.c, t.n, t.i, t.o, 'REGISTRATION', $8
               from unnest($1::bigint[], $2::date[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[]) t (f, d, a, c, n, i, o)
               where not exists (select 1 from registry.bed_inventory b where b.facility_id = t.f and b.as_of = t.d)`,
              [withBeds.map((b) => idOf.get(`${b.value.f.villageCode}|${b.value.f.name}`)), withBeds.map((b) => b.value.bedsAsOf), col(0), col(1), col(2), col(3), col(4), options.actor],
            );
            report.factsAppended += added.rowCount ?? 0;
          }
          const rated = good.filter((b) => b.value.rating);
          if (rated.length) {
            const added = await client.query(
              `insert into registry.facility_rating (facility_id, level, rated_on, valid_until, recorded_by)
               select t.f, t.l, t.r, t.u, $5 from unnest($1::bigint[], $2::int[], $3::date[], $4::date[]) t (f, l, r, u)
               where not exists (select 1 from registry.facility_rating x where x.facility_id = t.f and x.rated_on = t.r)`,
              [rated.map((b) => idOf.get(`${b.value.f.villageCode}|${b.value.f.name}`)), rated.map((b) => b.value.rating!.level), rated.map((b) => b.value.rating!.ratedOn), rated.map((b) => b.value.rating!.validUntil), options.actor],
            );
            report.factsAppended += added.rowCount ?? 0;
          }
          batch = [];
        };
        for await (const { line, row } of records(file, FACILITY_COLUMNS, ['name', 'type', 'village_code', 'operating_model'], (n) => (bytesDone = n))) {
          report.rows++;
          const problems = new Problems();
          const f = problems.run(() =>
            registry.prepareFacility({
              name: row.name ?? '',
              type: row.type ?? '',
              villageCode: row.village_code ?? '',
              operatingModel: (row.operating_model ?? '') as never,
              operatorName: row.operator_name,
              uscc: row.uscc,
              status: blank(row.status) ? null : (row.status as never),
              operatingSince: row.operating_since,
            }),
          );
          if (f && !known.has(f.type)) problems.add('type: an unknown facility type (see facilityTypes)');
          if (f?.uscc) {
            const earlier = seenUscc.get(f.uscc);
            if (earlier !== undefined) problems.add(`uscc: the same as line ${earlier}`);
            else seenUscc.set(f.uscc, line);
          }
          if (f && !inScope(f.villageCode)) problems.add(`village_code: outside the import scope ${options.withinPrefix}`);
          let beds: number[] | null = null;
          let bedsAsOf: string | null = null;
          const bedColumns = ['approved_beds', 'actual_beds', 'nursing_beds', 'inclusive_beds', 'occupied_beds'] as const;
          if (bedColumns.some((c) => !blank(row[c]))) {
            bedsAsOf = problems.run(() => v.isoDate(row.beds_as_of, 'beds_as_of')) ?? null;
            const values = bedColumns.map((c) => problems.run(() => v.intRange(blank(row[c]) ? 0 : Number(row[c]), c, 0, 100_000)) ?? 0);
            const [, actual, nursing, inclusive, occupied] = values as [number, number, number, number, number];
            if (nursing > actual) problems.add('nursing_beds: more than actual_beds');
            if (inclusive > actual) problems.add('inclusive_beds: more than actual_beds');
            if (occupied > actual) problems.add('occupied_beds: more than actual_beds');
            beds = values;
          }
          let rating: FacilityRow['rating'] = null;
          if (!blank(row.star_level)) {
            const level = problems.run(() => v.intRange(Number(row.star_level), 'star_level', 1, 5));
            const ratedOn = problems.run(() => v.isoDate(row.rated_on, 'rated_on'));
            const validUntil = problems.run(() => v.optionalDate(row.rating_valid_until, 'rating_valid_until')) ?? null;
            if (validUntil && ratedOn && validUntil <= ratedOn) problems.add('rating_valid_until: must be after rated_on');
            if (level && ratedOn) rating = { level, ratedOn, validUntil };
          }
          const key = (row.name ?? '').slice(0, 60);
          if (f) {
            const k = `${f.villageCode}|${f.name}`;
            const earlier = seen.get(k);
            if (earlier) problems.add(`name: the same facility as line ${earlier}`);
            else seen.set(k, line);
          }
          if (problems.reasons.length || !f) reject(line, key, problems.reasons);
          else batch.push({ line, key, value: { f, beds, bedsAsOf, rating } });
          if (batch.length >= batchSize) {
            await flush();
            progress();
          }
        }
        await flush();
      }
    },
    AS_APP_ROLE,
  );
  // Fresh statistics after a bulk load, so that the next queries are planned for the new sizes
  // (autovacuum would get there, later). As the owner: the application role may not ANALYZE.
  if (report.inserted > 0) {
    await pool.query(kind === 'elders' ? 'analyze registry.elder, registry.category_membership' : 'analyze registry.facility, registry.bed_inventory, registry.facility_rating');
  }
  bytesDone = bytesTotal;
  progress();
  report.rejectedRows.sort((a, b) => a.line - b.line);
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

/** The rejected-row report: line, key (masked ID number or facility name), reasons. */
export function rejectedRowsCsv(report: RegistryImportReport): string {
  return stringify([['line', 'key', 'reasons'], ...report.rejectedRows.map((r) => [r.line, r.key, r.reasons.join('; ')])]);
}
