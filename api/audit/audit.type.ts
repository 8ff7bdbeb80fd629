/** GraphQL types of the audit engine (审计): rules, runs, findings, evidence and the disposition workflow. */
import { Directive, createUnionType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { Money } from '../scalars.js';
import { connectionTypes, Node, toGlobalId } from '../relay.js';
import { LedgerTransaction, Lot } from '../ledger/ledger.type.js';
import { Elder } from '../registry/elder.type.js';
import { Facility } from '../registry/facility.type.js';
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
  @Field({ description: 'Parameter name (e.g. graceDays).' }) key!: string;
  @Field({ description: 'The value as JSON (a number, a list, an object).' }) value!: string;
}

@ObjectType('AuditRule', { description: '审计规则: one version of a rule with its default parameters (a region may override them).' })
export class AuditRule {
  @Field({ description: 'Rule id, e.g. AR-01.' }) id!: string;
  @Field(() => Int, { description: 'Current version of the rule.' }) version!: number;
  @Field({ description: '中文名称.' }) nameZh!: string;
  @Field({ description: 'The rule’s English name.' }) nameEn!: string;
  @Field(() => AuditSeverity, { description: '严重程度: how serious a finding of this rule is.' }) severity!: string;
  @Field(() => [String], { description: 'Fund lines the rule reads.' }) fundLines!: string[];
  @Field(() => [AuditRuleParameter], { description: 'Default parameters.' }) parameters!: AuditRuleParameter[];
  @Field({ description: 'What the rule checks and why (审计规则说明).' }) description!: string;
}

@ObjectType({ description: 'One rule of a run: the version and parameters used and how many candidate rows it produced.' })
export class AuditRunRule {
  @Field({ description: 'The rule run.' }) ruleId!: string;
  @Field(() => Int, { description: 'Version of the rule run.' }) version!: number;
  @Field({ description: 'The effective parameters as JSON.' }) parameters!: string;
  @Field(() => Int, { description: 'Rows the rule’s SQL returned (before merging with earlier findings).' }) candidates!: number;
  @Field(() => Int, { description: 'Wall-clock duration in milliseconds.' }) durationMs!: number;
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
  @Field(() => ID, { description: 'Opaque global id of the run (runs are listed by auditRuns, not loaded by node(id:)); do not parse it.' }) id!: string;
  @Field({ description: 'The region whose subtree was audited.' }) regionCode!: string;
  @Field({ description: 'First service month (YYYY-MM).' }) from!: string;
  @Field({ description: 'Last service month (YYYY-MM).' }) to!: string;
  @Field({ description: 'Evaluation date (YYYY-MM-DD).' }) asOf!: string;
  @Field({ description: 'API, CLI, SCHEDULE, DEMO, BENCH or TEST.' }) trigger!: string;
  @Field({ description: 'Who ran it (token subject, or the system).' }) actor!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the run started.' }) startedAt!: Date;
  @Field(() => DateTimeISOResolver, { description: 'When the run committed.' }) finishedAt!: Date;
  @Field(() => Int, { description: 'Wall-clock duration in milliseconds.' }) durationMs!: number;
  @Field(() => [AuditRunRule], { description: 'Each rule run, with its version, candidates and duration.' }) rules!: AuditRunRule[];
  @Field(() => AuditRunCounts, { description: 'Findings new, still holding, resolved and reopened in this run.' }) counts!: AuditRunCounts;

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
  @Field(() => Int, { description: 'Position in the finding’s history (1 = found).' }) seq!: number;
  @Field({ description: 'DETECTED, CLEARED, RECURRED, REOPENED (the engine) or ANSWER, CONFIRM, DISMISS, REMEDIATE (people).' }) action!: string;
  @Field(() => AuditFindingStatus, { description: 'Status after the event.' }) status!: string;
  @Field({ description: 'Whether the condition held after the event.' }) conditionHolds!: boolean;
  @Field({ description: 'Who acted (token subject, or the audit run).' }) actor!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the action was recorded.' }) at!: Date;
  @Field(() => String, { nullable: true, description: 'The reason given (dismissals and answers).' }) reason!: string | null;
  @Field(() => String, { nullable: true, description: 'A reference given with the action (a document number, a remediation record).' }) reference!: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD: the dismissal holds until then.' }) dismissUntil!: string | null;
  @Field(() => ID, { nullable: true, description: 'The run that observed it.' }) runId!: string | null;

  static from(e: FindingEventRecord): AuditFindingEvent {
    return Object.assign(new AuditFindingEvent(), { ...e, at: new Date(e.at), runId: e.runId ? toGlobalId('AuditRun', e.runId) : null });
  }
}

