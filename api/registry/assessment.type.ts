/** GraphQL types of capability assessments (老年人能力评估, GB/T 42195-2022): the record, its health details, and the input. */
import { Directive, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { Node, toGlobalId } from '../relay.js';
import { DIMENSIONS, LEVEL_NAMES, type CapabilityLevel } from '../../registry/assessment.js';
import type { AssessmentReason as VocabularyAssessmentReason } from '../../registry/vocabulary.js';
import type { AssessmentRecord } from '../../registry/types.js';
import { AssessmentAdjustment, AssessmentReason } from './vocabulary.type.js';

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
