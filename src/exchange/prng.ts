/**
 * Small deterministic random numbers for the simulated market. Counter-based (mulberry32: the state is a counter
 * advanced by a constant and hashed on output), so a stream depends only on its seed and how many draws came before:
 * every path generated from the same seed is bit-identical on every machine and in every call order.
 */

/** Mixes any number of 32-bit integers into one seed (murmur3 finalizer per word). */
export function hashInts(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    // Split non-32-bit inputs (epoch ms, big seeds) into their low and high words so no bits are lost.
    const low = value >>> 0;
    const high = Math.floor(value / 0x1_0000_0000) >>> 0;
    h = mix32(h ^ low);
    h = mix32(h ^ high);
  }
  return h >>> 0;
}

function mix32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Prng {
  private state: number;
  /** The polar method yields normals in pairs; the second one waits here. */
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in (0, 1]: never 0, so Math.log is always finite. */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 0x1_0000_0000;
  }

  /** Standard normal (Marsaglia's polar method: no trigonometry, about twice as fast as Box-Muller here). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    let x: number;
    let y: number;
    let s: number;
    do {
      x = 2 * this.uniform() - 1;
      y = 2 * this.uniform() - 1;
      s = x * x + y * y;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = y * scale;
    return x * scale;
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * (this.uniform() - 2 ** -32);
  }

  /** Log-uniform in [min, max): for quantities spread over orders of magnitude (prices, volumes). */
  logBetween(min: number, max: number): number {
    return Math.exp(this.between(Math.log(min), Math.log(max)));
  }

  /** Integer in [0, count). */
  index(count: number): number {
    return Math.min(count - 1, Math.floor((this.uniform() - 2 ** -32) * count));
  }
}
