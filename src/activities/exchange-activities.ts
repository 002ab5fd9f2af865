import { Context, log } from '@temporalio/activity';
import type {
  BrokerAccountInput,
  GetOrderInput,
  PlaceOrderInput,
  ReconcileAccountInput,
  ReconcileAccountResult,
  ScanMarketInput,
  ScanMarketResult,
  SyncAndEvaluateCoinInput,
  SyncAndEvaluateCoinResult,
  SyncCandlesInput,
  SyncCandlesResult,
  ValidateMarketConfigInput,
  ValidateMarketConfigResult,
} from '../contracts/activity-types.js';
import { Dec } from '../domain/decimal-math.js';
import { KeelError, isKeelError } from '../domain/errors.js';
import type { Balance, OrderState, Timeframe } from '../domain/market-types.js';
import { planRequestBudget } from '../domain/request-budget.js';
import type { AccountReader, ExchangeGateway, MarketRules, OrderBroker } from '../exchange/port.js';
import { capabilitiesFor, isCcxtExchangeId } from '../exchange/capabilities.js';
import type { Database } from '../db/client.js';
import { knownExchangeOrderIds, openOrdersOfCycle } from '../db/queries/orders.js';
import { paperOrdersUnknownToKeel, recordReconciliation } from '../db/queries/reconciliation.js';
import type { ReconciliationFinding } from '../db/queries/reconciliation.js';
import type { KeelMetrics } from '../observability/metrics.js';
import { guardedAttempt } from './attempt-guard.js';
import { placementFailure } from './placement-failure.js';
import { balanceFindings, quoteBalanceOf } from './balance-findings.js';
import { resolveOrderDoubts } from './resolve-order-doubts.js';
import { findingKey } from '../domain/findings.js';
import { withFailureMapping } from './to-application-failure.js';
import { evaluateStoredCoin } from './evaluate-stored-coin.js';
import { syncStoredCandles } from './sync-stored-candles.js';


export interface ExchangeActivityDeps {
  gateway: ExchangeGateway;
  broker: OrderBroker;
  db: Database;
  /** Counts the candle rows syncCandles writes. Exchange calls are metered by wrapping the ports (meterGateway). */
  metrics?: KeelMetrics;
  /** A real exchange's symbol and timeframe rules (the ccxt gateway); sim and replay have none. */
  marketRules?: MarketRules;
  /** Account reads for reconciling a live account; unused with the paper broker, which reconciles against its ledger. */
  accountReader?: AccountReader;
  /**
   * The exchange queue's request budget (KEEL_EXCHANGE_RPS, the server-side limit ccxt's limiter matches) and what the
   * planner needs to know of the exchange. Absent for sim and replay: no budget is planned.
   */
  requestBudget?: { requestsPerSecond: number; supportedTimeframes?: Timeframe[] };
}

/** Findings kept in a reconciliation result (the table has them all). */
const MAX_UNKNOWN_ORDERS_RETURNED = 20;
/** Unknown paper orders read per reconciliation. */
const MAX_PAPER_UNKNOWN = 100;
/** Symbols named in a refusal. */
const MAX_EXAMPLE_SYMBOLS = 10;

