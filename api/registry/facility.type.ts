/** GraphQL types of facilities (养老服务设施): the record, star ratings, bed inventories, the 1:10 staffing figures, and their inputs. */
import { Directive, Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { connectionTypes, Node, toGlobalId } from '../relay.js';
import { facilityNo } from '../../registry/validate.js';
import type { BedInventorySource as VocabularyBedSource, FacilityStatus as VocabularyFacilityStatus, OperatingModel as VocabularyOperatingModel } from '../../registry/vocabulary.js';
import type { BedInventoryRecord, FacilityRecord, RatingRecord, StaffingRecord } from '../../registry/types.js';
import { BedInventorySource, FacilityStatus, OperatingModel } from './vocabulary.type.js';

@Directive('@key(fields: "id")')
@ObjectType('Facility', { implements: Node, description: '养老服务设施 — an elderly-care facility or service point (institution, regional centre, community node, day-care centre, meal point …).' })
export class Facility implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: '登记编号: the public registry number, also the ledger payee id of FACILITY payments (F00000007).' }) registryNo!: string;
  @Field({ description: '名称.' }) name!: string;
  @Field({ description: '设施类型 code (see `facilityTypes`).' }) type!: string;
  @Field({ description: 'Village code (12 digits) where it stands.' }) villageCode!: string;
  @Field(() => OperatingModel, { description: '运营模式 of the facility.' }) operatingModel!: string;
  @Field(() => String, { nullable: true, description: '运营方.' }) operatorName!: string | null;
  @Field(() => String, { nullable: true, description: '统一社会信用代码.' }) uscc!: string | null;
  @Field(() => FacilityStatus, { description: '运营状态: planned, building, operating, suspended or closed.' }) status!: string;
  @Field(() => String, { nullable: true, description: '开业日期 YYYY-MM-DD.' }) operatingSince!: string | null;
  @Field(() => DateTimeISOResolver, { description: 'When the record was first registered.' }) createdAt!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the record was last changed.' }) updatedAt!: string;
  @Field({ description: 'Who registered the record (token subject).' }) createdBy!: string;
  @Field({ description: 'Who last changed the record (token subject).' }) updatedBy!: string;
  record!: FacilityRecord;

  static from(record: FacilityRecord): Facility {
    return Object.assign(new Facility(), record, { id: toGlobalId('Facility', record.id), registryNo: facilityNo(record.id), record });
  }
}

@Directive('@key(fields: "id")')
@ObjectType('FacilityRating', { implements: Node, description: '等级评定: a star rating (1–5, GB/T 37276-2018 or a local scheme) with its validity.' })
export class FacilityRating implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: '评定标准: the rating scheme (e.g. GB/T 37276 star rating).' }) scheme!: string;
  @Field(() => Int, { description: '1–5 (五星 highest).' }) level!: number;
  @Field({ description: 'YYYY-MM-DD.' }) ratedOn!: string;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD; open when null.' }) validUntil!: string | null;
  @Field(() => String, { nullable: true, description: '证书编号: the rating certificate’s number.' }) certificateNo!: string | null;
  @Field(() => DateTimeISOResolver, { description: 'When this record was written (server time, ISO 8601).' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;

  static from(record: RatingRecord): FacilityRating {
    return Object.assign(new FacilityRating(), record, { id: toGlobalId('FacilityRating', record.id) });
  }
}

@Directive('@key(fields: "id")')
@ObjectType('BedInventory', { implements: Node, description: '床位台账: a bed-inventory snapshot.' })
export class BedInventory implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: 'YYYY-MM-DD.' }) asOf!: string;
  @Field(() => Int, { description: '核定床位.' }) approved!: number;
  @Field(() => Int, { description: '实有床位.' }) actual!: number;
  @Field(() => Int, { description: '护理型床位.' }) nursing!: number;
  @Field(() => Int, { description: '普惠床位.' }) inclusive!: number;
  @Field(() => Int, { description: '在住(入住)床位.' }) occupied!: number;
  @Field(() => BedInventorySource, { description: '床位数据来源: where the figures come from.' }) source!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the snapshot was written.' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;

  static from(record: BedInventoryRecord): BedInventory {
    return Object.assign(new BedInventory(), record, { id: toGlobalId('BedInventory', record.id) });
  }
}

@ObjectType({ description: '护理员配比: the 1:10 rule — certified caregivers (持证养老护理员) against residents of a facility in a month.' })
export class Staffing {
  @Field({ description: 'YYYY-MM.' }) month!: string;
  @Field(() => Int, { description: 'Distinct elders with a stay overlapping the month.' }) residents!: number;
  @Field(() => Int, { description: 'Distinct caregivers (role CAREGIVER) assigned for the month.' }) caregivers!: number;
  @Field(() => Int, { description: 'Of those, certified.' }) certifiedCaregivers!: number;
  @Field(() => Int, { description: 'ceil(residents / 10).' }) requiredCertifiedCaregivers!: number;
  @Field(() => Float, { nullable: true, description: 'Residents per certified caregiver; null with no certified caregiver.' }) residentsPerCertifiedCaregiver!: number | null;
  @Field({ description: 'At least one certified caregiver per 10 residents.' }) meetsStandard!: boolean;
  @Field(() => Int, { description: 'Certified caregivers missing to meet the standard.' }) shortfall!: number;
  facilityId!: string;

