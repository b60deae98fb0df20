/**
 * Readers for typed condition values: numbers, ISO 8601 dates, booleans and IP addresses / CIDR blocks.
 * Each returns `undefined` when the text cannot be read as that type (the comparison is then false).
 */

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function readNumber(s: string): number | undefined {
  if (!NUMBER_RE.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

// ISO 8601: date, or date-time with optional seconds, fraction and zone (Z or +hh:mm / +hhmm).
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;

/** Epoch milliseconds of an ISO 8601 date or date-time (no zone = UTC). */
export function readDate(s: string): number | undefined {
  const m = DATE_RE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return undefined;
  if (hour === 24 && (minute !== 0 || second !== 0 || (frac !== undefined && Number(frac) !== 0))) return undefined; // only 24:00:00 is midnight
  // Date.UTC reads the years 0-99 as 1900-1999: compute 400 years later (the Gregorian calendar repeats
  // every 400 years, 146097 days) and step back.
  let t = Date.UTC(year + 400, month - 1, day, hour, minute, second) - GREGORIAN_CYCLE_MS;
  const check = new Date(Date.UTC(year + 400, month - 1, day));
  if (check.getUTCDate() !== day) return undefined; // 2026-02-30
  if (frac) t += Number(`0.${frac}`) * 1000; // a fraction of a millisecond still orders two times
  if (zone && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    t -= sign * (oh * 60 + om) * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
}

export function readBool(s: string): boolean | undefined {
  const l = s.toLowerCase();
  if (l === 'true') return true;
  if (l === 'false') return false;
  return undefined;
}

/** An IPv4 address (one 32-bit word) or IPv6 address (four 32-bit words). */
export interface IpAddr {
  v: 4 | 6;
  words: number[];
}

export interface IpRange {
  v: 4 | 6;
  words: number[];
  prefix: number;
}

function readIPv4Words(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const b = Number(p);
    if (b > 255) return undefined;
    n = n * 256 + b;
  }
  return n >>> 0;
}

function readIPv6Words(s: string): number[] | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  let groups: number[] = [];
  let tailV4: number | undefined;
  let text = s;
  const lastColon = text.lastIndexOf(':');
  if (lastColon !== -1 && text.indexOf('.', lastColon) !== -1) {
    tailV4 = readIPv4Words(text.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = text.indexOf('::');
  if (dbl !== -1 && text.indexOf('::', dbl + 1) !== -1) return undefined;
  const parse = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  if (dbl === -1) {
    const all = parse(text);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  } else {
    const left = parse(text.slice(0, dbl));
    const right = parse(text.slice(dbl + 2));
    if (!left || !right || left.length + right.length > 7) return undefined;
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  const words = [0, 1, 2, 3].map((i) => (((groups[2 * i] as number) << 16) | (groups[2 * i + 1] as number)) >>> 0);
  if (tailV4 !== undefined) words[3] = tailV4;
  return words;
}

function readIpRaw(s: string): IpAddr | undefined {
  if (s.indexOf(':') === -1) {
    const w = readIPv4Words(s);
    return w === undefined ? undefined : { v: 4, words: [w] };
  }
  const words = readIPv6Words(s);
  return words ? { v: 6, words } : undefined;
}

function isV4Mapped(a: IpAddr): boolean {
  return a.v === 6 && a.words[0] === 0 && a.words[1] === 0 && a.words[2] === 0xffff;
}

/** An IP address; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address. */
export function readIp(s: string): IpAddr | undefined {
  const a = readIpRaw(s);
  if (a && isV4Mapped(a)) return { v: 4, words: [a.words[3] as number] };
  return a;
}

/** An IP address or CIDR block (`10.0.0.0/8`, `2001:db8::/32`); a bare address is a /32 or /128. */
export function readIpRange(s: string): IpRange | undefined {
  const slash = s.indexOf('/');
  const addr = readIpRaw(slash === -1 ? s : s.slice(0, slash));
  if (!addr) return undefined;
  const max = addr.v === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  // An IPv4-mapped block (::ffff:10.0.0.0/104) is the IPv4 block (10.0.0.0/8).
  if (isV4Mapped(addr) && prefix >= 96) return { v: 4, words: [addr.words[3] as number], prefix: prefix - 96 };
  return { v: addr.v, words: addr.words, prefix };
}

export function ipInRange(ip: IpAddr, range: IpRange): boolean {
  if (ip.v !== range.v) return false;
  let bits = range.prefix;
  for (let i = 0; i < range.words.length && bits > 0; i++) {
    const take = bits >= 32 ? 32 : bits;
    const mask = take === 32 ? 0xffffffff : ~(0xffffffff >>> take) >>> 0;
    if (((ip.words[i] as number) & mask) >>> 0 !== ((range.words[i] as number) & mask) >>> 0) return false;
    bits -= take;
  }
  return true;
}
