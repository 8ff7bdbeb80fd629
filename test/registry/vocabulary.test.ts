/**
 * registry/vocabulary.ts is the single source of the registry's closed vocabularies; the database
 * says the same in CHECK constraints. Every `column in (…)` CHECK of the registry's tables must list
 * exactly its vocabulary, and every such CHECK must be one the vocabulary knows about.
 */
import * as vocabulary from '../../registry/vocabulary.js';
import { EXPORT_FORMATS } from '../../ledger/reports/request.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const VOCABULARY_OF: Record<string, readonly string[]> = {
  'elder.sex': vocabulary.SEXES,
  'vital_event.status': vocabulary.VITAL_STATUSES,
  'vital_event.source': vocabulary.VITAL_SOURCES,
  'assessment.reason': vocabulary.ASSESSMENT_REASONS,
  'facility.operating_model': vocabulary.OPERATING_MODELS,
  'facility.status': vocabulary.FACILITY_STATUSES,
  'bed_inventory.source': vocabulary.BED_INVENTORY_SOURCES,
  'caregiver.certificate_level': vocabulary.CERTIFICATE_LEVELS,
  'staff_assignment.role': vocabulary.STAFF_ROLES,
  'stay.funding_mode': vocabulary.STAY_FUNDING_MODES,
  // The access log's record of a books export: the formats ledger/reports writes.
  'access_log.export_format': EXPORT_FORMATS,
  // Not a vocabulary of the registry's records: which kind of record a change-log row concerns.
  'change_log.entity_type': ['Elder', 'Facility', 'Caregiver'],
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: false });
});
afterAll(() => db.drop());

/** `table.column` → the values of its `column = ANY (ARRAY['A'::text, …])` CHECK, as PostgreSQL stores it. */
async function checkedLists(): Promise<Record<string, string[]>> {
  const { rows } = await db.pool.query<{ table: string; definition: string }>(
    `select c.relname as table, pg_get_constraintdef(k.oid) as definition
     from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'registry' and k.contype = 'c'`,
  );
  const lists: Record<string, string[]> = {};
  for (const { table, definition } of rows) {
    for (const m of definition.matchAll(/\(?(\w+) = ANY \(ARRAY\[([^\]]+)\]\)/g)) {
      lists[`${table}.${m[1]}`] = [...m[2]!.matchAll(/'([^']*)'::text/g)].map((v) => v[1]!);
    }
  }
  return lists;
}

test('every closed-vocabulary CHECK of the registry lists exactly its vocabulary', async () => {
  const lists = await checkedLists();
  expect(Object.keys(lists).length).toBeGreaterThanOrEqual(10);
  expect(Object.keys(lists).sort()).toEqual(Object.keys(VOCABULARY_OF).sort());
  for (const [column, values] of Object.entries(lists)) expect([column, [...values].sort()]).toEqual([column, [...VOCABULARY_OF[column]!].sort()]);
});
