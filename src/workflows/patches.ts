/*
 * Every patched() id of the workflows, in one place. A history recorded before a change has no marker for it and
 * replays down the old path; a new run records the marker and takes the new one. The README's "Workflow versioning"
 * section says when each is deprecated (deprecatePatch) and then removed: once no running or replayed history lacks it.
 */

/** validateMarketConfig at the first run and before a config update that touches the universe or the timeframe. */
export const VALIDATE_MARKET_CONFIG_PATCH = 'validate-market-config';
/** reconcileAccount at cycle start, after order faults and while symbols are in doubt; in-doubt symbols not traded. */
export const RECONCILE_ACCOUNT_PATCH = 'reconcile-account';
/**
 * Stricter order fates: an order child that failed after placing, a child that already completed in an earlier run,
 * and an order still open after its cancel all leave the coin in doubt.
 */
export const ORDER_FATE_PATCH = 'order-fate-v2';
/**
 * Orders of unknown fate are kept by client order id (state.orderDoubts) and looked up by reconciliation, which adopts
 * their fills; coin and order children get run timeouts; live cash follows the exchange's quote balance.
 */
export const ORDER_DOUBTS_PATCH = 'order-doubts-v3';
/** Config updates run one at a time (a lock around validate-then-apply), re-checked against the config they change. */
export const CONFIG_UPDATE_LOCK_PATCH = 'config-update-lock';
/** A paused cycle continues as new when Temporal suggests it, instead of growing its history while it waits. */
export const PAUSED_CONTINUE_AS_NEW_PATCH = 'paused-continue-as-new';
/** The drawdown guard blocks buys once per breach (blockCandles), instead of for as long as the breach lasts. */
export const DRAWDOWN_LOCK_ONCE_PATCH = 'drawdown-lock-once';
/**
 * The faster coin tick: coin children run in a sliding window of childBatchSize (a finished coin's place goes to the
 * next at once) instead of in waves that each wait for their slowest coin, and each child is told (CoinCycleInput
 * .syncAndEvaluate) to sync and evaluate in one activity on the exchange queue: one workflow task and three history
 * events fewer per coin. The child reads its path from its input rather than from a patch of its own, because
 * patched() also upserts the TemporalChangeVersion search attribute: one more visibility write for every coin.
 */
export const FAST_COIN_TICK_PATCH = 'fast-coin-tick';
