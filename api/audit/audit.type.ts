/** GraphQL types of the audit engine (审计): rules, runs, findings, evidence and the disposition workflow. */
import { createUnionType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { Money } from '../scalars.js';
import { connectionTypes, Node, toGlobalId } from '../relay.js';
import { LedgerTransaction, Lot } from '../ledger/ledger.type.js';
import { Elder, Facility } from '../registry/registry.type.js';
import type { FindingEventRecord, FindingRecord } from '../../audit/findings.js';

export enum AuditSeverity { CRITICAL = 'CRITICAL', HIGH = 'HIGH', MEDIUM = 'MEDIUM', LOW = 'LOW' }
registerEnumType(AuditSeverity, { name: 'AuditSeverity', description: '严重程度: CRITICAL blocks closing the period; HIGH needs a disposition; MEDIUM/LOW go to monthly review.', valuesConfig: {
  CRITICAL: { description: '严重: ledger integrity, conservation.' }, HIGH: { description: '高: money paid that should not have been.' },
  MEDIUM: { description: '中: money held, late or paid at the wrong rate.' }, LOW: { description: '低: data quality.' } } });

export enum AuditFindingStatus { OPEN = 'OPEN', ANSWERED = 'ANSWERED', CONFIRMED = 'CONFIRMED', DISMISSED = 'DISMISSED', REMEDIATED = 'REMEDIATED' }
registerEnumType(AuditFindingStatus, { name: 'AuditFindingStatus', description: '处置状态 of a finding (the status after its latest event).', valuesConfig: {
  OPEN: { description: '待处理: detected (or reopened), not yet worked.' }, ANSWERED: { description: '已答复: the audited region explained it.' },
  CONFIRMED: { description: '已确认: the auditor confirmed it; money is to be recovered.' }, DISMISSED: { description: '已排除: the auditor dismissed it, with a reason (and perhaps an expiry).' },
  REMEDIATED: { description: '已整改: recovered, with a reference (e.g. the reversal).' } } });

export enum AuditDisposition { ANSWER = 'ANSWER', CONFIRM = 'CONFIRM', DISMISS = 'DISMISS', REMEDIATE = 'REMEDIATE' }
registerEnumType(AuditDisposition, { name: 'AuditDisposition', description: '处置: what a person does with a finding.', valuesConfig: {
  ANSWER: { description: '答复 (the audited region\'s officers; a reason is required).' }, CONFIRM: { description: '确认 (auditor).' },
  DISMISS: { description: '排除 (auditor; a reason is required, dismissUntil optional: afterwards it reopens if the condition still holds).' },
  REMEDIATE: { description: '整改 (the audited region; a reference is required, e.g. the reversal or return transaction). Only after CONFIRM.' } } });

export enum AuditSubjectType { ELDER = 'ELDER', FACILITY = 'FACILITY', LOT = 'LOT', TRANSACTION = 'TRANSACTION', ACCOUNT = 'ACCOUNT', PAYEE = 'PAYEE', LEDGER = 'LEDGER' }
registerEnumType(AuditSubjectType, { name: 'AuditSubjectType', description: 'What a finding is about (never an ID number).', valuesConfig: {
  ELDER: { description: '老年人: subjectId is the registry number (E00000042).' }, FACILITY: { description: '设施: registry number (F00000007).' },
  LOT: { description: '资金批次: the lot id.' }, TRANSACTION: { description: '凭证: the transaction id.' }, ACCOUNT: { description: '账户: account id and lot id (12:34).' },
  PAYEE: { description: 'A payee outside the registry: payee type and id.' }, LEDGER: { description: 'The ledger as a whole (hash-chain, conservation).' } } });

@ObjectType({ description: 'A rule parameter: its key and value (JSON text).' })
export class AuditRuleParameter {
  @Field() key!: string;
  @Field({ description: 'The value as JSON (a number, a list, an object).' }) value!: string;
}

@ObjectType('AuditRule', { description: '审计规则: one version of a rule with its default parameters (a region may override them).' })
export class AuditRule {
  @Field({ description: 'Rule id, e.g. AR-01.' }) id!: string;
  @Field(() => Int) version!: number;
  @Field({ description: '中文名称.' }) nameZh!: string;
  @Field() nameEn!: string;
  @Field(() => AuditSeverity) severity!: string;
  @Field(() => [String], { description: 'Fund lines the rule reads.' }) fundLines!: string[];
  @Field(() => [AuditRuleParameter], { description: 'Default parameters.' }) parameters!: AuditRuleParameter[];
  @Field() description!: string;
}

@ObjectType({ description: 'One rule of a run: the version and parameters used and how many candidate rows it produced.' })
export class AuditRunRule {
  @Field() ruleId!: string;
  @Field(() => Int) version!: number;
  @Field({ description: 'The effective parameters as JSON.' }) parameters!: string;
  @Field(() => Int) candidates!: number;
  @Field(() => Int) durationMs!: number;
}

@ObjectType({ description: 'What a run changed.' })
export class AuditRunCounts {
  @Field(() => Int, { description: 'Findings the run found (new or existing).' }) findings!: number;
  @Field(() => Int, { description: '新发现: new findings.' }) detected!: number;
  @Field(() => Int, { description: 'Open findings whose evidence changed (a new evidence version).' }) refreshed!: number;
  @Field(() => Int, { description: '已消除: findings the run covered whose condition no longer holds.' }) cleared!: number;
  @Field(() => Int, { description: 'Findings that hold again after having cleared.' }) recurred!: number;
  @Field(() => Int, { description: 'Dismissed findings reopened because the dismissal expired and the condition holds.' }) reopened!: number;
}

@ObjectType('AuditRun', { implements: Node, description: '审计运行: one evaluation of rules over a region subtree and service months.' })
export class AuditRun implements Node {
  @Field(() => ID) id!: string;
  @Field() regionCode!: string;
  @Field({ description: 'First service month (YYYY-MM).' }) from!: string;
  @Field({ description: 'Last service month (YYYY-MM).' }) to!: string;
  @Field({ description: 'Evaluation date (YYYY-MM-DD).' }) asOf!: string;
  @Field({ description: 'API, CLI, SCHEDULE, DEMO, BENCH or TEST.' }) trigger!: string;
  @Field({ description: 'Who ran it (token subject, or the system).' }) actor!: string;
  @Field(() => DateTimeISOResolver) startedAt!: Date;
  @Field(() => DateTimeISOResolver) finishedAt!: Date;
  @Field(() => Int) durationMs!: number;
  @Field(() => [AuditRunRule]) rules!: AuditRunRule[];
  @Field(() => AuditRunCounts) counts!: AuditRunCounts;

  static from(r: { id: string; regionCode: string; from: string; to: string; asOf: string; trigger: string; actor: string; startedAt: Date | string; finishedAt: Date | string; durationMs: number; rules: unknown[]; counts: Record<string, number> }): AuditRun {
    const rules = (r.rules as { id: string; version: number; parameters: unknown; candidates: number; durationMs: number }[]).map((x) =>
      Object.assign(new AuditRunRule(), { ruleId: x.id, version: x.version, parameters: JSON.stringify(x.parameters), candidates: x.candidates, durationMs: x.durationMs }));
    return Object.assign(new AuditRun(), { ...r, id: toGlobalId('AuditRun', r.id), startedAt: new Date(r.startedAt), finishedAt: new Date(r.finishedAt), rules, counts: Object.assign(new AuditRunCounts(), r.counts) });
  }
}

export const AuditEvidenceObject = createUnionType({
  name: 'AuditEvidenceObject',
  description: 'A record that proves a finding, as the usual type (masked as usual).',
  types: () => [LedgerTransaction, Elder, Facility, Lot] as const,
});

@ObjectType({ description: '证据: one record behind a finding.' })
export class AuditEvidence {
  @Field({ description: 'Kind of record: LedgerTransaction, Elder, Facility, Lot, VitalEvent, RecordChange.' }) type!: string;
  @Field({ description: 'Its internal id.' }) recordId!: string;
  /** Resolved by AuditEvidenceResolver.object. */
  finding!: FindingRecord;
}

@ObjectType({ description: '处置记录: one event in a finding\'s history (engine observations and people\'s dispositions).' })
export class AuditFindingEvent {
  @Field(() => Int) seq!: number;
  @Field({ description: 'DETECTED, CLEARED, RECURRED, REOPENED (the engine) or ANSWER, CONFIRM, DISMISS, REMEDIATE (people).' }) action!: string;
  @Field(() => AuditFindingStatus, { description: 'Status after the event.' }) status!: string;
  @Field({ description: 'Whether the condition held after the event.' }) conditionHolds!: boolean;
  @Field() actor!: string;
  @Field(() => DateTimeISOResolver) at!: Date;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => String, { nullable: true }) reference!: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD: the dismissal holds until then.' }) dismissUntil!: string | null;
  @Field(() => ID, { nullable: true, description: 'The run that observed it.' }) runId!: string | null;

  static from(e: FindingEventRecord): AuditFindingEvent {
    return Object.assign(new AuditFindingEvent(), { ...e, at: new Date(e.at), runId: e.runId ? toGlobalId('AuditRun', e.runId) : null });
  }
}

