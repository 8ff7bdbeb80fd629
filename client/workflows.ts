/**
 * Typed calls for the three screens front-end teams build first — a county's payments, the trail of
 * one payment, an auditor's findings — on the documents of client/operations/ (ledger, audit,
 * registry). test/api/client-operations.test.ts compiles this file and runs it against a live server
 * with the demo city. Money stays a string of fen end to end: it passes 2^53, so never a JS number.
 */
import { request } from './example.js';
import {
  DisburseDocument,
  DisposeFindingDocument,
  EldersDocument,
  FindingDetailDocument,
  FindingsDocument,
  JournalDocument,
  TransactionDetailDocument,
  type AuditFindingFilter,
  type DisburseInput,
  type ElderFilterInput,
  type TransactionFilter,
} from './generated/graphql.js';

/** Follows a connection to its end, page by page (a page holds at most 500: the API's limit). */
async function allPages<TNode>(
  fetchPage: (after: string | null) => Promise<{ nodes: TNode[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } }>,
): Promise<TNode[]> {
  const nodes: TNode[] = [];
  for (let after: string | null = null; ; ) {
    const page = await fetchPage(after);
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return nodes;
    after = page.pageInfo.endCursor;
  }
}

/** Every transaction the filter selects, oldest first (the journal of a county, a month, a payee). */
export function journal(url: string, token: string, filter: TransactionFilter, pageSize = 200) {
  return allPages(async (after) => (await request(url, JournalDocument, { filter, first: pageSize, after }, token)).transactions);
}

/**
 * Pays one line. Sending the same input again (a retry after a timeout) is safe: the idempotency key
 * makes it a replay of the first transaction, never a second payment.
 */
export async function pay(url: string, token: string, input: DisburseInput) {
  return (await request(url, DisburseDocument, { input }, token)).disburse;
}

/** A transaction with its postings and its trail back to the appropriation that authorised it. */
export async function paymentWithTrail(url: string, token: string, id: string) {
  const { transaction, trail } = await request(url, TransactionDetailDocument, { id }, token);
  return transaction && { transaction, trail, origin: trail.reduce((a, b) => (b.depth > a.depth ? b : a), trail[0]!) };
}

/** The findings a filter selects (default: the caller's whole jurisdiction), every page. */
export function findings(url: string, token: string, filter: AuditFindingFilter = {}, pageSize = 200) {
  return allPages(async (after) => (await request(url, FindingsDocument, { filter, first: pageSize, after }, token)).auditFindings);
}

export async function finding(url: string, token: string, id: string) {
  return (await request(url, FindingDetailDocument, { id }, token)).auditFinding;
}

/** The audited region's answer to a finding (ANSWER needs a reason). */
export async function answerFinding(url: string, token: string, findingId: string, reason: string) {
  return (await request(url, DisposeFindingDocument, { input: { findingId, action: 'ANSWER', reason } }, token)).disposeFinding;
}

/** The elders of a filter, as the caller's role may see them (masked without personal:unmask). */
export function elders(url: string, token: string, filter: ElderFilterInput, pageSize = 200) {
  return allPages(async (after) => (await request(url, EldersDocument, { filter, first: pageSize, after }, token)).elders);
}
