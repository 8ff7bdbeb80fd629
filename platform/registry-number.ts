/**
 * Public registry numbers, the ledger's payee ids for registry records: E00000042 for elders,
 * F00000007 for facilities. Shared by the registry (which issues them) and the ledger (which
 * accepts them as payee ids in exactly this spelling).
 */
export const elderNo = (id: string) => `E${id.padStart(8, '0')}`;
export const facilityNo = (id: string) => `F${id.padStart(8, '0')}`;

export function parseRegistryNo(value: string): { kind: 'ELDER' | 'FACILITY'; id: string } | null {
  const m = /^([EF])0*([1-9][0-9]{0,17})$/.exec(value);
  return m ? { kind: m[1] === 'E' ? 'ELDER' : 'FACILITY', id: m[2]! } : null;
}

/**
 * A value that has the form of a registry number, however written (`e42`, `E 0042`), with the
 * kind it names and its one spelling; null for anything else.
 */
export function registryNoForm(value: string): { kind: 'ELDER' | 'FACILITY'; canonical: string } | null {
  const m = /^([EeFf])\s*0*([0-9]+)$/.exec(value);
  if (!m) return null;
  const elder = m[1]!.toUpperCase() === 'E';
  const digits = m[2]!.replace(/^0+/, '');
  return { kind: elder ? 'ELDER' : 'FACILITY', canonical: (elder ? elderNo : facilityNo)(digits) };
}
