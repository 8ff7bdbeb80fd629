/** Helpers for the approval tests: the initial (migration-seeded) policies back, and viewers. */
import type pg from 'pg';
import { Viewer } from '../../auth/viewer.js';
import { CITY, COUNTY } from './support.js';

/**
 * The test template relaxes every policy to "never" (test/global-setup.ts); this appends, for
 * every (fund line, operation), a change back to the policy the migration seeded.
 */
export async function restoreInitialPolicies(pool: pg.Pool): Promise<void> {
  await pool.query(
    `insert into ledger.approval_policy_change (fund_line, operation, min_amount, previous_min_amount, previous_change_id, changed_by, reason)
     select s.fund_line, s.operation, s.min_amount, c.min_amount, c.change_id, 'test-setup', 'the initial policy again'
     from (select distinct on (fund_line, operation) * from ledger.approval_policy_change where changed_by = 'system' order by fund_line, operation, id) s
     join ledger.approval_policy c on c.fund_line = s.fund_line and c.operation = s.operation
     order by s.fund_line, s.operation`,
  );
}

export const officer = (subject: string, jurisdiction = COUNTY) => new Viewer({ subject, roles: ['FINANCE_OFFICER'], jurisdiction });
export const cityAdmin = (subject = 'city-admin') => new Viewer({ subject, roles: ['CITY_ADMIN'], jurisdiction: CITY });
