/**
 * Payloads (inputs, outputs, event data, custom status) travel as JSON text, as in every Durable
 * Task SDK. `undefined` is "no payload": the protobuf field is left absent.
 */

export function encodePayload(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(value);
}

/** An absent or empty field decodes to undefined (durabletask-js treats "" the same way). */
export function decodePayload(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  return JSON.parse(text) as unknown;
}
