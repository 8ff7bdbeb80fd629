/** GraphQL types of the registry (登记). Chinese terms beside the English names, as in docs/registry.md. */
import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { connectionTypes, Node, toGlobalId } from '../relay.js';
import { DIMENSIONS, LEVEL_NAMES, type CapabilityLevel } from '../../registry/assessment.js';
import { maskBirthDate } from '../../registry/personal/pii.js';
import { elderNo, facilityNo } from '../../registry/validate.js';
import {
  ASSESSMENT_REASONS, BED_INVENTORY_SOURCES, CERTIFICATE_LEVELS, FACILITY_STATUSES, OPERATING_MODELS, SEXES, STAFF_ROLES, STAY_FUNDING_MODES, VITAL_SOURCES, VITAL_STATUSES,
  type AssessmentReason as VocabularyAssessmentReason, type BedInventorySource as VocabularyBedSource, type CertificateLevel as VocabularyCertificateLevel,
  type FacilityStatus as VocabularyFacilityStatus, type OperatingModel as VocabularyOperatingModel, type StaffRole as VocabularyStaffRole,
  type StayFundingMode as VocabularyFundingMode, type VitalSource as VocabularySource,
} from '../../registry/vocabulary.js';
import type {
  AccessLogRecord,
  AssessmentRecord,
  AssignmentRecord,
  BedInventoryRecord,
  CaregiverRecord,
  CategoryMembershipRecord,
  ElderRecord,
  FacilityRecord,
  RatingRecord,
  ServiceRecordRecord,
  StaffingRecord,
  StayRecord,
  VitalEventRecord,
} from '../../registry/types.js';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const Sex = enumOf(SEXES);
registerEnumType(Sex, {
  name: 'Sex',
  description: '性别, from digit 17 of the ID number (odd male, even female).',
  valuesConfig: { MALE: { description: '男' }, FEMALE: { description: '女' } },
});

export const AgeBand = enumOf(['ACTIVE_60_69', 'COMFORT_70_79', 'SECURE_80_PLUS'] as const);
registerEnumType(AgeBand, {
  name: 'AgeBand',
  description: 'Service age band (徐州 service targeting), half-open intervals.',
  valuesConfig: {
    ACTIVE_60_69: { description: '活力老人 60 ≤ age < 70' },
    COMFORT_70_79: { description: '颐养老人 70 ≤ age < 80' },
    SECURE_80_PLUS: { description: '安养老人 age ≥ 80' },
  },
});

export const AllowanceBand = enumOf(['B80_89_LOW_INCOME', 'B80_89', 'B90_99', 'B100_PLUS'] as const);
registerEnumType(AllowanceBand, {
  name: 'AllowanceBand',
  description: '尊老金 (old-age allowance) band for a month; takes effect the month after the birthday (生日当月不计).',
  valuesConfig: {
    B80_89_LOW_INCOME: { description: '80–89 and 特困/低保/低保边缘' },
    B80_89: { description: '80–89' },
    B90_99: { description: '90–99' },
    B100_PLUS: { description: '100 and over (百岁老人)' },
  },
});

export const VitalStatus = enumOf(VITAL_STATUSES);
registerEnumType(VitalStatus, { name: 'VitalStatus', description: '生存状态', valuesConfig: { ALIVE: { description: '健在: alive' }, DECEASED: { description: '已故: deceased' } } });

export const VitalSource = enumOf(VITAL_SOURCES);
registerEnumType(VitalSource, {
  name: 'VitalSource',
  description: 'Where a vital-status report came from.',
  valuesConfig: {
    HOUSEHOLD_REGISTER: { description: '户籍 (police household register)' },
    DEATH_CERTIFICATE: { description: '死亡医学证明' },
    CREMATION: { description: '火化记录 (funeral and cremation data)' },
    HOSPITAL: { description: '医院 / 卫健 death data' },
    VILLAGE_REPORT: { description: '村(居)委会 report or survival check' },
    OTHER: { description: '其他' },
  },
});

