import { createRequire } from 'node:module';
import net from 'node:net';
import type * as Grpc from '@grpc/grpc-js';
import { Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { closedChannelGuard } from '../../../src/temporal/client-connection.js';

const requireHere = createRequire(import.meta.url);
const grpc = createRequire(requireHere.resolve('@temporalio/client'))('@grpc/grpc-js') as typeof Grpc;

/** A loopback port nothing listens on: every call fails at once with UNAVAILABLE, which the client retries. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Innermost interceptor: resolves once the first attempt of a call has failed (its retry is then on a timer). */
function firstFailureProbe(): { interceptor: Grpc.Interceptor; failed: Promise<Grpc.StatusObject> } {
  let resolve!: (status: Grpc.StatusObject) => void;
  const failed = new Promise<Grpc.StatusObject>((r) => (resolve = r));
  const interceptor: Grpc.Interceptor = (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        next(metadata, new grpc.ListenerBuilder().withOnReceiveStatus((status, nextStatus) => (resolve(status), nextStatus(status))).build());
      },
    });
  return { interceptor, failed };
}

describe('closedChannelGuard', () => {
  it('turns a retry that fires after the connection closed into a rejected call, not an uncaught "Channel has been shut down"', async () => {
    const probe = firstFailureProbe();
    const connection = Connection.lazy({
      address: `127.0.0.1:${await closedPort()}`,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), closedChannelGuard, probe.interceptor],
    });
    const call = connection.workflowService.getSystemInfo({});
    const settled = call.then(
      () => 'resolved',
      (error: Grpc.ServiceError) => error,
    );
    expect((await probe.failed).code).toBe(grpc.status.UNAVAILABLE);
    // The retry is now waiting on its timer (at least ~140 ms); closing first is what Ctrl-C used to do.
    await connection.close();
    const outcome = await settled;
    expect(outcome).toMatchObject({ code: grpc.status.CANCELLED, details: expect.stringContaining('connection was closed') });
  });

  it('lets every other error through', () => {
    const boom = new Error('something else');
    expect(() => closedChannelGuard({} as Grpc.InterceptorOptions, () => { throw boom; })).toThrow(boom);
  });
});
