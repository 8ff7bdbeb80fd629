/** Records the registry reads and writes: plain data, no GraphQL, no ORM. Personal fields appear only masked. */
import type { Sex } from '../platform/id-number.js';
import type { Adjustment, CapabilityLevel } from './assessment.js';
import type { AssessmentReason, CertificateLevel, FacilityStatus, OperatingModel, StaffRole, StayFundingMode, VitalSource, VitalStatus } from './vocabulary.js';

export interface ElderRecord {
  id: string;
  idMasked: string;
  nameMasked: string;
  phoneMasked: string | null;
  sex: Sex;
  /** YYYY-MM-DD (shown masked by the API). */
  birthDate: string;
  hukouVillageCode: string;
  residenceVillageCode: string;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export interface ElderClear {
  idNumber: string;
  name: string;
  phone: string | null;
  birthDate: string;
}

export interface CategoryMembershipRecord {
  id: string;
  elderId: string;
  category: string;
  validFrom: string;
  /** The effective end: the end record's date, else the planned valid_to. */
  validTo: string | null;
  plannedValidTo: string | null;
  endedOn: string | null;
  endReason: string | null;
  sourceSystem: string | null;
  sourceRef: string | null;
  recordedAt: string;
  recordedBy: string;
}

export interface VitalEventRecord {
  id: string;
  elderId: string;
  status: VitalStatus;
  deathDate: string | null;
  source: VitalSource;
  sourceRef: string | null;
  recordedAt: string;
  recordedBy: string;
}

export interface AssessmentRecord {
  id: string;
  elderId: string;
  assessedOn: string;
  reason: AssessmentReason;
  scheme: string;
  items: Record<string, number>;
  selfCare: number;
  mobility: number;
  mentalState: number;
  perceptionSocial: number;
  total: number;
  preliminaryLevel: CapabilityLevel;
  adjustments: Adjustment[];
  finalLevel: CapabilityLevel;
  diagnoses: string[];
  riskEventCount: number;
  validUntil: string | null;
  assessor: string | null;
  agency: string | null;
  recordedAt: string;
  recordedBy: string;
}

export interface FacilityRecord {
  id: string;
  name: string;
  type: string;
  villageCode: string;
  operatingModel: OperatingModel;
  operatorName: string | null;
  uscc: string | null;
  status: FacilityStatus;
  operatingSince: string | null;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export interface RatingRecord {
  id: string;
  facilityId: string;
  scheme: string;
  level: number;
  ratedOn: string;
  validUntil: string | null;
  certificateNo: string | null;
  recordedAt: string;
  recordedBy: string;
}

export interface BedInventoryRecord {
  id: string;
  facilityId: string;
  asOf: string;
  approved: number;
  actual: number;
  nursing: number;
  inclusive: number;
  occupied: number;
  source: string;
  recordedAt: string;
  recordedBy: string;
}

export interface CaregiverRecord {
  id: string;
  nameMasked: string;
  regionCode: string;
  certificateNo: string | null;
  certificateLevel: CertificateLevel | null;
  createdAt: string;
  updatedAt: string;
}

export interface AssignmentRecord {
  id: string;
  caregiverId: string;
  facilityId: string;
  /** YYYY-MM. */
  month: string;
  role: StaffRole;
  certified: boolean;
  recordedAt: string;
  recordedBy: string;
}

export interface StayRecord {
  id: string;
  elderId: string;
  facilityId: string;
  admittedOn: string;
  dischargedOn: string | null;
  bedCode: string | null;
  fundingMode: StayFundingMode;
  recordedAt: string;
  recordedBy: string;
}

export interface ServiceRecordRecord {
  id: string;
  elderId: string;
  facilityId: string;
  serviceType: string;
  villageCode: string;
  startedAt: string;
  endedAt: string | null;
  subsidised: boolean;
  unitPriceFen: string | null;
  recordedAt: string;
  recordedBy: string;
}

export interface StaffingRecord {
  facilityId: string;
  /** YYYY-MM. */
  month: string;
  residents: number;
  caregivers: number;
  certifiedCaregivers: number;
  /** ceil(residents / 10). */
  requiredCertified: number;
  meetsStandard: boolean;
}

export interface AccessLogRecord {
  id: string;
  accessedAt: string;
  subject: string;
  roles: string[];
  tokenId: string | null;
  reason: string;
  entityType: string;
  entityId: string;
  regionCode: string;
  /** For an elder living outside the household village: the residence village (its jurisdiction audits the read too). */
  residenceRegionCode: string | null;
  fields: string[];
  /** For an export (entityType 'Export': a snapshot, on the row written when it ended; 'LedgerExport': the books): the rows sent. */
  rowCount: number | null;
  /** For an export of the books (entityType LedgerExport): hledger, xlsx or csv; null otherwise. */
  exportFormat: string | null;
  periodFrom: string | null;
  periodTo: string | null;
}

export interface ReferenceRow {
  code: string;
  nameZh: string;
  nameEn: string;
}

export interface ServiceTypeRow extends ReferenceRow {
  bundles: string[];
  active: boolean;
}

/** Who acts: recorded on writes and in the access log. */
export interface Actor {
  subject: string;
  roles: readonly string[];
  tokenId: string | null;
}

export interface Page {
  first: number;
  after: string | null;
}