export const AssessmentReason = enumOf(ASSESSMENT_REASONS);
registerEnumType(AssessmentReason, {
  name: 'AssessmentReason',
  description: '评估原因 (GB/T 42195-2022)',
  valuesConfig: {
    FIRST: { description: '首次评估' },
    ROUTINE: { description: '常规评估' },
    IMMEDIATE: { description: '即时评估 (after a change of condition)' },
    DISPUTE: { description: '因评估结果有疑问进行的复评' },
    OTHER: { description: '其他' },
  },
});

export const AssessmentAdjustment = enumOf(['COMA', 'DEMENTIA_OR_MENTAL_DISORDER', 'RISK_EVENTS'] as const);
registerEnumType(AssessmentAdjustment, {
  name: 'AssessmentAdjustment',
  description: 'Adjustment rules of GB/T 42195-2022 (C4) applied to the preliminary level.',
  valuesConfig: {
    COMA: { description: '昏迷 (意识水平 0) → level 4 directly' },
    DEMENTIA_OR_MENTAL_DISORDER: { description: '痴呆 F00–F03 or other mental/behavioural disorder F04–F99 → one level worse' },
    RISK_EVENTS: { description: '近30天 2 or more care-risk events → one level worse' },
  },
});

export const OperatingModel = enumOf(OPERATING_MODELS);
registerEnumType(OperatingModel, {
  name: 'OperatingModel',
  description: '运营模式',
  valuesConfig: {
    PUBLIC_BUILT_PUBLIC_RUN: { description: '公建公营' },
    PUBLIC_BUILT_PRIVATE_RUN: { description: '公建民营' },
    PUBLIC_BUILT_SOE_RUN: { description: '公建国营' },
    PRIVATE_NONPROFIT: { description: '民办非营利' },
    PRIVATE_FORPROFIT: { description: '民办营利' },
  },
});

export const FacilityStatus = enumOf(FACILITY_STATUSES);
registerEnumType(FacilityStatus, {
  name: 'FacilityStatus',
  description: '设施状态',
  valuesConfig: {
    PLANNED: { description: '规划' },
    BUILDING: { description: '在建' },
    OPERATING: { description: '运营' },
    SUSPENDED: { description: '停业' },
    CLOSED: { description: '关闭' },
  },
});

export const StaffRole = enumOf(STAFF_ROLES);
registerEnumType(StaffRole, {
  name: 'StaffRole',
  description: '岗位 (only CAREGIVER counts towards the 1:10 ratio)',
  valuesConfig: {
    CAREGIVER: { description: '养老护理员' },
    NURSE: { description: '护士' },
    SOCIAL_WORKER: { description: '社会工作者' },
    SAFETY_OFFICER: { description: '专职安全员' },
    DIRECTOR: { description: '院长' },
    VILLAGE_CARE_AIDE: { description: '护老员 (村级公益性岗位)' },
    OTHER: { description: '其他' },
  },
});

export const CertificateLevel = enumOf(CERTIFICATE_LEVELS);
registerEnumType(CertificateLevel, {
  name: 'CertificateLevel',
  description: '养老护理员职业技能等级',
  valuesConfig: {
    JUNIOR: { description: '初级工' },
    INTERMEDIATE: { description: '中级工' },
    SENIOR: { description: '高级工' },
    TECHNICIAN: { description: '技师' },
    SENIOR_TECHNICIAN: { description: '高级技师' },
  },
});

export const StayFundingMode = enumOf(STAY_FUNDING_MODES);
registerEnumType(StayFundingMode, {
  name: 'StayFundingMode',
  description: '入住费用来源',
  valuesConfig: {
    HARDSHIP_CENTRALISED: { description: '特困集中供养' },
    SELF_PAY: { description: '自费' },
    INCLUSIVE_DISCOUNT: { description: '普惠床位优惠' },
    OTHER: { description: '其他' },
  },
});

