/** GraphQL types of the administrative hierarchy (行政区划). */
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import type { RegionRecord } from '../../hierarchy/region-record.js';
import type { RegionLevel as Level } from '../../platform/region-code.js';
import { connectionTypes, Node, toGlobalId } from '../relay.js';

export const RegionLevel = {
  PROVINCE: 'PROVINCE',
  CITY: 'CITY',
  COUNTY: 'COUNTY',
  TOWN: 'TOWN',
  VILLAGE: 'VILLAGE',
} as const satisfies Record<Level, Level>;

registerEnumType(RegionLevel, {
  name: 'RegionLevel',
  description: 'Level in the administrative hierarchy (市县镇村 and the province above).',
  valuesConfig: {
    PROVINCE: { description: '省 province, autonomous region or municipality (code PP0000000000)' },
    CITY: { description: '市 prefecture-level city (PPCC00000000)' },
    COUNTY: { description: '县/区/县级市 county, district or county-level city (PPCCDD000000)' },
    TOWN: { description: '镇/乡/街道 town, township or sub-district (PPCCDDTTT000)' },
    VILLAGE: { description: '村/社区 village or urban community (PPCCDDTTTVVV)' },
  },
});

@Directive('@key(fields: "code")')
@Directive('@key(fields: "id")')
@ObjectType('Region', {
  implements: Node,
  description: '行政区划 — an administrative division, keyed by its 12-digit National Bureau of Statistics code (统计用区划代码).',
})
export class Region implements Node {
  /** Made when asked for (a deep query returns thousands of regions, most without their id). */
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' })
  get id(): string {
    return toGlobalId('Region', this.code);
  }

  @Field({ description: '12-digit NBS statistical division code, higher levels zero-padded (徐州市 = 320300000000).' })
  code!: string;

  @Field({ description: 'Official Chinese name (名称).' })
  name!: string;

  @Field(() => RegionLevel, { description: '层级: province, city, county, town or village, from the code.' })
  level!: Level;

  @Field(() => String, { nullable: true, description: 'Code of the region directly above; null for a province.' })
  parentCode!: string | null;

  @Field(() => DateTimeISOResolver, { description: 'When this region was last created or changed by an import.' })
  updatedAt!: string;

  static from(record: RegionRecord): Region {
    return Object.assign(new Region(), record);
  }
}

@ObjectType({ description: 'How many regions lie below a region, per level (all descendants, not only direct children).' })
export class RegionCounts {
  @Field(() => Int, { description: 'Cities (市) in the subtree.' }) cities!: number;
  @Field(() => Int, { description: 'Counties and districts (县/区) in the subtree.' }) counties!: number;
  @Field(() => Int, { description: 'Towns, townships and subdistricts (镇/乡/街道) in the subtree.' }) towns!: number;
  @Field(() => Int, { description: 'Villages and communities (村/社区) in the subtree.' }) villages!: number;
  @Field(() => Int, { description: 'All descendants.' }) total!: number;
}

export const RegionConnectionTypes = connectionTypes(Region, 'Region');
export const RegionConnection = RegionConnectionTypes.ConnectionType;
export type RegionConnection = InstanceType<typeof RegionConnection>;
