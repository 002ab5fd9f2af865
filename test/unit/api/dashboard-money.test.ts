import { describe, expect, it } from 'vitest';
import * as domain from '../../../src/domain/money-format.js';
// @ts-expect-error: plain browser JS without type declarations
import * as page from '../../../src/api/dashboard/money.js';

const dashboard = page as {
  CURRENCY_DECIMALS: Record<string, number>;
  DEFAULT_MAX_DECIMALS: number;
  PRICE_SIGNIFICANT_DIGITS: number;
  money(value: unknown, currency: string | undefined, options?: { signed?: boolean }): string;
  price(value: unknown, currency: string | undefined): string;
};

const ungrouped = (text: string) => text.replaceAll(',', '');

describe('the dashboard formats money by the domain formatter rules', () => {
  it('has the same precision table (the page cannot import src/domain)', () => {
    expect(dashboard.CURRENCY_DECIMALS).toEqual(domain.CURRENCY_DECIMALS);
    expect(dashboard.DEFAULT_MAX_DECIMALS).toBe(domain.DEFAULT_MAX_DECIMALS);
    expect(dashboard.PRICE_SIGNIFICANT_DIGITS).toBe(domain.PRICE_SIGNIFICANT_DIGITS);
  });

  it('prints the same digits as formatMoneyAmount and formatPrice, with thousands grouped', () => {
    const amounts = ['21864.859688064007634096027701', '100000', '-1520.337', '0.125', '-0.004', '0.0012', '1.123456789', '12.5'];
    const prices = ['43251.123456', '1.5', '0.51234567', '0.0000123456789', '0.00123456789', '0'];
    for (const currency of ['USDT', 'USD', 'BTC', 'ETH', 'JPY', 'XYZ']) {
      for (const amount of amounts) expect(ungrouped(dashboard.money(amount, currency)), `${amount} ${currency}`).toBe(domain.formatMoneyAmount(amount, currency));
      for (const price of prices) expect(ungrouped(dashboard.price(price, currency)), `price ${price} ${currency}`).toBe(domain.formatPrice(price, currency));
    }
    expect(dashboard.money('21864.859688064007634096027701', 'USDT')).toBe('21,864.86');
  });

  it('signs PnL and shows a dash for missing values', () => {
    expect(dashboard.money('12.3', 'USDT', { signed: true })).toBe('+12.30');
    expect(dashboard.money('-12.3', 'USDT', { signed: true })).toBe('-12.30');
    for (const missing of [undefined, null, '', 'abc', NaN]) expect(dashboard.money(missing, 'USDT')).toBe('–');
  });
});
