import * as http2 from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { GetWorkItemsRequestSchema } from '../../src/proto/orchestrator_service_pb.js';
import { sidecarServiceDefinition } from '../../src/sidecar/service-definition.js';

/**
 * A worker that hangs: it opens GetWorkItems over a raw HTTP/2 session and never reads the
 * stream, so HTTP/2 flow control stalls once its window is full (what a frozen or wedged worker
 * process does to the sidecar). It never reconnects.
 */
export class HungClient {
  readonly #session: http2.ClientHttp2Session;
  readonly #stream: http2.ClientHttp2Stream;
  /** The streams opened on this connection, the first one included. */
  readonly streams: http2.ClientHttp2Stream[] = [];
  /** grpc-status of each stream once the server ended it in its headers (a refusal), by index. */
  readonly refusals = new Map<number, string>();

  constructor(address: string) {
    this.#session = http2.connect(`http://${address}`);
    this.#session.on('error', () => undefined);
    this.#stream = this.openStream();
  }

  /** Opens one more GetWorkItems stream on the same connection, never read either. */
  openStream(): http2.ClientHttp2Stream {
    const index = this.streams.length;
    const stream = this.#session.request({
      ':method': 'POST',
      ':path': sidecarServiceDefinition.getWorkItems.path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.on('error', () => undefined);
    stream.on('response', (headers) => {
      const status = headers['grpc-status'];
      if (typeof status === 'string') this.refusals.set(index, status);
    });
    const body = toBinary(GetWorkItemsRequestSchema, create(GetWorkItemsRequestSchema, {}));
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    stream.end(frame);
    stream.pause(); // never read: the window fills and stays full
    this.streams.push(stream);
    return stream;
  }

  /** Whether the server has ended or reset the stream. */
  get closed(): boolean {
    return this.#stream.closed || this.#stream.destroyed;
  }

  close(): void {
    for (const stream of this.streams) stream.destroy();
    this.#session.destroy();
  }
}
