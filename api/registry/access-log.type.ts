/** GraphQL types of the personal-data access log (个人信息查阅日志), exports of the books included. */
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { connectionTypes, Node, toGlobalId } from '../relay.js';
import type { AccessLogRecord } from '../../registry/types.js';

@ObjectType({ description: '台账导出: what an export of the books held (an access-log entry of type LedgerExport).' })
export class AccessLogExport {
  @Field({ description: 'The file format: hledger, xlsx or csv.' }) format!: string;
  @Field({ description: 'What was exported: transactions (序时账, one row per posting) or trail (资金溯源).' }) what!: string;
  @Field(() => String, { nullable: true, description: 'First effective date included (null: from the beginning).' }) periodFrom!: string | null;
  @Field(() => String, { nullable: true, description: 'Last effective date included (null: to the end).' }) periodTo!: string | null;
  @Field({ description: 'Seq of the newest transaction of the ledger when the export was read (0: empty ledger).' }) chainHeadSeq!: string;
}

@Directive('@key(fields: "id")')
@ObjectType('AccessLogEntry', { implements: Node, description: '个人信息查阅日志: one clear-text access to personal data, or one export of the books (导出台账).' })
export class AccessLogEntry implements Node {
  @Field(() => ID, { description: 'Opaque global id (usable with node(id:)); do not parse it.' }) id!: string;
  @Field(() => DateTimeISOResolver, { description: 'When the personal data was read in clear (or exported).' }) accessedAt!: string;
  @Field({ description: 'Who (token subject).' }) subject!: string;
  @Field(() => [String], { description: 'The caller’s roles at the time.' }) roles!: string[];
  @Field(() => String, { nullable: true, description: 'The token id (jti).' }) tokenId!: string | null;
  @Field({ description: 'The reason given.' }) reason!: string;
  @Field({ description: 'Elder or Caregiver; Export for a snapshot export and Feed for a page of the change feed (docs/sync.md): then `fields` are the types sent and `regionCode` the region; LedgerExport for an export of the books (docs/exports.md, see `export`).' }) entityType!: string;
  @Field(() => ID, { description: 'Global id of the record read (for a LedgerExport: the chain head seq, see `export`).' }) entityId!: string;
  @Field({ description: 'The record’s region (household village for elders; for an export, the region exported).' }) regionCode!: string;
  @Field(() => String, { nullable: true, description: 'For an elder living outside the household village: the residence village (its jurisdiction audits the read too).' })
  residenceRegionCode!: string | null;
  @Field(() => [String], { description: 'Fields seen in clear (for an Export: the types exported; for a LedgerExport: what was exported).' }) fields!: string[];
  @Field(() => Int, { nullable: true, description: 'For an Export: the rows sent, on the entry written when it ended (null on the one written when it started); for a LedgerExport: the data rows of the file.' }) rowCount!: number | null;
  @Field(() => AccessLogExport, { nullable: true, description: 'For an export of the books (entityType LedgerExport): format, period, chain head; null for other entries.' })
  export!: AccessLogExport | null;
  recordId!: string;

  static from(record: AccessLogRecord): AccessLogEntry {
    const { exportFormat, periodFrom, periodTo, ...rest } = record;
    const exported =
      exportFormat ? Object.assign(new AccessLogExport(), { format: exportFormat, what: record.fields[0] ?? '', periodFrom, periodTo, chainHeadSeq: record.entityId }) : null;
    return Object.assign(new AccessLogEntry(), rest, { id: toGlobalId('AccessLogEntry', record.id), recordId: record.id, entityId: toGlobalId(record.entityType, record.entityId), export: exported });
  }
}

export const AccessLogConnectionTypes = connectionTypes(AccessLogEntry, 'AccessLogEntry');
export const AccessLogConnection = AccessLogConnectionTypes.ConnectionType;
export type AccessLogConnection = InstanceType<typeof AccessLogConnection>;
