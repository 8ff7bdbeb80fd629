/** Lots: by id, their lineage up to the appropriation, their children; one statement for many lots (DataLoaders). */
import type { LotRecord } from '../types.js';
import type { Queryable } from './records.js';

const LOT_COLUMNS = `l.id::text, l.fund_line as "fundLine", l.region_code as "regionCode", l.parent_lot_id::text as "parentLotId",
  l.fiscal_year as "fiscalYear", l.funding_source as "fundingSource", l.document_no as "documentNo",
  l.created_by_transaction_id::text as "createdByTransactionId"`;

export async function lots(db: Queryable, ids: readonly string[]): Promise<LotRecord[]> {
  const { rows } = await db.query(`select ${LOT_COLUMNS} from ledger.lot l where l.id = any($1::bigint[])`, [ids]);
  const found = new Map(rows.map((r) => [r.id as string, r as LotRecord]));
  return ids.map((id) => found.get(id)).filter((l): l is LotRecord => l !== undefined);
}

/** The lot and every lot above it, nearest first. */
export async function lineage(db: Queryable, lotId: string): Promise<LotRecord[]> {
  const { rows } = await db.query(
    `with recursive up as (
       select l.*, 0 as depth from ledger.lot l where l.id = $1
       union all
       select l.*, up.depth + 1 from ledger.lot l join up on l.id = up.parent_lot_id)
     select ${LOT_COLUMNS} from up l order by l.depth`,
    [lotId],
  );
  return rows as LotRecord[];
}

export async function childLots(db: Queryable, lotId: string): Promise<LotRecord[]> {
  const { rows } = await db.query(`select ${LOT_COLUMNS} from ledger.lot l where l.parent_lot_id = $1 order by l.id`, [lotId]);
  return rows as LotRecord[];
}

/** lineage() of each lot, keyed by lot id (an unknown id maps to []). */
export async function lineageOfLots(db: Queryable, lotIds: readonly string[]): Promise<Map<string, LotRecord[]>> {
  const result = new Map<string, LotRecord[]>(lotIds.map((id) => [id, []]));
  if (!lotIds.length) return result;
  const { rows } = await db.query(
    `with recursive up as (
       select l.*, l.id as start_id, 0 as depth from ledger.lot l where l.id = any($1::bigint[])
       union all
       select l.*, up.start_id, up.depth + 1 from ledger.lot l join up on l.id = up.parent_lot_id)
     select l.start_id::text as "startId", ${LOT_COLUMNS} from up l order by l.start_id, l.depth`,
    [lotIds],
  );
  for (const { startId, ...lot } of rows) result.get(startId)?.push(lot as LotRecord);
  return result;
}

/** childLots() of each lot, keyed by lot id. */
export async function childLotsOfLots(db: Queryable, lotIds: readonly string[]): Promise<Map<string, LotRecord[]>> {
  const result = new Map<string, LotRecord[]>(lotIds.map((id) => [id, []]));
  if (!lotIds.length) return result;
  const { rows } = await db.query(`select ${LOT_COLUMNS} from ledger.lot l where l.parent_lot_id = any($1::bigint[]) order by l.id`, [lotIds]);
  for (const lot of rows as LotRecord[]) result.get(lot.parentLotId!)?.push(lot);
  return result;
}
