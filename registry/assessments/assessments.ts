/**
 * Capability assessments (能力评估, GB/T 42195-2022): recorded with their score (assessment.ts), append-only,
 * read per elder or by id.
 */
import { todayInChina } from '../../platform/id-number.js';
import { scoreAssessment, type AssessmentInput } from '../assessment.js';
import { RegistryRoom, requireBorn, ts } from '../store.js';
import { RecordTable } from '../reads.js';
import type { AssessmentRecord } from '../types.js';
import { ASSESSMENT_REASONS, type AssessmentReason } from '../vocabulary.js';
import * as v from '../validate.js';

const ASSESSMENT = `a.id::text, a.elder_id::text as "elderId", a.assessed_on::text as "assessedOn", a.reason, a.scheme, a.items,
  a.self_care as "selfCare", a.mobility, a.mental_state as "mentalState", a.perception_social as "perceptionSocial", a.total,
  a.preliminary_level as "preliminaryLevel", a.adjustments, a.final_level as "finalLevel", a.diagnoses, a.risk_event_count as "riskEventCount",
  a.valid_until::text as "validUntil", a.assessor, a.agency, ${ts('a.recorded_at')} as "recordedAt", a.recorded_by as "recordedBy"`;
export const ASSESSMENTS = new RecordTable<AssessmentRecord>(ASSESSMENT, 'registry.assessment a', 'a');

export class Assessments extends RegistryRoom {
  async recordAssessment(
    input: AssessmentInput & {
      elderId: string;
      assessedOn: string;
      reason: AssessmentReason;
      validUntil?: string | null;
      assessor?: string | null;
      agency?: string | null;
    },
    actor: string,
  ): Promise<AssessmentRecord> {
    const elderId = v.recordId(input.elderId, 'elderId');
    const assessedOn = v.isoDate(input.assessedOn, 'assessedOn');
    if (assessedOn > todayInChina()) throw v.bad('assessedOn is in the future', 'assessedOn');
    const reason = v.oneOf(input.reason, ASSESSMENT_REASONS, 'reason');
    const validUntil = v.optionalDate(input.validUntil, 'validUntil');
    if (validUntil && validUntil < assessedOn) throw v.bad('validUntil must not be before assessedOn', 'validUntil');
    const score = scoreAssessment(input);
    const id = await this.tx(async (client) => {
      const life = await this.store.elderLife(client, elderId);
      requireBorn(life, assessedOn, 'assessedOn');
      if (life.deathDate && assessedOn > life.deathDate) throw v.bad(`the elder died on ${life.deathDate}: no assessment after that`, 'assessedOn');
      return this.store.insert(
        client,
        `insert into registry.assessment (elder_id, assessed_on, reason, items, self_care, mobility, mental_state, perception_social, total,
           preliminary_level, adjustments, final_level, diagnoses, risk_event_count, valid_until, assessor, agency, recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) returning id::text`,
        [
          elderId, assessedOn, reason, JSON.stringify(score.items), score.dimensions.selfCare, score.dimensions.mobility, score.dimensions.mentalState,
          score.dimensions.perceptionSocial, score.total, score.preliminaryLevel, score.adjustments, score.finalLevel,
          (input.diagnoses ?? []).map((d) => d.trim().toUpperCase()), input.riskEventCount ?? 0, validUntil,
          v.optionalFreeText(input.assessor, 'assessor', 200), v.optionalFreeText(input.agency, 'agency', 200), actor,
        ],
      );
    });
    return ASSESSMENTS.written(this.sql, id);
  }

  async assessmentsByElders(elderIds: readonly string[]): Promise<Map<string, AssessmentRecord[]>> {
    return ASSESSMENTS.byOwners(this.sql, 'a.elder_id', elderIds, 'a.assessed_on, a.id');
  }

  async assessments(ids: readonly string[]): Promise<Map<string, AssessmentRecord>> {
    return ASSESSMENTS.byIds(this.sql, ids);
  }
}