  static from(record: StaffingRecord): Staffing {
    return Object.assign(new Staffing(), {
      month: record.month,
      residents: record.residents,
      caregivers: record.caregivers,
      certifiedCaregivers: record.certifiedCaregivers,
      requiredCertifiedCaregivers: record.requiredCertified,
      residentsPerCertifiedCaregiver: record.certifiedCaregivers ? Math.round((record.residents / record.certifiedCaregivers) * 100) / 100 : null,
      meetsStandard: record.meetsStandard,
      shortfall: Math.max(0, record.requiredCertified - record.certifiedCaregivers),
      facilityId: record.facilityId,
    });
  }
}

export const FacilityConnectionTypes = connectionTypes(Facility, 'Facility');
export const FacilityConnection = FacilityConnectionTypes.ConnectionType;
export type FacilityConnection = InstanceType<typeof FacilityConnection>;

@ObjectType({ description: 'A facility’s staffing in a month (for the 1:10 list).' })
export class FacilityStaffing {
  @Field(() => Facility, { description: 'The facility.' }) facility!: Facility;
  @Field(() => Staffing, { description: 'Its caregivers against residents in the month (1:10 rule).' }) staffing!: Staffing;
}

export const FacilityStaffingConnectionTypes = connectionTypes(FacilityStaffing, 'FacilityStaffing');
export const FacilityStaffingConnection = FacilityStaffingConnectionTypes.ConnectionType;
export type FacilityStaffingConnection = InstanceType<typeof FacilityStaffingConnection>;

@InputType({ description: 'Register a facility.' })
export class RegisterFacilityInput {
  @Field({ description: 'The facility’s registered name.' }) name!: string;
  @Field({ description: 'Facility type code (see `facilityTypes`).' }) type!: string;
  @Field({ description: 'Village code (12 digits) — inside your jurisdiction.' }) villageCode!: string;
  @Field(() => OperatingModel, { description: '运营模式 of the facility.' }) operatingModel!: VocabularyOperatingModel;
  @Field(() => String, { nullable: true, description: '运营方: the operator, when not the government itself.' }) operatorName?: string | null;
  @Field(() => String, { nullable: true, description: '统一社会信用代码 (18 characters).' }) uscc?: string | null;
  @Field(() => FacilityStatus, { nullable: true, description: 'OPERATING when omitted.' }) status?: VocabularyFacilityStatus | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD.' }) operatingSince?: string | null;
}

@InputType({ description: 'Change a facility; only given fields change (logged).' })
export class UpdateFacilityInput {
  @Field(() => String, { nullable: true, description: 'New registered name.' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'New facility type code (see facilityTypes).' }) type?: string | null;
  @Field(() => String, { nullable: true, description: 'New village (12-digit code) the facility is in.' }) villageCode?: string | null;
  @Field(() => OperatingModel, { nullable: true, description: 'New operating model (运营模式).' }) operatingModel?: VocabularyOperatingModel | null;
  @Field(() => String, { nullable: true, description: 'New operator (运营方).' }) operatorName?: string | null;
  @Field(() => String, { nullable: true, description: 'New unified social credit code (统一社会信用代码, 18 characters).' }) uscc?: string | null;
  @Field(() => FacilityStatus, { nullable: true, description: 'New status (运营状态).' }) status?: VocabularyFacilityStatus | null;
  @Field(() => String, { nullable: true, description: 'New date operation began (YYYY-MM-DD).' }) operatingSince?: string | null;
}

@InputType({ description: 'Append a star rating.' })
export class RateFacilityInput {
  @Field(() => ID, { description: 'Global id of the facility (养老机构).' }) facilityId!: string;
  @Field(() => Int, { description: '1–5.' }) level!: number;
  @Field({ description: 'YYYY-MM-DD.' }) ratedOn!: string;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD (ratings are typically re-assessed every 3 years).' }) validUntil?: string | null;
  @Field(() => String, { nullable: true, description: 'GB/T 37276-2018 when omitted.' }) scheme?: string | null;
  @Field(() => String, { nullable: true, description: '证书编号 of the rating, when issued.' }) certificateNo?: string | null;
}

@InputType({ description: 'Append a bed-inventory snapshot.' })
export class RecordBedInventoryInput {
  @Field(() => ID, { description: 'Global id of the facility (养老机构).' }) facilityId!: string;
  @Field({ description: 'YYYY-MM-DD.' }) asOf!: string;
  @Field(() => Int, { description: '核定床位: beds approved.' }) approved!: number;
  @Field(() => Int, { description: '实有床位: beds actually in place.' }) actual!: number;
  @Field(() => Int, { description: '护理型床位: nursing beds, ≤ actual.' }) nursing!: number;
  @Field(() => Int, { description: '普惠床位: inclusive (subsidised-price) beds, ≤ actual.' }) inclusive!: number;
  @Field(() => Int, { description: '在住床位: beds occupied, ≤ actual.' }) occupied!: number;
  @Field(() => BedInventorySource, { nullable: true, description: '床位数据来源: where the figures come from (default REGISTRATION).' }) source?: VocabularyBedSource | null;
}
