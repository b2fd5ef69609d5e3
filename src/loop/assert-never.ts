/**
 * Marks the end of an exhaustive `switch` over a closed union: the compiler rejects the call when
 * a case was forgotten, and at run time an unexpected value (a broken invariant) throws.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'kind' in value) {
    return `kind '${String(value.kind)}'`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
