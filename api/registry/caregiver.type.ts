/** GraphQL types of caregivers (养老护理员): the record, its clear name, monthly assignments (排班), and their inputs. */
import { Directive, Field, ID, InputType, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { connectionTypes, Node, toGlobalId } from '../relay.js';
import type { CertificateLevel as VocabularyCertificateLevel, StaffRole as VocabularyStaffRole } from '../../registry/vocabulary.js';
import type { AssignmentRecord, CaregiverRecord } from '../../registry/types.js';
import { CertificateLevel, StaffRole } from './vocabulary.type.js';

@Directive('@key(fields: "id")')
@ObjectType('Caregiver', { implements: Node, description: '养老护理员 — a caregiver; the name is masked (clear via `personal(reason:)`).' })
export class Caregiver implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: '姓名, masked.' }) name!: string;
  @Field({ description: 'Region (any level) the caregiver is registered in.' }) regionCode!: string;
  @Field({ description: '持证: a certificate is on record.' }) certified!: boolean;
  @Field(() => String, { nullable: true, description: '证书编号.' }) certificateNo!: string | null;
  @Field(() => CertificateLevel, { nullable: true, description: '职业技能等级: the caregiver’s certificate level, if any.' }) certificateLevel!: string | null;
  @Field(() => DateTimeISOResolver, { description: 'When the record was first registered.' }) createdAt!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the record was last changed.' }) updatedAt!: string;
  record!: CaregiverRecord;

  static from(record: CaregiverRecord): Caregiver {
    return Object.assign(new Caregiver(), {
      id: toGlobalId('Caregiver', record.id),
      name: record.nameMasked,
      regionCode: record.regionCode,
      certified: record.certificateNo != null,
      certificateNo: record.certificateNo,
      certificateLevel: record.certificateLevel,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      record,
    });
  }
}

@ObjectType({ description: 'Clear personal values of a caregiver; every request writes one access-log row.' })
export class CaregiverPersonalData {
  @Field(() => String, { nullable: true, description: '姓名.' }) name?: string;
}

@Directive('@key(fields: "id")')
@ObjectType('StaffAssignment', { implements: Node, description: '排班: a caregiver working at a facility in a month.' })
export class StaffAssignment implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: 'YYYY-MM.' }) month!: string;
  @Field(() => StaffRole, { description: '岗位: the role the caregiver is assigned in that month.' }) role!: string;
  @Field({ description: 'Certified (持证) in that month.' }) certified!: boolean;
  @Field(() => DateTimeISOResolver, { description: 'When the assignment was recorded.' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;
  record!: AssignmentRecord;

  static from(record: AssignmentRecord): StaffAssignment {
    return Object.assign(new StaffAssignment(), { id: toGlobalId('StaffAssignment', record.id), month: record.month, role: record.role, certified: record.certified, recordedAt: record.recordedAt, recordedBy: record.recordedBy, record });
  }
}

export const CaregiverConnectionTypes = connectionTypes(Caregiver, 'Caregiver');
export const CaregiverConnection = CaregiverConnectionTypes.ConnectionType;
export type CaregiverConnection = InstanceType<typeof CaregiverConnection>;

@InputType({ description: 'Register a caregiver.' })
export class RegisterCaregiverInput {
  @Field({ description: '姓名 of the caregiver (stored encrypted, shown masked).' }) name!: string;
  @Field({ description: 'Region code (any level) inside your jurisdiction.' }) regionCode!: string;
  @Field(() => String, { nullable: true, description: '职业技能等级证书编号.' }) certificateNo?: string | null;
  @Field(() => CertificateLevel, { nullable: true, description: '职业技能等级, if the caregiver holds a certificate.' }) certificateLevel?: VocabularyCertificateLevel | null;
}

@InputType({ description: 'Assign a caregiver to a facility for a month.' })
export class AssignCaregiverInput {
  @Field(() => ID, { description: 'Global id of the caregiver (护理员).' }) caregiverId!: string;
  @Field(() => ID, { description: 'Global id of the facility (养老机构).' }) facilityId!: string;
  @Field({ description: 'YYYY-MM.' }) month!: string;
  @Field(() => StaffRole, { nullable: true, description: 'CAREGIVER when omitted.' }) role?: VocabularyStaffRole | null;
  @Field(() => Boolean, { nullable: true, description: 'Defaults to whether a certificate is on record.' }) certified?: boolean | null;
}
