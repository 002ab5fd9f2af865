import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';

// The grpc-js copy that @temporalio/client itself loads: the guard must build its objects from the same module.
const requireHere = createRequire(import.meta.url);
const grpc = createRequire(requireHere.resolve('@temporalio/client'))('@grpc/grpc-js') as typeof Grpc;

/** What grpc-js throws when a call is started on a closed channel. */
const CHANNEL_CLOSED_MESSAGE = 'Channel has been shut down';

/** grpc-js's InterceptingCallInterface (not exported by name): the call an InterceptingCall wraps. */
type CallInterface = ConstructorParameters<typeof Grpc.InterceptingCall>[0];

/** A call that never reaches the network and ends at once with CANCELLED: the answer for a call on a closed channel. */
function cancelledCall(): CallInterface {
  return {
    start(_metadata, listener) {
      setImmediate(() =>
        listener?.onReceiveStatus?.({
          code: grpc.status.CANCELLED,
          details: 'the Temporal connection was closed before this call could be retried',
          metadata: new grpc.Metadata(),
        }),
      );
    },
    cancelWithStatus: () => undefined,
    getPeer: () => '',
    sendMessageWithContext: () => undefined,
    sendMessage: () => undefined,
    startRead: () => undefined,
    halfClose: () => undefined,
    getAuthContext: () => null,
  };
}

/**
 * The Temporal client's retry interceptor retries a failed call from a timer (100 ms up to 5 s later). When the
 * connection is closed before that timer fires, grpc-js throws "Channel has been shut down" inside the timer: an
 * uncaught exception that ends a cleanly stopped process with a stack trace. Placed after the retry interceptor, this
 * guard turns exactly that throw into the call's CANCELLED status, so the promise of the call in flight rejects and
 * its caller handles it like any other failed call. Every other error still throws.
 */
export const closedChannelGuard: Grpc.Interceptor = (options, nextCall) => {
  let call: CallInterface;
  try {
    call = nextCall(options);
  } catch (error) {
    if (!(error instanceof Error) || error.message !== CHANNEL_CLOSED_MESSAGE) throw error;
    call = cancelledCall();
  }
  return new grpc.InterceptingCall(call);
};

/** The SDK's default interceptors (its retry policy) plus the closed-channel guard. */
export function clientInterceptors(): Grpc.Interceptor[] {
  return [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), closedChannelGuard];
}

/** Connection.connect with clientInterceptors(): a call still retrying when the connection closes just fails. */
export function connectClient(address: string): Promise<Connection> {
  return Connection.connect({ address, interceptors: clientInterceptors() });
}
