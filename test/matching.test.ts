/** Glob matching, glob coverage/intersection, and the typed value readers. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globCovers } from '../lib/match/cover.js';
import { compileGlob, globsIntersect } from '../lib/match/glob.js';
import { ipInRange, readBool, readDate, readIp, readIpRange, readNumber } from '../lib/policy/values.js';

/** Reference glob: a straightforward recursive matcher (exponential, fine for short strings). */
function refGlob(p: string, s: string): boolean {
  if (p === '') return s === '';
  if (p[0] === '*') return refGlob(p.slice(1), s) || (s !== '' && refGlob(p, s.slice(1)));
  if (s === '') return false;
  return (p[0] === '?' || p[0] === s[0]) && refGlob(p.slice(1), s.slice(1));
}

const alphabet = fc.constantFrom('a', 'b', ':', '/');
const text = fc.array(alphabet, { maxLength: 8 }).map((a) => a.join(''));
const pattern = fc.array(fc.constantFrom('a', 'b', ':', '*', '?', '*'), { maxLength: 7 }).map((a) => a.join(''));

describe('glob', () => {
  it.each([
    ['*', '', true],
    ['*', 'ims:images:get', true],
    ['ims:images:get', 'ims:images:get', true],
    ['ims:images:get', 'ims:images:gets', false],
    ['ims:*', 'ims:images:get', true],
    ['ims:*:get', 'ims:images:get', true],
    ['ims:*:get', 'ims:images:getJob', false],
    ['ims:images:???', 'ims:images:get', true],
    ['ims:images:???', 'ims:images:list', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['ab*ba', 'aba', false],
    ['ab*ba', 'abba', true],
    ['*a', 'ba', true],
    ['a**', 'a', true],
  ])('%s vs %s', (p, s, want) => {
    expect(compileGlob(p).test(s)).toBe(want);
  });

  it('agrees with a reference matcher on random patterns and strings', () => {
    fc.assert(
      fc.property(pattern, text, (p, s) => compileGlob(p).test(s) === refGlob(p, s)),
      { numRuns: 3000 },
    );
  });

  it('stays fast on patterns with thousands of stars', () => {
    const p = `${'*a'.repeat(3000)}b`;
    const s = 'a'.repeat(10_000);
    const t0 = performance.now();
    expect(compileGlob(p).test(s)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('intersection is exact against brute force over short strings', () => {
    const strings: string[] = [''];
    for (let len = 1; len <= 5; len++) {
      const prev = strings.filter((s) => s.length === len - 1);
      for (const s of prev) for (const c of ['a', 'b', ':']) strings.push(s + c);
    }
    const qpat = fc.array(fc.constantFrom('a', 'b', ':', '*'), { maxLength: 4 }).map((a) => a.join(''));
    fc.assert(
      fc.property(pattern, qpat, (p, q) => {
        const brute = strings.some((s) => refGlob(p, s) && refGlob(q, s));
        // Short strings can miss long witnesses, so brute force is a lower bound: it implies intersection.
        if (brute) expect(globsIntersect(p, q)).toBe(true);
        if (!globsIntersect(p, q)) expect(brute).toBe(false);
      }),
      { numRuns: 1500 },
    );
    expect(globsIntersect('ims:eu-west-0:*', 'ims:cn-north-4:acc-1:image:*')).toBe(false);
    expect(globsIntersect('ims:*:*:image:dev-*', 'ims:cn-north-4:acc-1:image:prod-*')).toBe(true); // * crosses ':'
  });

  it('coverage is sound: a covering pattern matches every expansion', () => {
    const qpat = fc.array(fc.constantFrom('a', 'b', ':', '*'), { maxLength: 4 }).map((a) => a.join(''));
    fc.assert(
      fc.property(pattern, qpat, fc.array(text, { minLength: 4, maxLength: 4 }), (p, q, fills) => {
        if (!globCovers(compileGlob(p), q)) return;
        let i = 0;
        const member = q.replace(/\*/g, () => fills[i++ % fills.length] as string);
        expect(refGlob(p, member)).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(globCovers(compileGlob('ims:*:*:image:*'), 'ims:*:*:image:*')).toBe(true);
    expect(globCovers(compileGlob('ims:cn-north-4:*:image:*'), 'ims:*:*:image:*')).toBe(false);
    expect(globCovers(compileGlob('ims:?:*'), 'ims:*')).toBe(false);
  });
});

describe('value readers', () => {
  it('numbers', () => {
    expect(readNumber('42')).toBe(42);
    expect(readNumber('-1.5e3')).toBe(-1500);
    expect(readNumber('0x10')).toBeUndefined();
    expect(readNumber('')).toBeUndefined();
    expect(readNumber('1e999')).toBeUndefined();
    expect(readNumber('abc')).toBeUndefined();
  });

  it('ISO 8601 dates', () => {
    expect(readDate('2026-01-01')).toBe(Date.UTC(2026, 0, 1));
    expect(readDate('2026-01-01T08:00:00+08:00')).toBe(Date.UTC(2026, 0, 1));
    expect(readDate('2026-01-01T00:00:00.250Z')).toBe(Date.UTC(2026, 0, 1) + 250);
    expect(readDate('2026-02-30')).toBeUndefined();
    expect(readDate('01/02/2026')).toBeUndefined();
    expect(readDate('2026-13-01')).toBeUndefined();
    expect(readDate('2026-01-01T00:00:00+25:00')).toBeUndefined();
  });

  it('booleans', () => {
    expect(readBool('true')).toBe(true);
    expect(readBool('FALSE')).toBe(false);
    expect(readBool('yes')).toBeUndefined();
  });

  it('IPv4, IPv6 and CIDR', () => {
    const r8 = readIpRange('10.0.0.0/8')!;
    expect(ipInRange(readIp('10.255.1.2')!, r8)).toBe(true);
    expect(ipInRange(readIp('11.0.0.1')!, r8)).toBe(false);
    expect(ipInRange(readIp('192.168.1.1')!, readIpRange('192.168.1.1')!)).toBe(true);
    expect(ipInRange(readIp('192.168.1.2')!, readIpRange('192.168.1.1')!)).toBe(false);
    expect(ipInRange(readIp('1.2.3.4')!, readIpRange('0.0.0.0/0')!)).toBe(true);
    const v6 = readIpRange('2001:db8::/32')!;
    expect(ipInRange(readIp('2001:db8:1::7')!, v6)).toBe(true);
    expect(ipInRange(readIp('2001:db9::1')!, v6)).toBe(false);
    expect(ipInRange(readIp('::ffff:10.1.1.1')!, r8)).toBe(true); // IPv4-mapped
    expect(ipInRange(readIp('10.1.1.1')!, v6)).toBe(false);
    expect(readIp('256.1.1.1')).toBeUndefined();
    expect(readIp('1.2.3')).toBeUndefined();
    expect(readIp('2001:db8::1::2')).toBeUndefined();
    expect(readIpRange('10.0.0.0/33')).toBeUndefined();
    expect(readIpRange('2001:db8::/129')).toBeUndefined();
    expect(ipInRange(readIp('2001:db8:0:0:8000::1')!, readIpRange('2001:db8::/65')!)).toBe(false);
    expect(ipInRange(readIp('2001:db8:0:0:7fff::1')!, readIpRange('2001:db8::/65')!)).toBe(true);
  });
});
