/**
 * Demo approvals for `npm start` (so the front end has something to show): an appropriation that
 * was proposed and approved (its transaction carries both people inside its hash), an allocation
 * from it above the threshold that waits and holds its money, and a reversal of one demo payment
 * that waits too. Written through the policies like any API write, and only where the current
 * policies ask for approval (a database whose policies never do gets none of it); idempotent (fixed keys).
 */
import type pg from 'pg';
import { Viewer } from '../auth/viewer.js';
import type { Ledger } from '../ledger/ledger.js';
import { Approvals } from '../ledger/approvals/approvals.js';
import { currentPolicies, requiresApproval } from '../ledger/approvals/policies.js';

export const DEMO_PROPOSER = 'demo-finance-zhang';
export const DEMO_APPROVER = 'demo-finance-li';

export interface DemoApprovalsReport {
  approved: number;
  pending: number;
}

export async function proposeDemoApprovals(pool: pg.Pool, ledger: Ledger, options: { cityCode: string; month: string }): Promise<DemoApprovalsReport> {
  const approvals = new Approvals(pool, ledger);
  const approver = new Viewer({ subject: DEMO_APPROVER, roles: ['FINANCE_OFFICER'], jurisdiction: options.cityCode });
  const year = Number(options.month.slice(0, 4));
  const date = `${options.month}-28`;
  const report: DemoApprovalsReport = { approved: 0, pending: 0 };
  const policies = await currentPolicies(pool);
  const asks = (fundLine: string, operation: string, amount: bigint) =>
    requiresApproval(policies.find((p) => p.fundLine === fundLine && p.operation === operation), amount);
  if (!asks('PROJECT_GRANT', 'APPROPRIATION', 200_000_000n) || !asks('PROJECT_GRANT', 'ALLOCATION', 150_000_000n)) return report;

  const appropriation = await approvals.appropriate(
    { idempotencyKey: `demo:approvals:${options.month}:appropriation`, effectiveDate: date, regionCode: options.cityCode, fundLine: 'PROJECT_GRANT', amount: 200_000_000n, fiscalYear: year, fundingSource: 'PROVINCIAL_TRANSFER', documentNo: `苏财社〔${year}〕示例养老服务设施补助` },
    DEMO_PROPOSER,
  );
  let lotId = appropriation.transaction?.postings[0]?.lotId;
  if (appropriation.proposal?.status === 'PENDING') {
    const { transactions } = await approvals.approve(approver, appropriation.proposal.id);
    lotId = transactions[0]!.postings[0]!.lotId;
    report.approved++;
  }
  // The county of the latest demo payment (its reversal waits too), else the city's first county.
  const payment = (await pool.query<{ id: string; fund_line: string; region_code: string }>(
    `select t.id::text, t.fund_line, t.region_code from ledger.transaction t, region c
     where c.code = $1 and t.kind = 'DISBURSEMENT' and t.region_code between c.code and c.subtree_max
       and not exists (select from ledger.transaction r where r.reverses_id = t.id) order by t.seq desc limit 1`,
    [options.cityCode],
  )).rows[0];
  const county = payment?.region_code
    ?? (await pool.query<{ code: string }>(`select code from region where parent_code = $1 and level = 'COUNTY' order by code limit 1`, [options.cityCode])).rows[0]?.code;
  if (county && lotId) {
    const allocation = await approvals.allocate(
      { idempotencyKey: `demo:approvals:${options.month}:allocate:${county}`, effectiveDate: date, fromRegionCode: options.cityCode, toRegionCode: county, fundLine: 'PROJECT_GRANT', amount: 150_000_000n, lotId, documentNo: `徐财社〔${year}〕示例设施改造拨付` },
      DEMO_PROPOSER,
    );
    if (allocation.proposal?.status === 'PENDING') report.pending++;
  }
  if (payment && asks(payment.fund_line, 'REVERSAL', 1n)) {
    const reversal = await approvals.reverse(
      { idempotencyKey: `demo:approvals:${options.month}:reverse:${payment.id}`, effectiveDate: date, transactionId: payment.id, reason: '示例：重复发放，待复核后冲销' },
      DEMO_PROPOSER,
    );
    if (reversal.proposal?.status === 'PENDING') report.pending++;
  }
  return report;
}
