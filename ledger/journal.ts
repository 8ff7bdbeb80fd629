/**
 * The journal templates (D = +, C = −) of docs/ledger.md as data: for each transaction kind, its
 * postings in order, each naming the account kind, the side, the region and the lot it carries. A
 * builder (ledger/requests.ts) works out the parties of one request — its regions, its lots, its
 * payee — and `journalPostings` turns the template and those parties into planned postings, so the
 * double entry of every kind is written down once, here.
 */
import type { AccountKind, PayeeType, PostingRecord, TransactionKind } from './types.js';

/** An account as the plan names it (accounts are found or created by that key when written). */
export interface AccountKey {
  regionCode: string;
  fundLine: string;
  kind: AccountKind;
  payeeType: PayeeType | null;
  payeeId: string | null;
}

/** A lot is either an existing id or one this transaction creates (index into the plan's `newLots`). */
export type LotRef = { id: string } | { created: number };

export interface PlannedPosting {
  account: AccountKey;
  lot: LotRef;
  amount: bigint;
}

/** The map key of an account (ledger.account's account_key constraint, in one string). */
export const accountKey = (a: AccountKey) => [a.regionCode, a.fundLine, a.kind, a.payeeType ?? '', a.payeeId ?? ''].join('|');

/** One leg of a template. */
interface Leg {
  side: 'D' | 'C';
  account: AccountKind;
  /** `region`: where the transaction is recorded; `counterpart`: the other region it names. */
  region: 'region' | 'counterpart';
  /** `created`: the lot this transaction creates; `lot`: the lot it uses; `counterpartLot`: the lot money goes back to. */
  lot: 'created' | 'lot' | 'counterpartLot';
  /** The leg is on the payee's own account (EXPENDITURE is per payee). */
  payee?: true;
}

/** Every kind but REVERSAL, whose postings are the mirror of the original's (see mirrorPostings). */
type TemplatedKind = Exclude<TransactionKind, 'REVERSAL'>;

export const JOURNAL: Readonly<Record<TemplatedKind, readonly Leg[]>> = {
  /** At R: D AVAILABLE(R) / C FUNDING_SOURCE(R), new root lot. */
  APPROPRIATION: [
    { side: 'D', account: 'AVAILABLE', region: 'region', lot: 'created' },
    { side: 'C', account: 'FUNDING_SOURCE', region: 'region', lot: 'created' },
  ],
  /** R → C: C AVAILABLE(R, parent lot) / D IN_TRANSIT_DOWN(R, new child lot at C). */
  ALLOCATION: [
    { side: 'C', account: 'AVAILABLE', region: 'region', lot: 'lot' },
    { side: 'D', account: 'IN_TRANSIT_DOWN', region: 'region', lot: 'created' },
  ],
  /** By C (recorded there; the issuer R is the counterpart): C IN_TRANSIT_DOWN(R, L′) / D AVAILABLE(C, L′). */
  ALLOCATION_RECEIVED: [
    { side: 'C', account: 'IN_TRANSIT_DOWN', region: 'counterpart', lot: 'lot' },
    { side: 'D', account: 'AVAILABLE', region: 'region', lot: 'lot' },
  ],
  /** By R: C AVAILABLE(R, lot) / D EXPENDITURE(R, payee, lot). */
  DISBURSEMENT: [
    { side: 'C', account: 'AVAILABLE', region: 'region', lot: 'lot' },
    { side: 'D', account: 'EXPENDITURE', region: 'region', lot: 'lot', payee: true },
  ],
  /** Of L′ at C (the parent's region R is the counterpart): C AVAILABLE(C, L′) / D AVAILABLE(R, parent lot). */
  RETURN: [
    { side: 'C', account: 'AVAILABLE', region: 'region', lot: 'lot' },
    { side: 'D', account: 'AVAILABLE', region: 'counterpart', lot: 'counterpartLot' },
  ],
};

/** What a template is filled with: the parties of one request. */
export interface Parties {
  fundLine: string;
  regionCode: string;
  counterpartRegionCode?: string;
  amount: bigint;
  lot?: string;
  counterpartLot?: string;
  payee?: { payeeType: PayeeType; payeeId: string };
}

/** The planned postings of a kind's template for one request's parties. */
export function journalPostings(kind: TemplatedKind, parties: Parties): PlannedPosting[] {
  return JOURNAL[kind].map((leg) => ({
    account: {
      regionCode: leg.region === 'region' ? parties.regionCode : required(parties.counterpartRegionCode, kind, 'counterpart region'),
      fundLine: parties.fundLine,
      kind: leg.account,
      payeeType: leg.payee ? required(parties.payee, kind, 'payee').payeeType : null,
      payeeId: leg.payee ? required(parties.payee, kind, 'payee').payeeId : null,
    },
    lot: leg.lot === 'created' ? { created: 0 } : { id: required(leg.lot === 'lot' ? parties.lot : parties.counterpartLot, kind, leg.lot) },
    amount: leg.side === 'D' ? parties.amount : -parties.amount,
  }));
}

/** A reversal's postings: the original's, each on the same account and lot with the opposite sign. */
export function mirrorPostings(original: PostingRecord[]): PlannedPosting[] {
  return original.map((p) => ({
    account: { regionCode: p.regionCode, fundLine: p.fundLine, kind: p.accountKind, payeeType: p.payeeType, payeeId: p.payeeId },
    lot: { id: p.lotId },
    amount: -p.amount,
  }));
}

function required<T>(value: T | undefined, kind: string, what: string): T {
  if (value === undefined) throw new Error(`internal: the ${kind} template needs a ${what}`);
  return value;
}
