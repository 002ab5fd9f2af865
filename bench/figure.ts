/** One measured figure of `npm run bench`: a row of the table, an entry of `--json`. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  note?: string;
}

/** The middle value; the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
