// Regions are 12-digit NBS codes (province 2 digits, city 4, county 6, town 9, village 12 significant
// digits); a region's subtree is every code with its significant prefix.
export function regionPrefix(code) {
  if (!/^[0-9]{12}$/.test(code)) throw new Error(`"${code}" is not a 12-digit region code`);
  if (code.endsWith('0000000000')) return code.slice(0, 2);
  if (code.endsWith('00000000')) return code.slice(0, 4);
  if (code.endsWith('000000')) return code.slice(0, 6);
  if (code.endsWith('000')) return code.slice(0, 9);
  return code;
}
