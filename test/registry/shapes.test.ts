/**
 * Each registry record's shape is written three times: the select list of its RecordTable (the SQL
 * aliases), its interface in registry/types.ts, and the type-graphql class the API maps it to. This
 * test holds them together for every record kind: the aliases PostgreSQL returns are exactly the
 * interface's properties, and every GraphQL field is either a record property of the same name or
 * derived from named record properties — while every record property reaches the API or is listed
 * as deliberately not a field (a parent's id, resolved as a field of its own).
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { getMetadataStorage } from 'type-graphql';
import { projectRoot } from '../../platform/config.js';
import type { RecordTable } from '../../registry/reads.js';
import { ELDERS } from '../../registry/elders/elders.js';
import { MEMBERSHIPS, VITAL_EVENTS } from '../../registry/elders/history.js';
import { ASSESSMENTS } from '../../registry/assessments/assessments.js';
import { FACILITIES } from '../../registry/facilities/facilities.js';
import { BED_INVENTORIES, RATINGS } from '../../registry/facilities/history.js';
import { ASSIGNMENTS, CAREGIVERS } from '../../registry/caregivers/caregivers.js';
import { STAYS } from '../../registry/care/stays.js';
import { SERVICES } from '../../registry/care/services.js';
import { ENTRIES } from '../../registry/personal/access-log.js';
import { CategoryMembership, Elder, VitalEvent } from '../../api/registry/elder.type.js';
import { Assessment, AssessmentDetails } from '../../api/registry/assessment.type.js';
import { BedInventory, Facility, FacilityRating } from '../../api/registry/facility.type.js';
import { Caregiver, StaffAssignment } from '../../api/registry/caregiver.type.js';
import { ServiceRecord, Stay } from '../../api/registry/care.type.js';
import { AccessLogEntry, AccessLogExport } from '../../api/registry/access-log.type.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

interface Shape {
  table: RecordTable<{ id: string }>;
  /** The interface in registry/types.ts. */
  record: string;
  /** The GraphQL class(es) the record is shown as (a nested object's class beside its parent). */
  classes: Function[];
  /** GraphQL fields not named like a record property: the properties each is computed from. */
  derived?: Record<string, string[]>;
  /** Record properties that are no GraphQL field of these classes, and why. */
  notFields?: Record<string, string>;
}

const PARENT = 'the parent record, resolved as a field of its own';

const SHAPES: Shape[] = [
  {
    table: ELDERS, record: 'ElderRecord', classes: [Elder],
    derived: { registryNo: ['id'], idNumber: ['idMasked'], name: ['nameMasked'], phone: ['phoneMasked'], birthYear: ['birthDate'] },
  },
  { table: MEMBERSHIPS, record: 'CategoryMembershipRecord', classes: [CategoryMembership], notFields: { elderId: PARENT } },
  { table: VITAL_EVENTS, record: 'VitalEventRecord', classes: [VitalEvent], notFields: { elderId: PARENT } },
  {
    table: ASSESSMENTS, record: 'AssessmentRecord', classes: [Assessment, AssessmentDetails],
    derived: { level: ['finalLevel'], levelNameZh: ['finalLevel'], levelCode: ['finalLevel'] },
    notFields: { elderId: PARENT },
  },
  { table: FACILITIES, record: 'FacilityRecord', classes: [Facility], derived: { registryNo: ['id'] } },
  { table: RATINGS, record: 'RatingRecord', classes: [FacilityRating], notFields: { facilityId: PARENT } },
  { table: BED_INVENTORIES, record: 'BedInventoryRecord', classes: [BedInventory], notFields: { facilityId: PARENT } },
  { table: CAREGIVERS, record: 'CaregiverRecord', classes: [Caregiver], derived: { name: ['nameMasked'], certified: ['certificateNo'] } },
  { table: ASSIGNMENTS, record: 'AssignmentRecord', classes: [StaffAssignment], notFields: { caregiverId: PARENT, facilityId: PARENT } },
  { table: STAYS, record: 'StayRecord', classes: [Stay], notFields: { elderId: PARENT, facilityId: PARENT } },
  { table: SERVICES, record: 'ServiceRecordRecord', classes: [ServiceRecord], derived: { unitPrice: ['unitPriceFen'] }, notFields: { elderId: PARENT, facilityId: PARENT } },
  {
    table: ENTRIES, record: 'AccessLogRecord', classes: [AccessLogEntry, AccessLogExport],
    derived: { export: ['exportFormat'], format: ['exportFormat'], what: ['fields'], chainHeadSeq: ['entityId'] },
  },
];

/** Property names of each interface in registry/types.ts, read with the TypeScript parser. */
function interfaceProperties(): Map<string, string[]> {
  const file = path.join(projectRoot, 'registry/types.ts');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const result = new Map<string, string[]>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node)) return;
    result.set(node.name.text, node.members.filter(ts.isPropertySignature).map((m) => m.name.getText(source)));
  });
  return result;
}

/** The @Field names declared on a class (field resolvers of resolver classes are not the record's shape). */
function graphqlFields(target: Function): string[] {
  return getMetadataStorage().fields.filter((f) => f.target === target).map((f) => f.name);
}

const sorted = (names: Iterable<string>) => [...names].sort();

let db: TestDatabase;
let properties: Map<string, string[]>;
beforeAll(async () => {
  db = await createTestDatabase({ withXuzhou: false });
  properties = interfaceProperties();
});
afterAll(() => db.drop());

describe.each(SHAPES.map((shape) => [shape.record, shape] as const))('%s', (_, shape) => {
  test('the select list returns exactly the record’s properties', async () => {
    const { fields } = await db.pool.query(`select ${shape.table.columns} from ${shape.table.from} limit 0`);
    expect(sorted(fields.map((f) => f.name))).toEqual(sorted(properties.get(shape.record) ?? []));
  });

  test('every GraphQL field is a record property or derived from named ones', () => {
    const record = new Set(properties.get(shape.record));
    const fields = shape.classes.flatMap(graphqlFields);
    expect(fields.length).toBeGreaterThan(3);
    const unexplained = fields.filter((f) => !record.has(f) && !shape.derived?.[f]);
    expect(unexplained).toEqual([]);
    const derivedFromNothing = Object.entries(shape.derived ?? {}).filter(([field, sources]) => !fields.includes(field) || !sources.every((s) => record.has(s)));
    expect(derivedFromNothing).toEqual([]);
  });

  test('every record property reaches the API, or is listed as not a field', () => {
    const fields = new Set(shape.classes.flatMap(graphqlFields));
    const used = new Set([...fields, ...Object.values(shape.derived ?? {}).flat()]);
    const unused = (properties.get(shape.record) ?? []).filter((p) => !used.has(p) && !shape.notFields?.[p]);
    expect(unused).toEqual([]);
    const listedButShown = Object.keys(shape.notFields ?? {}).filter((p) => fields.has(p));
    expect(listedButShown).toEqual([]);
  });
});

test('every RecordTable of the registry has a shape here', () => {
  const tables = fs
    .readdirSync(path.join(projectRoot, 'registry'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => [...fs.readFileSync(path.join(projectRoot, 'registry', file), 'utf8').matchAll(/new RecordTable</g)]);
  expect(tables.length).toBe(SHAPES.length);
});