export const BedInventorySource = enumOf(BED_INVENTORY_SOURCES);
registerEnumType(BedInventorySource, {
  name: 'BedInventorySource',
  description: '床位数据来源: 登记 registration, 检查 inspection, 自报 self-report',
  valuesConfig: { REGISTRATION: { description: '登记: from the facility’s registration' }, INSPECTION: { description: '检查: found on inspection' }, SELF_REPORT: { description: '自报: reported by the facility' } },
});

// ---- elders --------------------------------------------------------------------------------------

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

@ObjectType({ description: '变更记录: which fields of a record changed, when and by whom (the values are not kept here).' })
export class RecordChange {
  @Field(() => [String], { description: 'The fields the change set.' }) fields!: string[];
  @Field(() => DateTimeISOResolver, { description: 'When this record was written (server time, ISO 8601).' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;
}

@ObjectType({ description: 'Clear personal values of an elder (个人信息明文). Every request for them writes one access-log row.' })
export class ElderPersonalData {
  @Field(() => String, { nullable: true, description: '公民身份号码 (18 characters).' }) idNumber?: string;
  @Field(() => String, { nullable: true, description: '姓名.' }) name?: string;
  @Field(() => String, { nullable: true, description: '联系电话.' }) phone?: string | null;
  @Field(() => String, { nullable: true, description: '出生日期 YYYY-MM-DD.' }) birthDate?: string;
}

@ObjectType({ description: 'Clear personal values of a caregiver; every request writes one access-log row.' })
export class CaregiverPersonalData {
  @Field(() => String, { nullable: true, description: '姓名.' }) name?: string;
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

@ObjectType({ description: 'One item score of an assessment.' })
export class AssessmentItemScore {
  @Field({ description: 'Item code B1.1 … B4.5.' }) code!: string;
  @Field({ description: 'Item key as in AssessmentItemsInput.' }) key!: string;
  @Field({ description: 'The item’s name in the standard (评估指标).' }) nameZh!: string;
  @Field(() => Int, { description: 'Score given.' }) score!: number;
  @Field(() => Int, { description: 'Highest score of the item.' }) max!: number;
}

@ObjectType({ description: '能力评估明细 — health data (needs `health:read`): item scores, subtotals, total, diagnoses and adjustments.' })
export class AssessmentDetails {
  @Field(() => [AssessmentItemScore], { description: 'The 26 items, B1.1 … B4.5.' }) items!: AssessmentItemScore[];
  @Field(() => Int, { description: 'B1 自理能力 0–32.' }) selfCare!: number;
  @Field(() => Int, { description: 'B2 基础运动能力 0–15.' }) mobility!: number;
  @Field(() => Int, { description: 'B3 精神状态 0–28.' }) mentalState!: number;
  @Field(() => Int, { description: 'B4 感知觉与社会参与 0–15.' }) perceptionSocial!: number;
  @Field(() => Int, { description: '总分 0–90.' }) total!: number;
  @Field(() => Int, { description: '初步等级 from the total.' }) preliminaryLevel!: number;
  @Field(() => [AssessmentAdjustment], { description: '调整: adjustments to the capability level (GB/T 42195-2022 §5.3).' }) adjustments!: string[];
  @Field(() => [String], { description: 'ICD-10 diagnoses (诊断).' }) diagnoses!: string[];
  @Field(() => Int, { description: 'Care-risk events in the last 30 days.' }) riskEventCount!: number;
}

@Directive('@key(fields: "id")')
@ObjectType('Assessment', {
  implements: Node,
  description: '老年人能力评估 (GB/T 42195-2022): never overwritten; the latest one still valid is the current level. Item scores are in `details` (health data).',
})
export class Assessment implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: '评估日期 YYYY-MM-DD.' }) assessedOn!: string;
  @Field(() => AssessmentReason, { description: '评估原因: first, periodic, change of condition, or dispute.' }) reason!: string;
  @Field({ description: 'GB/T 42195-2022.' }) scheme!: string;
  @Field(() => Int, { description: '能力等级 0–4 after adjustments (0 完好, 1 轻度, 2 中度, 3 重度, 4 完全丧失).' }) level!: number;
  @Field({ description: 'Name of the level in Chinese.' }) levelNameZh!: string;
  @Field({ description: 'INTACT, MILD, MODERATE, SEVERE, COMPLETE.' }) levelCode!: string;
  @Field(() => String, { nullable: true, description: '有效期至 YYYY-MM-DD.' }) validUntil!: string | null;
  @Field(() => String, { nullable: true, description: '评估员.' }) assessor!: string | null;
  @Field(() => String, { nullable: true, description: '评估机构.' }) agency!: string | null;
  @Field(() => DateTimeISOResolver, { description: 'When this record was written (server time, ISO 8601).' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;
  record!: AssessmentRecord;

  static from(record: AssessmentRecord): Assessment {
    const names = LEVEL_NAMES[record.finalLevel as CapabilityLevel];
    return Object.assign(new Assessment(), {
      id: toGlobalId('Assessment', record.id),
      assessedOn: record.assessedOn,
      reason: record.reason,
      scheme: record.scheme,
      level: record.finalLevel,
      levelNameZh: names.zh,
      levelCode: names.code,
      validUntil: record.validUntil,
      assessor: record.assessor,
      agency: record.agency,
      recordedAt: record.recordedAt,
      recordedBy: record.recordedBy,
      record,
    });
  }

  details(): AssessmentDetails {
    const r = this.record;
    return Object.assign(new AssessmentDetails(), {
      items: DIMENSIONS.flatMap((d) => d.items).map((i) => Object.assign(new AssessmentItemScore(), { code: i.code, key: i.key, nameZh: i.zh, score: r.items[i.code] ?? 0, max: i.max })),
      selfCare: r.selfCare,
      mobility: r.mobility,
      mentalState: r.mentalState,
      perceptionSocial: r.perceptionSocial,
      total: r.total,
      preliminaryLevel: r.preliminaryLevel,
      adjustments: r.adjustments,
      diagnoses: r.diagnoses,
      riskEventCount: r.riskEventCount,
    });
  }
}

// ---- facilities ---------------------------------------------------------------------------------

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

// ---- workforce, stays, services ---------------------------------------------------------------------

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
      record,
    });
  }
}

