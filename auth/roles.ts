/**
 * Roles and what each may do (docs/security.md "Roles and scopes"). A role grants permissions; a caller's
 * jurisdiction (a region code) limits every permission to that region's subtree. The table below is
 * the single place where "who may do what" is decided; README "Roles and scopes" mirrors it.
 */
import type { RegionLevel } from '../platform/region-code.js';

export const ROLES = ['CITY_ADMIN', 'FINANCE_OFFICER', 'CIVIL_AFFAIRS_OFFICER', 'VILLAGE_VERIFIER', 'AUDITOR', 'SYSTEM_CLIENT'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** Regions of the hierarchy. */
  'hierarchy:read',
  /** Registry records (elders, facilities, caregivers, stays, services), personal fields masked. */
  'registry:read',
  /** Register and update registry records (elders, facilities, caregivers, stays, assessments). */
  'registry:write',
  /** Front-line facts about elders in one's villages: vital status, special categories, service records. */
  'registry:verify',
  /** Ask for a personal field in clear, with a stated reason that is written to the access log. */
  'personal:unmask',
  /** Health data: capability-assessment items, diagnoses. */
  'health:read',
  /** Ledger transactions, balances, lots and trails, and their exports (docs/exports.md). */
  'ledger:read',
  /** Money entering the ledger at a region (appropriate). */
  'ledger:appropriate',
  /** Money moving down and back up the hierarchy (allocate, receiveAllocation, returnFunds). */
  'ledger:allocate',
  /** Payments to payees (disburse, disburseBatch). */
  'ledger:disburse',
  /** Corrections (reverse). */
  'ledger:reverse',
  /** Approve or reject another person's proposal (four eyes: pendingApprovals, approve, reject). */
  'ledger:approve',
  /** Close a month of one's region (closePeriod), ask for and approve its reopening (requestPeriodReopen, reopenPeriod). */
  'ledger:close',
  /** Seal a closed month and write its sealed trial balance (sealPeriod); only from a city-level jurisdiction. */
  'ledger:seal',
  /** Recompute the ledger's hash chain (verifyLedger). */
  'ledger:verify',
  /** The personal-data access log. */
  'access-log:read',
  /** Audit rules, runs and findings in scope (auditors, and the officers who answer findings). */
  'audit:read',
  /** Run the audit rules over a region (runAudit). */
  'audit:run',
  /** Confirm or dismiss a finding (the auditor's judgement). */
  'audit:judge',
  /** Answer a finding of one's region and give the remediation reference (the audited side). */
  'audit:answer',
  /** Download findings with their evidence (XLSX/CSV; written to the access log). */
  'audit:export',
  /** Override a rule parameter for a region (appended with a validity date). */
  'audit:configure',
  /** Download ledger bundles (JSON Lines for the offline verifier) of regions in scope; each export is access-logged. */
  'ledger:export',
  /** Submit a witness's cosignature of a checkpoint (the witness key, not the token, is what the cosignature proves). */
  'ledger:cosign',
  /** The pull path of a county system: snapshot exports and the change feed (each type still needs its own read permission). */
  'sync:pull',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = ['hierarchy:read', 'registry:read'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  CITY_ADMIN: PERMISSIONS,
  // 财政: money in, down, out and corrected; registry read-only (payees), masked.
  // Closing its months is the finance bureau's; sealing too, but only the city's bureau (Periods.seal checks the level).
  FINANCE_OFFICER: [...READ, 'ledger:read', 'ledger:appropriate', 'ledger:allocate', 'ledger:disburse', 'ledger:reverse', 'ledger:approve', 'ledger:close', 'ledger:seal', 'audit:read', 'audit:answer'],
  // 民政: owns the registry and the benefit payments; corrections and new money are finance's.
  CIVIL_AFFAIRS_OFFICER: [...READ, 'registry:write', 'registry:verify', 'personal:unmask', 'health:read', 'ledger:read', 'ledger:allocate', 'ledger:disburse', 'audit:read', 'audit:answer'],
  // 村(居)委会: front-line verification in their village; no money, no health data.
  VILLAGE_VERIFIER: [...READ, 'registry:verify'],
  // 审计: reads everything in scope, changes nothing in the ledger or registry; may unmask with a reason (logged);
  // runs the audit rules and confirms or dismisses findings (the audited region answers them); exports ledger bundles, cosigns.
  AUDITOR: [...READ, 'personal:unmask', 'health:read', 'ledger:read', 'ledger:verify', 'access-log:read', 'ledger:export', 'ledger:cosign', 'audit:read', 'audit:run', 'audit:judge', 'audit:export'],
  // A county system's machine credential: read-only, masked. It pulls its slice in bulk (sync:pull) —
  // hierarchy, registry and its ledger slice (ledger:read: transactions, lots, balances; no chain
  // verification, no access log, no health data, no unmasking).
  SYSTEM_CLIENT: [...READ, 'ledger:read', 'sync:pull'],
};

/** The levels at which each role's jurisdiction may sit (a VILLAGE_VERIFIER's is a village, …). */
export const ROLE_LEVELS: Readonly<Record<Role, readonly RegionLevel[]>> = {
  CITY_ADMIN: ['CITY'],
  FINANCE_OFFICER: ['CITY', 'COUNTY', 'TOWN'],
  CIVIL_AFFAIRS_OFFICER: ['CITY', 'COUNTY', 'TOWN'],
  VILLAGE_VERIFIER: ['VILLAGE'],
  AUDITOR: ['PROVINCE', 'CITY', 'COUNTY'],
  SYSTEM_CLIENT: ['CITY', 'COUNTY', 'TOWN'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
