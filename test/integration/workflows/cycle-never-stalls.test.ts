import { afterAll, describe, expect, it } from 'vitest';
import { pauseSignal, statusQuery, updateConfigUpdate } from '../../../src/contracts/messages.js';
import type { Candle, Timeframe } from '../../../src/domain/market-types.js';
import { SimulatedMarket } from '../../../src/exchange/simulated-market.js';
import { PaperBroker } from '../../../src/exchange/paper-broker.js';
import type { PlaceOrderRequest } from '../../../src/exchange/port.js';
import type { OrderState } from '../../../src/domain/market-types.js';
import { createPaperLedger } from '../../../src/db/queries/paper-ledger.js';
import { listTicks } from '../../../src/db/queries/ticks.js';
import { startDevServer, type DevServer } from '../../../src/temporal/dev-server.js';
import { findTemporalCli } from '../../../src/temporal/temporal-cli.js';
import { createHarness, waitFor, type Harness } from '../../helpers/keel-harness.js';

/**
 * A cycle never stalls: a coin child that hangs is given up at its run timeout and the tick goes on; two config
 * updates sent together are validated one after the other (a pair that is valid only one at a time is refused); a
 * paused cycle continues as new when Temporal suggests it. (A fill that cannot be booked: order-doubts.test.ts.)
 */

/** The simulated exchange, with one coin whose first candle request hangs for `hangMs`. */
class OneSlowCoin extends SimulatedMarket {
  private hung = false;
  constructor(
    private readonly slowSymbol: string,
    private readonly hangMs: number,
  ) {
    super({ seed: 5, coins: 4 });
  }

  override async fetchOhlcv(symbol: string, timeframe: Timeframe, options: { sinceMs?: number; limit: number; untilMs: number }): Promise<Candle[]> {
    if (symbol === this.slowSymbol && !this.hung) {
      this.hung = true;
      await new Promise((resolve) => setTimeout(resolve, this.hangMs));
    }
    return super.fetchOhlcv(symbol, timeframe, options);
  }
}

/** The paper broker behind an exchange whose first order hangs for `hangMs` before it is carried out (or refused). */
class OneSlowOrder extends PaperBroker {
  private hung = false;
  constructor(
    options: ConstructorParameters<typeof PaperBroker>[0],
    private readonly hangMs: number,
  ) {
    super(options);
  }

  override async placeOrder(request: PlaceOrderRequest): Promise<OrderState> {
    if (!this.hung) {
      this.hung = true;
      await new Promise((resolve) => setTimeout(resolve, this.hangMs));
    }
    return super.placeOrder(request);
  }
}

