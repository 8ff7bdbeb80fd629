/**
 * The exported types and how each is read for a caller: one SQL projection per type, used by the
 * snapshot export and by the change feed alike, so a mirror applies both the same way. A projection
 * yields the object as JSON text with the field names of its GraphQL type (`__typename`, `id` the
 * global id, personal fields masked, health details only with `health:read`, another region's
 * running balance left out) and filters rows to those the caller may see — the same rules as the
 * API's guards (api/registry/registry.resolver.ts, api/ledger/ledger.resolver.ts, auth/viewer.ts).
 *
 * Every projection takes the same parameters: $1 the caller's scope prefix, $2 whether the caller
 * holds `health:read`, $3 the codes of the regions above the jurisdiction (visible by name only).
 */
import type { Permission } from '../auth/roles.js';

export const CHANGE_TYPES = ['REGION', 'ELDER', 'FACILITY', 'CAREGIVER', 'STAY', 'SERVICE_RECORD', 'ASSESSMENT', 'CATEGORY_MEMBERSHIP', 'LEDGER_TRANSACTION', 'LOT'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export interface ExportedType {
  changeType: ChangeType;
  /** The GraphQL type name, also `entity_type` in sync.change and the prefix of global ids. */
  typename: string;
  /** The export path segment: GET /export/v1/<path>. */
  path: string;
  /** Besides `sync:pull`, what the caller needs to receive this type. */
  permission: Permission;
  /** FROM … [JOIN …] of the projection. */
  from: string;
  /** The internal key column (sync.change.entity_id), also the export order. */
  key: string;
  /** WHERE condition: visible to the caller ($1, $3). */
  visible: string;
  /** The JSON object (a json expression — json, not jsonb: built as text, no binary round trip; $1, $2). */
  json: string;
}

const ts = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const inScope = (column: string) => `${column} between $1 and rpad($1, 12, '9')`;
const gid = (type: string, column: string) => `sync.global_id('${type}', ${column}::text)`;
const elderVisible = (alias: string) => `(${inScope(`${alias}.hukou_village_code`)} or ${inScope(`${alias}.residence_village_code`)})`;

const REGION: ExportedType = {
  changeType: 'REGION',
  typename: 'Region',
  path: 'regions',
  permission: 'hierarchy:read',
  from: 'region x',
  key: 'x.code',
  // The subtree, and the regions on the path above it (their names are public; api/node.resolver.ts).
  visible: `(${inScope('x.code')} or x.code = any($3::text[]))`,
  json: `json_build_object('__typename', 'Region', 'id', ${gid('Region', 'x.code')}, 'code', x.code, 'name', x.name, 'level', x.level,
    'parentCode', x.parent_code, 'updatedAt', ${ts('x.updated_at')})`,
};

/** A column of the elder's latest vital-status report, as the API's vitalStatus and deathDate read it (the feed announces each report). */
const latestVital = (elderId: string, column: string) => `select ${column} from registry.vital_event v where v.elder_id = ${elderId} order by v.id desc limit 1`;

const ELDER: ExportedType = {
  changeType: 'ELDER',
  typename: 'Elder',
  path: 'elders',
  permission: 'registry:read',
  from: 'registry.elder x',
  key: 'x.id',
  visible: elderVisible('x'),
  json: `json_build_object('__typename', 'Elder', 'id', ${gid('Elder', 'x.id')}, 'registryNo', 'E' || lpad(x.id::text, 8, '0'),
    'idNumber', x.id_masked, 'name', x.name_masked, 'phone', x.phone_masked, 'sex', x.sex,
    'birthDate', to_char(x.birth_date, 'YYYY-MM') || '-**', 'birthYear', extract(year from x.birth_date)::int,
    'hukouVillageCode', x.hukou_village_code, 'residenceVillageCode', x.residence_village_code,
    'vitalStatus', coalesce((${latestVital('x.id', 'v.status')}), 'ALIVE'), 'deathDate', (${latestVital('x.id', "to_char(v.death_date, 'YYYY-MM-DD')")}),
    'createdAt', ${ts('x.created_at')}, 'updatedAt', ${ts('x.updated_at')}, 'createdBy', x.created_by, 'updatedBy', x.updated_by)`,
};

const FACILITY: ExportedType = {
  changeType: 'FACILITY',
  typename: 'Facility',
  path: 'facilities',
  permission: 'registry:read',
  from: 'registry.facility x',
  key: 'x.id',
  visible: inScope('x.village_code'),
  json: `json_build_object('__typename', 'Facility', 'id', ${gid('Facility', 'x.id')}, 'registryNo', 'F' || lpad(x.id::text, 8, '0'),
    'name', x.name, 'type', x.type, 'villageCode', x.village_code, 'operatingModel', x.operating_model, 'operatorName', x.operator_name,
    'uscc', x.uscc, 'status', x.status, 'operatingSince', x.operating_since::text,
    'createdAt', ${ts('x.created_at')}, 'updatedAt', ${ts('x.updated_at')}, 'createdBy', x.created_by, 'updatedBy', x.updated_by)`,
};

const CAREGIVER: ExportedType = {
  changeType: 'CAREGIVER',
  typename: 'Caregiver',
  path: 'caregivers',
  permission: 'registry:read',
  from: 'registry.caregiver x',
  key: 'x.id',
  visible: inScope('x.region_code'),
  json: `json_build_object('__typename', 'Caregiver', 'id', ${gid('Caregiver', 'x.id')}, 'name', x.name_masked, 'regionCode', x.region_code,
    'certificateNo', x.certificate_no, 'certificateLevel', x.certificate_level, 'createdAt', ${ts('x.created_at')}, 'updatedAt', ${ts('x.updated_at')})`,
};

// A stay or service record is visible when its elder or its facility is (or, for a service, the village served).
const STAY: ExportedType = {
  changeType: 'STAY',
  typename: 'Stay',
  path: 'stays',
  permission: 'registry:read',
  from: 'registry.stay x join registry.elder e on e.id = x.elder_id join registry.facility f on f.id = x.facility_id',
  key: 'x.id',
  visible: `(${elderVisible('e')} or ${inScope('f.village_code')})`,
  json: `json_build_object('__typename', 'Stay', 'id', ${gid('Stay', 'x.id')}, 'elderId', ${gid('Elder', 'x.elder_id')}, 'facilityId', ${gid('Facility', 'x.facility_id')},
    'admittedOn', x.admitted_on::text, 'dischargedOn', x.discharged_on::text, 'bedCode', x.bed_code, 'fundingMode', x.funding_mode,
    'recordedAt', ${ts('x.recorded_at')}, 'recordedBy', x.recorded_by)`,
};

const SERVICE_RECORD: ExportedType = {
  changeType: 'SERVICE_RECORD',
  typename: 'ServiceRecord',
  path: 'service-records',
  permission: 'registry:read',
  from: 'registry.service_record x join registry.elder e on e.id = x.elder_id join registry.facility f on f.id = x.facility_id',
  key: 'x.id',
  visible: `(${inScope('x.village_code')} or ${elderVisible('e')} or ${inScope('f.village_code')})`,
  json: `json_build_object('__typename', 'ServiceRecord', 'id', ${gid('ServiceRecord', 'x.id')}, 'elderId', ${gid('Elder', 'x.elder_id')},
    'facilityId', ${gid('Facility', 'x.facility_id')}, 'serviceType', x.service_type, 'villageCode', x.village_code,
    'startedAt', ${ts('x.started_at')}, 'endedAt', ${ts('x.ended_at')}, 'subsidised', x.subsidised, 'unitPriceFen', x.unit_price_fen::text,
    'recordedAt', ${ts('x.recorded_at')}, 'recordedBy', x.recorded_by)`,
};

const ASSESSMENT: ExportedType = {
  changeType: 'ASSESSMENT',
  typename: 'Assessment',
  path: 'assessments',
  permission: 'registry:read',
  from: 'registry.assessment x join registry.elder e on e.id = x.elder_id',
  key: 'x.id',
  visible: elderVisible('e'),
  // Item scores and diagnoses are health data: only with health:read ($2), as Assessment.details.
  json: `json_build_object('__typename', 'Assessment', 'id', ${gid('Assessment', 'x.id')}, 'elderId', ${gid('Elder', 'x.elder_id')},
    'assessedOn', x.assessed_on::text, 'reason', x.reason, 'scheme', x.scheme, 'level', x.final_level, 'validUntil', x.valid_until::text,
    'assessor', x.assessor, 'agency', x.agency, 'recordedAt', ${ts('x.recorded_at')}, 'recordedBy', x.recorded_by,
    'details', case when $2::boolean then json_build_object('items', x.items, 'selfCare', x.self_care, 'mobility', x.mobility,
      'mentalState', x.mental_state, 'perceptionSocial', x.perception_social, 'total', x.total, 'preliminaryLevel', x.preliminary_level,
      'adjustments', to_json(x.adjustments), 'diagnoses', to_json(x.diagnoses), 'riskEventCount', x.risk_event_count) end)`,
};

// 身份 (特困, 低保 …): what an elder's entitlement depends on, visible with the elder (registry/visible.ts
// ofElder), with the fields of the API's CategoryMembership (registry/elders/history.ts): validTo is the
// end record's date when one was appended, else the planned end.
const CATEGORY_MEMBERSHIP: ExportedType = {
  changeType: 'CATEGORY_MEMBERSHIP',
  typename: 'CategoryMembership',
  path: 'category-memberships',
  permission: 'registry:read',
  from: 'registry.category_membership x join registry.elder e on e.id = x.elder_id left join registry.category_membership_end z on z.membership_id = x.id',
  key: 'x.id',
  visible: elderVisible('e'),
  json: `json_build_object('__typename', 'CategoryMembership', 'id', ${gid('CategoryMembership', 'x.id')}, 'elderId', ${gid('Elder', 'x.elder_id')},
    'category', x.category, 'validFrom', x.valid_from::text, 'validTo', coalesce(least(z.ended_on, x.valid_to), z.ended_on, x.valid_to)::text,
    'plannedValidTo', x.valid_to::text, 'endedOn', z.ended_on::text, 'endReason', z.reason, 'sourceSystem', x.source_system, 'sourceRef', x.source_ref,
    'recordedAt', ${ts('x.recorded_at')}, 'recordedBy', x.recorded_by)`,
};

/**
 * The approval of a transaction that came from a proposal (四眼: who proposed, who approved, when), as
 * the API's LedgerTransaction.proposal shows it: only when the proposal's region is in scope (a city
 * batch's proposal is the city's), null otherwise — proposedBy and approvedBy are on the transaction
 * itself (inside its hash) for every reader, as in the API. They are staff subjects, as `actor` is.
 */
const approvalOf = (t: string) => `(select json_build_object('id', ${gid('Proposal', 'p.id')}, 'status', d.decision, 'operation', p.operation,
    'regionCode', p.region_code, 'amount', p.amount::text, 'proposedBy', p.proposed_by, 'proposedAt', ${ts('p.proposed_at')},
    'decidedBy', d.decided_by, 'decidedAt', ${ts('d.decided_at')})
  from ledger.proposal p join ledger.proposal_decision d on d.proposal_id = p.id where p.id = ${t}.proposal_id and ${inScope('p.region_code')})`;

// A transaction is visible from its region and its counterpart's (auth/viewer.ts canSeeTransaction);
// a posting's running balance only for an account in scope (PostingResolver.balanceAfter).
const LEDGER_TRANSACTION: ExportedType = {
  changeType: 'LEDGER_TRANSACTION',
  typename: 'LedgerTransaction',
  path: 'transactions',
  permission: 'ledger:read',
  from: 'ledger.transaction x',
  key: 'x.id',
  visible: `(${inScope('x.region_code')} or ${inScope('x.counterpart_region_code')})`,
  json: `json_build_object('__typename', 'LedgerTransaction', 'id', ${gid('LedgerTransaction', 'x.id')}, 'seq', x.seq::text, 'kind', x.kind,
    'idempotencyKey', x.idempotency_key, 'fundLine', x.fund_line, 'regionCode', x.region_code, 'counterpartRegionCode', x.counterpart_region_code,
    'effectiveDate', x.effective_date::text, 'recordedAt', ${ts('x.recorded_at')}, 'documentNo', x.document_no, 'memo', x.memo, 'actor', x.actor,
    'reason', x.reason, 'reversesId', case when x.reverses_id is not null then ${gid('LedgerTransaction', 'x.reverses_id')} end,
    'allocationId', case when x.allocation_id is not null then ${gid('LedgerTransaction', 'x.allocation_id')} end,
    'payeeType', x.payee_type, 'payeeId', x.payee_id, 'serviceMonth', x.service_month, 'benefitCode', x.benefit_code,
    'beneficiaryVillageCode', x.beneficiary_village_code, 'prevHash', encode(x.prev_hash, 'hex'), 'hash', encode(x.hash, 'hex'),
    'proposedBy', x.proposed_by, 'approvedBy', x.approved_by, 'proposal', ${approvalOf('x')},
    'postings', (select json_agg(json_build_object('accountKind', p.account_kind, 'regionCode', p.region_code, 'fundLine', p.fund_line,
        'payeeType', a.payee_type, 'payeeId', a.payee_id, 'lotId', ${gid('Lot', 'p.lot_id')}, 'amount', p.amount::text,
        'balanceAfter', case when ${inScope('p.region_code')} then p.balance_after::text end) order by p.id)
      from ledger.posting p join ledger.account a on a.id = p.account_id where p.transaction_id = x.id))`,
};

const LOT: ExportedType = {
  changeType: 'LOT',
  typename: 'Lot',
  path: 'lots',
  permission: 'ledger:read',
  from: 'ledger.lot x',
  key: 'x.id',
  visible: inScope('x.region_code'),
  json: `json_build_object('__typename', 'Lot', 'id', ${gid('Lot', 'x.id')}, 'fundLine', x.fund_line, 'regionCode', x.region_code,
    'fiscalYear', x.fiscal_year, 'fundingSource', x.funding_source, 'documentNo', x.document_no,
    'parentLotId', case when x.parent_lot_id is not null then ${gid('Lot', 'x.parent_lot_id')} end,
    'createdByTransactionId', ${gid('LedgerTransaction', 'x.created_by_transaction_id')}, 'createdAt', ${ts('x.created_at')})`,
};

export const EXPORTED_TYPES: readonly ExportedType[] = [REGION, ELDER, FACILITY, CAREGIVER, STAY, SERVICE_RECORD, ASSESSMENT, CATEGORY_MEMBERSHIP, LEDGER_TRANSACTION, LOT];

export const typeByChangeType = new Map(EXPORTED_TYPES.map((t) => [t.changeType, t]));
export const typeByName = new Map(EXPORTED_TYPES.map((t) => [t.typename, t]));
export const typeByPath = new Map(EXPORTED_TYPES.map((t) => [t.path, t]));

/** The SQL parameters every projection takes, for a caller. */
export interface ScopeParams {
  scopePrefix: string;
  health: boolean;
  /** 12-digit codes of the regions above the jurisdiction. */
  ancestors: string[];
}

export const scopeValues = (p: ScopeParams): unknown[] => [p.scopePrefix, p.health, p.ancestors];