@ObjectType('AuditFinding', { implements: Node, description: '审计发现: one (rule, subject, period), never changed; its evidence is versioned and its history appended.' })
export class AuditFinding implements Node {
  @Field(() => ID) id!: string;
  @Field() ruleId!: string;
  @Field(() => Int) ruleVersion!: number;
  @Field(() => AuditSeverity) severity!: string;
  @Field({ description: 'The audited region (whose officers answer).' }) regionCode!: string;
  @Field(() => String, { nullable: true }) fundLine!: string | null;
  @Field(() => AuditSubjectType) subjectType!: string;
  @Field({ description: 'Registry number, lot, account or transaction id — never an ID number.' }) subjectId!: string;
  @Field(() => String, { nullable: true, description: 'YYYY-MM; null for findings without a period.' }) periodFrom!: string | null;
  @Field(() => String, { nullable: true }) periodTo!: string | null;
  @Field(() => Money, { description: '涉及金额: amount at risk in fen.' }) amountAtRisk!: bigint;
  @Field(() => AuditFindingStatus) status!: string;
  @Field({ description: 'Whether the condition still held at the last run that covered it.' }) conditionHolds!: boolean;
  @Field(() => String, { nullable: true }) dismissUntil!: string | null;
  @Field(() => Int, { description: 'Version of the current evidence.' }) evidenceVersion!: number;
  @Field({ description: 'Rule-specific facts (JSON), e.g. the death date or the band.' }) detail!: string;
  @Field(() => DateTimeISOResolver, { description: 'First detected.' }) createdAt!: Date;
  @Field(() => DateTimeISOResolver, { description: 'When the current status was reached.' }) statusAt!: Date;
  record!: FindingRecord;

