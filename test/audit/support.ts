/** Fixtures of the audit tests: a ledger and registry on a private database, elders, money and payments. */
import { createLedgerFixture, type LedgerFixture } from '../ledger/support.js';
import { FENG, fundCounty, key } from '../fixtures/index.js';
import { RegistryService } from '../../registry/registry.js';
import { elderNo } from '../../registry/validate.js';
import { idNumber } from '../registry/support.js';
import { runAudit } from '../../audit/engine.js';
import { RULES } from '../../audit/catalogue.js';
import type { Sex } from '../../platform/id-number.js';
import type { DisburseInput } from '../../ledger/types.js';

export { CITY, FENG, PEI } from '../fixtures/index.js';

export interface AuditFixture extends LedgerFixture {
  registry: RegistryService;
  peiVillages: string[];
}

export async function createAuditFixture(): Promise<AuditFixture> {
  const fx = await createLedgerFixture();
  const { rows } = await fx.db.pool.query(`select code from region where level = 'VILLAGE' and code like '320322%' order by code limit 10`);
  return { ...fx, registry: new RegistryService(fx.db.pool, fx.db.sql), peiVillages: rows.map((r) => r.code) };
}

/** A registered elder of 丰县 (or another county): its registry number and internal id. */
export async function elder(fx: AuditFixture, birthDate: string, options: { sex?: Sex; village?: string; name?: string } = {}) {
  const village = options.village ?? fx.villages[0]!;
  const record = await fx.registry.registerElder(
    { idNumber: idNumber(birthDate, options.sex ?? 'MALE', village.slice(0, 6)), name: options.name ?? '张三', hukouVillageCode: village },
    'test-clerk',
  );
  return { id: record.id, no: elderNo(record.id), village };
}

/** Money for a county on a fund line: appropriation at the city, allocation, receipt (2026-01). */
export async function fund(fx: AuditFixture, county: string, fundLine: string, amount = 100_000_000n, dates = { issued: '2026-01-01', received: '2026-01-05' }) {
  const funded = await fundCounty(fx.ledger, county, {
    amount, fundLine, actor: 'test', allocationDocumentNo: '徐财〔2026〕2号',
    dates: { appropriated: dates.issued, allocated: dates.issued, received: dates.received },
  });
  return { allocation: funded.allocation.transaction.id, receipt: funded.receipt!.transaction.id, lot: funded.lot };
}

export async function pay(fx: AuditFixture, payeeId: string, serviceMonth: string, amount: bigint, overrides: Partial<DisburseInput> = {}) {
  const result = await fx.ledger.disburse(
    {
      idempotencyKey: key('pay'), effectiveDate: `${serviceMonth}-15` > '2026-11-30' ? '2026-11-30' : `${serviceMonth}-15`, regionCode: FENG, fundLine: 'SENIOR_ALLOWANCE', amount,
      payeeType: 'PERSON', payeeId, serviceMonth, benefitCode: 'SA_MONTHLY', villageCode: fx.villages[0]!, ...overrides,
    },
    'test',
  );
  return result.transaction.id;
}

export function audit(fx: AuditFixture, rules: string[], options: { region?: string; from?: string; to?: string; asOf?: string } = {}) {
  return runAudit(fx.db.pool, { regionCode: options.region ?? FENG, from: options.from ?? '2026-01', to: options.to ?? '2026-12', rules, asOf: options.asOf ?? '2026-11-30', trigger: 'TEST', actor: 'test-auditor' });
}

export interface FindingRow {
  id: string;
  rule_id: string;
  subject_type: string;
  subject_id: string;
  period_from: string | null;
  severity: string;
  status: string;
  condition_holds: boolean;
  amount_at_risk: string;
  region_code: string;
  evidence: { type: string; id: string }[];
  detail: Record<string, unknown>;
}

export async function findings(fx: AuditFixture, ruleId: string, subjectId?: string): Promise<FindingRow[]> {
  const { rows } = await fx.db.pool.query(
    `select id::text, rule_id, subject_type, subject_id, period_from, severity, status, condition_holds, amount_at_risk::text, region_code, evidence, detail
     from audit.finding_state where rule_id = $1 and ($2::text is null or subject_id = $2) order by subject_id, period_from nulls first`,
    [ruleId, subjectId ?? null],
  );
  return rows;
}

let planted = 0;
/** A finding written straight into the audit tables (for scope and workflow tests that need many): its id. */
export async function plantFinding(pool: import('pg').Pool, regionCode: string, options: { ruleId?: string; severity?: string; evidence?: { type: string; id: string }[] } = {}): Promise<string> {
  const { inTransaction } = await import('../../platform/sql.js');
  const { ensureRuleCatalogue } = await import('../../audit/engine.js');
  const ruleId = options.ruleId ?? 'AR-03';
  return inTransaction(pool, async (c) => {
    await ensureRuleCatalogue(c);
    const { rows: [run] } = await c.query(`insert into audit.run (id, region_code, period_from, period_to, as_of, trigger, actor, started_at, finished_at, duration_ms, rules, counts)
      values (nextval('audit.run_id_seq'), $1, '2026-01', '2026-12', '2026-11-30', 'TEST', 'test', now(), now(), 0, '[]', '{}') returning id`, [regionCode]);
    const { rows: [f] } = await c.query(`insert into audit.finding (rule_id, rule_version, severity, region_code, fund_line, subject_type, subject_id, period_from, period_to, first_run_id)
      values ($1, $6, $2, $3, 'SENIOR_ALLOWANCE', 'PAYEE', $4, '2026-03', '2026-03', $5) returning id::text`,
      [ruleId, options.severity ?? 'HIGH', regionCode, `PERSON:planted-${process.pid}-${++planted}`, run.id, RULES.find((r) => r.id === ruleId)!.version]);
    await c.query(`insert into audit.finding_evidence (finding_id, version, run_id, amount_at_risk, evidence, detail) values ($1, 1, $2, 5000, $3, '{}')`, [f.id, run.id, JSON.stringify(options.evidence ?? [])]);
    await c.query(`insert into audit.finding_event (finding_id, seq, action, status, condition_holds, actor, run_id) values ($1, 1, 'DETECTED', 'OPEN', true, 'test', $2)`, [f.id, run.id]);
    return f.id as string;
  });
}
