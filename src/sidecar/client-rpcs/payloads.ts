import { timestampFromMs, timestampMs, type Timestamp } from '@bufbuild/protobuf/wkt';
import { assertPayloadSize } from '../../client/payload.js';

/**
 * An SDK payload as the engine stores it. SDKs send `JSON.stringify(undefined)` as an empty
 * StringValue; no JSON document is empty, so '' means "no payload".
 */
export function payloadOf(value: string | undefined, what: string, maxBytes: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  assertPayloadSize(value, what, maxBytes);
  return value;
}

/** An optional string field that SDKs send as '' when unset (versions, reasons). */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Epoch ms of a request timestamp; undefined when absent or at the epoch (the SDKs always send
 * `scheduledStartTimestamp`, with epoch 0 meaning "now").
 */
export function timeOf(timestamp: Timestamp | undefined): number | undefined {
  if (timestamp === undefined) return undefined;
  const ms = timestampMs(timestamp);
  return ms > 0 ? ms : undefined;
}

export function timestampOf(ms: number | undefined): Timestamp | undefined {
  return ms === undefined ? undefined : timestampFromMs(ms);
}