  static from(r: FindingRecord): AuditFinding {
    return Object.assign(new AuditFinding(), { ...r, id: toGlobalId('AuditFinding', r.id), detail: JSON.stringify(r.detail), createdAt: new Date(r.createdAt), statusAt: new Date(r.statusAt), record: r });
  }
}

export const AuditFindingConnectionTypes = connectionTypes(AuditFinding, 'AuditFinding');
export const AuditRunConnectionTypes = connectionTypes(AuditRun, 'AuditRun');

@ObjectType({ description: 'Findings of one rule in one region (one level below the region asked for).' })
export class AuditSummaryRow {
  @Field() ruleId!: string;
  @Field() regionCode!: string;
  @Field(() => Int) count!: number;
  @Field(() => Money) amountAtRisk!: string;
  @Field(() => Int) open!: number;
  @Field(() => Int) answered!: number;
  @Field(() => Int) confirmed!: number;
  @Field(() => Int) dismissed!: number;
  @Field(() => Int) remediated!: number;
}

@InputType({ description: 'Run the audit over a region subtree and service months.' })
export class RunAuditInput {
  @Field({ description: '12-digit region code; the run covers its subtree.' }) regionCode!: string;
  @Field({ description: 'First service month (YYYY-MM).' }) from!: string;
  @Field({ description: 'Last service month (YYYY-MM), at most 36 months after from.' }) to!: string;
  @Field(() => [String], { nullable: true, description: 'Rule ids (AR-01 …); all rules when omitted.' }) rules?: string[] | null;
}

@InputType({ description: 'Filter of auditFindings; every field optional.' })
export class AuditFindingFilter {
  @Field(() => String, { nullable: true }) ruleId?: string | null;
  @Field(() => AuditSeverity, { nullable: true }) severity?: string | null;
  @Field(() => AuditFindingStatus, { nullable: true }) status?: string | null;
  @Field(() => String, { nullable: true, description: 'A region inside your jurisdiction.' }) regionCode?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'With regionCode: its whole subtree (default) or the region itself only.' }) includeDescendants?: boolean | null;
  @Field(() => String, { nullable: true }) fundLine?: string | null;
  @Field(() => String, { nullable: true, description: 'Findings whose period ends at or after this month.' }) periodFrom?: string | null;
  @Field(() => String, { nullable: true, description: 'Findings whose period starts at or before this month.' }) periodTo?: string | null;
  @Field(() => AuditSubjectType, { nullable: true }) subjectType?: string | null;
  @Field(() => String, { nullable: true, description: 'Registry number, lot, account or transaction id.' }) subjectId?: string | null;
}

@InputType({ description: 'A disposition of a finding.' })
export class DisposeFindingInput {
  @Field(() => ID) findingId!: string;
  @Field(() => AuditDisposition) action!: string;
  @Field(() => String, { nullable: true, description: 'Explanation; required for ANSWER and DISMISS.' }) reason?: string | null;
  @Field(() => String, { nullable: true, description: 'Remediation reference (e.g. the reversal transaction id); required for REMEDIATE.' }) reference?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, DISMISS only: after this date the finding reopens if the condition still holds.' }) dismissUntil?: string | null;
}

@InputType({ description: 'A rule parameter override for a region subtree, from a date on (appended; a later row wins).' })
export class SetAuditRuleParameterInput {
  @Field({ description: 'Rule id, e.g. AR-11.' }) ruleId!: string;
  @Field({ description: '12-digit region code; the override applies to its subtree.' }) regionCode!: string;
  @Field({ description: 'Parameter key, e.g. spendWithinDays.' }) key!: string;
  @Field({ description: 'The value as JSON, of the same JSON type as the default (e.g. "45").' }) value!: string;
  @Field({ description: 'YYYY-MM-DD: in force from this date.' }) validFrom!: string;
}

@ObjectType('AuditRuleParameterOverride', { description: '规则参数 (RuleParameter): a region\'s override of a rule parameter, never overwritten.' })
export class AuditRuleParameterOverride {
  @Field() ruleId!: string;
  @Field() regionCode!: string;
  @Field() key!: string;
  @Field({ description: 'JSON.' }) value!: string;
  @Field() validFrom!: string;
  @Field() recordedBy!: string;
  @Field(() => DateTimeISOResolver) recordedAt!: Date;
}
