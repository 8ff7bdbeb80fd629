/** Fields of Facility (养老机构): rating, beds, staff, staffing ratio, stays, services, payments. */
import { Arg, Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Authorized } from '../authorization.js';
import type { Context } from '../context.js';
import { PageArgs } from '../relay.js';
import { Region } from '../hierarchy/region.type.js';
import { LedgerTransactionConnection } from '../ledger/ledger.type.js';
import * as v from '../../registry/validate.js';
import { staffingOf } from '../../registry/caregivers/staffing.js';
import { ServiceRecord, ServiceRecordConnection, ServiceRecordConnectionTypes, Stay, StayConnection, StayConnectionTypes } from './care.type.js';
import { StaffAssignment } from './caregiver.type.js';
import { RecordChange, ReferenceEntry } from './common.type.js';
import { BedInventory, Facility, FacilityRating, Staffing } from './facility.type.js';

import {
  page,
  dateArg,
  monthArg,
  paymentsOf,
  StaysArgs,
  ServicesArgs,
} from './shared.js';

// ---- Facility fields ------------------------------------------------------------------------------

@Resolver(() => Facility)
export class FacilityResolver {
  @FieldResolver(() => Region, { nullable: true, description: 'The village (or community) the facility is in.' })
  async village(@Root() facility: Facility, @Ctx() ctx: Context): Promise<Region | null> {
    const r = await ctx.loaders.regionByCode.load(facility.villageCode);
    return r ? Region.from(r) : null;
  }

  @FieldResolver(() => ReferenceEntry, { nullable: true, description: 'The facility type with its names.' })
  async typeInfo(@Root() facility: Facility, @Ctx() ctx: Context): Promise<ReferenceEntry | null> {
    const all = await ctx.registryLoaders.facilityTypes();
    const found = all.find((t) => t.code === facility.type);
    return found ? Object.assign(new ReferenceEntry(), found) : null;
  }

  @FieldResolver(() => FacilityRating, { nullable: true, description: 'The star rating valid on asOf (today when omitted): the latest rated on or before it and not expired.' })
  async rating(@Root() facility: Facility, @Arg('asOf', () => String, { nullable: true, description: 'The rating valid on this date (YYYY-MM-DD); default today.' }) asOf: string | null, @Ctx() ctx: Context): Promise<FacilityRating | null> {
    const date = dateArg(asOf, 'asOf');
    const valid = (await ctx.registryLoaders.ratings.load(facility.record.id)).filter((r) => r.ratedOn <= date && (r.validUntil == null || r.validUntil >= date));
    const latest = valid.at(-1);
    return latest ? FacilityRating.from(latest) : null;
  }

  @FieldResolver(() => [RecordChange], { description: 'Changes of the facility record: fields, time and author, oldest first.' })
  async changes(@Root() facility: Facility, @Ctx() ctx: Context): Promise<RecordChange[]> {
    return (await ctx.registryLoaders.facilityChanges.load(facility.record.id)).map((c) => Object.assign(new RecordChange(), c));
  }

  @FieldResolver(() => [FacilityRating], { description: 'Every rating, oldest first.' })
  async ratingHistory(@Root() facility: Facility, @Ctx() ctx: Context): Promise<FacilityRating[]> {
    return (await ctx.registryLoaders.ratings.load(facility.record.id)).map(FacilityRating.from);
  }

  @FieldResolver(() => BedInventory, { nullable: true, description: 'The latest bed-inventory snapshot on or before asOf.' })
  async beds(@Root() facility: Facility, @Arg('asOf', () => String, { nullable: true, description: 'The bed snapshot in force on this date (YYYY-MM-DD); default today.' }) asOf: string | null, @Ctx() ctx: Context): Promise<BedInventory | null> {
    const date = dateArg(asOf, 'asOf');
    const latest = (await ctx.registryLoaders.beds.load(facility.record.id)).filter((b) => b.asOf <= date).at(-1);
    return latest ? BedInventory.from(latest) : null;
  }

  @FieldResolver(() => [BedInventory], { description: 'Every bed-inventory snapshot, oldest first.' })
  async bedHistory(@Root() facility: Facility, @Ctx() ctx: Context): Promise<BedInventory[]> {
    return (await ctx.registryLoaders.beds.load(facility.record.id)).map(BedInventory.from);
  }

  @FieldResolver(() => Staffing, { description: 'The 1:10 certified-caregiver ratio for a month (YYYY-MM; this month when omitted).' })
  async staffing(@Root() facility: Facility, @Arg('month', () => String, { nullable: true, description: 'Month YYYY-MM; default the current month in China.' }) month: string | null, @Ctx() ctx: Context): Promise<Staffing> {
    const m = monthArg(month, 'month');
    return Staffing.from((await ctx.registryLoaders.staffing.load(facility.record.id, m)) ?? staffingOf(facility.record.id, m, 0, 0, 0));
  }

  @FieldResolver(() => [StaffAssignment], { description: 'Staff assigned for a month (YYYY-MM; this month when omitted).' })
  async staffAssignments(@Root() facility: Facility, @Arg('month', () => String, { nullable: true, description: 'Month YYYY-MM; default the current month in China.' }) month: string | null, @Ctx() ctx: Context): Promise<StaffAssignment[]> {
    return (await ctx.registryLoaders.facilityAssignments.load(facility.record.id, monthArg(month, 'month'))).map(StaffAssignment.from);
  }

  @FieldResolver(() => StayConnection, { description: 'Stays (residents), in recording order; `activeOn` for those living there on a date.' })
  async stays(@Root() facility: Facility, @Args(() => StaysArgs) args: StaysArgs, @Ctx() ctx: Context): Promise<StayConnection> {
    const resolved = page(args);
    const activeOn = args.activeOn == null ? null : v.isoDate(args.activeOn, 'activeOn');
    const rows = resolved.first === 0 ? [] : await ctx.registryLoaders.stays.load(facility.record.id, { by: 'facility', activeOn, page: resolved });
    return StayConnectionTypes.build(rows.map(Stay.from), resolved, (s) => s.record.id, () => ctx.registryLoaders.stayCounts.load(facility.record.id, { by: 'facility', activeOn }));
  }

  @FieldResolver(() => ServiceRecordConnection, { description: 'Services provided, in recording order.' })
  async serviceRecords(@Root() facility: Facility, @Args(() => ServicesArgs) args: ServicesArgs, @Ctx() ctx: Context): Promise<ServiceRecordConnection> {
    const resolved = page(args);
    const serviceType = args.serviceType ?? null;
    const rows = resolved.first === 0 ? [] : await ctx.registryLoaders.services.load(facility.record.id, { by: 'facility', serviceType, page: resolved });
    return ServiceRecordConnectionTypes.build(rows.map(ServiceRecord.from), resolved, (s) => s.record.id, () => ctx.registryLoaders.serviceCounts.load(facility.record.id, { by: 'facility', serviceType }));
  }

  @FieldResolver(() => LedgerTransactionConnection, { nullable: true, description: 'Ledger transactions paying this facility (payee FACILITY, payee id = registryNo), in chain order (needs ledger:read; null with a FORBIDDEN error without it).' })
  @Authorized('ledger:read')
  async payments(@Root() facility: Facility, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<LedgerTransactionConnection> {
    return paymentsOf(ctx, 'FACILITY', facility.registryNo, args);
  }
}
