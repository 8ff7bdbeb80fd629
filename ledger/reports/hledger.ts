/**
 * The hledger journal (https://hledger.org/1.25/hledger.html#journal-format) of a region's
 * transactions, so that an auditor's own `hledger balance` gives the same balances as Sunshine.
 *
 * - One journal entry per ledger transaction, in chain order, dated by its effective date, with the
 *   seq as the entry's code and seq, 文号, kind and hash (and for payments the service month and
 *   benefit) as tags; one posting per ledger posting, its lot as a posting tag.
 * - Accounts are Sunshine's accounts: region / fund line / kind, and for EXPENDITURE the payee (by
 *   registry number): `徐州市 320300000000:尊老金:AVAILABLE`, or ASCII codes only
 *   (`320300000000:SENIOR_ALLOWANCE:AVAILABLE`). Every account is declared first, with its hledger
 *   type, so that `hledger check --strict` passes.
 * - Amounts in yuan with exactly two decimals, from integer fen by bigint arithmetic; debit
 *   positive as in the ledger, so every entry balances to zero.
 * - A period export (with a `from` date) opens with one entry 期初余额, dated the day before `from`:
 *   every account's balance on that day, each posting with a balance assertion. So `hledger balance`
 *   on the file gives the balances at `to`, as Sunshine's, and `hledger balance -b <from>` the
 *   movements of the period.
 */
import type { Writable } from 'node:stream';
import type { AccountKind, PayeeType, TransactionRecord } from '../types.js';
import { KIND_ZH } from './labels.js';
import type { AccountStyle } from './request.js';
import type { AccountRow, BooksReader } from './sources.js';
import type { ExportNotes } from './table.js';
import { fenToYuan } from './yuan.js';
import { drained } from '../../platform/streams.js';

const COMMODITY = 'CNY';

/** hledger account types: A asset, E equity, X expense. FUNDING_SOURCE is where money came from (credit balance). */
const ACCOUNT_TYPE: Readonly<Record<AccountKind, string>> = { FUNDING_SOURCE: 'E', AVAILABLE: 'A', IN_TRANSIT_DOWN: 'A', EXPENDITURE: 'X' };

/**
 * One component of an account name, made safe and kept injective: hledger ends an account name at
 * two spaces or a tab, splits components at ':' and starts comments at ';', so those characters
 * (every whitespace, and '%' itself) are percent-encoded.
 */
export function accountPart(text: string): string {
  return text.replace(/[%:;\s]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}

/** The hledger account of a Sunshine account. */
export function accountName(
  account: { regionCode: string; fundLine: string; kind: AccountKind; payeeType: PayeeType | null; payeeId: string | null },
  style: AccountStyle,
  names: Pick<BooksReader, 'regionName' | 'fundLineName'>,
): string {
  const parts =
    style === 'codes'
      ? [account.regionCode, account.fundLine, account.kind]
      : [`${accountPart(names.regionName(account.regionCode))} ${account.regionCode}`, accountPart(names.fundLineName(account.fundLine)), account.kind];
  if (account.payeeType) parts.push(account.payeeType, accountPart(account.payeeId ?? ''));
  return parts.join(':');
}

/** A tag value ends at a comma or the end of the line in hledger: keep it on one line, commas full-width. */
function tagValue(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/,/g, '，').trim();
}

function comment(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').trim();
}

function entry(t: TransactionRecord, style: AccountStyle, names: BooksReader): string {
  const counterpart = t.counterpartRegionCode ? ` → ${names.regionName(t.counterpartRegionCode)}` : '';
  const lines = [`${t.effectiveDate} (${t.seq}) ${KIND_ZH[t.kind]} ${names.regionName(t.regionCode)}${counterpart}`];
  const tags: [string, string | null][] = [
    ['seq', t.seq],
    ['文号', t.documentNo],
    ['kind', t.kind],
    ['hash', t.hash],
    ['month', t.serviceMonth],
    ['benefit', t.benefitCode],
    ['reverses', t.reversesId],
  ];
  for (const [name, value] of tags) if (value) lines.push(`    ; ${name}:${tagValue(value)}`);
  if (t.memo) lines.push(`    ; 摘要 ${comment(t.memo)}`);
  if (t.reason) lines.push(`    ; 原因 ${comment(t.reason)}`);
  for (const p of t.postings) {
    lines.push(`    ${accountName({ ...p, kind: p.accountKind }, style, names)}  ${fenToYuan(p.amount)} ${COMMODITY}  ; lot:${p.lotId}`);
  }
  return lines.join('\n') + '\n\n';
}

function accountDirective(a: AccountRow, style: AccountStyle, names: BooksReader): string {
  return `account ${accountName(a, style, names)}  ; type:${ACCOUNT_TYPE[a.kind]}\n`;
}

const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/**
 * The opening entry of a period export: the balances at the end of the day before `from`, one posting
 * an account, each asserting the account's balance (`= …`: hledger checks it, and it is the first
 * entry by date of every account it names). The balances sum to zero like every transaction's.
 */
function openingEntry(from: string, balances: (AccountRow & { balance: bigint })[], style: AccountStyle, names: BooksReader): string {
  const lines = [`${dayBefore(from)} 期初余额 opening balances ${names.regionName(names.scope.regionCode)}`, `    ; opening:${from}`];
  for (const a of balances) {
    const amount = `${fenToYuan(a.balance)} ${COMMODITY}`;
    lines.push(`    ${accountName(a, style, names)}  ${amount} = ${amount}`);
  }
  return lines.join('\n') + '\n\n';
}

/** Writes the journal; returns the number of entries (transactions; the opening entry is not one). */
export async function writeHledger(reader: BooksReader, style: AccountStyle, notes: ExportNotes, out: Writable): Promise<number> {
  for (const [key, value] of notes) out.write(`; ${key}: ${comment(value)}\n`);
  out.write(`\ncommodity 1000.00 ${COMMODITY}\n\n`);
  const from = reader.scope.from;
  for await (const batch of reader.accountBatches(undefined, from !== null)) {
    out.write(batch.map((a) => accountDirective(a, style, reader)).join(''));
    await drained(out);
  }
  out.write('\n');
  const opening = await reader.openingBalances();
  if (from && opening.length) out.write(openingEntry(from, opening, style, reader));
  let entries = 0;
  for await (const batch of reader.transactionBatches()) {
    out.write(batch.map((t) => entry(t, style, reader)).join(''));
    entries += batch.length;
    await drained(out);
  }
  return entries;
}
