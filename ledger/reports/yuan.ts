/**
 * Fen (分, integer) to yuan (元) text and back, exactly: bigint arithmetic and string formatting,
 * never a float. 1234567n → "12345.67", -5n → "-0.05".
 */

export function fenToYuan(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** "12345.67" / "-0.05" / "1,234.50" → fen; throws on anything that is not yuan with at most two decimals. */
export function yuanToFen(text: string): bigint {
  const match = /^(-?)([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(text.trim().replace(/,/g, ''));
  if (!match) throw new Error(`not an amount in yuan: ${JSON.stringify(text)}`);
  const fen = BigInt(match[2]!) * 100n + BigInt((match[3] ?? '0').padEnd(2, '0'));
  return match[1] ? -fen : fen;
}

/**
 * The value of a spreadsheet cell for an amount: the number whose shortest decimal form is exactly
 * the yuan text (true for every amount of up to 15 significant digits, i.e. below 10 trillion yuan,
 * since XLSX stores the decimal text and Excel reads it back to the same double), else the text
 * itself, so that no cell ever shows a rounded amount.
 */
export function yuanCell(fen: bigint): number | string {
  const text = fenToYuan(fen);
  const value = Number(text);
  const shortest = text.replace(/\.([0-9]*?)0+$/, '.$1').replace(/\.$/, '');
  return String(value) === shortest ? value : text;
}
