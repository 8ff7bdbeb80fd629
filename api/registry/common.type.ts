/** Types several registry records share: the change-log entry (变更记录) and the reference-table entry. */
import { Field, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';

@ObjectType({ description: '变更记录: which fields of a record changed, when and by whom (the values are not kept here).' })
export class RecordChange {
  @Field(() => [String], { description: 'The fields the change set.' }) fields!: string[];
  @Field(() => DateTimeISOResolver, { description: 'When this record was written (server time, ISO 8601).' }) recordedAt!: string;
  @Field({ description: 'Who wrote this record: the subject of the caller’s token.' }) recordedBy!: string;
}

@ObjectType({ description: 'A reference-table entry (code with Chinese and English names).' })
export class ReferenceEntry {
  @Field({ description: 'The entry’s code.' }) code!: string;
  @Field({ description: 'Chinese name of the entry.' }) nameZh!: string;
  @Field({ description: 'English name of the entry.' }) nameEn!: string;
  @Field(() => Boolean, { nullable: true, description: 'Facility types: takes residents (beds).' }) residential?: boolean | null;
}
