/** GraphQL types of elders (老年人): the record, its clear personal values, category memberships (身份), vital events, and their inputs. */
import { Directive, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { connectionTypes, Node, toGlobalId } from '../relay.js';
import { maskBirthDate } from '../../registry/personal/pii.js';
import { elderNo } from '../../registry/validate.js';
import type { VitalSource as VocabularySource } from '../../registry/vocabulary.js';
import type { CategoryMembershipRecord, ElderRecord, VitalEventRecord } from '../../registry/types.js';
import { Sex, VitalSource, VitalStatus } from './vocabulary.type.js';

@Directive('@key(fields: "id")')
@ObjectType('Elder', {
  implements: Node,
  description:
    '老年人 — an older person in the registry. Personal fields (ID number, name, phone, birth date) are MASKED; ' +
    'the clear values come from `personal(reason:)`, which needs `personal:unmask` and writes the access log.',
})
export class Elder implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: '登记编号: the public registry number, also the ledger payee id of PERSON payments (E00000042).' }) registryNo!: string;
  @Field({ description: '公民身份号码, masked: first 4 and last 4 characters (3203**********123X).' }) idNumber!: string;
  @Field({ description: '姓名, masked: surname and one star per other character (张*, 欧阳**).' }) name!: string;
  @Field(() => String, { nullable: true, description: '联系电话, masked (138****1234); null when none is recorded.' }) phone!: string | null;
  @Field(() => Sex, { description: '性别 (agrees with the ID number).' }) sex!: string;
  @Field({ description: '出生日期, masked to the month (1948-03-**); agrees with the ID number.' }) birthDate!: string;
  @Field(() => Int, { description: '出生年份.' }) birthYear!: number;
  @Field({ description: '户籍地 village code (12 digits).' }) hukouVillageCode!: string;
  @Field({ description: '居住地 village code (12 digits).' }) residenceVillageCode!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the record was first registered.' }) createdAt!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the record was last changed.' }) updatedAt!: string;
  @Field({ description: 'Who registered it (token subject or import/demo actor).' }) createdBy!: string;
  @Field({ description: 'Who changed it last.' }) updatedBy!: string;
  record!: ElderRecord;

  static from(record: ElderRecord): Elder {
    return Object.assign(new Elder(), {
      id: toGlobalId('Elder', record.id),
      registryNo: elderNo(record.id),
      idNumber: record.idMasked,
      name: record.nameMasked,
      phone: record.phoneMasked,
      sex: record.sex,
      birthDate: maskBirthDate(record.birthDate),
      birthYear: Number(record.birthDate.slice(0, 4)),
      hukouVillageCode: record.hukouVillageCode,
      residenceVillageCode: record.residenceVillageCode,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      createdBy: record.createdBy,
      updatedBy: record.updatedBy,
      record,
    });
  }
}

@ObjectType({ description: 'Clear personal values of an elder (个人信息明文). Every request for them writes one access-log row.' })
export class ElderPersonalData {
  @Field(() => String, { nullable: true, description: '公民身份号码 (18 characters).' }) idNumber?: string;
  @Field(() => String, { nullable: true, description: '姓名.' }) name?: string;
  @Field(() => String, { nullable: true, description: '联系电话.' }) phone?: string | null;
  @Field(() => String, { nullable: true, description: '出生日期 YYYY-MM-DD.' }) birthDate?: string;
}

