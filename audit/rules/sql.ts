/**
 * Shared pieces of the rules' SQL. Every rule is one INSERT … SELECT into the run's candidate table,
 * set-based over the whole scope. Its parameters arrive as the same eight bind values, read through
 * the `args` CTE (so a statement need not use them all):
 *   lo, hi       the run's region subtree as a code range
 *   m_from, m_to the service months (YYYY-MM)
 *   p            the rule's effective parameters (jsonb)
 *   as_of        the evaluation date (the end of m_to, or today when earlier)
 *   lines        the rule's fund lines
 *   root         the run's city (or province): where ledger-wide findings belong
 */
export const ARGS = `args as (select $1::text as lo, $2::text as hi, $3::text as m_from, $4::text as m_to, $5::jsonb as p,
  $6::date as as_of, $7::text[] as lines, $8::text as root)`;

export const INSERT = `insert into pg_temp.audit_candidate
  (rule_id, severity, region_code, fund_line, subject_type, subject_id, period_from, period_to, amount, evidence, detail)`;

/** One evidence item: {"type": "LedgerTransaction", "id": "42"}. */
export const ev = (type: string, idSql: string) => `jsonb_build_object('type', '${type}', 'id', (${idSql})::text)`;

/** The registry number of an elder id (the ledger's PERSON payee id): E00000042. */
export const elderNo = (idSql: string) => `('E' || lpad((${idSql})::text, 8, '0'))`;
export const facilityNo = (idSql: string) => `('F' || lpad((${idSql})::text, 8, '0'))`;

/** A membership of `elder` in one of the categories of the jsonb array `categories` on some day of [first, next). */
export const heldDuring = (elder: string, categories: string, first: string, next: string) => `exists (
  select from registry.category_membership m left join registry.category_membership_end me on me.membership_id = m.id
  where m.elder_id = ${elder} and m.category in (select jsonb_array_elements_text(${categories}))
    and m.valid_from < ${next} and coalesce(me.ended_on, m.valid_to, 'infinity'::date) >= ${first})`;

export interface RuleSql {
  id: string;
  version: number;
  /** Statements run in order, each with the eight bind values. */
  statements: string[];
}
