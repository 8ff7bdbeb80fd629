/** The audit engine over GraphQL: thin wrappers around audit/ (runs, findings, dispositions, the evidence a caller may follow). */
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Authorized } from '../authorization.js';
import type { Context } from '../context.js';
import { badUserInput } from '../errors.js';
import { fromGlobalId, PageArgs, resolvePage } from '../relay.js';
import { LedgerTransaction, Lot } from '../ledger/ledger.type.js';
import { Elder } from '../registry/elder.type.js';
import { Facility } from '../registry/facility.type.js';
import { visibleEvidence } from '../../audit/evidence.js';
import { runAudit } from '../../audit/engine.js';
import {
  AuditEvidence, AuditEvidenceObject, AuditFinding, AuditFindingConnectionTypes, AuditFindingEvent, AuditFindingFilter, AuditRule,
  AuditRuleParameter, AuditRuleParameterOverride, AuditRun, AuditRunConnectionTypes, AuditSummaryRow, DisposeFindingInput, RunAuditInput,
  SetAuditRuleParameterInput,
} from './audit.type.js';
import { setRuleParameter } from '../../audit/findings.js';

const isId = (key: string) => /^[1-9][0-9]{0,17}$/.test(key);

/** The internal id inside an AuditFinding global id. */
export function findingKey(id: string, field = 'findingId'): string {
  const decoded = fromGlobalId(id, field);
  if (decoded.type !== 'AuditFinding' || !isId(decoded.key)) throw badUserInput(`"${id}" is not an AuditFinding id`, field);
  return decoded.key;
}

@ArgsType()
class FindingsArgs extends PageArgs {
  @Field(() => AuditFindingFilter, { nullable: true, description: 'Which findings; all in your jurisdiction when omitted.' }) filter?: AuditFindingFilter | null;
}

@ArgsType()
class SummaryArgs {
  @Field({ description: 'A region inside your jurisdiction; rows are per rule and per region one level below it.' }) regionCode!: string;
  @Field(() => String, { nullable: true, description: 'Findings whose period ends at or after this month (YYYY-MM).' }) from?: string | null;
  @Field(() => String, { nullable: true, description: 'Findings whose period starts at or before this month (YYYY-MM).' }) to?: string | null;
}

/** node(id) for findings and runs: FORBIDDEN outside the jurisdiction. */
export const auditNodeLoaders: Record<string, (key: string, ctx: Context) => Promise<object | null>> = {
  AuditFinding: async (key, ctx) => {
    const record = isId(key) ? await ctx.audit.find(ctx.viewer, key) : null;
    return record ? AuditFinding.from(record) : null;
  },
};

@Resolver()
export class AuditResolver {
  @Query(() => [AuditRule], { description: '审计规则: the current version of every rule, with its default parameters.' })
  @Authorized('audit:read')
  async auditRules(@Ctx() ctx: Context): Promise<AuditRule[]> {
    const rules = await ctx.audit.rules();
    return rules.map((r) => Object.assign(new AuditRule(), r, {
      parameters: Object.entries(r.parameters).map(([key, value]) => Object.assign(new AuditRuleParameter(), { key, value: JSON.stringify(value) })),
    }));
  }

  @Mutation(() => AuditRun, { description: '运行审计: evaluate the rules (all by default) over a region subtree and service months; writes findings only, never the ledger or registry.' })
  @Authorized('audit:run')
  async runAudit(@Arg('input', () => RunAuditInput, { description: 'The mutation’s input (each field described on its input type).' }) input: RunAuditInput, @Ctx() ctx: Context): Promise<AuditRun> {
    const report = await runAudit(ctx.pool, { ...input, trigger: 'API', actor: ctx.viewer.subject, viewer: ctx.viewer });
    return AuditRun.from({ ...report, trigger: 'API', actor: ctx.viewer.subject, rules: report.rules, counts: { ...report.counts } });
  }

  @Query(() => AuditRunConnectionTypes.ConnectionType, { description: 'Audit runs over regions in your jurisdiction, newest first.' })
  @Authorized('audit:read')
  async auditRuns(@Args() page: PageArgs, @Ctx() ctx: Context) {
    const resolved = resolvePage(page, isId);
    const rows = await ctx.audit.runs(ctx.viewer, resolved.first + 1, resolved.after);
    return AuditRunConnectionTypes.build(rows.map(AuditRun.from), resolved, (r) => fromGlobalId(r.id).key, () => ctx.audit.countRuns(ctx.viewer));
  }

