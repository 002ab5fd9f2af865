/**
 * Deterministic, dependency-free hashing for idempotency keys. Runs inside the workflow sandbox (no node:crypto),
 * so the same business key always yields the same client order id, on every retry, restart and replay.
 */
export function hash64Hex(input: string): string {
  // cyrb53-style double 32-bit hash, extended to 64 bits; collisions are astronomically unlikely for our key space.
  let h1 = 0xdeadbeef ^ input.length;
  let h2 = 0x41c6ce57 ^ input.length;
  for (let i = 0; i < input.length; i++) {
    const ch = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * The client order id for an order intent: derived only from business keys (cycle, tick, symbol, side), so a retried
 * or replayed placement can always be found at the exchange. 20 characters of [a-z0-9], which fits every exchange
 * keel supports (Binance allows 36, Kraken's userref-style ids and Coinbase's UUID-ish fields are wider).
 */
export function clientOrderIdFor(parts: { cycleId: string; tickTs: number; symbol: string; side: string }): string {
  return `kl${parts.tickTs.toString(36).slice(-2)}${hash64Hex(`${parts.cycleId}|${parts.tickTs}|${parts.symbol}|${parts.side}`)}`;
}
