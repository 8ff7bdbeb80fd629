/**
 * Older-adult capability assessment, GB/T 42195-2022 老年人能力评估规范 (docs/registry.md "Rules").
 * A pure scoring function: 26 item scores → dimension subtotals, total (0–90), preliminary level,
 * adjustments (C4) and final level.
 */
import { DomainError } from '../platform/errors.js';

export interface ItemDef {
  code: string;
  key: string;
  zh: string;
  en: string;
  max: number;
}

export interface DimensionDef {
  code: 'B1' | 'B2' | 'B3' | 'B4';
  key: 'selfCare' | 'mobility' | 'mentalState' | 'perceptionSocial';
  zh: string;
  en: string;
  items: ItemDef[];
}

const item = (code: string, key: string, zh: string, en: string, max: number): ItemDef => ({ code, key, zh, en, max });

export const DIMENSIONS: readonly DimensionDef[] = [
  {
    code: 'B1', key: 'selfCare', zh: '自理能力', en: 'self-care',
    items: [
      item('B1.1', 'eating', '进食', 'eating', 4),
      item('B1.2', 'grooming', '修饰', 'grooming', 4),
      item('B1.3', 'bathing', '洗澡', 'bathing', 4),
      item('B1.4', 'upperDressing', '穿/脱上衣', 'dressing, upper body', 4),
      item('B1.5', 'lowerDressing', '穿/脱裤子和鞋袜', 'dressing, trousers, shoes and socks', 4),
      item('B1.6', 'urinaryControl', '小便控制', 'urinary control', 4),
      item('B1.7', 'bowelControl', '大便控制', 'bowel control', 4),
      item('B1.8', 'toileting', '如厕', 'toileting', 4),
    ],
  },
  {
    code: 'B2', key: 'mobility', zh: '基础运动能力', en: 'basic mobility',
    items: [
      item('B2.1', 'bedMobility', '床上体位转移', 'turning and moving in bed', 4),
      item('B2.2', 'bedChairTransfer', '床椅转移', 'bed–chair transfer', 4),
      item('B2.3', 'walking', '平地行走', 'walking on level ground', 4),
      item('B2.4', 'stairs', '上下楼梯', 'stairs', 3),
    ],
  },
  {
    code: 'B3', key: 'mentalState', zh: '精神状态', en: 'mental state',
    items: [
      item('B3.1', 'timeOrientation', '时间定向', 'orientation in time', 4),
      item('B3.2', 'placeOrientation', '空间定向', 'orientation in space', 4),
      item('B3.3', 'personOrientation', '人物定向', 'orientation to persons', 4),
      item('B3.4', 'memory', '记忆', 'memory', 4),
      item('B3.5', 'comprehension', '理解能力', 'comprehension', 4),
      item('B3.6', 'expression', '表达能力', 'expression', 4),
      item('B3.7', 'aggression', '攻击行为', 'aggressive behaviour (1 = none)', 1),
      item('B3.8', 'depression', '抑郁症状', 'depressive symptoms (1 = none)', 1),
      item('B3.9', 'consciousness', '意识水平', 'level of consciousness (2 clear, 1 drowsy/stupor, 0 coma)', 2),
    ],
  },
  {
    code: 'B4', key: 'perceptionSocial', zh: '感知觉与社会参与', en: 'perception and social participation',
    items: [
      item('B4.1', 'vision', '视力', 'vision', 2),
      item('B4.2', 'hearing', '听力', 'hearing', 2),
      item('B4.3', 'dailyAffairs', '执行日常事务', 'managing daily affairs', 4),
      item('B4.4', 'transport', '使用交通工具外出', 'going out using transport', 3),
      item('B4.5', 'socialInteraction', '社会交往能力', 'social interaction', 4),
    ],
  },
];

export const ITEMS: readonly ItemDef[] = DIMENSIONS.flatMap((d) => d.items);
export const MAX_TOTAL = 90;

export type CapabilityLevel = 0 | 1 | 2 | 3 | 4;
export const LEVEL_NAMES: Record<CapabilityLevel, { zh: string; en: string; code: string }> = {
  0: { zh: '能力完好', en: 'intact', code: 'INTACT' },
  1: { zh: '能力轻度受损（轻度失能）', en: 'mildly impaired', code: 'MILD' },
  2: { zh: '能力中度受损（中度失能）', en: 'moderately impaired', code: 'MODERATE' },
  3: { zh: '能力重度受损（重度失能）', en: 'severely impaired', code: 'SEVERE' },
  4: { zh: '能力完全丧失（完全失能）', en: 'completely lost', code: 'COMPLETE' },
};

/** Care-risk events in the last 30 days (A.x 近30天内照护风险事件). */
export const RISK_EVENTS = ['FALL', 'CHOKING', 'SUICIDE_SELF_HARM', 'WANDERING', 'OTHER'] as const;
export type RiskEvent = (typeof RISK_EVENTS)[number];

