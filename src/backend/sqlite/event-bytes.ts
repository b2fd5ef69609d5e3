import type { HistoryEvent } from '../../proto/orchestrator_service_pb.js';
import { decodeEvent, encodeEvent } from './rows.js';

/**
 * Leased inbox events go into history unchanged (the runtime appends the very objects it was
 * handed), so the bytes they were read from are kept beside them and written back as they are:
 * decoding and re-encoding every consumed event is most of a turn's commit. Keyed weakly, so an
 * event dropped without a commit (abandoned lease) takes its bytes with it.
 */
const storedBytes = new WeakMap<HistoryEvent, Uint8Array>();

/** Decodes an inbox row's event and remembers the bytes it came from. */
export function decodeStoredEvent(bytes: Uint8Array): HistoryEvent {
  const event = decodeEvent(bytes);
  storedBytes.set(event, bytes);
  return event;
}

/** The bytes `event` was read from when it is a leased event (forgotten once taken), else its encoding. */
export function takeEventBytes(event: HistoryEvent): Uint8Array {
  const bytes = storedBytes.get(event);
  if (bytes === undefined) return encodeEvent(event);
  storedBytes.delete(event);
  return bytes;
}
