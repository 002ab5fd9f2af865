/**
 * Re-entry cooldowns after a sell: symbol -> first tick number at which the coin may be bought again (the shape
 * MarketCycleState carries). Pure, sandbox-safe.
 */

/** True while `tickNo` is before the symbol's first allowed tick. */
export function isCoolingDown(cooldowns: Readonly<Record<string, number>>, symbol: string, tickNo: number): boolean {
  const firstAllowedTick = cooldowns[symbol];
  return firstAllowedTick !== undefined && firstAllowedTick > tickNo;
}

/**
 * Cooldowns after the sells of tick `tickNo`: each sold symbol waits `cooldownTicks` further ticks (sold at 7 with
 * 3 -> blocked 7..10, buyable at 11). Entries that no longer block at `tickNo` are dropped to keep the state small.
 */
export function nextCooldowns(
  cooldowns: Readonly<Record<string, number>>,
  soldSymbols: readonly string[],
  tickNo: number,
  cooldownTicks: number,
): Record<string, number> {
  const next: Record<string, number> = {};
  for (const [symbol, firstAllowedTick] of Object.entries(cooldowns)) {
    if (firstAllowedTick > tickNo) next[symbol] = firstAllowedTick;
  }
  for (const symbol of soldSymbols) {
    next[symbol] = Math.max(next[symbol] ?? 0, tickNo + cooldownTicks + 1);
  }
  return next;
}
