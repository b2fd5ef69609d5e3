import { InvalidArgumentError, PayloadTooLargeError } from '../api/errors.js';

/**
 * Default limit of one serialized payload (input, event data, terminate output), in UTF-8 bytes.
 * 4 MiB matches the default gRPC message limit the Durable Task SDKs use, so anything accepted
 * here can still be delivered to a sidecar worker.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/**
 * Serializes a payload to JSON, as the Durable Task SDKs do. `undefined` means "no payload".
 * Throws InvalidArgumentError when the value cannot be serialized (cycles, BigInt, a bare
 * function) and PayloadTooLargeError when its UTF-8 size exceeds `maxBytes`.
 */
export function serializePayload(value: unknown, what: string, maxBytes: number): string | undefined {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new InvalidArgumentError(`${what} cannot be serialized to JSON: ${(err as Error).message}`);
  }
  if (json === undefined) {
    throw new InvalidArgumentError(`${what} cannot be serialized to JSON (got ${typeof value}).`);
  }
  assertPayloadSize(json, what, maxBytes);
  return json;
}

/** Throws PayloadTooLargeError when the UTF-8 size of `serialized` exceeds `maxBytes`. */
export function assertPayloadSize(serialized: string, what: string, maxBytes: number): void {
  // A UTF-8 character takes at most 3 bytes per UTF-16 unit: skip counting for short strings.
  if (serialized.length * 3 <= maxBytes) return;
  const size = Buffer.byteLength(serialized, 'utf8');
  if (size > maxBytes) throw new PayloadTooLargeError(what, size, maxBytes);
}
