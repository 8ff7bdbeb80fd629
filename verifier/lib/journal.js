// The double-entry templates of the ledger (docs/ledger.md "Journal"), as the verifier needs them:
// which account and which lot each leg of a transaction must use, given only what the chain hash
// covers — the transaction's kind, regions, payee, and its postings' account and lot ids.
//
// Why: a bundle's account and lot records (kind, region, payee, parent lot) are not inside the
// chain hash. Checked against the hashed transactions that use them, they cannot be relabelled: an
// EXPENDITURE account passed off as AVAILABLE, a payee's account given another payee, a lot given
// another parent or region, each contradicts the hashed kind, regions or payee of a transaction.
//
// Each templated kind has two legs, one debit (amount > 0) and one credit (amount < 0), so legs
// are matched by sign, not by position. REVERSAL is not templated: its postings mirror the
// original's, whose own check covers the same accounts and lots.

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
const describeAccount = (a) => `${a.kind} ${a.regionCode}${a.payeeType ? ` ${a.payeeType} ${a.payeeId}` : ''}`;

/** -1, 0 or 1: the sign of a posting's amount (a string of digits, or a bigint), without a BigInt per posting. */
function sign(amount) {
  if (typeof amount === 'bigint') return amount < 0n ? -1 : amount > 0n ? 1 : 0;
  const text = String(amount);
  return text[0] === '-' ? -1 : /^0+$/.test(text) ? 0 : 1;
}

/**
 * The template failures of one transaction whose postings' accounts and lots are all in the bundle
 * (`accountOf`, `lotOf`): null when it follows its template, else a list of [check, expected, found].
 * `account.template`: a leg's account is not of the kind, region or payee the transaction says;
 * `lot.template`: a lot's region, parent or creator contradicts the transaction.
 * (Called once per transaction of bundles of millions: nothing is allocated when all is well.)
 */
export function templateFailures(t, accountOf, lotOf) {
  const template = TEMPLATES[t.kind];
  if (template === undefined) return t.kind === 'REVERSAL' ? null : [['account.template', 'a known transaction kind', String(t.kind)]];
  const [first, second] = t.postings;
  const signs = t.postings.length === 2 ? sign(first.amount) * 2 + sign(second.amount) : 0;
  // +1 −1 (debit first) is 1, −1 +1 is −1; anything else is not one debit and one credit
  if (signs !== 1 && signs !== -1) return [['account.template', `one debit and one credit posting (${t.kind})`, `${t.postings.length} posting(s) with amounts ${t.postings.map((p) => p.amount).join(', ')}`]];
  const debit = signs === 1 ? first : second;
  const credit = signs === 1 ? second : first;
  const usedLot = template.debit.lot === 'used' ? debit.lotId : template.credit.lot === 'used' ? credit.lotId : null;
  let failures = legFailures(t, template.debit, debit, accountOf, lotOf, usedLot, null);
  failures = legFailures(t, template.credit, credit, accountOf, lotOf, usedLot, failures);
  return failures;
}

function legFailures(t, leg, posting, accountOf, lotOf, usedLot, failures) {
  const fail = (check, expected, found) => (failures ??= []).push([check, expected, found]);
  const account = accountOf(posting.accountId);
  const lot = lotOf(posting.lotId);
  const region = leg.region === 'own' ? t.regionCode : orNull(t.counterpartRegionCode);
  const payeeType = leg.payee ? orNull(t.payeeType) : null;
  const payeeId = leg.payee ? orNull(t.payeeId) : null;
  if (account.kind !== leg.account || account.regionCode !== region || orNull(account.payeeType) !== payeeType || orNull(account.payeeId) !== payeeId) {
    fail('account.template', `account ${posting.accountId} ${describeAccount({ kind: leg.account, regionCode: region, payeeType, payeeId })} (${t.kind})`, describeAccount(account));
  }
  if (leg.lot === 'created') {
    if (lot.createdByTransactionId !== t.id) fail('lot.template', `lot ${lot.id} created by transaction ${t.id} (${t.kind})`, `created by ${lot.createdByTransactionId}`);
    // An appropriation's lot is a root lot of its region; an allocation's is a child of the lot it
    // spends, at the region it goes to.
    const at = t.kind === 'ALLOCATION' ? orNull(t.counterpartRegionCode) : t.regionCode;
    if (lot.regionCode !== at || orNull(lot.parentLotId) !== usedLot) {
      fail('lot.template', `lot ${lot.id} at ${at} with parent ${usedLot ?? 'none'} (${t.kind})`, `at ${lot.regionCode} with parent ${lot.parentLotId ?? 'none'}`);
    }
  } else {
    // A used lot is the region's own where the account is AVAILABLE or EXPENDITURE (money a region
    // holds or spent is in its own lots); in transit it is the child lot at the receiving region.
    const at = account.kind === 'IN_TRANSIT_DOWN' ? t.regionCode : account.regionCode;
    if (lot.regionCode !== at) fail('lot.template', `lot ${lot.id} of region ${at} (${t.kind}, ${account.kind})`, `of ${lot.regionCode}`);
  }
  return failures;
}
