import { Prng } from './prng.js';

/** Bases the simulator never invents: quote and fiat-like names would read as stablecoins, not coins. */
const RESERVED_BASES = new Set(['BTC', 'ETH', 'USD', 'USDT', 'USDC', 'BUSD', 'DAI', 'EUR', 'GBP', 'JPY', 'TUSD']);

const CONSONANTS = 'BCDFGHJKLMNPRSTVWXZ';
const VOWELS = 'AEIOUY';
/** Fixed, independent of the price seed: a universe written as symbols ('KAX/USDT') stays valid for every seed. */
const NAME_SEED = 0x5eed_c011;

/**
 * The simulator's coin bases: BTC, ETH, then invented 3-5 letter names, unique and uppercase. The list for n coins
 * is a prefix of the list for any larger n, so growing `coins` never renames a coin.
 */
export function simulatedBases(count: number, quote: string): string[] {
  const bases = ['BTC', 'ETH'].slice(0, count);
  const taken = new Set([...RESERVED_BASES, quote]);
  const prng = new Prng(NAME_SEED);
  while (bases.length < count) {
    const name = inventName(prng);
    if (taken.has(name)) continue;
    taken.add(name);
    bases.push(name);
  }
  return bases;
}

function inventName(prng: Prng): string {
  const length = 3 + prng.index(3);
  // Alternating consonants and vowels, starting with either, reads like a ticker ('KAX', 'ZOREN', 'ALIT').
  let useVowel = prng.uniform() < 0.25;
  let name = '';
  for (let i = 0; i < length; i++) {
    const letters = useVowel ? VOWELS : CONSONANTS;
    name += letters[prng.index(letters.length)] ?? 'X';
    // A final consonant cluster now and then ('BRANK') keeps names from all sounding alike.
    useVowel = i === length - 2 && prng.uniform() < 0.3 ? useVowel : !useVowel;
  }
  return name;
}
