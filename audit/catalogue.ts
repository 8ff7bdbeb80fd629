/**
 * The rule catalogue (shared domain reference §3.2): each rule's identity, version, names, severity,
 * fund lines and parameter defaults. The SQL of a version lives in audit/rules/*.ts under the same
 * id; the database keeps one audit.rule row per (id, version), appended when a new version first runs.
 */
import { PAYEE_TYPES } from '../ledger/types.js';

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
export const ALL_FUND_LINES = ['HARDSHIP_SUPPORT', 'FACILITY_SUBSIDY', 'PROJECT_GRANT', 'SENIOR_ALLOWANCE', 'OPERATIONS'];
const PERSON_LINES = ['HARDSHIP_SUPPORT', 'SENIOR_ALLOWANCE'];

export interface RuleDefinition {
  id: string;
  version: number;
  nameZh: string;
  nameEn: string;
  severity: Severity;
  fundLines: string[];
  parameters: Record<string, unknown>;
  /**
   * Closed vocabularies of a parameter: the codes its lists may hold (`items`) and its map's keys
   * (`keys`). The shape check alone let an override list payee type "PERSONS", and every payment to
   * a PERSON then became a finding of the region.
   */
  vocabulary?: Record<string, { items?: readonly string[]; keys?: readonly string[] }>;
  /**
   * The range of every number inside a parameter (the shape check alone allows 0 to 10⁹). The SQL
   * adds months and days to dates, divides by counts and multiplies percentages: AR-18's
   * residentsPerCertifiedCaregiver 0 was a division by zero, AR-17's months or AR-12's
   * carryOverYears 10⁹ a date out of range, and every later run of the region failed.
   */
  limits?: Record<string, { min?: number; max: number }>;
  description: string;
}

