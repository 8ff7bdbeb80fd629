/** Fields of Elder (老年人) and Assessment (能力评估): derived bands, categories, vital status, stays, services, personal data, payments. */
import { Arg, Args, Ctx, FieldResolver, Info, Int, Resolver, Root } from 'type-graphql';
import { Authorized } from '../authorization.js';
import { type GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import { PageArgs } from '../relay.js';
import { Region } from '../hierarchy/region.type.js';
import { LedgerTransactionConnection } from '../ledger/ledger.type.js';
import { ageBand, ageOn, allowanceBand } from '../../registry/derived.js';
import type { PersonalField } from '../../registry/registry.js';
import { clearElder, visibleElder } from '../../registry/visible.js';
import * as v from '../../registry/validate.js';
import { Assessment, AssessmentDetails } from './assessment.type.js';
import { ServiceRecord, ServiceRecordConnection, ServiceRecordConnectionTypes, Stay, StayConnection, StayConnectionTypes } from './care.type.js';
import { RecordChange } from './common.type.js';
import { CategoryMembership, Elder, ElderPersonalData, VitalEvent } from './elder.type.js';
import { AgeBand, AllowanceBand, VitalStatus } from './vocabulary.type.js';

import {
  page,
  dateArg,
  selectedFields,
  currentVital,
  deathDateOf,
  categoriesOn,
  paymentsOf,
  StaysArgs,
  ServicesArgs,
} from './shared.js';

// ---- Elder fields ---------------------------------------------------------------------------------

@Resolver(() => Elder)
export class ElderResolver {
  @FieldResolver(() => ElderPersonalData, {
    nullable: true,
    description:
      'Clear personal values (needs personal:unmask; `reason` is required). Reading them writes one access-log row per elder, ' +
      'naming the fields selected, in the same database transaction as the read. Null with a FORBIDDEN error without the permission.',
  })
  @Authorized('personal:unmask')
  async personal(@Root() elder: Elder, @Arg('reason', { description: '查看理由: why personal data is needed in clear; written to the access log (PERSONAL_DATA_IN_TEXT refuses ID and phone numbers).' }) reason: string, @Info() info: GraphQLResolveInfo, @Ctx() ctx: Context): Promise<ElderPersonalData> {
    const wanted = [...selectedFields(info)].filter((f): f is PersonalField => ['idNumber', 'name', 'phone', 'birthDate'].includes(f)).sort();
    return Object.assign(new ElderPersonalData(), await clearElder(ctx.viewer, ctx.registryLoaders, elder.record, wanted, reason));
  }

  @FieldResolver(() => Region, { nullable: true, description: '户籍地 village.' })
  async hukouVillage(@Root() elder: Elder, @Ctx() ctx: Context): Promise<Region | null> {
    const r = await ctx.loaders.regionByCode.load(elder.hukouVillageCode);
    return r ? Region.from(r) : null;
  }

  @FieldResolver(() => Region, { nullable: true, description: '居住地 village.' })
  async residenceVillage(@Root() elder: Elder, @Ctx() ctx: Context): Promise<Region | null> {
    const r = await ctx.loaders.regionByCode.load(elder.residenceVillageCode);
    return r ? Region.from(r) : null;
  }

  @FieldResolver(() => Int, { nullable: true, description: '年龄: completed years at the end of asOf’s month (today’s when omitted), or at death: the birth day stays masked. Null before the birth month (not yet born).' })
  async age(@Root() elder: Elder, @Arg('asOf', () => String, { nullable: true, description: 'Date (YYYY-MM-DD) to compute the age at; default today in China.' }) asOf: string | null, @Ctx() ctx: Context): Promise<number | null> {
    const date = dateArg(asOf, 'asOf');
    return ageOn(elder.record.birthDate, date, await deathDateOf(ctx, elder.record.id));
  }

  @FieldResolver(() => AgeBand, { nullable: true, description: 'Service age band on asOf; null below 60 (also before the birth) or after death.' })
  async ageBand(@Root() elder: Elder, @Arg('asOf', () => String, { nullable: true, description: 'Date (YYYY-MM-DD) to compute the band at; default today in China.' }) asOf: string | null, @Ctx() ctx: Context): Promise<string | null> {
    const date = dateArg(asOf, 'asOf');
    const death = await deathDateOf(ctx, elder.record.id);
    if (death && death <= date) return null;
    const age = ageOn(elder.record.birthDate, date);
    return age == null ? null : ageBand(age);
  }

  @FieldResolver(() => AllowanceBand, { nullable: true, description: '尊老金 band for the month of asOf (from the month after the birthday); null below 80 or after death.' })
  async allowanceBand(@Root() elder: Elder, @Arg('asOf', () => String, { nullable: true, description: 'Date (YYYY-MM-DD) to compute the band at; default today in China.' }) asOf: string | null, @Ctx() ctx: Context): Promise<string | null> {
    const date = dateArg(asOf, 'asOf');
    const [death, categories] = await Promise.all([deathDateOf(ctx, elder.record.id), categoriesOn(ctx, elder.record.id, date)]);
    return allowanceBand(elder.record.birthDate, date, categories, death);
  }

  @FieldResolver(() => [CategoryMembership], { description: 'Special-category memberships valid on asOf (today when omitted); all of them, ended ones included, with `history: true`.' })
  async categories(
    @Root() elder: Elder,
    @Arg('asOf', () => String, { nullable: true, description: 'Only memberships valid on this date (YYYY-MM-DD); default today.' }) asOf: string | null,
    @Arg('history', () => Boolean, { defaultValue: false, description: 'All memberships, ended ones too (asOf is then ignored).' }) history: boolean,
    @Ctx() ctx: Context,
  ): Promise<CategoryMembership[]> {
    const date = dateArg(asOf, 'asOf');
    const all = await ctx.registryLoaders.memberships.load(elder.record.id);
    return all.filter((m) => history || (m.validFrom <= date && (m.validTo == null || m.validTo >= date))).map(CategoryMembership.from);
  }

  @FieldResolver(() => [RecordChange], { description: 'Changes of name, phone or villages: fields, time and author (not the values), oldest first.' })
  async changes(@Root() elder: Elder, @Ctx() ctx: Context): Promise<RecordChange[]> {
    return (await ctx.registryLoaders.elderChanges.load(elder.record.id)).map((c) => Object.assign(new RecordChange(), c));
  }

  @FieldResolver(() => VitalStatus, { description: 'Current vital status: the latest report; ALIVE when none.' })
  async vitalStatus(@Root() elder: Elder, @Ctx() ctx: Context): Promise<string> {
    return currentVital(await ctx.registryLoaders.vitalEvents.load(elder.record.id))?.status ?? 'ALIVE';
  }

  @FieldResolver(() => String, { nullable: true, description: '死亡日期 per the latest report, if it reports death.' })
  async deathDate(@Root() elder: Elder, @Ctx() ctx: Context): Promise<string | null> {
    return deathDateOf(ctx, elder.record.id);
  }

  @FieldResolver(() => [VitalEvent], { description: 'Every vital-status report, oldest first.' })
  async vitalHistory(@Root() elder: Elder, @Ctx() ctx: Context): Promise<VitalEvent[]> {
    return (await ctx.registryLoaders.vitalEvents.load(elder.record.id)).map(VitalEvent.from);
  }

  @FieldResolver(() => Assessment, { nullable: true, description: 'The current assessment: the latest (by date) assessed on or before asOf and still valid then.' })
  async currentAssessment(@Root() elder: Elder, @Arg('asOf', () => String, { nullable: true, description: 'The assessment in force on this date (YYYY-MM-DD); default today.' }) asOf: string | null, @Ctx() ctx: Context): Promise<Assessment | null> {
    const date = dateArg(asOf, 'asOf');
    const valid = (await ctx.registryLoaders.assessments.load(elder.record.id)).filter((a) => a.assessedOn <= date && (a.validUntil == null || a.validUntil >= date));
    const latest = valid.at(-1);
    return latest ? Assessment.from(latest) : null;
  }

  @FieldResolver(() => [Assessment], { description: 'Every assessment, oldest first (never overwritten).' })
  async assessments(@Root() elder: Elder, @Ctx() ctx: Context): Promise<Assessment[]> {
    return (await ctx.registryLoaders.assessments.load(elder.record.id)).map(Assessment.from);
  }

  @FieldResolver(() => StayConnection, { description: 'Stays in facilities, in recording order (the facility of a stay outside your jurisdiction is FORBIDDEN to follow).' })
  async stays(@Root() elder: Elder, @Args(() => StaysArgs) args: StaysArgs, @Ctx() ctx: Context): Promise<StayConnection> {
    const resolved = page(args);
    const activeOn = args.activeOn == null ? null : v.isoDate(args.activeOn, 'activeOn');
    const rows = resolved.first === 0 ? [] : await ctx.registryLoaders.stays.load(elder.record.id, { by: 'elder', activeOn, page: resolved });
    return StayConnectionTypes.build(rows.map(Stay.from), resolved, (s) => s.record.id, () => ctx.registryLoaders.stayCounts.load(elder.record.id, { by: 'elder', activeOn }));
  }

  @FieldResolver(() => ServiceRecordConnection, { description: 'Services received, in recording order.' })
  async serviceRecords(@Root() elder: Elder, @Args(() => ServicesArgs) args: ServicesArgs, @Ctx() ctx: Context): Promise<ServiceRecordConnection> {
    const resolved = page(args);
    const serviceType = args.serviceType ?? null;
    const rows = resolved.first === 0 ? [] : await ctx.registryLoaders.services.load(elder.record.id, { by: 'elder', serviceType, page: resolved });
    return ServiceRecordConnectionTypes.build(rows.map(ServiceRecord.from), resolved, (s) => s.record.id, () => ctx.registryLoaders.serviceCounts.load(elder.record.id, { by: 'elder', serviceType }));
  }

  @FieldResolver(() => LedgerTransactionConnection, { nullable: true, description: 'Ledger transactions paying this elder (payee PERSON, payee id = registryNo), in chain order (needs ledger:read; null with a FORBIDDEN error without it).' })
  @Authorized('ledger:read')
  async payments(@Root() elder: Elder, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<LedgerTransactionConnection> {
    return paymentsOf(ctx, 'PERSON', elder.registryNo, args);
  }
}

/**
 * Payments to a payee, in chain order — only those the caller may see as ledger transactions (paid by,
 * or counterpart in, their jurisdiction). Batched: a page of 50 elders costs one statement, not 50.
 */

@Resolver(() => Assessment)
export class AssessmentResolver {
  @FieldResolver(() => AssessmentDetails, { nullable: true, description: 'Item scores, subtotals, total, diagnoses, adjustments — health data, needs health:read (null with a FORBIDDEN error without it).' })
  @Authorized('health:read')
  details(@Root() assessment: Assessment): AssessmentDetails {
    return assessment.details();
  }

  @FieldResolver(() => Elder, { nullable: true, description: 'The elder assessed (null with a FORBIDDEN error outside your jurisdiction).' })
  async elder(@Root() assessment: Assessment, @Ctx() ctx: Context): Promise<Elder> {
    return Elder.from((await visibleElder(ctx.viewer, ctx.registryLoaders, assessment.record.elderId))!);
  }
}
