import { DEFAULT_SIGNAL_CONFIG, type SignalConfig } from '../../src/domain/signal-types.js';

/**
 * Signal thresholds that trade often: 0.05 both ways, the defaults before issue 11 raised them to cut churn. Tests of
 * mechanics (orders placed once, fills, exits, parity, replays) need orders on short synthetic or simulated series;
 * the defaults themselves are judged on real data (README, "Default settings").
 */
export const BUSY_SIGNAL: SignalConfig = { ...DEFAULT_SIGNAL_CONFIG, weights: { ...DEFAULT_SIGNAL_CONFIG.weights }, buyThreshold: 0.05, sellThreshold: 0.05 };

/** The same as backtest command-line arguments. */
export const BUSY_SIGNAL_ARGS = ['--config', 'signal.buyThreshold=0.05', '--config', 'signal.sellThreshold=0.05'];
