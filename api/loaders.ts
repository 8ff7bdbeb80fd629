/**
 * Per-request DataLoaders: every relation a resolver follows goes through one of these, so sibling
 * objects at one depth of a query share a single SQL statement (no N+1).
 */
import DataLoader from 'dataloader';
import type { RegionRecord } from '../hierarchy/region.entity.js';
import type { LevelCounts, RegionRepository } from '../hierarchy/region.repository.js';
import type { RegionLevel } from '../hierarchy/region-code.js';
import type { ResolvedPage } from './relay.js';
import type { BalanceLine, LedgerQueries } from '../ledger/queries.js';
import type { LotRecord, PayeeType, TransactionRecord } from '../ledger/types.js';

/** A key for a paged relation: the owner plus the page arguments; owners asking for the same page shape are batched together. */
interface PagedKey<Extra> {
  owner: string;
  page: ResolvedPage;
  extra: Extra;
}

function pagedLoader<Extra, T>(
  fetch: (owners: string[], extra: Extra, page: ResolvedPage) => Promise<Map<string, T[]>>,
): DataLoader<PagedKey<Extra>, T[], string> {
  const shapeOf = (key: PagedKey<Extra>) => JSON.stringify([key.extra, key.page.first, key.page.after]);
  return new DataLoader(
    async (keys) => {
      const byShape = new Map<string, PagedKey<Extra>[]>();
      for (const key of keys) {
        const shape = shapeOf(key);
        byShape.set(shape, [...(byShape.get(shape) ?? []), key]);
      }
      const results = new Map<string, T[]>();
      await Promise.all(
        [...byShape.entries()].map(async ([shape, group]) => {
          const first = group[0]!;
          const rows = await fetch([...new Set(group.map((k) => k.owner))], first.extra, first.page);
          for (const key of group) results.set(`${shape}|${key.owner}`, rows.get(key.owner) ?? []);
        }),
      );
      return keys.map((key) => results.get(`${shapeOf(key)}|${key.owner}`) ?? []);
    },
    { cacheKeyFn: (key) => `${shapeOf(key)}|${key.owner}` },
  );
}

function keyedLoader<T>(fetch: (keys: string[]) => Promise<Map<string, T>>, missing: T): DataLoader<string, T> {
  return new DataLoader(async (keys) => {
    const found = await fetch([...keys]);
    return keys.map((key) => found.get(key) ?? missing);
  });
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
    paymentCounts: new DataLoader<{ payeeType: PayeeType; payeeId: string }, number, string>(
      async (keys) => {
        const byType = new Map<PayeeType, string[]>();
        for (const k of keys) byType.set(k.payeeType, [...(byType.get(k.payeeType) ?? []), k.payeeId]);
        const counts = new Map<string, number>();
        for (const [type, ids] of byType) for (const [id, n] of await ledger.countTransactionsOfPayees(type, ids, scope)) counts.set(`${type}:${id}`, n);
        return keys.map((k) => counts.get(`${k.payeeType}:${k.payeeId}`) ?? 0);
      },
      { cacheKeyFn: (k) => `${k.payeeType}:${k.payeeId}` },
    ),
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