/** Activities of the `keel-exchange-<exchange>` queue: every exchange call keel makes goes through one of these. */
export function createExchangeActivities({ gateway, broker, db, metrics, marketRules, accountReader, requestBudget }: ExchangeActivityDeps) {
  const syncCandles = (input: SyncCandlesInput) => syncStoredCandles({ gateway, db, metrics }, input);

  return withFailureMapping({
    /**
     * One bulk tickers call; the universe is the configured symbols or the top coins by quote volume, each with its
     * market's order rules when the gateway has them.
     */
    async scanMarket(input: ScanMarketInput): Promise<ScanMarketResult> {
      let unknownSymbols: string[] = [];
      let wanted: string[] | undefined;
      if (input.symbols !== null) {
        const listed = new Set(await gateway.listSymbols(input.quote));
        unknownSymbols = input.symbols.filter((s) => !listed.has(s));
        wanted = input.symbols.filter((s) => listed.has(s));
      }
      const tickers = await gateway.fetchTickers(input.quote, wanted, input.asOfMs);
      const usable = tickers.filter((t) => Number.isFinite(t.last) && t.last > 0 && Number.isFinite(t.quoteVolume));
      if (usable.length < tickers.length) {
        log.warn('tickers with unusable prices dropped', { dropped: tickers.filter((t) => !usable.includes(t)).map((t) => t.symbol) });
      }
      const chosen = wanted === undefined ? [...usable].sort((a, b) => b.quoteVolume - a.quoteVolume).slice(0, input.maxCoins) : usable.slice(0, input.maxCoins);
      // The chosen coins' order rules come with their prices, so the tick sizes orders in the same call's result.
      const rules = gateway.orderRules ? await gateway.orderRules(chosen.map((t) => t.symbol)) : {};
      return { tickers: chosen.map((t) => ({ symbol: t.symbol, last: t.last, quoteVolume: t.quoteVolume, ...(t.bid !== undefined && { bid: t.bid, ask: t.ask }), ...(rules[t.symbol] && { rules: rules[t.symbol] }) })), unknownSymbols };
    },

    /** One coin's candle sync (syncStoredCandles). */
    async syncCandles(input: SyncCandlesInput): Promise<SyncCandlesResult> {
      return syncCandles(input);
    },

    /**
     * A coin's whole tick in one task: the sync above, then the signal over the stored window. One activity instead of
     * a sync here and an evaluation on the db queue saves a workflow task and three history events per coin, and the
     * queue's rate limit still counts exactly one dispatch per coin (an evaluation makes no exchange call). A retry
     * syncs again for free: the candles are stored by then, so it makes no exchange call either.
     */
    async syncAndEvaluateCoin(input: SyncAndEvaluateCoinInput): Promise<SyncAndEvaluateCoinResult> {
      const sync = await syncCandles(input);
      const evaluation = await evaluateStoredCoin(db, input);
      return { sync, evaluation };
    },

    /**
     * Looks the client order id up first, then places: a retried or replayed call finds the order instead of doubling
     * it. Guarded (heartbeating, cancellable, deadline-bound): an attempt Temporal has given up sends no order, since
     * its retry may already be looking the order up.
     */
    async placeOrder(input: PlaceOrderInput): Promise<OrderState> {
      const { attempt } = Context.current().info;
      const request = { account: input.account, quote: input.quote, clientOrderId: input.clientOrderId, intent: input.intent, asOfMs: input.asOfMs, ...(input.capKey !== undefined && { capKey: input.capKey }) };
      const order = await guardedAttempt((guard) => broker.placeOrder({ ...request, guard })).catch((error: unknown) => {
        throw placementFailure(error, attempt, input.clientOrderId);
      });
      log.info('order placed', { clientOrderId: order.clientOrderId, symbol: order.symbol, side: order.side, status: order.status, filled: order.filled, mode: broker.mode });
      return order;
    },

    async getOrder(input: GetOrderInput): Promise<OrderState | null> {
      return broker.findOrder(input.account, input.clientOrderId, input.symbol, input.asOfMs);
    },

    /** Heartbeats like placeOrder (same activity options); cancelling twice is harmless, so it needs no guard. */
    async cancelOrder(input: GetOrderInput): Promise<OrderState | null> {
      return guardedAttempt(() => broker.cancelOrder(input.account, input.clientOrderId, input.symbol, input.asOfMs));
    },

    async fetchBalances(input: BrokerAccountInput): Promise<Balance[]> {
      return broker.fetchBalances(input.account, input.quote);
    },

    /**
     * The market settings of a cycle, checked when it starts and before a config update applies: every symbol listed
     * (and quoted in the cycle's quote currency), the timeframe served, and the request plan within the exchange's
     * budget. Returns ok, or throws a non-retryable InvalidConfig naming every problem with the valid choices or the
     * figures.
     */
    async validateMarketConfig(input: ValidateMarketConfigInput): Promise<ValidateMarketConfigResult> {
      const problems: string[] = [];
      if (input.symbols !== null) {
        const wrongQuote = input.symbols.filter((symbol) => symbol.split('/')[1] !== input.quote);
        if (wrongQuote.length > 0) problems.push(`universe.symbols must be quoted in ${input.quote}, the cycle's quote currency: ${wrongQuote.join(', ')} ${wrongQuote.length > 1 ? 'are' : 'is'} not`);
        const rest = input.symbols.filter((symbol) => !wrongQuote.includes(symbol));
        if (marketRules !== undefined) {
          await collect(problems, 'BadSymbol', () => marketRules.validateSymbols(rest));
        } else if (rest.length > 0) {
          const listed = await gateway.listSymbols(input.quote);
          const known = new Set(listed);
          const unknown = rest.filter((symbol) => !known.has(symbol));
          if (unknown.length > 0) {
            const examples = listed.slice(0, MAX_EXAMPLE_SYMBOLS);
            problems.push(
              `unknown symbol${unknown.length > 1 ? 's' : ''} on ${input.exchange}: ${unknown.join(', ')}; valid symbols include ` +
                `${examples.join(', ')}${listed.length > examples.length ? ', ...' : ''} (${listed.length} in all for ${input.quote})`,
            );
          }
        }
      }
      if (marketRules !== undefined) await collect(problems, 'NotSupported', async () => void marketRules.validateTimeframe(input.timeframe));
      if (input.executionMode === 'maker_first') {
        if (broker.mode === 'paper' && gateway.tickerTimeframe === undefined) problems.push(`execution.mode "maker_first" on paper needs a market whose candles the paper broker can replay to fill resting orders (sim or replay), not ${input.exchange}; set execution.mode "market", or try maker-first with keel backtest`);
      }
      if (input.stopsOnExchange === true) {
        if (broker.mode !== 'live') problems.push('exits.onExchange keeps stops on a live exchange account; a paper account checks them at each candle already: set exits.onExchange false');
        else if (!(isCcxtExchangeId(input.exchange) && capabilitiesFor(input.exchange).orders.stopMarket)) problems.push(`exits.onExchange needs stop-market sells, which ${input.exchange} does not offer through keel; set exits.onExchange false (keel then checks the stops at each candle)`);
      }
      let budget: string | null = null;
      if (requestBudget !== undefined) {
        const coins = input.symbols === null ? input.maxCoins : Math.min(input.symbols.length, input.maxCoins);
        const plan = planRequestBudget({
          exchange: input.exchange,
          requestsPerSecond: requestBudget.requestsPerSecond,
          coins,
          timeframes: [input.timeframe],
          ...(requestBudget.supportedTimeframes !== undefined && { supportedTimeframes: requestBudget.supportedTimeframes }),
        });
        if (plan.fits) budget = plan.message;
        else problems.push(`request plan over budget (KEEL_EXCHANGE_RPS ${requestBudget.requestsPerSecond}): ${plan.message}`);
      }
      if (problems.length > 0) throw new KeelError('InvalidConfig', `market config rejected: ${problems.join('; ')}`);
      if (budget !== null) log.info('request budget', { exchange: input.exchange, plan: budget });
      return { ok: true, budget };
    },

    /**
     * Reads the account once (open orders, recent fills, balances: from the exchange for a live account, from the
     * paper ledger, which plays the exchange, for a paper one) and compares it with keel's database and the cycle's
     * positions. Whatever keel's records do not explain is recorded as a finding, logged and reported, and its symbol
     * comes back in doubt; nothing is adopted into keel's orders or positions.
     */
    async reconcileAccount(input: ReconcileAccountInput): Promise<ReconcileAccountResult> {
      // Orders of unknown fate first: what the exchange settles is recorded before the checks below compare keel's
      // orders with the account, and the balance checks expect the fills the cycle is about to book.
      const doubts = await resolveOrderDoubts({ broker, db, read: readWithRetries }, { cycleId: input.cycleId, account: input.account, exchange: input.exchange, doubts: input.pendingOrders ?? [] });
      const findings: ReconciliationFinding[] = [...doubts.findings];
      const unknownOrders: OrderState[] = [];
      let balances: Balance[];
      let tradesRead = 0;
      if (broker.mode === 'paper') {
        for (const order of await paperOrdersUnknownToKeel(db, input.account, MAX_PAPER_UNKNOWN)) {
          unknownOrders.push(order);
          findings.push({ kind: 'unknown_order', ref: order.exchangeOrderId, symbol: order.symbol, detail: `paper ledger has ${describeOrder(order)}; keel's orders table does not` });
        }
        balances = await broker.fetchBalances(input.account, input.quote);
      } else {
        if (accountReader === undefined) throw new KeelError('InvalidConfig', `reconciling the live ${input.exchange} account needs account reads; this exchange worker was built without them`);
        const open = await readWithRetries('fetchOpenOrders', () => accountReader.fetchOpenOrders());
        balances = await readWithRetries('fetchBalances', () => accountReader.fetchBalances());
        const listed = new Set(await readWithRetries('listSymbols', () => gateway.listSymbols(input.quote)));
        const interesting = new Set<string>([...input.positions.map((p) => p.symbol), ...open.map((o) => o.symbol)]);
        for (const balance of balances) {
          const symbol = `${balance.asset}/${input.quote}`;
          if (balance.asset !== input.quote && listed.has(symbol) && new Dec(balance.free).plus(balance.used).gt(0)) interesting.add(symbol);
        }
        const trades = await readWithRetries('fetchRecentTrades', () => accountReader.fetchRecentTrades([...interesting].filter((symbol) => listed.has(symbol)), input.sinceMs));
        tradesRead = trades.length;
        const known = await knownExchangeOrderIds(db, [...open.map((o) => o.exchangeOrderId), ...trades.map((t) => t.orderId)]);
        for (const order of open) {
          if (known.has(order.exchangeOrderId)) continue;
          unknownOrders.push(order);
          findings.push({ kind: 'unknown_order', ref: order.exchangeOrderId, symbol: order.symbol, detail: `${input.exchange} has open ${describeOrder(order)}; keel's orders table does not` });
        }
        const unknownOrderIds = new Set(unknownOrders.map((o) => o.exchangeOrderId));
        for (const trade of trades) {
          if (known.has(trade.orderId) || unknownOrderIds.has(trade.orderId)) continue;
          findings.push({
            kind: 'unknown_trade',
            ref: trade.id,
            symbol: trade.symbol,
            detail: `${input.exchange} filled ${trade.side} ${trade.amount} ${trade.symbol} at ${trade.price} (trade ${trade.id}, order ${trade.orderId}, ${new Date(trade.ts).toISOString()}); keel's orders table has no such order`,
          });
        }
        const openIds = new Set(open.map((o) => o.exchangeOrderId));
        for (const stored of await openOrdersOfCycle(db, input.cycleId)) {
          if (openIds.has(stored.exchangeOrderId)) continue;
          findings.push({ kind: 'stale_open_order', ref: stored.exchangeOrderId, symbol: stored.symbol, detail: `keel recorded ${stored.side} ${stored.amount} ${stored.symbol} (client order id ${stored.clientOrderId}) as open; ${input.exchange} no longer lists it as open` });
        }
      }
      findings.push(...balanceFindings({ positions: input.positions, positionChanges: doubts.positionChanges, balances, quote: input.quote, account: broker.mode === 'paper' ? 'paper ledger' : input.exchange, wholeAccountIsTheCycles: broker.mode === 'paper' }));

      const recorded = await recordReconciliation(db, { cycleId: input.cycleId, exchange: input.exchange, findings });
      // A finding a person acknowledged no longer holds its coin (the same finding seen again stays acknowledged).
      const acknowledged = new Set(recorded.acknowledged);
      // On a live account an excess may be the owner's own coins (or another cycle's): flagged for a person, but it does
      // not stop trading. On a paper account (the cycle's alone) nothing else can explain it.
      const holdsCoin = (f: ReconciliationFinding) => !acknowledged.has(findingKey(f)) && !(f.kind === 'balance_excess' && broker.mode === 'live');
      const inDoubt = [...new Set(findings.filter(holdsCoin).map((f) => f.symbol))].sort();
      const counts = countBy(findings.map((f) => f.kind));
      const report =
        findings.length === 0
          ? `reconciled ${input.exchange} ${broker.mode} account ${input.account}: nothing unexplained (${input.positions.length} positions checked${broker.mode === 'live' ? `, ${tradesRead} recent fills read` : ''}); ${recorded.resolved} earlier findings resolved`
          : `reconciled ${input.exchange} ${broker.mode} account ${input.account}: ${Object.entries(counts).map(([kind, n]) => `${n} ${kind}`).join(', ')}; ` +
            `not traded while in doubt: ${inDoubt.join(', ')} (${recorded.opened} new, ${recorded.resolved} resolved; see reconciliation_findings)`;
      if (findings.length > 0) {
        for (const finding of findings) log.warn('reconciliation finding', { cycleId: input.cycleId, kind: finding.kind, symbol: finding.symbol, detail: finding.detail });
        log.warn(report, { cycleId: input.cycleId, inDoubt });
      } else {
        log.info(report, { cycleId: input.cycleId });
      }
      return {
        inDoubt,
        unknownOrders: unknownOrders.slice(0, MAX_UNKNOWN_ORDERS_RETURNED).map((o) => ({ symbol: o.symbol, side: o.side, status: o.status, amount: o.amount, exchangeOrderId: o.exchangeOrderId, clientOrderId: o.clientOrderId })),
        findings: findings.length,
        report,
        resolvedOrders: doubts.resolved,
        acknowledged: [...acknowledged],
        mode: broker.mode,
        ...(broker.mode === 'live' && { quoteBalance: quoteBalanceOf(balances, input.quote) }),
      };
    },
  });
}

