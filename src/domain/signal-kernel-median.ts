/**
 * The two middle values of an unsorted array (equal when its length is odd), without sorting it: the median step
 * of the kernel's volatility ratio, which regime.ts does with a full sort. A pivot guess splits the values in one
 * branch-free pass; when the guess is close to the median (it is for consecutive windows of one series, where the
 * median moves by at most a rank or two), the middle values are among the few largest below it or smallest above
 * it, found by a scan. Otherwise quickselect finishes. The result never depends on the guess, only the speed does.
 */

export interface MiddlePair {
  /** values sorted ascending: lower = sorted[ceil(n / 2) - 1], upper = sorted[floor(n / 2)]. */
  lower: number;
  upper: number;
}

/** Writes the middle pair of values[0, length) (length >= 1) to `out`; `work` (>= length) is reordered freely. */
export function selectMiddlePair(values: Float64Array, length: number, pivotGuess: number, work: Float64Array, out: MiddlePair): void {
  const upperRank = length >> 1;
  const lowerRank = length % 2 === 0 ? upperRank - 1 : upperRank;
  // Two-sided write: each value lands at both cursors and keeps the slot on its side; `+(v < pivot)` compiles to
  // a flag, not a branch, so a guess near the median (a coin flip per value) costs no mispredictions.
  let low = 0;
  let high = length - 1;
  for (let i = 0; i < length; i++) {
    const value = values[i] as number;
    work[low] = value;
    work[high] = value;
    const isBelow = +(value < pivotGuess);
    low += isBelow;
    high -= 1 - isBelow;
  }
  const below = low;
  if (lowerRank >= below && upperRank - below <= 2) {
    // Both middle values are among the three smallest at or above the guess.
    smallestThree(work, below, length, SMALL);
    out.lower = SMALL[lowerRank - below] as number;
    out.upper = SMALL[upperRank - below] as number;
    return;
  }
  if (upperRank < below && below - 1 - lowerRank <= 2) {
    // Both are among the three largest below it.
    largestThree(work, 0, below, LARGE);
    out.lower = LARGE[below - 1 - lowerRank] as number;
    out.upper = LARGE[below - 1 - upperRank] as number;
    return;
  }
  if (lowerRank === below - 1 && upperRank === below) {
    // The guess falls between them: the largest below and the smallest above.
    let largest = -Infinity;
    for (let i = 0; i < below; i++) if ((work[i] as number) > largest) largest = work[i] as number;
    let smallest = Infinity;
    for (let i = below; i < length; i++) if ((work[i] as number) < smallest) smallest = work[i] as number;
    out.lower = largest;
    out.upper = smallest;
    return;
  }
  out.upper = selectKth(work, length, upperRank);
  let lower = out.upper;
  if (lowerRank !== upperRank) {
    lower = -Infinity;
    for (let i = 0; i < upperRank; i++) if ((work[i] as number) > lower) lower = work[i] as number;
  }
  out.lower = lower;
}

/** Slots for the scans below (results are read right after each call). */
const SMALL = new Float64Array(3);
const LARGE = new Float64Array(3);

/** out[0] <= out[1] <= out[2]: the three smallest of values[from, to) (Infinity where there are fewer). */
function smallestThree(values: Float64Array, from: number, to: number, out: Float64Array): void {
  let first = Infinity;
  let second = Infinity;
  let third = Infinity;
  for (let i = from; i < to; i++) {
    const value = values[i] as number;
    // Rarely true after the first few values, so the branch predicts well.
    if (value < third) {
      if (value < second) {
        third = second;
        if (value < first) {
          second = first;
          first = value;
        } else {
          second = value;
        }
      } else {
        third = value;
      }
    }
  }
  out[0] = first;
  out[1] = second;
  out[2] = third;
}

/** out[0] >= out[1] >= out[2]: the three largest of values[from, to) (-Infinity where there are fewer). */
function largestThree(values: Float64Array, from: number, to: number, out: Float64Array): void {
  let first = -Infinity;
  let second = -Infinity;
  let third = -Infinity;
  for (let i = from; i < to; i++) {
    const value = values[i] as number;
    if (value > third) {
      if (value > second) {
        third = second;
        if (value > first) {
          second = first;
          first = value;
        } else {
          second = value;
        }
      } else {
        third = value;
      }
    }
  }
  out[0] = first;
  out[1] = second;
  out[2] = third;
}

/**
 * Wirth's quickselect: reorders values[0, length) so values[k] is the k-th smallest, everything before it no
 * larger and everything after no smaller; returns values[k]. Average O(length), in place.
 */
function selectKth(values: Float64Array, length: number, k: number): number {
  let low = 0;
  let high = length - 1;
  while (low < high) {
    const pivot = values[k] as number;
    let i = low;
    let j = high;
    do {
      while ((values[i] as number) < pivot) i++;
      while (pivot < (values[j] as number)) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) low = i;
    if (k < i) high = j;
  }
  return values[k] as number;
}