@Directive('@key(fields: "id")')
@ObjectType('CategoryMembership', { implements: Node, description: '身份: an elder holds a special category (特困, 低保, 孤寡, 失独, 独居, 空巢, 残疾, 优抚 …) for a period. Never overwritten: an end is appended.' })
export class CategoryMembership implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: 'Category code (see `specialCategories`).' }) category!: string;
  @Field({ description: 'YYYY-MM-DD, inclusive.' }) validFrom!: string;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, inclusive; null while open. The end record’s date when one was appended.' }) validTo!: string | null;
  @Field(() => String, { nullable: true, description: 'The end date given when the membership was recorded.' }) plannedValidTo!: string | null;
  @Field(() => String, { nullable: true, description: 'Date of the appended end record, if any.' }) endedOn!: string | null;
  @Field(() => String, { nullable: true, description: 'Why the membership ended (from its end record).' }) endReason!: string | null;
  @Field(() => String, { nullable: true, description: 'Authoritative source system (民政救助系统, 残联 …).' }) sourceSystem!: string | null;
  @Field(() => String, { nullable: true, description: 'Reference of the record in the source system (文号 or record number).' }) sourceRef!: string | null;
  @Field(() => DateTimeISOResolver, { description: 'When this record was written (server time, ISO 8601).' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;
  elderId!: string;

  static from(record: CategoryMembershipRecord): CategoryMembership {
    return Object.assign(new CategoryMembership(), record, { id: toGlobalId('CategoryMembership', record.id) });
  }
}

@Directive('@key(fields: "id")')
@ObjectType('VitalEvent', { implements: Node, description: '生存状态报告: a report that the elder died (with date and source) or is alive (a correction). The latest report is the current status.' })
export class VitalEvent implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field(() => VitalStatus, { description: '生存状态 reported.' }) status!: string;
  @Field(() => String, { nullable: true, description: '死亡日期 YYYY-MM-DD.' }) deathDate!: string | null;
  @Field(() => VitalSource, { description: '信息来源 of the report.' }) source!: string;
  @Field(() => String, { nullable: true, description: 'Reference of the report in its source (certificate or record number).' }) sourceRef!: string | null;
  @Field(() => DateTimeISOResolver, { description: 'When the report was recorded.' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;

  static from(record: VitalEventRecord): VitalEvent {
    return Object.assign(new VitalEvent(), record, { id: toGlobalId('VitalEvent', record.id) });
  }
}

export const ElderConnectionTypes = connectionTypes(Elder, 'Elder');
export const ElderConnection = ElderConnectionTypes.ConnectionType;
export type ElderConnection = InstanceType<typeof ElderConnection>;

@InputType({ description: 'Register an elder (登记老年人). Birth date and sex, when given, must agree with the ID number; when omitted they are taken from it.' })
export class RegisterElderInput {
  @Field({ description: '18-character ID number (GB 11643 check character); a legacy 15-digit number is converted to 18.' }) idNumber!: string;
  @Field({ description: '姓名.' }) name!: string;
  @Field(() => Sex, { nullable: true, description: '性别; default: from the ID number’s sex digit.' }) sex?: 'MALE' | 'FEMALE' | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD.' }) birthDate?: string | null;
  @Field({ description: '户籍 village code (12 digits) — must be inside your jurisdiction.' }) hukouVillageCode!: string;
  @Field(() => String, { nullable: true, description: '居住 village code (12 digits) — must be inside your jurisdiction too; the household village when omitted.' }) residenceVillageCode?: string | null;
  @Field(() => String, { nullable: true, description: 'Mobile (11 digits) or landline.' }) phone?: string | null;
}

@InputType({ description: 'Change an elder’s name, phone or villages (the ID number, birth date and sex never change). Only given fields change; each change is logged (fields, not values).' })
export class UpdateElderInput {
  @Field(() => String, { nullable: true, description: 'New name (stored encrypted).' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'New phone number (stored encrypted).' }) phone?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Remove the phone number.' }) clearPhone?: boolean | null;
  @Field(() => String, { nullable: true, description: '户籍地: new village (12-digit code) of the household registration; the current and the new village must be inside your jurisdiction.' }) hukouVillageCode?: string | null;
  @Field(() => String, { nullable: true, description: '居住地: new village (12-digit code) of residence; the current and the new village must be inside your jurisdiction.' }) residenceVillageCode?: string | null;
}

@InputType({ description: 'Append a category membership.' })
export class AddCategoryInput {
  @Field(() => ID, { description: 'Global id of the elder (老年人).' }) elderId!: string;
  @Field({ description: 'Category code (see `specialCategories`).' }) category!: string;
  @Field({ description: 'YYYY-MM-DD.' }) validFrom!: string;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, inclusive; open when omitted.' }) validTo?: string | null;
  @Field(() => String, { nullable: true, description: 'The system the information comes from (民政、残联 …).' }) sourceSystem?: string | null;
  @Field(() => String, { nullable: true, description: 'Reference of the record in the source system (文号 or record number).' }) sourceRef?: string | null;
}

@InputType({ description: 'End a category membership by appending an end record.' })
export class EndCategoryInput {
  @Field(() => ID, { description: 'Global id of the category membership to end.' }) membershipId!: string;
  @Field({ description: 'YYYY-MM-DD, the last day the category held.' }) endedOn!: string;
  @Field({ description: 'Why it ends; kept for ever, no personal data.' }) reason!: string;
}

@InputType({ description: 'Append a vital-status report.' })
export class RecordVitalStatusInput {
  @Field(() => ID, { description: 'Global id of the elder (老年人).' }) elderId!: string;
  @Field(() => VitalStatus, { description: '生存状态 reported (ALIVE or DECEASED).' }) status!: 'ALIVE' | 'DECEASED';
  @Field(() => String, { nullable: true, description: 'Required for DECEASED: YYYY-MM-DD.' }) deathDate?: string | null;
  @Field(() => VitalSource, { description: '信息来源: who reported the vital status (civil affairs, public security, village …).' }) source!: VocabularySource;
  @Field(() => String, { nullable: true, description: 'Reference in the source system (certificate number …).' }) sourceRef?: string | null;
}
