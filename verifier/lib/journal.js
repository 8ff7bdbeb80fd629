// The double-entry templates of the ledger (docs/ledger.md "Journal"), as the verifier needs them:
// which account and which lot each leg of a transaction must use, given only what the chain hash
// covers — the transaction's kind, regions, payee, document number, request hash, the allocation a
// receipt names, the transaction a reversal undoes, and its postings' account and lot ids.
//
// Why: a bundle's account and lot records (kind, region, payee; a lot's parent, creator, fiscal
// year, funding source, document number) are not inside the chain hash. Checked against the hashed
// transactions that use or create them, they cannot be relabelled: an EXPENDITURE account passed off
// as AVAILABLE, a payee's account given to another payee, a lot given another parent, region,
// creator or source, each contradicts a hashed transaction of the bundle. What no transaction of the
// bundle vouches for is named as such (docs/proof.md "Limits").
//
// Each templated kind has two legs, one debit (amount > 0) and one credit (amount < 0), so legs
// are matched by sign, not by position. A REVERSAL mirrors its original, which the bundle holds: its
// accounts and lots must be ones a templated transaction of the bundle used before.
import { createHash } from 'node:crypto';

/**
 * Per kind: the debit leg, then the credit leg. `account`: its kind; `region`: the transaction's own
 * region or its counterpart; `payee`: the account is the transaction's payee's; `lot`: `created` by
 * this transaction, or `used` (an existing lot).
 */
export const TEMPLATES = {
  APPROPRIATION: {
    debit: { account: 'AVAILABLE', region: 'own', lot: 'created' },
    credit: { account: 'FUNDING_SOURCE', region: 'own', lot: 'created' },
  },
  ALLOCATION: {
    debit: { account: 'IN_TRANSIT_DOWN', region: 'own', lot: 'created' },
    credit: { account: 'AVAILABLE', region: 'own', lot: 'used' },
  },
  ALLOCATION_RECEIVED: {
    debit: { account: 'AVAILABLE', region: 'own', lot: 'used' },
    credit: { account: 'IN_TRANSIT_DOWN', region: 'counterpart', lot: 'used' },
  },
  DISBURSEMENT: {
    debit: { account: 'EXPENDITURE', region: 'own', lot: 'used', payee: true },
    credit: { account: 'AVAILABLE', region: 'own', lot: 'used' },
  },
  RETURN: {
    debit: { account: 'AVAILABLE', region: 'counterpart', lot: 'used' },
    credit: { account: 'AVAILABLE', region: 'own', lot: 'used' },
  },
};

const orNull = (value) => (value === undefined ? null : value);
const orNone = (value) => (value === null || value === undefined ? 'none' : String(value));
const describeAccount = (a) => `${a.kind} ${a.regionCode}` + (orNull(a.payeeType) !== null || orNull(a.payeeId) !== null ? ` ${orNone(a.payeeType)} ${orNone(a.payeeId)}` : '');

/** -1, 0 or 1: the sign of a posting's amount (a string of digits, or a bigint), without a BigInt per posting. */
function sign(amount) {
  if (typeof amount === 'bigint') return amount < 0n ? -1 : amount > 0n ? 1 : 0;
  const text = String(amount);
  return text[0] === '-' ? -1 : /^0+$/.test(text) ? 0 : 1;
}

/**
 * The request hash of an appropriation (the server's hashRequest): SHA-256 of the JSON of its kind
 * and its sorted input fields. All of them are hashed header fields but the lot's fiscal year and
 * funding source, which this binds.
 */
export function appropriationRequestHash(t, lot, amount) {
  const payload = {
    amount: String(amount), documentNo: orNull(t.documentNo), effectiveDate: t.effectiveDate, fiscalYear: orNull(lot.fiscalYear),
    fundLine: t.fundLine, fundingSource: orNull(lot.fundingSource), idempotencyKey: t.idempotencyKey, memo: orNull(t.memo), regionCode: t.regionCode,
  };
  return createHash('sha256').update(JSON.stringify(['APPROPRIATION', Object.keys(payload).sort().map((k) => [k, payload[k]])])).digest('hex');
}

