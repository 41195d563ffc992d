/**
 * Orders two strings by their UTF-16 code units, as `Array.prototype.sort()` does without a comparator: the same
 * order on every machine and locale (unlike `localeCompare`), so sorted output is byte-identical.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
