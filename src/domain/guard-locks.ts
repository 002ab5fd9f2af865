/**
 * Buy locks the portfolio guards place: indexed by pair, plus the locks of all coins, so that planning asks about a
 * coin in O(1). Plain JSON, never changed in place. Pure, sandbox-safe.
 */

export type GuardName = 'max_drawdown' | 'stoploss_guard' | 'low_profit';

export interface Lock {
  guard: GuardName;
  /** The locked pair; null locks buys of all coins. */
  symbol: string | null;
  /** Why, for people: "drawdown 12.3% ≥ 10% over 168 candles: no new buys until tick 412". */
  reason: string;
  /** The tick that placed it. */
  fromTick: number;
  /** Buys are blocked while tickNo < untilTick. */
  untilTick: number;
}

export interface GuardLocks {
  /** Locks of all coins, at most one per guard. */
  global: Lock[];
  /** Locks of one pair, at most one per guard, by symbol. */
  byPair: Record<string, Lock[]>;
  /** The earliest untilTick of any lock (null without locks): expired locks are looked for only from that tick on. */
  nextExpiryTick: number | null;
}

export function noLocks(): GuardLocks {
  return { global: [], byPair: {}, nextExpiryTick: null };
}

const GUARD_ORDER: Record<GuardName, number> = { max_drawdown: 0, stoploss_guard: 1, low_profit: 2 };

/**
 * Places a lock, or extends the active lock of the same guard and scope to the later untilTick (keeping its fromTick,
 * taking the reason that names the later tick). `placed` is false when an active lock was extended or already longer.
 */
export function placeLock(locks: GuardLocks, lock: Lock): { locks: GuardLocks; placed: boolean } {
  const current = lock.symbol === null ? locks.global : (locks.byPair[lock.symbol] ?? []);
  const index = current.findIndex((l) => l.guard === lock.guard);
  let next: Lock[];
  if (index < 0) {
    next = [...current, lock];
  } else {
    const existing = current[index]!;
    if (existing.untilTick >= lock.untilTick) return { locks, placed: false };
    next = current.slice();
    next[index] = { ...existing, reason: lock.reason, untilTick: lock.untilTick };
  }
  const nextExpiryTick = Math.min(locks.nextExpiryTick ?? Infinity, lock.untilTick);
  const placed = index < 0;
  if (lock.symbol === null) return { locks: { ...locks, global: next, nextExpiryTick }, placed };
  return { locks: { ...locks, byPair: { ...locks.byPair, [lock.symbol]: next }, nextExpiryTick }, placed };
}

/**
 * The locks still blocking at `tickNo` (untilTick > tickNo). The same object when none can have expired, so the pairs
 * are walked only on ticks where some lock ends.
 */
export function withoutExpiredLocks(locks: GuardLocks, tickNo: number): GuardLocks {
  if (locks.nextExpiryTick === null || locks.nextExpiryTick > tickNo) return locks;
  let nextExpiryTick = Infinity;
  const keep = (list: readonly Lock[]): Lock[] => {
    const kept = list.filter((l) => l.untilTick > tickNo);
    for (const l of kept) nextExpiryTick = Math.min(nextExpiryTick, l.untilTick);
    return kept;
  };
  const global = keep(locks.global);
  const byPair: Record<string, Lock[]> = {};
  for (const [symbol, list] of Object.entries(locks.byPair)) {
    const kept = keep(list);
    if (kept.length > 0) byPair[symbol] = kept;
  }
  return { global, byPair, nextExpiryTick: nextExpiryTick === Infinity ? null : nextExpiryTick };
}

/** Locks of one guard (every guard when omitted) lifted, e.g. when a person turns that guard off. */
export function withoutGuardLocks(locks: GuardLocks, guard?: GuardName): GuardLocks {
  if (guard === undefined) return noLocks();
  const lifted: GuardLocks = { ...locks, global: locks.global.filter((l) => l.guard !== guard), byPair: {} };
  for (const [symbol, list] of Object.entries(locks.byPair)) {
    const kept = list.filter((l) => l.guard !== guard);
    if (kept.length > 0) lifted.byPair[symbol] = kept;
  }
  return lifted;
}

/** The lock that blocks buying `symbol` at `tickNo` (the longest when several do), or null. */
export function lockOn(locks: GuardLocks, symbol: string, tickNo: number): Lock | null {
  // Plain loops without a list of the two lists: planning asks this for every buy candidate of every tick.
  let found: Lock | null = null;
  for (const lock of locks.global) {
    if (lock.untilTick > tickNo && (found === null || lock.untilTick > found.untilTick)) found = lock;
  }
  const pairLocks = locks.byPair[symbol];
  if (pairLocks === undefined) return found;
  for (const lock of pairLocks) {
    if (lock.untilTick > tickNo && (found === null || lock.untilTick > found.untilTick)) found = lock;
  }
  return found;
}

// Code-unit order, the same in every locale and in the workflow sandbox.
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every lock blocking at `tickNo`: locks of all coins first, then by pair, then by guard. */
export function locksAt(locks: GuardLocks, tickNo: number): Lock[] {
  const all = [...locks.global, ...Object.values(locks.byPair).flat()].filter((l) => l.untilTick > tickNo);
  return all.sort(
    (a, b) =>
      (a.symbol === null ? 0 : 1) - (b.symbol === null ? 0 : 1) ||
      compareText(a.symbol ?? '', b.symbol ?? '') ||
      GUARD_ORDER[a.guard] - GUARD_ORDER[b.guard],
  );
}
