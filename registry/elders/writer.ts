/**
 * The one writer of `registry.elder`: registration through the API, the bulk import, the demo
 * population and the audit demo's planted records all insert elders here, so the columns, their
 * encryption and the audit columns are written one way. One statement for any number of rows
 * (unnest of column arrays); callers bound the batch size.
 */
import type pg from 'pg';

/** The encrypted and masked columns of an elder (personal data never stored in clear). */
export interface ElderRow {
  idHash: Buffer;
  idEnc: Buffer;
  idMasked: string;
  nameEnc: Buffer;
  nameMasked: string;
  phoneEnc: Buffer | null;
  phoneMasked: string | null;
  keyId: string;
}

/** An elder ready to insert: the encrypted and masked columns (Elders.elderRow in elders.ts) and the plain ones. */
export interface NewElder {
  row: ElderRow;
  sex: string;
  birthDate: string;
  hukouVillageCode: string;
  residenceVillageCode: string;
}

export interface InsertedElder {
  id: string;
  idHash: Buffer;
}

/**
 * Inserts the elders as `actor` (created_by and updated_by). `skipRegistered`: an ID number already
 * registered is left as it is and not answered (otherwise the unique index refuses the statement).
 */
export async function insertElders(
  client: Pick<pg.PoolClient, 'query'>,
  elders: readonly NewElder[],
  actor: string,
  options: { skipRegistered?: boolean } = {},
): Promise<InsertedElder[]> {
  const column = <T>(pick: (e: NewElder) => T) => elders.map(pick);
  const { rows } = await client.query<{ id: string; id_hash: Buffer }>(
    `insert into registry.elder (id_hash, id_enc, id_masked, name_enc, name_masked, phone_enc, phone_masked, key_id, sex, birth_date,
       hukou_village_code, residence_village_code, created_by, updated_by)
     select h, ie, im, ne, nm, pe, pm, k, s, bd, hv, rv, $13, $13
     from unnest($1::bytea[], $2::bytea[], $3::text[], $4::bytea[], $5::text[], $6::bytea[], $7::text[], $8::text[], $9::text[], $10::date[], $11::text[], $12::text[])
       as t (h, ie, im, ne, nm, pe, pm, k, s, bd, hv, rv)
     ${options.skipRegistered ? 'on conflict (id_hash) do nothing' : ''}
     returning id::text, id_hash`,
    [
      column((e) => e.row.idHash), column((e) => e.row.idEnc), column((e) => e.row.idMasked), column((e) => e.row.nameEnc),
      column((e) => e.row.nameMasked), column((e) => e.row.phoneEnc), column((e) => e.row.phoneMasked), column((e) => e.row.keyId),
      column((e) => e.sex), column((e) => e.birthDate), column((e) => e.hukouVillageCode), column((e) => e.residenceVillageCode), actor,
    ],
  );
  return rows.map((r) => ({ id: r.id, idHash: r.id_hash }));
}
