import { createHash } from 'node:crypto';

/**
 * Deterministic GUIDs for orchestrations: a name-based UUID (version 5, SHA-1) of
 * `${instanceId}_${ISO time}_${counter}` under the namespace the Durable Task SDKs share, so the
 * same orchestration replayed by durabletask-js, .NET or this SDK produces the same values.
 */
const DURABLE_TASK_NAMESPACE = '9e952958-5e33-4daf-827f-2fa12937b875';

export function deterministicGuid(instanceId: string, at: Date, counter: number): string {
  return uuidV5(DURABLE_TASK_NAMESPACE, `${instanceId}_${at.toISOString()}_${counter}`);
}

export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(Buffer.from(name, 'utf8'))
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