export const RULES: readonly RuleDefinition[] = [
  {
    id: 'AR-01', version: 1, nameZh: '向已死亡人员发放', nameEn: 'Paid after death', severity: 'HIGH', fundLines: PERSON_LINES,
    parameters: { deathGraceMonths: 0 },
    limits: { deathGraceMonths: { max: 120 } },
    description: 'A payment to an elder for a service month after the month of death plus deathGraceMonths (0: the death month itself is payable, the month after is not).',
  },
  {
    id: 'AR-03', version: 2, nameZh: '重复发放(含跨地区)', nameEn: 'Duplicate payment on the same line', severity: 'HIGH', fundLines: ALL_FUND_LINES,
    parameters: {},
    description: 'More than one unreversed payment to the same payee for the same fund line, benefit and service month, within a county or across counties (多地重复享受). Amount at risk: the total less the largest single line.',
  },
  {
    id: 'AR-04', version: 1, nameZh: '互斥待遇重复享受', nameEn: 'Mutually exclusive benefits', severity: 'HIGH', fundLines: ALL_FUND_LINES,
    parameters: {
      pairs: [
        { a: 'HS_CENTRALISED', b: 'HS_DISPERSED', scope: 'SAME_MONTH', note: '特困集中供养 ⟂ 分散供养' },
        { a: 'HS_BASIC_LIVING', b: 'DIBAO_ALLOWANCE', scope: 'SAME_MONTH', note: '特困 ⟂ 低保' },
        { a: 'FAMILY_CARE_BED', b: 'SEVERE_DISABILITY_CARE', scope: 'SAME_MONTH', note: '家庭照护床位 ⟂ 重度失能护理补贴' },
        { a: 'LTC_INSURANCE_CARE', b: 'CIVIL_CARE_SUBSIDY', scope: 'SAME_MONTH', note: '长护险 ⟂ 民政护理补贴' },
      ],
    },
    description: 'The same payee received both benefits of an exclusive pair (configured benefit codes) for the same service month. Amount at risk: the smaller of the two.',
  },
  {
    id: 'AR-05', version: 1, nameZh: '年龄不符', nameEn: 'Age ineligible or wrong allowance band', severity: 'HIGH', fundLines: ['SENIOR_ALLOWANCE'],
    parameters: {
      threshold: 80,
      monthlyBenefitCodes: ['SA_MONTHLY'],
      lowIncomeCategories: ['EXTREME_HARDSHIP', 'DIBAO', 'NEAR_DIBAO'],
      bandAmounts: { B80_89: 5000, B80_89_LOW_INCOME: 8000, B90_99: 10000, B100_PLUS: 30000 },
    },
    limits: { threshold: { max: 150 } },
    description: 'An allowance for a month before the first eligible month (the month after the 80th birthday: HIGH), or a monthly line whose amount is not the amount of the band the elder was in that month (MEDIUM; amount at risk: the difference).',
  },
  {
    id: 'AR-06', version: 2, nameZh: '身份不符', nameEn: 'Category not held for the month paid', severity: 'HIGH', fundLines: PERSON_LINES,
    parameters: {
      categoryByFundLine: { HARDSHIP_SUPPORT: ['EXTREME_HARDSHIP'] },
      categoryByBenefit: { SA_LOW_INCOME: ['EXTREME_HARDSHIP', 'DIBAO', 'NEAR_DIBAO'] },
    },
    description: 'A payment whose fund line or benefit requires a special category (特困 for HARDSHIP_SUPPORT …) for an elder who held none of the required categories on any day of the service month, or for a PERSON payee that is no registry elder (version 2: detail.inRegistry false).',
  },
  {
    id: 'AR-09', version: 2, nameZh: '失能加成无有效评估', nameEn: 'Care benefit without a valid capability assessment', severity: 'MEDIUM', fundLines: ALL_FUND_LINES,
    parameters: {
      // GB/T 42195 final levels: 2 中度失能, 3 重度失能, 4 完全失能.
      minLevelByBenefit: { SEVERE_DISABILITY_CARE: 3, FAMILY_CARE_BED: 2, CIVIL_CARE_SUBSIDY: 2 },
      assessmentValidityMonths: 12,
    },
    limits: { minLevelByBenefit: { max: 4 }, assessmentValidityMonths: { min: 1, max: 120 } },
    description: 'A benefit that needs a capability level (minLevelByBenefit) paid for a month in which the elder\'s latest assessment on or before the month\'s last day is missing, expired (validUntil passed, or older than assessmentValidityMonths) or of a lower final level — or paid to a PERSON payee that is no registry elder (version 2: detail.inRegistry false). Amount at risk: the payments.',
  },
  {
    id: 'AR-11', version: 1, nameZh: '资金滞留', nameEn: 'Funds retained', severity: 'MEDIUM', fundLines: ALL_FUND_LINES,
    parameters: { allocateWithinDays: 30, spendWithinDays: 30 },
    limits: { allocateWithinDays: { max: 3650 }, spendWithinDays: { max: 3650 } },
    description: 'A lot received (or appropriated) at a region still holds money at the end of the last day allowed (allocateWithinDays above county level, spendWithinDays at county level and below). HIGH when money is still there after three times the days allowed. Amount at risk: what remained at the deadline.',
  },
  {
    id: 'AR-12', version: 1, nameZh: '资金闲置', nameEn: 'Funds idle', severity: 'MEDIUM', fundLines: ALL_FUND_LINES,
    parameters: { idleMonths: 12, minAmount: 0, carryOverYears: 2 },
    limits: { idleMonths: { max: 1200 }, carryOverYears: { max: 100 } },
    description: 'A lot with an available balance above minAmount and no movement for idleMonths (MEDIUM), or of a fiscal year carryOverYears or more before the evaluation year with any balance left (HIGH: two-year carry-over must be recovered).',
  },
  {
    id: 'AR-13', version: 2, nameZh: '下达未到账', nameEn: 'Allocation in transit too long', severity: 'MEDIUM', fundLines: ALL_FUND_LINES,
    parameters: { transitDays: 10 },
    limits: { transitDays: { max: 3650 } },
    description: 'An allocation received more than transitDays after it was issued, or still not received transitDays after issue (day 10 is in time, day 11 is not), as of the evaluation date: a receipt dated after it does not count yet.',
  },
  {
    id: 'AR-14', version: 1, nameZh: '挪用/改变用途', nameEn: 'Diversion: a payee the fund line may not pay', severity: 'HIGH', fundLines: ALL_FUND_LINES,
    parameters: {
      // FundLineAllowedUse: the payee types (ledger/types.ts PAYEE_TYPES) each fund line may pay.
      fundLineAllowedUse: {
        // 集中供养 goes to the home, or to the operator that runs a publicly built one (公建民营).
        HARDSHIP_SUPPORT: ['PERSON', 'FACILITY', 'OPERATOR'],
        FACILITY_SUBSIDY: ['FACILITY', 'OPERATOR'],
        PROJECT_GRANT: ['PROJECT', 'FACILITY', 'OPERATOR', 'CONTRACTOR'],
        SENIOR_ALLOWANCE: ['PERSON'],
        OPERATIONS: ['PERSON', 'FACILITY', 'OPERATOR', 'CONTRACTOR'],
      },
      // A benefit with a list of its own is judged by it instead of its line's (分散供养 is paid to the person).
      benefitAllowedUse: { HS_DISPERSED: ['PERSON'] },
    },
    vocabulary: { fundLineAllowedUse: { items: PAYEE_TYPES, keys: ALL_FUND_LINES }, benefitAllowedUse: { items: PAYEE_TYPES } },
    description: 'A payment to a payee type its benefit (benefitAllowedUse) or, without a list of its own, its fund line (fundLineAllowedUse) may not pay: 尊老金 to any organisation, 特困供养 to a contractor. Amount at risk: the payments.',
  },
  {
    id: 'AR-17', version: 1, nameZh: '建成闲置', nameEn: 'Facility idle after its grant', severity: 'MEDIUM', fundLines: ['PROJECT_GRANT'],
    parameters: { months: 6, minOccupancyPercent: 60 },
    limits: { months: { max: 1200 }, minOccupancyPercent: { max: 100 } },
    description: 'A facility paid project-grant money that, more than `months` after the last such payment, nobody has lived in or been served by since (IDLE), or that is residential with fewer residents on the evaluation date than minOccupancyPercent of its actual beds (LOW_OCCUPANCY). Amount at risk: the grant paid for the month.',
  },
  {
    id: 'AR-18', version: 1, nameZh: '护理员配比不达标', nameEn: 'Certified-caregiver ratio below standard', severity: 'MEDIUM', fundLines: ['OPERATIONS'],
    parameters: { residentsPerCertifiedCaregiver: 10 },
    limits: { residentsPerCertifiedCaregiver: { min: 1, max: 1000 } },
    description: 'A facility paid operations money for a month in which its certified caregivers were fewer than ceil(residents / 10). Amount at risk: the money paid for that month.',
  },
  {
    id: 'AR-20', version: 2, nameZh: '身份信息异常', nameEn: 'ID integrity', severity: 'MEDIUM', fundLines: [],
    parameters: {},
    description: 'Stored registry data that disagrees with itself: the sex digit of the ID number against the recorded sex (MEDIUM), two records with the same masked name, birth date, sex and household village (LOW, a probable duplicate person), or events of an elder dated before the birth, stored before PostgreSQL refused them (MEDIUM; version 2). Checksums and the birth date in the ID are verified on every registry write.',
  },
  {
    id: 'AR-21', version: 1, nameZh: '账务完整性', nameEn: 'Ledger integrity', severity: 'CRITICAL', fundLines: ALL_FUND_LINES,
    parameters: { verifyChain: true },
    description: 'A break in the hash chain (ledger.verify_chain), a transaction whose postings do not balance or have fewer than two legs, or an account of a lot whose recomputed balance has the wrong sign (AVAILABLE below zero).',
  },
  {
    id: 'AR-22', version: 1, nameZh: '冲销异常', nameEn: 'Reversal patterns', severity: 'MEDIUM', fundLines: ALL_FUND_LINES,
    parameters: { maxReversals: 2, reissueDays: 30 },
    limits: { reissueDays: { max: 3650 } },
    description: 'More than maxReversals reversed payments to one payee in a calendar year, or a reversed payment re-issued within reissueDays to a different payee (same paying region, line, benefit, month and amount).',
  },
  {
    id: 'AR-24', version: 1, nameZh: '迁出后继续发放', nameEn: 'Paid after the household moved out', severity: 'HIGH', fundLines: PERSON_LINES,
    parameters: {},
    description: 'A payment by a county for a service month after the month the elder\'s household (户籍) last moved, when the household is now in another county.',
  },
  {
    id: 'AR-25', version: 1, nameZh: '逐级不超拨', nameEn: 'Allocations beyond the lot', severity: 'CRITICAL', fundLines: ALL_FUND_LINES,
    parameters: {},
    description: 'A lot from which more was allocated to child lots (net of returns) and spent than entered it, or a ledger whose postings do not sum to zero.',
  },
];

export const RULE_IDS = RULES.map((r) => r.id);
export const ruleById = new Map(RULES.map((r) => [r.id, r]));