@Directive('@key(fields: "id")')
@ObjectType('StaffAssignment', { implements: Node, description: '排班: a caregiver working at a facility in a month.' })
export class StaffAssignment implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: 'YYYY-MM.' }) month!: string;
  @Field(() => StaffRole, { description: '岗位: the role the caregiver is assigned in that month.' }) role!: string;
  @Field({ description: 'Certified (持证) in that month.' }) certified!: boolean;
  @Field(() => DateTimeISOResolver, { description: 'When the assignment was recorded.' }) recordedAt!: string;
  record!: AssignmentRecord;

  static from(record: AssignmentRecord): StaffAssignment {
    return Object.assign(new StaffAssignment(), { id: toGlobalId('StaffAssignment', record.id), month: record.month, role: record.role, certified: record.certified, recordedAt: record.recordedAt, record });
  }
}

@Directive('@key(fields: "id")')
@ObjectType('Stay', { implements: Node, description: '入住 — an elder living in a facility, from admittedOn (inclusive) to dischargedOn (exclusive). Never two overlapping stays for one elder.' })
export class Stay implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: '入住日期 YYYY-MM-DD.' }) admittedOn!: string;
  @Field(() => String, { nullable: true, description: '离院日期 YYYY-MM-DD; null while living there.' }) dischargedOn!: string | null;
  @Field(() => String, { nullable: true, description: '床位号.' }) bedCode!: string | null;
  @Field(() => StayFundingMode, { description: '入住资助方式: how the stay is paid for.' }) fundingMode!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the stay was recorded.' }) recordedAt!: string;
  record!: StayRecord;

  static from(record: StayRecord): Stay {
    return Object.assign(new Stay(), { id: toGlobalId('Stay', record.id), admittedOn: record.admittedOn, dischargedOn: record.dischargedOn, bedCode: record.bedCode, fundingMode: record.fundingMode, recordedAt: record.recordedAt, record });
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

@ObjectType({ description: 'A reference-table entry (code with Chinese and English names).' })
export class ReferenceEntry {
  @Field({ description: 'The entry’s code.' }) code!: string;
  @Field({ description: 'Chinese name of the entry.' }) nameZh!: string;
  @Field({ description: 'English name of the entry.' }) nameEn!: string;
  @Field(() => Boolean, { nullable: true, description: 'Facility types: takes residents (beds).' }) residential?: boolean | null;
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

@ObjectType({ description: '台账导出: what an export of the books held (an access-log entry of type LedgerExport).' })
export class AccessLogExport {
  @Field({ description: 'The file format: hledger, xlsx or csv.' }) format!: string;
  @Field({ description: 'What was exported: transactions (序时账, one row per posting) or trail (资金溯源).' }) what!: string;
  @Field(() => String, { nullable: true, description: 'First effective date included (null: from the beginning).' }) periodFrom!: string | null;
  @Field(() => String, { nullable: true, description: 'Last effective date included (null: to the end).' }) periodTo!: string | null;
  @Field({ description: 'Seq of the newest transaction of the ledger when the export was read (0: empty ledger).' }) chainHeadSeq!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('AccessLogEntry', { implements: Node, description: '个人信息查阅日志: one clear-text access to personal data, or one export of the books (导出台账).' })
export class AccessLogEntry implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the personal data was read in clear (or exported).' }) accessedAt!: string;
  @Field({ description: 'Who (token subject).' }) subject!: string;
  @Field(() => [String], { description: 'The caller’s roles at the time.' }) roles!: string[];
  @Field(() => String, { nullable: true, description: 'The token id (jti).' }) tokenId!: string | null;
  @Field({ description: 'The reason given.' }) reason!: string;
  @Field({ description: 'Elder or Caregiver; Export for a snapshot export (docs/sync.md): then `fields` are the exported types and `regionCode` the region exported; LedgerExport for an export of the books (docs/exports.md, see `export`).' }) entityType!: string;
  @Field(() => ID, { description: 'Global id of the record read (for a LedgerExport: the chain head seq, see `export`).' }) entityId!: string;
  @Field({ description: 'The record’s region (household village for elders; for an export, the region exported).' }) regionCode!: string;
  @Field(() => String, { nullable: true, description: 'For an elder living outside the household village: the residence village (its jurisdiction audits the read too).' })
  residenceRegionCode!: string | null;
  @Field(() => [String], { description: 'Fields seen in clear (for an Export: the types exported; for a LedgerExport: what was exported).' }) fields!: string[];
  @Field(() => Int, { nullable: true, description: 'For an Export: the rows sent, on the entry written when it ended (null on the one written when it started); for a LedgerExport: the data rows of the file.' }) rowCount!: number | null;
  @Field(() => AccessLogExport, { nullable: true, description: 'For an export of the books (entityType LedgerExport): format, period, chain head; null for other entries.' })
  export!: AccessLogExport | null;
  recordId!: string;

  static from(record: AccessLogRecord): AccessLogEntry {
    const { exportFormat, periodFrom, periodTo, ...rest } = record;
    const exported =
      exportFormat ? Object.assign(new AccessLogExport(), { format: exportFormat, what: record.fields[0] ?? '', periodFrom, periodTo, chainHeadSeq: record.entityId }) : null;
    return Object.assign(new AccessLogEntry(), rest, { id: toGlobalId('AccessLogEntry', record.id), recordId: record.id, entityId: toGlobalId(record.entityType, record.entityId), export: exported });
  }
}

export const ElderConnectionTypes = connectionTypes(Elder, 'Elder');
export const ElderConnection = ElderConnectionTypes.ConnectionType;
export type ElderConnection = InstanceType<typeof ElderConnection>;
export const FacilityConnectionTypes = connectionTypes(Facility, 'Facility');
export const FacilityConnection = FacilityConnectionTypes.ConnectionType;
export type FacilityConnection = InstanceType<typeof FacilityConnection>;
export const CaregiverConnectionTypes = connectionTypes(Caregiver, 'Caregiver');
export const CaregiverConnection = CaregiverConnectionTypes.ConnectionType;
export type CaregiverConnection = InstanceType<typeof CaregiverConnection>;
export const StayConnectionTypes = connectionTypes(Stay, 'Stay');
export const StayConnection = StayConnectionTypes.ConnectionType;
export type StayConnection = InstanceType<typeof StayConnection>;
export const ServiceRecordConnectionTypes = connectionTypes(ServiceRecord, 'ServiceRecord');
export const ServiceRecordConnection = ServiceRecordConnectionTypes.ConnectionType;
export type ServiceRecordConnection = InstanceType<typeof ServiceRecordConnection>;
export const AccessLogConnectionTypes = connectionTypes(AccessLogEntry, 'AccessLogEntry');
export const AccessLogConnection = AccessLogConnectionTypes.ConnectionType;
export type AccessLogConnection = InstanceType<typeof AccessLogConnection>;

@ObjectType({ description: 'A facility’s staffing in a month (for the 1:10 list).' })
export class FacilityStaffing {
  @Field(() => Facility, { description: 'The facility.' }) facility!: Facility;
  @Field(() => Staffing, { description: 'Its caregivers against residents in the month (1:10 rule).' }) staffing!: Staffing;
}
export const FacilityStaffingConnectionTypes = connectionTypes(FacilityStaffing, 'FacilityStaffing');
export const FacilityStaffingConnection = FacilityStaffingConnectionTypes.ConnectionType;
export type FacilityStaffingConnection = InstanceType<typeof FacilityStaffingConnection>;

// ---- inputs ---------------------------------------------------------------------------------------

@InputType({ description: 'Register an elder (登记老年人). Birth date and sex, when given, must agree with the ID number; when omitted they are taken from it.' })
export class RegisterElderInput {
  @Field({ description: '18-character ID number (GB 11643 check character); a legacy 15-digit number is converted to 18.' }) idNumber!: string;
  @Field({ description: '姓名.' }) name!: string;
  @Field(() => Sex, { nullable: true, description: '性别; default: from the ID number’s sex digit.' }) sex?: 'MALE' | 'FEMALE' | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD.' }) birthDate?: string | null;
  @Field({ description: '户籍 village code (12 digits) — must be inside your jurisdiction.' }) hukouVillageCode!: string;
  @Field(() => String, { nullable: true, description: '居住 village code; the household village when omitted.' }) residenceVillageCode?: string | null;
  @Field(() => String, { nullable: true, description: 'Mobile (11 digits) or landline.' }) phone?: string | null;
}

@InputType({ description: 'Change an elder’s name, phone or villages (the ID number, birth date and sex never change). Only given fields change; each change is logged (fields, not values).' })
export class UpdateElderInput {
  @Field(() => String, { nullable: true, description: 'New name (stored encrypted).' }) name?: string | null;
  @Field(() => String, { nullable: true, description: 'New phone number (stored encrypted).' }) phone?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Remove the phone number.' }) clearPhone?: boolean | null;
  @Field(() => String, { nullable: true, description: '户籍地: new village (12-digit code) of the household registration.' }) hukouVillageCode?: string | null;
  @Field(() => String, { nullable: true, description: '居住地: new village (12-digit code) of residence.' }) residenceVillageCode?: string | null;
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

@InputType({ description: 'The 26 item scores of GB/T 42195-2022 (each with its maximum).' })
export class AssessmentItemsInput {
  @Field(() => Int, { description: 'B1.1 进食 0–4' }) eating!: number;
  @Field(() => Int, { description: 'B1.2 修饰 0–4' }) grooming!: number;
  @Field(() => Int, { description: 'B1.3 洗澡 0–4' }) bathing!: number;
  @Field(() => Int, { description: 'B1.4 穿/脱上衣 0–4' }) upperDressing!: number;
  @Field(() => Int, { description: 'B1.5 穿/脱裤子和鞋袜 0–4' }) lowerDressing!: number;
  @Field(() => Int, { description: 'B1.6 小便控制 0–4' }) urinaryControl!: number;
  @Field(() => Int, { description: 'B1.7 大便控制 0–4' }) bowelControl!: number;
  @Field(() => Int, { description: 'B1.8 如厕 0–4' }) toileting!: number;
  @Field(() => Int, { description: 'B2.1 床上体位转移 0–4' }) bedMobility!: number;
  @Field(() => Int, { description: 'B2.2 床椅转移 0–4' }) bedChairTransfer!: number;
  @Field(() => Int, { description: 'B2.3 平地行走 0–4' }) walking!: number;
  @Field(() => Int, { description: 'B2.4 上下楼梯 0–3' }) stairs!: number;
  @Field(() => Int, { description: 'B3.1 时间定向 0–4' }) timeOrientation!: number;
  @Field(() => Int, { description: 'B3.2 空间定向 0–4' }) placeOrientation!: number;
  @Field(() => Int, { description: 'B3.3 人物定向 0–4' }) personOrientation!: number;
  @Field(() => Int, { description: 'B3.4 记忆 0–4' }) memory!: number;
  @Field(() => Int, { description: 'B3.5 理解能力 0–4' }) comprehension!: number;
  @Field(() => Int, { description: 'B3.6 表达能力 0–4' }) expression!: number;
  @Field(() => Int, { description: 'B3.7 攻击行为 0–1' }) aggression!: number;
  @Field(() => Int, { description: 'B3.8 抑郁症状 0–1' }) depression!: number;
  @Field(() => Int, { description: 'B3.9 意识水平 0–2 (0 = 昏迷 coma)' }) consciousness!: number;
  @Field(() => Int, { description: 'B4.1 视力 0–2' }) vision!: number;
  @Field(() => Int, { description: 'B4.2 听力 0–2' }) hearing!: number;
  @Field(() => Int, { description: 'B4.3 执行日常事务 0–4' }) dailyAffairs!: number;
  @Field(() => Int, { description: 'B4.4 使用交通工具外出 0–3' }) transport!: number;
  @Field(() => Int, { description: 'B4.5 社会交往能力 0–4' }) socialInteraction!: number;
}

@InputType({ description: 'Record a capability assessment (appended; the level is computed, never given).' })
export class RecordAssessmentInput {
  @Field(() => ID, { description: 'Global id of the elder (老年人).' }) elderId!: string;
  @Field({ description: 'YYYY-MM-DD.' }) assessedOn!: string;
  @Field(() => AssessmentReason, { description: '评估原因: why the assessment was made.' }) reason!: VocabularyAssessmentReason;
  @Field(() => AssessmentItemsInput, { description: 'The scores of the standard’s items (GB/T 42195-2022).' }) items!: AssessmentItemsInput;
  @Field(() => [String], { nullable: true, description: 'ICD-10 codes (F00–F03 dementia; F04–F99 other mental disorders raise the level).' }) diagnoses?: string[] | null;
  @Field(() => Int, { nullable: true, description: 'Care-risk events (falls, choking, self-harm, wandering …) in the last 30 days.' }) riskEventCount?: number | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD; open when omitted.' }) validUntil?: string | null;
  @Field(() => String, { nullable: true, description: '评估员: who assessed.' }) assessor?: string | null;
  @Field(() => String, { nullable: true, description: '评估机构: the assessing agency.' }) agency?: string | null;
}

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
