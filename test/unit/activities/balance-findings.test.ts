import { describe, expect, it } from 'vitest';
import { Dec } from '../../../src/domain/decimal-math.js';
import { balanceFindings, quoteBalanceOf } from '../../../src/activities/balance-findings.js';

const base = { quote: 'USDT', account: 'kraken', positionChanges: new Map<string, Dec>() };

describe('balanceFindings', () => {
  it('flags a shortfall and an excess against the position', () => {
    const findings = balanceFindings({
      ...base,
      positions: [
        { symbol: 'BTC/USDT', amount: '1' },
        { symbol: 'ETH/USDT', amount: '2' },
      ],
      balances: [
        { asset: 'BTC', free: '0.5', used: '0' },
        { asset: 'ETH', free: '2.5', used: '0.1' },
      ],
      wholeAccountIsTheCycles: false,
    });
    expect(findings.map((f) => [f.kind, f.symbol])).toEqual([
      ['balance_short', 'BTC/USDT'],
      ['balance_excess', 'ETH/USDT'],
    ]);
    expect(findings[1]!.detail).toContain('2.6 ETH');
  });

  it('expects the fills about to be booked', () => {
    const findings = balanceFindings({ ...base, positionChanges: new Map([['SOL/USDT', new Dec('3')]]), positions: [], balances: [{ asset: 'SOL', free: '3', used: '0' }], wholeAccountIsTheCycles: false });
    expect(findings).toEqual([]);
  });

  it('leaves a live owner\'s other coins alone but flags any coin on an account that is the cycle\'s own', () => {
    const balances = [
      { asset: 'USDT', free: '10', used: '0' },
      { asset: 'DOGE', free: '100', used: '0' },
    ];
    expect(balanceFindings({ ...base, positions: [], balances, wholeAccountIsTheCycles: false })).toEqual([]);
    expect(balanceFindings({ ...base, positions: [], balances, wholeAccountIsTheCycles: true }).map((f) => f.kind)).toEqual(['balance_excess']);
  });

  it('tolerates float noise', () => {
    expect(balanceFindings({ ...base, positions: [{ symbol: 'BTC/USDT', amount: '0.3' }], balances: [{ asset: 'BTC', free: '0.30000000000000004', used: '0' }], wholeAccountIsTheCycles: false })).toEqual([]);
  });
});

describe('quoteBalanceOf', () => {
  it('is free plus used, or 0', () => {
    expect(quoteBalanceOf([{ asset: 'USDT', free: '1.5', used: '2.25' }], 'USDT')).toBe('3.75');
    expect(quoteBalanceOf([], 'USDT')).toBe('0');
  });
});
