/**
 * Per-request DataLoaders: every relation a resolver follows goes through one of these, so sibling
 * objects at one depth of a query share a single SQL statement (no N+1).
 */
import { keyedLoader, shapedLoader } from './batching.js';
import type { RegionRecord } from '../hierarchy/region-record.js';
import type { LevelCounts, RegionRepository } from '../hierarchy/region.repository.js';
import type { RegionLevel } from '../platform/region-code.js';
import type { ResolvedPage } from './relay.js';
import type { BalanceLine, LedgerQueries } from '../ledger/queries.js';
import type { LotRecord, PayeeType, TransactionRecord } from '../ledger/types.js';

/** A key for a paged relation: the owner plus the page arguments (and one extra argument, such as a level). */
interface PagedKey<Extra> {
  owner: string;
  page: ResolvedPage;
  extra: Extra;
}

/** A page of rows per owner; owners asking for the same page shape are batched together. */
function pagedLoader<Extra, T>(fetch: (owners: string[], extra: Extra, page: ResolvedPage) => Promise<Map<string, T[]>>) {
  const loader = shapedLoader<{ extra: Extra; first: number; after: string | null }, T[]>(
    (owners, s) => fetch(owners, s.extra, { first: s.first, after: s.after }),
    [],
  );
  return { load: (key: PagedKey<Extra>) => loader.load(key.owner, { extra: key.extra, first: key.page.first, after: key.page.after }) };
}

/** `scope`: the caller's jurisdiction as a code range; loaders that list across regions keep to it. */
export function createLoaders(regions: RegionRepository, ledger: LedgerQueries, scope: readonly [string, string]) {
  const regionByCode = keyedLoader<RegionRecord | null>((codes) => regions.byCodes(codes), null);
  /** Regions loaded through a relation are primed into regionByCode, so `parent` of their children costs nothing. */
  const primed = async (pages: Promise<Map<string, RegionRecord[]>>) => {
    const result = await pages;
    for (const rows of result.values()) for (const row of rows) regionByCode.prime(row.code, row);
    return result;
  };
  const byId = <T extends { id: string }>(rows: T[]) => new Map(rows.map((row) => [row.id, row]));
  return {
    regionByCode,
    transaction: keyedLoader<TransactionRecord | null>(async (ids) => byId(await ledger.transactionsById(ids)), null),
    lot: keyedLoader<LotRecord | null>(async (ids) => byId(await ledger.lots(ids)), null),
    /** The fields of Lot, one statement per field and depth however many lots a trail or a list shows. */
    lotLineage: keyedLoader<LotRecord[]>((ids) => ledger.lineageOfLots(ids), []),
    lotChildren: keyedLoader<LotRecord[]>((ids) => ledger.childLotsOfLots(ids), []),
    lotTransactions: pagedLoader<null, TransactionRecord>((ids, _extra, page) => ledger.transactionPagesOfLots(ids, scope, page.first + 1, page.after ?? null)),
    lotTransactionCount: keyedLoader<number>((ids) => ledger.countTransactionsOfLots(ids, scope), 0),
    lotBalances: keyedLoader<BalanceLine[]>((ids) => ledger.balancesOfLots(ids), []),
    /** Payments to registry payees (Elder.payments, Facility.payments): one statement per page shape. */
    payments: pagedLoader<PayeeType, TransactionRecord>((payeeIds, payeeType, page) =>
      ledger.transactionsOfPayees(payeeType, payeeIds, scope, page.first + 1, page.after ?? null),
    ),
    paymentCounts: shapedLoader<PayeeType, number>((payeeIds, payeeType) => ledger.countTransactionsOfPayees(payeeType, payeeIds, scope), 0),
    ancestors: keyedLoader<RegionRecord[]>((codes) => regions.ancestors(codes), []),
    childCount: keyedLoader<number>((codes) => regions.childCounts(codes), 0),
    descendantCounts: keyedLoader<LevelCounts>((codes) => regions.descendantCounts(codes), {}),
    children: pagedLoader<null, RegionRecord>((owners, _extra, page) => primed(regions.childrenPages(owners, page))),
    descendants: pagedLoader<RegionLevel | null, RegionRecord>((owners, level, page) =>
      primed(regions.descendantPages(owners, level, page)),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
