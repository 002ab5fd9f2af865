import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KeelError } from '../../../src/domain/errors.js';
import { createCcxtGateway } from '../../../src/exchange/create-gateway.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

/** Modules a file loads at import time: value imports and re-exports, not `import type`, not dynamic import(). */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)'/gm)) {
    if (match[1] === undefined && match[2] !== undefined) found.push(match[2]);
  }
  return found;
}

function loadsCcxt(file: string, seen = new Set<string>()): string | null {
  if (seen.has(file)) return null;
  seen.add(file);
  for (const specifier of staticImports(file)) {
    if (specifier === 'ccxt' || specifier.startsWith('ccxt/')) return file;
    if (specifier.startsWith('.')) {
      const found = loadsCcxt(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')), seen);
      if (found !== null) return found;
    }
  }
  return null;
}

describe('createCcxtGateway', () => {
  it('keeps ccxt out of what create-gateway.ts loads (the sim path starts without it)', () => {
    expect(loadsCcxt(resolve(SRC, 'exchange/create-gateway.ts'))).toBeNull();
    // The check itself sees ccxt where it is loaded.
    expect(loadsCcxt(resolve(SRC, 'exchange/ccxt-gateway.ts'))).toBe(resolve(SRC, 'exchange/ccxt-gateway.ts'));
  });

  it('refuses unknown exchanges before loading ccxt', async () => {
    await expect(createCcxtGateway({ exchangeId: 'mtgox' })).rejects.toThrow(new KeelError('InvalidConfig', 'exchange "mtgox" is not supported through ccxt; use one of kraken, coinbase, binance'));
  });

  it('builds the gateway on demand, without calling the exchange', async () => {
    const gateway = await createCcxtGateway({ exchangeId: 'binance', baseUrl: 'http://127.0.0.1:9' });
    expect(gateway.exchangeId).toBe('binance');
    expect(gateway.calls.markets).toBe(0);
    expect(gateway.toJSON()).toEqual({ exchangeId: 'binance', baseUrl: 'http://127.0.0.1:9', credentials: 'none' });
  });
});