/** The journal check of one bundle, fed its lots and then its transactions in seq order. */
export class Journal {
  constructor() {
    /** transaction id → the ids of the lots that name it as their creator */
    this.lotsByCreator = new Map();
    /** ALLOCATION id → what its receipt must match */
    this.allocations = new Map();
    /** ids (numbers) of the bundle's transactions so far, for a reversal's original */
    this.seen = new Set();
    this.failures = [];
  }

  addLot(lot) {
    const list = this.lotsByCreator.get(lot.createdByTransactionId);
    if (list) list.push(lot.id);
    else this.lotsByCreator.set(lot.createdByTransactionId, [lot.id]);
  }

  fail(check, expected, found) {
    this.failures.push([check, expected, found]);
  }

  /**
   * The failures of one transaction whose postings' `accounts` and `lots` (the verifier's records,
   * in posting order) are all in the bundle: [check, expected, found] each, in `this.failures`
   * (emptied first).
   */
  check(t, accounts, lots) {
    this.failures.length = 0;
    this.seen.add(Number(t.id));
    if (t.kind === 'REVERSAL') return this.checkReversal(t, accounts, lots);
    const template = Object.hasOwn(TEMPLATES, t.kind) ? TEMPLATES[t.kind] : undefined;
    if (template === undefined) {
      this.fail('account.template', 'a known transaction kind', String(t.kind));
      return this.failures;
    }
    const postings = t.postings;
    const signs = postings.length === 2 ? sign(postings[0].amount) * 2 + sign(postings[1].amount) : 0;
    // +1 −1 (debit first) is 1, −1 +1 is −1; anything else is not one debit and one credit
    if (signs !== 1 && signs !== -1) {
      this.fail('double-entry', `one debit and one credit posting (${t.kind})`, `${postings.length} posting(s) with amounts ${postings.map((p) => p.amount).join(', ')}`);
      return this.failures;
    }
    const d = signs === 1 ? 0 : 1;
    const c = 1 - d;
    this.checkLeg(t, template.debit, postings[d], accounts[d], lots[d]);
    this.checkLeg(t, template.credit, postings[c], accounts[c], lots[c]);
    this.checkCreated(t, template, postings[d], lots[d], lots[c]);
    if (t.kind === 'ALLOCATION') this.allocations.set(t.id, { regionCode: t.regionCode, counterpart: orNull(t.counterpartRegionCode), lot: lots[d].id });
    if (t.kind === 'ALLOCATION_RECEIVED') this.checkReceipt(t, lots[d]);
    return this.failures;
  }

  /** One leg's account (kind, region, payee) and, for a lot the transaction uses, the lot's region. */
  checkLeg(t, leg, posting, account, lot) {
    const region = leg.region === 'own' ? t.regionCode : orNull(t.counterpartRegionCode);
    const payeeType = leg.payee ? orNull(t.payeeType) : null;
    const payeeId = leg.payee ? orNull(t.payeeId) : null;
    if (account.kind !== leg.account || account.regionCode !== region || orNull(account.payeeType) !== payeeType || orNull(account.payeeId) !== payeeId) {
      this.fail('account.template', `account ${posting.accountId} ${describeAccount({ kind: leg.account, regionCode: region, payeeType, payeeId })} (${t.kind})`, describeAccount(account));
    }
    account.vouched = true;
    lot.vouched = true;
    if (leg.lot !== 'used') return;
    // Money a region holds or spent is in its own lots; in transit it is the child lot at the
    // receiving region (where a receipt is recorded).
    const at = leg.account === 'IN_TRANSIT_DOWN' ? t.regionCode : region;
    if (lot.regionCode !== at) this.fail('lot.template', `lot ${lot.id} of region ${at} (${t.kind}, ${leg.account})`, `of ${lot.regionCode}`);
  }

