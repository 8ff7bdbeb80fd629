/** The registry's closed vocabularies as GraphQL enums (values from registry/vocabulary.ts, descriptions here). */
import { registerEnumType } from 'type-graphql';
import { ASSESSMENT_REASONS, BED_INVENTORY_SOURCES, CERTIFICATE_LEVELS, FACILITY_STATUSES, OPERATING_MODELS, SEXES, STAFF_ROLES, STAY_FUNDING_MODES, VITAL_SOURCES, VITAL_STATUSES } from '../../registry/vocabulary.js';

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