export type Adjustment = 'COMA' | 'DEMENTIA_OR_MENTAL_DISORDER' | 'RISK_EVENTS';

export interface AssessmentInput {
  /** Item scores keyed by item code (B1.1 … B4.5) or item key (eating …). */
  items: Readonly<Record<string, number>>;
  /** ICD-10 codes of diagnoses (F00–F03 dementia; F04–F99 other mental and behavioural disorders). */
  diagnoses?: readonly string[];
  /** Number of care-risk events in the last 30 days. */
  riskEventCount?: number;
}

export interface AssessmentScore {
  /** Item scores keyed by code B1.1 … B4.5. */
  items: Record<string, number>;
  dimensions: { selfCare: number; mobility: number; mentalState: number; perceptionSocial: number };
  total: number;
  preliminaryLevel: CapabilityLevel;
  adjustments: Adjustment[];
  finalLevel: CapabilityLevel;
  coma: boolean;
  dementia: boolean;
}

/** Level from the total alone (GB/T 42195-2022 Table C.1): 90 → 0, 66–89 → 1, 46–65 → 2, 30–45 → 3, 0–29 → 4. */
export function levelFromTotal(total: number): CapabilityLevel {
  if (!Number.isInteger(total) || total < 0 || total > MAX_TOTAL) throw new RangeError(`total must be an integer 0–${MAX_TOTAL}`);
  if (total === 90) return 0;
  if (total >= 66) return 1;
  if (total >= 46) return 2;
  if (total >= 30) return 3;
  return 4;
}

const ICD10 = /^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/;
/** F00–F99: dementia (F00–F03) and the other mental and behavioural disorders (F04–F99). */
export const isMentalDisorder = (code: string) => /^F[0-9]{2}/.test(code);

/**
 * Scores an assessment. Adjustments (C4): coma (意识水平 scored 0) → level 4 directly; a dementia or
 * other mental/behavioural diagnosis, or 2+ risk events in 30 days → one level worse than the
 * preliminary level (once, even when both apply: both raise "the original level"), capped at 4.
 */
export function scoreAssessment(input: AssessmentInput): AssessmentScore {
  const byKey = new Map(ITEMS.flatMap((d) => [[d.code, d] as const, [d.key, d] as const]));
  const items: Record<string, number> = {};
  for (const [name, value] of Object.entries(input.items)) {
    const def = byKey.get(name);
    if (!def) throw new DomainError('BAD_USER_INPUT', `unknown assessment item "${name}"`, `items.${name}`);
    if (def.code in items) throw new DomainError('BAD_USER_INPUT', `item ${def.code} given twice`, `items.${def.key}`);
    if (!Number.isInteger(value) || value < 0 || value > def.max) {
      throw new DomainError('BAD_USER_INPUT', `item ${def.code} ${def.zh} must be an integer 0–${def.max}`, `items.${def.key}`);
    }
    items[def.code] = value;
  }
  const missing = ITEMS.filter((d) => !(d.code in items));
  if (missing.length) {
    throw new DomainError('BAD_USER_INPUT', `all 26 items are required; missing ${missing.map((d) => d.code).join(', ')}`, `items.${missing[0]!.key}`);
  }
  const diagnoses = [...(input.diagnoses ?? [])].map((d) => d.trim().toUpperCase());
  diagnoses.forEach((d, i) => {
    if (!ICD10.test(d)) throw new DomainError('BAD_USER_INPUT', `diagnosis ${i + 1} is not an ICD-10 code (e.g. F00.1)`, `diagnoses.${i}`);
  });
  const risk = input.riskEventCount ?? 0;
  if (!Number.isInteger(risk) || risk < 0 || risk > 100) throw new DomainError('BAD_USER_INPUT', 'riskEventCount must be 0–100', 'riskEventCount');

  const sum = (d: DimensionDef) => d.items.reduce((s, i) => s + items[i.code]!, 0);
  const [b1, b2, b3, b4] = DIMENSIONS.map(sum) as [number, number, number, number];
  const total = b1 + b2 + b3 + b4;
  const preliminaryLevel = levelFromTotal(total);
  const coma = items['B3.9'] === 0;
  const dementia = diagnoses.some(isMentalDisorder);
  const adjustments: Adjustment[] = [];
  let finalLevel: CapabilityLevel = preliminaryLevel;
  if (coma) {
    adjustments.push('COMA');
    finalLevel = 4;
  } else {
    if (dementia) adjustments.push('DEMENTIA_OR_MENTAL_DISORDER');
    if (risk >= 2) adjustments.push('RISK_EVENTS');
    if (adjustments.length) finalLevel = Math.min(4, preliminaryLevel + 1) as CapabilityLevel;
  }
  return {
    items,
    dimensions: { selfCare: b1, mobility: b2, mentalState: b3, perceptionSocial: b4 },
    total,
    preliminaryLevel,
    adjustments,
    finalLevel,
    coma,
    dementia,
  };
}
