/** GraphQL types of care: stays (入住), service types and service records (服务记录), and their inputs. */
import { Directive, Field, ID, InputType, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { connectionTypes, Node, toGlobalId } from '../relay.js';
import type { StayFundingMode as VocabularyFundingMode } from '../../registry/vocabulary.js';
import type { ServiceRecordRecord, StayRecord } from '../../registry/types.js';
import { StayFundingMode } from './vocabulary.type.js';

@Directive('@key(fields: "id")')
@ObjectType('Stay', { implements: Node, description: '入住 — an elder living in a facility, from admittedOn (inclusive) to dischargedOn (exclusive). Never two overlapping stays for one elder.' })
export class Stay implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: '入住日期 YYYY-MM-DD.' }) admittedOn!: string;
  @Field(() => String, { nullable: true, description: '离院日期 YYYY-MM-DD; null while living there.' }) dischargedOn!: string | null;
  @Field(() => String, { nullable: true, description: '床位号.' }) bedCode!: string | null;
  @Field(() => StayFundingMode, { description: '入住资助方式: how the stay is paid for.' }) fundingMode!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the stay was recorded.' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;
  record!: StayRecord;

  static from(record: StayRecord): Stay {
    return Object.assign(new Stay(), { id: toGlobalId('Stay', record.id), admittedOn: record.admittedOn, dischargedOn: record.dischargedOn, bedCode: record.bedCode, fundingMode: record.fundingMode, recordedAt: record.recordedAt, recordedBy: record.recordedBy, record });
  }
}

@ObjectType({ description: '服务类型: a configurable service type; `bundles` names the packages it belongs to (SIX_ASSISTS = 六助).' })
export class ServiceType {
  @Field({ description: 'Service type code.' }) code!: string;
  @Field({ description: 'Chinese name of the service type (服务项目).' }) nameZh!: string;
  @Field({ description: 'English name of the service type.' }) nameEn!: string;
  @Field(() => [String], { description: 'Service types this one bundles (套餐).' }) bundles!: string[];
  @Field({ description: 'Whether new services of this type may be recorded.' }) active!: boolean;
}

@Directive('@key(fields: "id")')
@ObjectType('ServiceRecord', { implements: Node, description: '服务记录 — a service delivered to an elder by a provider facility.' })
export class ServiceRecord implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: 'Service type code (see `serviceTypes`): MEAL 助餐, BATH 助浴, CLEAN 助洁, MEDICAL 助医, MOBILITY 助行, EMERGENCY 助急 …' }) serviceType!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the service started.' }) startedAt!: string;
  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When the service ended, if it has.' }) endedAt!: string | null;
  @Field({ description: '是否享受补贴.' }) subsidised!: boolean;
  @Field(() => String, { nullable: true, description: 'Unit price in fen (integer string).' }) unitPrice!: string | null;
  @Field({ description: 'Village the service was delivered in (the elder’s residence then).' }) villageCode!: string;
  @Field(() => DateTimeISOResolver, { description: 'When this record was written (server time, ISO 8601).' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;
  record!: ServiceRecordRecord;

  static from(record: ServiceRecordRecord): ServiceRecord {
    return Object.assign(new ServiceRecord(), {
      id: toGlobalId('ServiceRecord', record.id),
      serviceType: record.serviceType,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      subsidised: record.subsidised,
      unitPrice: record.unitPriceFen,
      villageCode: record.villageCode,
      recordedAt: record.recordedAt,
      recordedBy: record.recordedBy,
      record,
    });
  }
}

export const StayConnectionTypes = connectionTypes(Stay, 'Stay');
export const StayConnection = StayConnectionTypes.ConnectionType;
export type StayConnection = InstanceType<typeof StayConnection>;

export const ServiceRecordConnectionTypes = connectionTypes(ServiceRecord, 'ServiceRecord');
export const ServiceRecordConnection = ServiceRecordConnectionTypes.ConnectionType;
export type ServiceRecordConnection = InstanceType<typeof ServiceRecordConnection>;

@InputType({ description: 'Admit an elder to a facility (start a stay).' })
export class AdmitInput {
  @Field(() => ID, { description: 'Global id of the elder (老年人).' }) elderId!: string;
  @Field(() => ID, { description: 'Global id of the facility (养老机构).' }) facilityId!: string;
  @Field({ description: 'YYYY-MM-DD.' }) admittedOn!: string;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, for a stay recorded after it ended.' }) dischargedOn?: string | null;
  @Field(() => String, { nullable: true, description: '床位号: the bed, as the facility names it.' }) bedCode?: string | null;
  @Field(() => StayFundingMode, { nullable: true, description: '入住资助方式: how the stay is paid for.' }) fundingMode?: VocabularyFundingMode | null;
}

@InputType({ description: 'End an open stay.' })
export class DischargeInput {
  @Field(() => ID, { description: 'Global id of the stay (入住).' }) stayId!: string;
  @Field({ description: 'YYYY-MM-DD (exclusive: the first day no longer living there).' }) dischargedOn!: string;
}

@InputType({ description: 'Record a service delivered.' })
export class RecordServiceInput {
  @Field(() => ID, { description: 'Global id of the elder (老年人).' }) elderId!: string;
  @Field(() => ID, { description: 'The provider facility.' }) facilityId!: string;
  @Field({ description: 'Service type code (see `serviceTypes`).' }) serviceType!: string;
  @Field({ description: 'ISO-8601 date-time with offset.' }) startedAt!: string;
  @Field(() => String, { nullable: true, description: 'When the service ended (ISO 8601 with offset), if it has.' }) endedAt?: string | null;
  @Field({ description: '是否政府补贴: whether the service is paid by a subsidy.' }) subsidised!: boolean;
  @Field(() => String, { nullable: true, description: 'Unit price in fen (digits).' }) unitPrice?: string | null;
}

@InputType({ description: 'A service type: new, or changed (names, bundles, in use). Types are never deleted.' })
export class DefineServiceTypeInput {
  @Field({ description: 'MEAL, BATH … (upper-case).' }) code!: string;
  @Field({ description: 'Chinese name of the service type (服务项目).' }) nameZh!: string;
  @Field({ description: 'English name of the service type.' }) nameEn!: string;
  @Field(() => [String], { nullable: true, description: 'Named packages it belongs to, e.g. SIX_ASSISTS (六助).' }) bundles?: string[] | null;
  @Field(() => Boolean, { nullable: true, description: 'False: no new service records of this type (default true).' }) active?: boolean | null;
}