  @Query(() => AuditFindingConnectionTypes.ConnectionType, { description: '审计发现 in your jurisdiction, newest first (Relay connection).' })
  @Authorized('audit:read')
  async auditFindings(@Args() args: FindingsArgs, @Ctx() ctx: Context) {
    const resolved = resolvePage(args, isId);
    const filter = args.filter ?? {};
    const rows = await ctx.audit.list(ctx.viewer, filter, resolved.first + 1, resolved.after);
    return AuditFindingConnectionTypes.build(rows.map(AuditFinding.from), resolved, (f) => f.record.id, () => ctx.audit.count(ctx.viewer, filter));
  }

  @Query(() => AuditFinding, { nullable: true, description: 'One finding with its evidence and history; FORBIDDEN outside your jurisdiction.' })
  async auditFinding(@Arg('id', () => ID, { description: 'Global id of the finding.' }) id: string, @Ctx() ctx: Context): Promise<AuditFinding | null> {
    const record = await ctx.audit.find(ctx.viewer, findingKey(id, 'id'));
    return record ? AuditFinding.from(record) : null;
  }

  @Query(() => [AuditSummaryRow], { description: '审计汇总: per rule and region (one level below regionCode): count, amount at risk and how many in each status.' })
  async auditSummary(@Args() args: SummaryArgs, @Ctx() ctx: Context): Promise<AuditSummaryRow[]> {
    const rows = await ctx.audit.summary(ctx.viewer, args.regionCode, args.from ?? null, args.to ?? null);
    return rows.map((r) => Object.assign(new AuditSummaryRow(), r));
  }

  @Mutation(() => AuditRuleParameterOverride, { description: '设置规则参数: override a rule parameter for a region subtree from a date on (appended, never overwritten). CITY_ADMIN.' })
  async setAuditRuleParameter(@Arg('input', () => SetAuditRuleParameterInput, { description: 'The mutation’s input (each field described on its input type).' }) input: SetAuditRuleParameterInput, @Ctx() ctx: Context): Promise<AuditRuleParameterOverride> {
    return Object.assign(new AuditRuleParameterOverride(), await setRuleParameter(ctx.pool, ctx.viewer, input));
  }

  @Mutation(() => AuditFinding, { description: '处置: answer (audited region), confirm or dismiss (auditor), remediate (audited region, after confirmation). Appended as an event.' })
  async disposeFinding(@Arg('input', () => DisposeFindingInput, { description: 'The mutation’s input (each field described on its input type).' }) input: DisposeFindingInput, @Ctx() ctx: Context): Promise<AuditFinding> {
    const id = findingKey(input.findingId);
    return AuditFinding.from(await ctx.audit.dispose(ctx.viewer, { ...input, findingId: id }));
  }
}

@Resolver(() => AuditFinding)
export class AuditFindingResolver {
  @FieldResolver(() => [AuditEvidence], { description: '证据: the records that prove it (current evidence version).' })
  evidence(@Root() finding: AuditFinding): AuditEvidence[] {
    return finding.record.evidence.map((e) => Object.assign(new AuditEvidence(), { type: e.type, recordId: e.id, finding: finding.record }));
  }

  @FieldResolver(() => [AuditFindingEvent], { description: '处置记录: every event, oldest first.' })
  async history(@Root() finding: AuditFinding, @Ctx() ctx: Context): Promise<AuditFindingEvent[]> {
    return (await ctx.auditLoaders.events.load(finding.record.id)).map(AuditFindingEvent.from);
  }
}

@Resolver(() => AuditEvidence)
export class AuditEvidenceResolver {
  @FieldResolver(() => AuditEvidenceObject, { nullable: true, description: 'The record as its usual type, masked as usual; null when it is outside your jurisdiction, gone, or of another kind.' })
  async object(@Root() item: AuditEvidence, @Ctx() ctx: Context): Promise<typeof AuditEvidenceObject | null> {
    const evidence = await visibleEvidence(ctx.viewer, { ledger: ctx.loaders, registry: ctx.registryLoaders }, item);
    switch (evidence?.type) {
      case 'LedgerTransaction': return LedgerTransaction.from(evidence.record);
      case 'Lot': return Lot.from(evidence.record);
      case 'Elder': return Elder.from(evidence.record);
      case 'Facility': return Facility.from(evidence.record);
      default: return null;
    }
  }
}

export const auditResolvers = [AuditResolver, AuditFindingResolver, AuditEvidenceResolver] as const;
