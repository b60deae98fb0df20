/**
 * The check the docs pages' JSON examples are held to: the answer contains what the example shows (objects:
 * the keys given; lists: the same length, element by element; anything else: equal).
 */
import { expect } from 'vitest';
import type { JsonValue } from '../../lib/types.js';

export function expectContains(expected: JsonValue, actual: unknown, at: string): void {
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), at).toBe(true);
    expect((actual as unknown[]).length, `${at}.length`).toBe(expected.length);
    expected.forEach((e, i) => expectContains(e, (actual as unknown[])[i], `${at}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    expect(typeof actual, at).toBe('object');
    for (const [k, v] of Object.entries(expected)) expectContains(v, (actual as Record<string, unknown>)[k], `${at}.${k}`);
  } else expect(actual, at).toEqual(expected);
}
