import { Dec, decimalString } from '../domain/decimal-math.js';
import { KeelError, isKeelError } from '../domain/errors.js';
import { exactOfOnce, exactOr } from '../domain/exact-decimal.js';
import { fillReferencePrice, filledOrderStateOf, isMarketable, takerFillFigures } from '../domain/fill-model.js';
import type { FillCosts, FillFigures } from '../domain/fill-model.js';
import type { OrderIntent, OrderState } from '../domain/market-types.js';
import type { OrderOutcome } from '../domain/tick-settlement.js';
import { checkIntent } from '../exchange/paper-pricing.js';

/** The paper broker's settings a backtest fills with (KEEL_PAPER_FEE_RATE, KEEL_PAPER_SLIPPAGE_BPS). */
export type FillSettings = FillCosts & { quote: string };

export type SimulatedFill =
  | { ok: true; order: OrderState; role: 'maker' | 'taker'; cashAfter: string }
  | { ok: false; failure: Extract<OrderOutcome, { ok: false }> };

/**
 * What the paper broker does with an intent, without its ledger: the same checks (a valid intent, a price for the
 * symbol, enough cash) and the same fill model, so the order comes out as the paper broker would report it.
 * `ticker` is the symbol's newest closed candle at the tick (null when it has none in the last 24 hours); `cash` is
 * the quote balance left by this tick's earlier buys (sells are not counted: the cycle's orders run concurrently and
 * planOrders never sizes a buy on a sell's proceeds).
 */
export function fillIntent(input: { intent: OrderIntent; clientOrderId: string; tickTs: number; cash: string; ticker: { last: number } | null; settings: FillSettings }): SimulatedFill {
  const { intent, clientOrderId, settings } = input;
  try {
    checkIntent(intent, settings.quote);
    const last = input.ticker?.last;
    if (last === undefined || !Number.isFinite(last) || last <= 0) {
      throw new KeelError('InvalidMarketData', `paper broker has no usable price for ${intent.symbol} as of ${input.tickTs}; the market has no recent candle for it`);
    }
    // The fill model's figures as text, in Exact first (the same digits as takerFill: a test holds them equal).
    const fill = takerFillFigures(intent.side, intent.amount, fillReferencePrice(intent, last), settings);
    if (intent.type === 'limit' && !isMarketable(intent.side, intent.price, new Dec(fill.price))) {
      throw new KeelError('NotSupported', `paper broker fills market and marketable limit orders only: ${intent.side} limit ${intent.price} for ${intent.symbol} does not reach ${fill.price}`);
    }
    const cashAfter = intent.side === 'buy' ? cashAfterBuy(input.cash, fill) : decimalText(input.cash);
    if (intent.side === 'buy' && cashAfter.startsWith('-')) {
      throw new KeelError('InsufficientFunds', `${settings.quote} balance ${input.cash} is below ${costOf(fill)} for ${intent.side} ${intent.amount} ${intent.symbol}`);
    }
    return { ok: true, order: filledOrderStateOf(clientOrderId, `paper-${clientOrderId}`, intent, fill, input.tickTs), role: fill.role, cashAfter };
  } catch (error) {
    const errorType = isKeelError(error) ? error.code : 'Internal';
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, failure: { ok: false, clientOrderId, symbol: intent.symbol, errorType, message, placed: 'no' } };
  }
}

/** cash - notional - fee as decimal text: Dec's digits, in Exact unless a value needs more than 40. */
function cashAfterBuy(cash: string, fill: FillFigures): string {
  return exactOr(
    () => exactOfOnce(cash).minus(exactOfOnce(fill.notional)).minus(exactOfOnce(fill.fee)).toString(),
    () => decimalString(new Dec(cash).minus(fill.notional).minus(fill.fee)),
  );
}

/** notional + fee as decimal text (what a buy costs). */
function costOf(fill: FillFigures): string {
  return exactOr(
    () => exactOfOnce(fill.notional).plus(exactOfOnce(fill.fee)).toString(),
    () => decimalString(new Dec(fill.notional).plus(fill.fee)),
  );
}

/** The balance as decimalString writes it. */
function decimalText(value: string): string {
  return exactOr(
    () => exactOfOnce(value).toString(),
    () => decimalString(new Dec(value)),
  );
}
