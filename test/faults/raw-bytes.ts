import * as grpc from '@grpc/grpc-js';
import { sidecarServiceDefinition, type SidecarMethodName } from '../../src/sidecar/service-definition.js';

const identity = (bytes: Buffer): Buffer => bytes;

/**
 * A gRPC client that sends request bodies as given bytes, so tests can send what no generated
 * client would: malformed protobuf, unknown fields.
 */
export class RawBytesClient {
  readonly #client: grpc.Client;

  constructor(address: string) {
    this.#client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  /** A unary call with `body` as the request; resolves with the response bytes. */
  unary(method: SidecarMethodName, body: Uint8Array): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        sidecarServiceDefinition[method].path,
        identity,
        identity,
        Buffer.from(body),
        (err: grpc.ServiceError | null, response?: Buffer) => {
          if (err) reject(err);
          else resolve(response ?? Buffer.alloc(0));
        },
      );
    });
  }

  /** A server-streaming call with `body` as the request; resolves with how it ended. */
  streamOutcome(method: SidecarMethodName, body: Uint8Array): Promise<grpc.ServiceError | 'ended'> {
    const call = this.#client.makeServerStreamRequest(
      sidecarServiceDefinition[method].path,
      identity,
      identity,
      Buffer.from(body),
    );
    return new Promise((resolve) => {
      call.on('data', () => undefined);
      call.on('error', (err: grpc.ServiceError) => resolve(err));
      call.on('end', () => resolve('ended'));
    });
  }

  close(): void {
    this.#client.close();
  }
}

/** Tag of field 9000 (defined by no message of the proto), length-delimited. */
const FIELD_9000_BYTES = [0xc2, 0xb2, 0x04];

/**
 * Protobuf bytes that no message of the proto parses, each broken a different way. (A bad length
 * on a known scalar field is not among them: parsers read it as a packed list, leniently.)
 */
export const MALFORMED_BODIES: readonly { readonly what: string; readonly bytes: Uint8Array }[] = [
  {
    what: 'a length past the end of the body',
    bytes: Uint8Array.of(...FIELD_9000_BYTES, 0x80, 0x80, 0x80, 0x80, 0x08),
  },
  { what: 'a body cut off inside a field', bytes: Uint8Array.of(...FIELD_9000_BYTES, 0x10, 0x01, 0x02) },
  // Field 1 with wire type 7, which does not exist.
  { what: 'an unknown wire type', bytes: Uint8Array.of(0x0f, 0x01) },
  // A varint that never ends (eleven continuation bytes).
  { what: 'an endless varint', bytes: Uint8Array.of(0x08, ...new Array<number>(11).fill(0xff)) },
  // Field number 0, which protobuf forbids.
  { what: 'field number 0', bytes: Uint8Array.of(0x00, 0x01) },
];

/** `bytes` followed by fields no version of the proto defines (numbers 9999 and 10000). */
export function withUnknownFields(bytes: Uint8Array): Uint8Array {
  const varintField9999 = [0xf8, 0xf0, 0x04, 0x2a]; // tag (9999 << 3 | 0), value 42
  const text = Buffer.from('from a newer client');
  const bytesField10000 = [0x82, 0xf1, 0x04, text.length, ...text]; // tag (10000 << 3 | 2)
  return Uint8Array.from([...bytes, ...varintField9999, ...bytesField10000]);
}