describe('a cycle never stalls', () => {
  const harnesses: Harness[] = [];
  let server: DevServer | undefined;
  afterAll(async () => {
    for (const harness of harnesses) await harness.teardown();
    await server?.stop();
  });

  it('gives up on a coin child at its run timeout and completes the tick without it', async () => {
    const slow = (await new SimulatedMarket({ seed: 5, coins: 4 }).listSymbols('USDT'))[0]!;
    // The hang outlasts the sync's 15 s attempt: without a run timeout the tick would wait for the retry.
    const harness = await createHarness({ gateway: new OneSlowCoin(slow, 16_000) });
    harnesses.push(harness);
    await harness.startWorkers();
    const startedAtMs = Date.now();
    const { handle } = await harness.startCycle({ maxTicks: 1, warmupCandles: 40, universe: { symbols: null, maxCoins: 4 }, timeouts: { coinRunMs: 3_000, orderRunMs: 60_000 } });
    const final = await handle.result();
    expect(final.tickNo).toBe(1);
    expect(final.lastTick).toEqual(expect.objectContaining({ coins: 4, failed: 1, evaluated: 3 }));
    expect(Date.now() - startedAtMs).toBeLessThan(14_000);
  });

  it('gives up on an order child at its run timeout: the tick goes on, the order is in doubt, then settled by the ledger', async () => {
    const market = new SimulatedMarket({ seed: 5, coins: 4 });
    const harness = await createHarness({ gateway: market });
    harnesses.push(harness);
    const broker = new OneSlowOrder({ gateway: market, ledger: createPaperLedger(harness.database.db) }, 12_000);
    await harness.startWorkers(undefined, undefined, undefined, { broker });
    const { handle } = await harness.startCycle({
      maxTicks: 6,
      tickPacingMs: 1_000,
      warmupCandles: 40,
      universe: { symbols: null, maxCoins: 4 },
      signal: { ...harness.cycleConfig().signal, buyThreshold: 0.001 },
      risk: { maxPositionFraction: 0.1, maxOpenPositions: 1, minOrderNotional: 1, cooldownTicks: 1 },
      timeouts: { coinRunMs: 60_000, orderRunMs: 3_000 },
    });
    const stuck = await waitFor('an order of unknown fate', async () => {
      const status = await handle.query(statusQuery);
      return status.orderDoubts.length > 0 ? status : undefined;
    }, 60_000, 100);
    expect(stuck.orderDoubts[0]!.kind).toBe('fate_unknown');
    // The tick with the hung order completed without waiting the 12 s for it.
    const doubtTick = Number(/in tick (\d+)/.exec(stuck.orderDoubts[0]!.reason)?.[1]);
    const tickRow = await waitFor('that tick recorded', async () => (await listTicks(harness.database.db, handle.workflowId, 100)).find((t) => t.tickNo === doubtTick), 60_000, 100);
    expect(tickRow.durationMs).toBeLessThan(10_000);
    const final = await handle.result();
    // Settled by the paper ledger's answer (placed late and adopted, or never placed): nothing is left in doubt.
    expect(final.orderDoubts).toEqual([]);
    expect(final.inDoubt).toEqual([]);
  });

  it('validates concurrent config updates one at a time: a pair valid only alone is not both accepted', async () => {
    const harness = await createHarness({ gateway: new SimulatedMarket({ seed: 6, coins: 8 }) });
    harnesses.push(harness);
    // A budget of 3 requests/s: 300 coins fit at 15m (301 calls per 900 s) and 2 coins at 1m (3 per 60 s); 300 at 1m not.
    await harness.startWorkers(undefined, undefined, undefined, { requestBudget: {}, exchangeRequestsPerSecond: 3 });
    const { handle } = await harness.startCycle({ timeframe: '15m', warmupCandles: 40, universe: { symbols: null, maxCoins: 2 } });
    await handle.signal(pauseSignal, 'config test');
    await waitFor('the cycle paused', async () => ((await handle.query(statusQuery)).phase === 'paused' ? true : undefined), 60_000, 100);

    const outcomes = await Promise.allSettled([
      handle.executeUpdate(updateConfigUpdate, { args: [{ universe: { maxCoins: 300 } }] }),
      handle.executeUpdate(updateConfigUpdate, { args: [{ timeframe: '1m' }] }),
    ]);
    const config = (await handle.query(statusQuery)).config;
    // Whichever ran second was checked against the first's result and refused: never 300 coins at 1m.
    expect(config.universe.maxCoins === 300 && config.timeframe === '1m').toBe(false);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!;
    expect(String((refused.reason as Error & { cause?: Error }).cause?.message ?? refused.reason)).toContain('over budget');
    await handle.terminate('test done');
  });

  it('continues a paused cycle as new when Temporal suggests it, still paused', async () => {
    const cliPath = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
    if (cliPath === undefined || cliPath === null) throw new Error('the Temporal CLI is needed (TEMPORAL_CLI_PATH)');
    // A server of its own that suggests continue-as-new early, so a short test can reach the suggestion.
    server = await startDevServer({ cliPath, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 40 } });
    const harness = await createHarness({ gateway: new SimulatedMarket({ seed: 7, coins: 3 }), temporalAddress: server.address });
    harnesses.push(harness);
    await harness.startWorkers();
    const { handle } = await harness.startCycle({ warmupCandles: 40, universe: { symbols: null, maxCoins: 3 }, ticksPerRun: 50, tickPacingMs: 60_000 });
    await handle.signal(pauseSignal, 'paused for the test');
    const paused = await waitFor('the cycle paused', async () => {
      const status = await handle.query(statusQuery);
      return status.phase === 'paused' ? status : undefined;
    }, 60_000, 100);
    const firstRun = (await handle.describe()).runId;

    // Signals while paused grow the history (each is a no-op for an already paused cycle) until Temporal suggests a new run.
    const continued = await waitFor(
      'a new run while paused',
      async () => {
        await handle.signal(pauseSignal, 'again');
        const latest = harness.client.workflow.getHandle(handle.workflowId);
        const { runId } = await latest.describe();
        return runId !== firstRun ? latest : undefined;
      },
      60_000,
      50,
    );
    const status = await continued.query(statusQuery);
    expect(status.phase).toBe('paused');
    expect(status.tickNo).toBe(paused.tickNo);
    expect(status.cash).toBe(paused.cash);
    await continued.terminate('test done');
  });
});
