import { describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import { createGateway } from '../../../src/exchange/create-gateway.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';

function thrown(run: () => unknown): KeelError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KeelError);
    return error as KeelError;
  }
  throw new Error('expected a KeelError');
}

describe('createGateway', () => {
  it('builds the simulated market with its options', async () => {
    const gateway = createGateway({ market: 'sim', sim: { seed: 3, coins: 12 } });
    expect(gateway).toBeInstanceOf(SimulatedMarket);
    expect(gateway.exchangeId).toBe('sim');
    expect(await gateway.listSymbols('USDT')).toHaveLength(12);
  });

  it('needs a directory for replay', () => {
    const error = thrown(() => createGateway({ market: 'replay' }));
    expect(error.code).toBe('InvalidConfig');
    expect(error.message).toBe('market "replay" needs replay.dir: a folder of freqtrade candle files named <BASE>_<QUOTE>-<timeframe>.json (or .json.gz, .feather)');
  });

  it('says which markets exist for anything else', () => {
    const error = thrown(() => createGateway({ market: 'binance' }));
    expect(error.code).toBe('InvalidConfig');
    expect(error.message).toMatch(/^market "binance" is not supported yet; use sim or replay/);
  });
});