/** In-place attempts of one read inside reconcileAccount, and the longest wait between them. */
const READ_ATTEMPTS = 3;
const MAX_READ_WAIT_MS = 2_000;

/**
 * One account read, retried in place on a retryable error (honouring a rate limit's wait, up to 2 s): reconciliation
 * makes several reads per attempt, and a single 5xx should not throw the others away. What still fails goes back to
 * Temporal's retry policy.
 */
async function readWithRetries<T>(what: string, read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!isKeelError(error) || !error.retryable || attempt >= READ_ATTEMPTS) throw error;
      const waitMs = Math.min(error.retryAfterMs ?? 250 * attempt, MAX_READ_WAIT_MS);
      log.info('reconciliation read failed; trying again', { read: what, attempt, code: error.code, waitMs });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

/** Runs a check that throws KeelError `code` and keeps its message as a problem; other errors propagate. */
async function collect(problems: string[], code: string, check: () => Promise<void>): Promise<void> {
  try {
    await check();
  } catch (error) {
    if (isKeelError(error) && error.code === code) problems.push(error.message);
    else throw error;
  }
}

function describeOrder(order: OrderState): string {
  return `${order.side} ${order.type} ${order.amount} ${order.symbol} (${order.status}, order ${order.exchangeOrderId}${order.clientOrderId === '' ? '' : `, client order id ${order.clientOrderId}`})`;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

export type ExchangeActivities = ReturnType<typeof createExchangeActivities>;
