/**
 * Reference model: reading typed condition values (docs/semantics.md, choice 4), written independently of
 * lib/policy/values.ts. Each reader returns `undefined` when the text is not of that type.
 */

/** A decimal number: an optional sign, digits with an optional fraction (or a bare fraction), an optional exponent. */
export function readNumber(text: string): number | undefined {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE][+-]?\d+)?$/.exec(text);
  if (!m) return undefined;
  const intDigits = m[1] ?? '';
  const fracDigits = m[2] ?? '';
  if (intDigits.length === 0 && fracDigits.length === 0) return undefined; // "", "+", ".", "e5"
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function daysInMonth(year: number, month: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Days from 1970-01-01 to the given date (proleptic Gregorian calendar, years 0000-9999). */
function daysSinceEpoch(year: number, month: number, day: number): number {
  // Leap years in [0, y): multiples of 4, minus multiples of 100, plus multiples of 400.
  const leapYearsBefore = (y: number): number => Math.floor((y + 3) / 4) - Math.floor((y + 99) / 100) + Math.floor((y + 399) / 400);
  const daysBeforeYear = (y: number): number => 365 * y + leapYearsBefore(y);
  let days = daysBeforeYear(year) - daysBeforeYear(1970);
  for (let m = 1; m < month; m++) days += daysInMonth(year, m);
  return days + day - 1;
}

/**
 * An ISO 8601 date (`2026-01-31`) or date-time (`2026-01-31T23:59`, `...:59`, `...:59.123456`) with an
 * optional zone (`Z`, `+08:00`, `+0800`, `+08`); no zone is UTC. As RFC 3339 allows, `t`, `z` and a space
 * separator are accepted, a leap second (`:60`) counts as the next second, and `24:00:00` is the end of
 * the day. Returns epoch milliseconds (with any fraction of a millisecond).
 */
export function readDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4] ?? '0');
  const minute = Number(m[5] ?? '0');
  const second = Number(m[6] ?? '0');
  const fraction = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (minute > 59 || second > 60) return undefined;
  if (hour > 24 || (hour === 24 && (minute > 0 || second > 0 || fraction > 0))) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  const seconds = daysSinceEpoch(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  return seconds * 1000 + fraction * 1000;
}

/** `true` / `false` in any case. */
export function readBool(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

/** An IP address as a number: IPv4 (32 bits) or IPv6 (128 bits). */
export interface Ip {
  version: 4 | 6;
  value: bigint;
}

function readIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256n + BigInt(Number(part));
  }
  return value;
}

function readHexGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  for (const g of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  return groups;
}

/** IPv6: eight hex groups, one `::` standing for a run of zero groups, optionally ending in a dotted IPv4. */
function readIpv6(text: string): bigint | undefined {
  let body = text;
  let tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (body.slice(lastColon + 1).includes('.')) {
    const v4 = readIpv4(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    body = body.slice(0, lastColon + 1); // keep a trailing "::", drop a single trailing ":"
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  let groups: number[];
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  if (halves.length === 2) {
    const left = readHexGroups(halves[0]!);
    const right = readHexGroups(halves[1]!);
    if (!left || !right) return undefined;
    const zeros = 8 - tail.length - left.length - right.length;
    if (zeros < 1) return undefined;
    groups = [...left, ...new Array<number>(zeros).fill(0), ...right, ...tail];
  } else {
    const all = readHexGroups(body);
    if (!all) return undefined;
    groups = [...all, ...tail];
    if (groups.length !== 8) return undefined;
  }
  return groups.reduce((acc, g) => acc * 65536n + BigInt(g), 0n);
}

/** `::ffff:a.b.c.d` (an IPv4-mapped IPv6 address, RFC 4291) is the IPv4 address a.b.c.d. */
const MAPPED_PREFIX = 0xffffn << 32n;

export function readIp(text: string): Ip | undefined {
  if (!text.includes(':')) {
    const v4 = readIpv4(text);
    return v4 === undefined ? undefined : { version: 4, value: v4 };
  }
  const v6 = readIpv6(text);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 - MAPPED_PREFIX };
  return { version: 6, value: v6 };
}

export interface IpBlock {
  version: 4 | 6;
  /** The block's first address. */
  network: bigint;
  prefix: number;
}

/** An address (a block of one) or a CIDR block `address/prefix`. */
export function readIpBlock(text: string): IpBlock | undefined {
  const [addressText, prefixText, ...rest] = text.split('/');
  if (rest.length > 0 || addressText === undefined) return undefined;
  const isV6 = addressText.includes(':');
  const raw = isV6 ? readIpv6(addressText) : readIpv4(addressText);
  if (raw === undefined) return undefined;
  const bits = isV6 ? 128 : 32;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return undefined;
    prefix = Number(prefixText);
  }
  let version: 4 | 6 = isV6 ? 6 : 4;
  let value = raw;
  let totalBits = bits;
  if (isV6 && raw >> 32n === 0xffffn && prefix >= 96) {
    // an IPv4-mapped block is the IPv4 block
    version = 4;
    value = raw - MAPPED_PREFIX;
    prefix -= 96;
    totalBits = 32;
  }
  const hostBits = BigInt(totalBits - prefix);
  return { version, network: (value >> hostBits) << hostBits, prefix };
}

export function ipInBlock(ip: Ip, block: IpBlock): boolean {
  if (ip.version !== block.version) return false;
  const hostBits = BigInt((ip.version === 4 ? 32 : 128) - block.prefix);
  return ip.value >> hostBits === block.network >> hostBits;
}