  /**
   * The lots that name this transaction as their creator are exactly the one its template creates
   * (an appropriation's, on both legs; an allocation's, on the debit leg), and that lot is what the
   * transaction says: its region, its parent, its document number; an allocation's child keeps its
   * parent's fiscal year and funding source, an appropriation's are inside its request hash.
   */
  checkCreated(t, template, debit, debitLot, creditLot) {
    const created = template.debit.lot === 'created' ? debitLot : null;
    if (created !== null && template.credit.lot === 'created' && creditLot !== debitLot) {
      this.fail('lot.template', `one lot on both legs (${t.kind})`, `lots ${debitLot.id} and ${creditLot.id}`);
    }
    for (const id of this.lotsByCreator.get(t.id) ?? []) {
      if (id !== created?.id) this.fail('lot.template', `lot ${id} created by the transaction that created it, not by ${t.id} (${t.kind} creates ${created ? `lot ${created.id}` : 'no lot'})`, `lot ${id} names transaction ${t.id}`);
    }
    if (created === null) return;
    if (created.createdByTransactionId !== t.id) this.fail('lot.template', `lot ${created.id} created by transaction ${t.id} (${t.kind})`, `created by ${created.createdByTransactionId}`);
    const parent = template.credit.lot === 'used' ? creditLot : null;
    const at = t.kind === 'ALLOCATION' ? orNull(t.counterpartRegionCode) : t.regionCode;
    if (created.regionCode !== at || orNull(created.parentLotId) !== (parent?.id ?? null)) {
      this.fail('lot.template', `lot ${created.id} at ${at} with parent ${orNone(parent?.id)} (${t.kind})`, `at ${created.regionCode} with parent ${orNone(created.parentLotId)}`);
    }
    if (orNull(created.documentNo) !== orNull(t.documentNo)) {
      this.fail('lot.template', `lot ${created.id} with the document number of transaction ${t.id} (${orNone(t.documentNo)})`, orNone(created.documentNo));
    }
    if (parent !== null) {
      if (orNull(created.fiscalYear) !== orNull(parent.fiscalYear) || orNull(created.fundingSource) !== orNull(parent.fundingSource)) {
        this.fail('lot.template', `lot ${created.id} of its parent's fiscal year and funding source (${orNone(parent.fiscalYear)}, ${orNone(parent.fundingSource)})`, `${orNone(created.fiscalYear)}, ${orNone(created.fundingSource)}`);
      }
    } else if (appropriationRequestHash(t, created, debit.amount) !== t.requestHash) {
      this.fail('lot.template', `lot ${created.id} of the fiscal year and funding source inside the request hash of transaction ${t.id}`, `${orNone(created.fiscalYear)}, ${orNone(created.fundingSource)}`);
    }
  }

  /** A receipt names an allocation of the bundle, to its own region, from its counterpart, and receives its lot. */
  checkReceipt(t, lot) {
    const allocation = this.allocations.get(orNull(t.allocationId));
    if (allocation === undefined) {
      this.fail('bundle.reference', `allocation ${orNone(t.allocationId)} in the bundle, before its receipt`, 'none');
      return;
    }
    if (allocation.counterpart !== t.regionCode || allocation.regionCode !== orNull(t.counterpartRegionCode) || allocation.lot !== lot.id) {
      this.fail('account.template', `the receipt of allocation ${t.allocationId}: at ${allocation.counterpart}, from ${allocation.regionCode}, of lot ${allocation.lot}`, `at ${t.regionCode}, from ${orNone(t.counterpartRegionCode)}, of lot ${lot.id}`);
    }
  }

  /** A reversal's original is in the bundle, and it uses only accounts and lots a templated transaction used before. */
  checkReversal(t, accounts, lots) {
    if (!this.seen.has(Number(orNull(t.reversesId)))) this.fail('bundle.reference', `transaction ${orNone(t.reversesId)}, which ${t.id} reverses, in the bundle before it`, 'none');
    for (let i = 0; i < accounts.length; i++) {
      if (accounts[i].vouched !== true) this.fail('account.template', `account ${accounts[i].id} used by a transaction before its reversal ${t.id}`, 'used first here');
      if (lots[i].vouched !== true) this.fail('lot.template', `lot ${lots[i].id} used by a transaction before its reversal ${t.id}`, 'used first here');
    }
    return this.failures;
  }
}
