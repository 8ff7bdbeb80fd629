/** Four-eyes approvals and commitments (审批与预留): policies, proposals, holds and decisions. */
export { Approvals, approvalTtlHours, MAX_PENDING, type WriteOutcome } from './approvals.js';
export { ApprovalPolicies, APPROVAL_OPERATIONS, type ApprovalOperation, type PolicyChangeRecord, type PolicyRecord } from './policies.js';
export type { ProposalItemRecord, ProposalRecord, ProposalStatus } from './store.js';
