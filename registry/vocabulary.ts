/**
 * The registry's closed vocabularies (docs/registry.md "Model"): the single source the API's enums
 * and the input checks are built from. The migrations' CHECK constraints say the same in SQL;
 * test/registry/vocabulary.test.ts compares them with the database. Open lists (categories, service
 * types, facility types) are reference tables seeded by the migration.
 */

export const SEXES = ['MALE', 'FEMALE'] as const;

export const OPERATING_MODELS = [
  'PUBLIC_BUILT_PUBLIC_RUN',
  'PUBLIC_BUILT_PRIVATE_RUN',
  'PUBLIC_BUILT_SOE_RUN',
  'PRIVATE_NONPROFIT',
  'PRIVATE_FORPROFIT',
] as const;
export type OperatingModel = (typeof OPERATING_MODELS)[number];

export const FACILITY_STATUSES = ['PLANNED', 'BUILDING', 'OPERATING', 'SUSPENDED', 'CLOSED'] as const;
export type FacilityStatus = (typeof FACILITY_STATUSES)[number];

export const VITAL_SOURCES = ['HOUSEHOLD_REGISTER', 'DEATH_CERTIFICATE', 'CREMATION', 'HOSPITAL', 'VILLAGE_REPORT', 'OTHER'] as const;
export type VitalSource = (typeof VITAL_SOURCES)[number];

export const VITAL_STATUSES = ['ALIVE', 'DECEASED'] as const;
export type VitalStatus = (typeof VITAL_STATUSES)[number];

export const ASSESSMENT_REASONS = ['FIRST', 'ROUTINE', 'IMMEDIATE', 'DISPUTE', 'OTHER'] as const;
export type AssessmentReason = (typeof ASSESSMENT_REASONS)[number];

export const STAY_FUNDING_MODES = ['HARDSHIP_CENTRALISED', 'SELF_PAY', 'INCLUSIVE_DISCOUNT', 'OTHER'] as const;
export type StayFundingMode = (typeof STAY_FUNDING_MODES)[number];

export const STAFF_ROLES = ['CAREGIVER', 'NURSE', 'SOCIAL_WORKER', 'SAFETY_OFFICER', 'DIRECTOR', 'VILLAGE_CARE_AIDE', 'OTHER'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const BED_INVENTORY_SOURCES = ['REGISTRATION', 'INSPECTION', 'SELF_REPORT'] as const;
export type BedInventorySource = (typeof BED_INVENTORY_SOURCES)[number];

export const CERTIFICATE_LEVELS = ['JUNIOR', 'INTERMEDIATE', 'SENIOR', 'TECHNICIAN', 'SENIOR_TECHNICIAN'] as const;
export type CertificateLevel = (typeof CERTIFICATE_LEVELS)[number];

/** Residents per certified caregiver at most (Xuzhou regional centres: 1:10). */
export const RESIDENTS_PER_CERTIFIED_CAREGIVER = 10;
