import { Prng } from '../../../src/exchange/prng.js';

export interface FaultSettings {
  /** Share of requests answered 503 Service Unavailable. */
  status5xxRate?: number;
  /** Share of requests never answered (the client's timeout fires). */
  timeoutRate?: number;
  /** The next `count` requests are answered 429 with a Retry-After header of `retryAfterS` seconds. */
  rateLimitBurst?: { count: number; retryAfterS: number };
  /** Share of requests answered 200 with the real reply cut in half (invalid JSON). */
  malformedJsonRate?: number;
  /** Delay before every reply. */
  latencyMs?: number;
  /** Extra delay before an order placement is carried out and answered (a matching engine under load). */
  createLatencyMs?: number;
  /** Share of order placements that are carried out but whose reply is lost (the connection drops). */
  loseOrderResponseRate?: number;
  /** The replies to the next this many order placements that reach the fake unharmed are lost, whatever the rate. */
  loseFirstOrderResponses?: number;
  /** Route keys ('kraken.OHLC') or kinds ('markets', 'public', 'private') the random faults apply to; default all. */
  routes?: string[];
  /** Seed of the fault draws; default the fake's seed. */
  seed?: number;
}

export type Fault = 'none' | 'rateLimit' | 'timeout' | 'status5xx' | 'malformed' | 'lose';

/** What the fake did to requests, per fault. */
export interface FaultCounts {
  rateLimit: number;
  timeout: number;
  status5xx: number;
  malformed: number;
  lose: number;
}

/**
 * Decides, per request, which fault (if any) the fake injects. Draws come from a seeded PRNG in a fixed order, so a
 * test with the same settings and the same requests sees the same faults on every run.
 */
export class FaultInjector {
  private settings: FaultSettings = {};
  private prng: Prng;
  private burstLeft = 0;
  private losesLeft = 0;
  readonly injected: FaultCounts = { rateLimit: 0, timeout: 0, status5xx: 0, malformed: 0, lose: 0 };

  constructor(private readonly defaultSeed: number) {
    this.prng = new Prng(defaultSeed);
  }

  /** Replaces all fault settings (and restarts the draws and the 429 burst). */
  set(settings: FaultSettings): void {
    for (const key of ['status5xxRate', 'timeoutRate', 'malformedJsonRate', 'loseOrderResponseRate'] as const) {
      const rate = settings[key];
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) throw new Error(`fake exchange faults: ${key} must be in [0, 1], got ${rate}`);
    }
    this.settings = { ...settings };
    this.prng = new Prng(settings.seed ?? this.defaultSeed);
    this.burstLeft = settings.rateLimitBurst?.count ?? 0;
    this.losesLeft = settings.loseFirstOrderResponses ?? 0;
  }

  clear(): void {
    this.set({});
  }

  /** Answers the next `count` requests with 429 and this Retry-After, keeping every other setting and the draws. */
  armRateLimitBurst(count: number, retryAfterS: number): void {
    this.settings = { ...this.settings, rateLimitBurst: { count, retryAfterS } };
    this.burstLeft = count;
  }

  get latencyMs(): number {
    return this.settings.latencyMs ?? 0;
  }

  /** How long the fake holds a request to `route` before it handles it. */
  delayMsFor(route: { createsOrder?: boolean }): number {
    return this.latencyMs + (route.createsOrder === true ? (this.settings.createLatencyMs ?? 0) : 0);
  }

  get retryAfterS(): number {
    return this.settings.rateLimitBurst?.retryAfterS ?? 1;
  }

  decide(route: { key: string; kind: string; createsOrder?: boolean }): Fault {
    const scope = this.settings.routes;
    if (scope !== undefined && !scope.includes(route.key) && !scope.includes(route.kind)) return 'none';
    if (this.burstLeft > 0) {
      this.burstLeft--;
      return this.count('rateLimit');
    }
    if (this.draw(this.settings.timeoutRate)) return this.count('timeout');
    if (this.draw(this.settings.status5xxRate)) return this.count('status5xx');
    if (this.draw(this.settings.malformedJsonRate)) return this.count('malformed');
    if (route.createsOrder === true && this.losesLeft > 0) {
      this.losesLeft--;
      return this.count('lose');
    }
    if (route.createsOrder === true && this.draw(this.settings.loseOrderResponseRate)) return this.count('lose');
    return 'none';
  }

  private draw(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.prng.uniform() <= rate;
  }

  private count(fault: Exclude<Fault, 'none'>): Fault {
    this.injected[fault]++;
    return fault;
  }
}
