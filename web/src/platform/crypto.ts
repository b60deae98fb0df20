/**
 * Browser stand-in for `node:crypto`, which the engine imports for one function: `randomUUID` (decision ids).
 * scripts/build-web.ts aliases `node:crypto` to this module when it bundles lib/ for the page.
 *
 * `crypto.randomUUID` exists only in secure contexts (https, localhost); the page may be opened over plain http
 * on another host name, so the UUID (version 4, RFC 9562) is built from `crypto.getRandomValues`, which every
 * context has.
 */
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function randomUUID(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = (i: number): string => HEX[b[i] as number] as string;
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`;
}
