/** One thing to close at shutdown: what it is (for the error line) and how. */
interface Closer {
  name: string;
  close: () => Promise<void>;
}

export interface ShutdownOptions {
  /** Signals that ask for a clean stop; a second one forces an exit. SIGHUP: the terminal was closed. */
  signals?: NodeJS.Signals[];
  /** Called once, on the first signal, e.g. to print "stopping". */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** Reports a step that failed to close; the remaining steps still run. */
  onCloseError?: (name: string, error: unknown) => void;
}

const DEFAULT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Exit status of a forced stop: 128 + SIGINT's number, what a shell reports for Ctrl-C. */
const FORCED_EXIT_CODE = 130;

/**
 * The shutdown order of a process that opens things one after another: each is registered as it opens, and they
 * close last opened first, so whatever starts new work (a poller, the HTTP API) stops before the workers drain, and
 * the workers drain before the connections, database and Temporal dev server they use are closed. A signal during
 * start-up only sets `requested`: the start-up code checks it between steps and closes what is open so far.
 */
export class ShutdownSequence {
  readonly #closers: Closer[] = [];
  readonly #options: ShutdownOptions;
  readonly #signals: NodeJS.Signals[];
  readonly #onSignal = (signal: NodeJS.Signals) => this.#handleSignal(signal);
  #requested = false;
  #closing: Promise<boolean> | undefined;
  #resolveRequested!: () => void;
  /** Settles on the first stop signal (or `request()`). */
  readonly requestedPromise = new Promise<void>((resolve) => (this.#resolveRequested = resolve));

  constructor(options: ShutdownOptions = {}) {
    this.#options = options;
    this.#signals = options.signals ?? DEFAULT_SIGNALS;
    for (const signal of this.#signals) process.on(signal, this.#onSignal);
  }

  /** A stop was asked for: start-up code should stop opening things. */
  get requested(): boolean {
    return this.#requested;
  }

  /** Registers something just opened; it closes before everything registered earlier. */
  defer(name: string, close: () => Promise<void> | void): void {
    this.#closers.push({ name, close: async () => close() });
  }

  /** Asks for a stop without a signal (e.g. the workers ended by themselves). */
  request(): void {
    this.#requested = true;
    this.#resolveRequested();
  }

  /**
   * Closes everything registered, last first, once; a failing step is reported and the rest still close. Resolves
   * to true when every step closed cleanly.
   */
  close(): Promise<boolean> {
    this.#closing ??= (async () => {
      let clean = true;
      for (const closer of this.#closers.reverse()) {
        try {
          await closer.close();
        } catch (error) {
          clean = false;
          this.#options.onCloseError?.(closer.name, error);
        }
      }
      for (const signal of this.#signals) process.removeListener(signal, this.#onSignal);
      return clean;
    })();
    return this.#closing;
  }

  #handleSignal(signal: NodeJS.Signals): void {
    if (this.#requested) {
      // The second Ctrl-C: the person does not want to wait for in-flight tasks. Durable state is in Temporal.
      process.exit(FORCED_EXIT_CODE);
    }
    this.request();
    this.#options.onSignal?.(signal);
  }
}