@Directive('@key(fields: "id")')
@ObjectType('AuditFinding', { implements: Node, description: '审计发现: one (rule, subject, period), never changed; its evidence is versioned and its history appended.' })
export class AuditFinding implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field({ description: 'The rule that found it (e.g. AR-01).' }) ruleId!: string;
  @Field(() => Int, { description: 'Version of the rule that found it.' }) ruleVersion!: number;
  @Field(() => AuditSeverity, { description: '严重程度 of the finding.' }) severity!: string;
  @Field({ description: 'The audited region (whose officers answer).' }) regionCode!: string;
  @Field(() => String, { nullable: true, description: '资金线 the finding concerns, when it concerns one.' }) fundLine!: string | null;
  @Field(() => AuditSubjectType, { description: 'What kind of record the finding is about.' }) subjectType!: string;
  @Field({ description: 'Registry number, lot, account or transaction id — never an ID number.' }) subjectId!: string;
  @Field(() => String, { nullable: true, description: 'YYYY-MM; null for findings without a period.' }) periodFrom!: string | null;
  @Field(() => String, { nullable: true, description: 'Last service month (YYYY-MM) the finding covers.' }) periodTo!: string | null;
  @Field(() => Money, { description: '涉及金额: amount at risk in fen.' }) amountAtRisk!: bigint;
  @Field(() => AuditFindingStatus, { description: '处置状态: where the finding stands in the auditors’ workflow.' }) status!: string;
  @Field({ description: 'Whether the condition still held at the last run that covered it.' }) conditionHolds!: boolean;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD: a dismissal holds until then; afterwards the finding reopens if its condition still holds.' }) dismissUntil!: string | null;
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
  @Field({ description: 'Audit rule id (审计规则), e.g. AR-01.' }) ruleId!: string;
  @Field({ description: 'The region one level below the one asked about.' }) regionCode!: string;
  @Field(() => Int, { description: 'Findings of the rule in the region.' }) count!: number;
  @Field(() => Money, { description: '涉及金额: money at risk over the findings, integer fen.' }) amountAtRisk!: string;
  @Field(() => Int, { description: 'Findings still open.' }) open!: number;
  @Field(() => Int, { description: 'Findings answered by the county, awaiting the auditor.' }) answered!: number;
  @Field(() => Int, { description: 'Findings confirmed by an auditor.' }) confirmed!: number;
  @Field(() => Int, { description: 'Findings dismissed by an auditor.' }) dismissed!: number;
  @Field(() => Int, { description: 'Findings remediated (整改完成).' }) remediated!: number;
}

@InputType({ description: 'Run the audit over a region subtree and service months.' })
export class RunAuditInput {
  @Field({ description: 'Region code (12 digits, or the 2/4/6/9-digit prefix); the run covers its subtree.' }) regionCode!: string;
  @Field({ description: 'First service month (YYYY-MM).' }) from!: string;
  @Field({ description: 'Last service month (YYYY-MM), at most 36 months after from.' }) to!: string;
  @Field(() => [String], { nullable: true, description: 'Rule ids (AR-01 …); all rules when omitted.' }) rules?: string[] | null;
}

@InputType({ description: 'Filter of auditFindings; every field optional.' })
export class AuditFindingFilter {
  @Field(() => String, { nullable: true, description: 'Only findings of this rule (e.g. AR-01).' }) ruleId?: string | null;
  @Field(() => AuditSeverity, { nullable: true, description: 'Only findings of this severity.' }) severity?: string | null;
  @Field(() => AuditFindingStatus, { nullable: true, description: 'Only findings in this status.' }) status?: string | null;
  @Field(() => String, { nullable: true, description: 'A region inside your jurisdiction.' }) regionCode?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'With regionCode: its whole subtree (default) or the region itself only.' }) includeDescendants?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Only findings about this fund line.' }) fundLine?: string | null;
  @Field(() => String, { nullable: true, description: 'Findings whose period ends at or after this month.' }) periodFrom?: string | null;
  @Field(() => String, { nullable: true, description: 'Findings whose period starts at or before this month.' }) periodTo?: string | null;
  @Field(() => AuditSubjectType, { nullable: true, description: 'Only findings about this kind of record.' }) subjectType?: string | null;
  @Field(() => String, { nullable: true, description: 'Registry number, lot, account or transaction id.' }) subjectId?: string | null;
}

@InputType({ description: 'A disposition of a finding.' })
export class DisposeFindingInput {
  @Field(() => ID, { description: 'Global id of the finding.' }) findingId!: string;
  @Field(() => AuditDisposition, { description: '处置: ANSWER, CONFIRM, DISMISS or REMEDIATE.' }) action!: string;
  @Field(() => String, { nullable: true, description: 'Explanation; required for ANSWER and DISMISS.' }) reason?: string | null;
  @Field(() => String, { nullable: true, description: 'Remediation reference (e.g. the reversal transaction id); required for REMEDIATE.' }) reference?: string | null;
  @Field(() => String, { nullable: true, description: 'YYYY-MM-DD, DISMISS only: after this date the finding reopens if the condition still holds.' }) dismissUntil?: string | null;
}

@InputType({ description: 'A rule parameter override for a region subtree, from a date on (appended; a later row wins).' })
export class SetAuditRuleParameterInput {
  @Field({ description: 'Rule id, e.g. AR-11.' }) ruleId!: string;
  @Field({ description: 'Region code (12 digits, or the 2/4/6/9-digit prefix); the override applies to its subtree.' }) regionCode!: string;
  @Field({ description: 'Parameter key, e.g. spendWithinDays.' }) key!: string;
  @Field({ description: 'The value as JSON, of the same JSON type as the default (e.g. "45").' }) value!: string;
  @Field({ description: 'YYYY-MM-DD: in force from this date.' }) validFrom!: string;
}

@ObjectType('AuditRuleParameterOverride', { description: '规则参数 (RuleParameter): a region\'s override of a rule parameter, never overwritten.' })
export class AuditRuleParameterOverride {
  @Field({ description: 'The rule whose parameter is overridden.' }) ruleId!: string;
  @Field({ description: 'The region (and its subtree) the override applies to.' }) regionCode!: string;
  @Field({ description: 'Name of the overridden parameter.' }) key!: string;
  @Field({ description: 'JSON.' }) value!: string;
  @Field({ description: 'YYYY-MM-DD from which the override applies.' }) validFrom!: string;
  @Field({ description: 'Who set the override.' }) recordedBy!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the override was set.' }) recordedAt!: Date;
}
