/**
 * Starts one real PostgreSQL for the whole test run (embedded in a temporary folder, or the server
 * behind DATABASE_URL) and prepares a template database: migrated, with the demo city 徐州市 (3203)
 * imported. Each test file clones the template (CREATE DATABASE … TEMPLATE), so files run in
 * parallel on isolated data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { openDatabaseServer, withDatabase } from '../platform/database.js';
import { migrate, openOrm } from '../platform/orm.js';
import { importRegions } from '../hierarchy/import.js';
import { ormPool } from '../platform/sql.js';
import { TEMPLATE_DATABASE, EMPTY_TEMPLATE_DATABASE } from './support/names.js';

export default async function globalSetup(): Promise<void> {
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sunshine-test-pg-'));
  fs.chmodSync(dataDir, 0o755);
  const server = await openDatabaseServer(process.env.DATABASE_URL, { dataDir, persistent: false, database: 'postgres', log });
  (globalThis as Record<string, unknown>).__sunshineDatabase = { server, dataDir };

  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  for (const name of [TEMPLATE_DATABASE, EMPTY_TEMPLATE_DATABASE]) {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  }
  await admin.end();

  for (const name of [EMPTY_TEMPLATE_DATABASE, TEMPLATE_DATABASE]) {
    const orm = await openOrm({ url: withDatabase(server.adminUrl, name) });
    await migrate(orm);
    if (name === TEMPLATE_DATABASE) await importRegions(await ormPool(orm), { kind: 'city', code: '3203' });
    // The tests of everything else write money without a second person: the template's approval
    // policies are "never" (a policy change like any other, in the history). The approval tests put
    // the initial policy back (test/ledger/approvals-support.ts restoreInitialPolicies).
    await (await ormPool(orm)).query(
      `insert into ledger.approval_policy_change (fund_line, operation, min_amount, previous_min_amount, previous_change_id, changed_by, reason)
       select fund_line, operation, null, min_amount, change_id, 'test-setup', 'tests write without approval unless they restore the initial policy'
       from ledger.approval_policy order by fund_line, operation`,
    );
    await orm.close();
  }
  process.env.SUNSHINE_TEST_ADMIN_URL = server.adminUrl;
}
