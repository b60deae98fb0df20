/**
 * Source positions of findings when the policy is given as text: spans cut out exactly the offending value
 * (or, for element-name findings, the key), line is 1-based, column and offset 0-based (UTF-16 code units),
 * end exclusive. Also: JSON-level problems (syntax errors with their position, duplicate keys, `__proto__`)
 * and hostile input (deep nesting, huge strings) that must come back as findings, quickly, without throwing.
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../lib/validate/validate.js';
import type { Finding, PolicyDocument, Span, ValidateResponse } from '../lib/types.js';

function only(r: ValidateResponse, code: string): Finding {
  const hits = r.findings.filter((f) => f.code === code);
  expect(hits, `${code} in ${JSON.stringify(r.findings.map((f) => f.code))}`).toHaveLength(1);
  return hits[0] as Finding;
}

function slice(text: string, span: Span | undefined): string {
  expect(span).toBeDefined();
  const s = span as Span;
  return text.slice(s.start.offset, s.end.offset);
}

/** Line/column of an offset computed independently (\r\n, \r and \n end a line). */
function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    const c = text[i];
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start };
}

/** Every span's line/column agree with its offsets. */
function expectConsistentSpans(text: string, r: ValidateResponse): void {
  for (const f of r.findings) {
    expect(f.span, `${f.code} has no span`).toBeDefined();
    const s = f.span as Span;
    expect(s.start.offset).toBeLessThanOrEqual(s.end.offset);
    expect({ line: s.start.line, column: s.start.column }).toEqual(lineCol(text, s.start.offset));
    expect({ line: s.end.line, column: s.end.column }).toEqual(lineCol(text, s.end.offset));
  }
}

const PRETTY = `{
  "Version": "5.0",
  "Statement": [
    {
      "Sid": "",
      "Effect": "Allow",
      "Action": [
        "ims:images:list",
        "ims:images:dlete"
      ],
      "Resource": ["ims:cn-north-4:acc-1:imag:img-1"],
      "Condition": {
        "StringLike": { "g:UserNam": "dev-*" }
      },
      "Acton": ["ims:images:get"]
    },
    {
      "Effect": "Deny",
      "Action": ["ims:images:get"],
      "Condition": { "DateLessThan": { "g:CurrentTime": ["2026-01-31", "someday"] } }
    }
  ]
}
`;

describe('spans point at the offending text', () => {
  const r = validate(PRETTY);

  it('an unknown action: the string value, quotes included, on its line', () => {
    const f = only(r, 'UNKNOWN_ACTION');
    expect(f.path).toBe('/Statement/0/Action/1');
    expect(slice(PRETTY, f.span)).toBe('"ims:images:dlete"');
    expect(f.span?.start).toEqual({ line: 9, column: 8, offset: PRETTY.indexOf('"ims:images:dlete"') });
    expect(f.span?.end.line).toBe(9);
    expect(f.span?.end.column).toBe(8 + '"ims:images:dlete"'.length);
  });

  it('an unknown element: the key', () => {
    const f = only(r, 'INVALID_POLICY_ELEMENT');
    expect(f.path).toBe('/Statement/0/Acton');
    expect(slice(PRETTY, f.span)).toBe('"Acton"');
    expect(f.span?.start.line).toBe(15);
    expect(f.span?.start.column).toBe(6);
  });

  it('an unknown condition key: the key', () => {
    const f = only(r, 'UNKNOWN_CONDITION_KEY');
    expect(slice(PRETTY, f.span)).toBe('"g:UserNam"');
    expect(f.span?.start.line).toBe(13);
  });

  it('an AWS operator name: the operator key', () => {
    const f = only(r, 'AWS_OPERATOR_NAME');
    expect(slice(PRETTY, f.span)).toBe('"StringLike"');
    expect(f.span?.start).toMatchObject({ line: 13, column: 8 });
  });

  it('an unparseable value: the second entry of the list', () => {
    const f = only(r, 'INVALID_CONDITION_VALUE');
    expect(f.path).toBe('/Statement/1/Condition/DateLessThan/g:CurrentTime/1');
    expect(slice(PRETTY, f.span)).toBe('"someday"');
    expect(f.span?.start).toMatchObject({ line: 20, column: PRETTY.split('\n')[19]!.indexOf('"someday"') });
  });

  it('an unknown resource type: the URN', () => {
    expect(slice(PRETTY, only(r, 'UNKNOWN_RESOURCE_TYPE').span)).toBe('"ims:cn-north-4:acc-1:imag:img-1"');
  });

  it('an empty Sid: the value ""', () => {
    const f = only(r, 'EMPTY_SID');
    expect(slice(PRETTY, f.span)).toBe('""');
    expect(f.span?.start).toMatchObject({ line: 5, column: 13 });
  });

  it('a whole-array finding spans the array', () => {
    const text = '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:list"],"Resource":["ims:*:*:image:a"]}]}';
    const f = only(validate(text), 'RESOURCE_NOT_SUPPORTED_BY_ACTION');
    expect(slice(text, f.span)).toBe('["ims:*:*:image:a"]');
  });

  it('a statement-level finding spans the statement object', () => {
    const text = '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:get"]}, {"Action":["ims:images:list"]}]}';
    const f = only(validate(text), 'MISSING_EFFECT');
    expect(f.path).toBe('/Statement/1');
    expect(slice(text, f.span)).toBe('{"Action":["ims:images:list"]}');
  });

  it('a document-level finding spans the document', () => {
    const text = '  {"Statement":[{"Effect":"Deny","Action":["ims:images:get"]}]}  ';
    const f = only(validate(text), 'MISSING_VERSION');
    expect(slice(text, f.span)).toBe(text.trim());
  });

  it('keys with / and ~ are found through their escaped pointer', () => {
    const text = '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:showImageTags"],"Condition":{"StringEquals":{"g:ResourceTag/":"x"}}}],"a~b/c":1}';
    const r2 = validate(text);
    const tag = only(r2, 'MISSING_TAG_KEY');
    expect(tag.path).toBe('/Statement/0/Condition/StringEquals/g:ResourceTag~1');
    expect(slice(text, tag.span)).toBe('"g:ResourceTag/"');
    const el = only(r2, 'INVALID_POLICY_ELEMENT');
    expect(el.path).toBe('/a~0b~1c');
    expect(slice(text, el.span)).toBe('"a~b/c"');
  });

  it('escaped strings: the span covers the raw text', () => {
    const text = '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:\\u0064lete"]}]}';
    const f = only(validate(text), 'UNKNOWN_ACTION');
    expect(f.message).toContain('ims:images:dlete');
    expect(slice(text, f.span)).toBe('"ims:images:\\u0064lete"');
  });

  it('columns count UTF-16 code units (an emoji is two)', () => {
    const text = '{"Version":"5.0","Statement":[{"Sid":"😀","Effect":"Deny","Action":["ims:images:dlete"]}]}';
    const f = only(validate(text), 'UNKNOWN_ACTION');
    expect(slice(text, f.span)).toBe('"ims:images:dlete"');
    expect(f.span?.start.column).toBe(text.indexOf('"ims:images:dlete"'));
  });

  it('every finding of the pretty document has a consistent span', () => {
    expect(r.findings.length).toBeGreaterThanOrEqual(8);
    expectConsistentSpans(PRETTY, r);
  });
});

describe('line endings', () => {
  const CRLF = PRETTY.replace(/\n/g, '\r\n');
  const CR = PRETTY.replace(/\n/g, '\r');

  it('CRLF: same lines and columns as LF, offsets shifted by the extra \\r', () => {
    const lf = validate(PRETTY);
    const crlf = validate(CRLF);
    expect(crlf.findings.map((f) => [f.code, f.path])).toEqual(lf.findings.map((f) => [f.code, f.path]));
    crlf.findings.forEach((f, i) => {
      const g = lf.findings[i] as Finding;
      expect(f.span?.start.line).toBe(g.span?.start.line);
      expect(f.span?.start.column).toBe(g.span?.start.column);
      expect(f.span?.start.offset).toBe((g.span?.start.offset ?? 0) + (g.span?.start.line ?? 1) - 1);
    });
    const f = only(crlf, 'UNKNOWN_ACTION');
    expect(slice(CRLF, f.span)).toBe('"ims:images:dlete"');
    expect(f.span?.start).toMatchObject({ line: 9, column: 8 });
    expectConsistentSpans(CRLF, crlf);
  });

  it('a lone CR also ends a line', () => {
    const f = only(validate(CR), 'UNKNOWN_ACTION');
    expect(f.span?.start).toMatchObject({ line: 9, column: 8 });
    expect(slice(CR, f.span)).toBe('"ims:images:dlete"');
  });

  it('a syntax error after CRLF lines has the right line and column', () => {
    const text = '{\r\n  "Version": "5.0",\r\n  "Statement": [\r\n    {"Effect": "Deny" "Action": []}\r\n  ]\r\n}';
    const f = only(validate(text), 'JSON_SYNTAX_ERROR');
    expect(f.span?.start).toEqual({ line: 4, column: 22, offset: text.indexOf('"Action"') });
  });
});

describe('object input has no spans', () => {
  it('same findings as the text, without span', () => {
    const doc = JSON.parse(PRETTY) as PolicyDocument;
    const fromObject = validate(doc);
    const fromText = validate(PRETTY);
    expect(fromObject.findings.map((f) => [f.code, f.path])).toEqual(fromText.findings.map((f) => [f.code, f.path]));
    for (const f of fromObject.findings) expect(f).not.toHaveProperty('span');
  });
});

describe('JSON syntax errors carry their position', () => {
  const cases: Array<[what: string, text: string, line: number, column: number]> = [
    ['double comma', '{\n  "Version": "5.0",\n  "Statement": [\n    {"Effect": "Allow",, "Action": ["ims:images:list"]}\n  ]\n}', 4, 23],
    ['missing colon', '{"Version" "5.0"}', 1, 11],
    ['single quotes', "{\n'Version': '5.0'}", 2, 0],
    ['trailing comma in array', '{"Version":"5.0","Statement":[\n  {"Effect":"Deny","Action":["ims:images:get",]}\n]}', 2, 46],
    ['unterminated string (points at its start)', '{"Version":"5.0","Statement":[{"Effect":"Deny}]}', 1, 40],
    ['a comment', '{"Version":"5.0", // 5.0\n"Statement":[]}', 1, 18],
    ['garbage after the document', '{"Version":"5.0","Statement":[]}\n{}', 2, 0],
    ['unquoted key', '{Version:"5.0"}', 1, 1],
    ['bad escape', '{"Version":"5\\x0"}', 1, 13],
    ['raw newline in a string', '{"Version":"5.\n0"}', 1, 14],
    ['leading zero', '{"Version":05}', 1, 12],
    ['NaN', '{"Version":NaN}', 1, 11],
  ];
  it.each(cases)('%s', (_what, text, line, column) => {
    const r = validate(text);
    expect(r.valid).toBe(false);
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0] as Finding;
    expect(f).toMatchObject({ code: 'JSON_SYNTAX_ERROR', severity: 'error', path: '' });
    expect(f.span?.start).toMatchObject({ line, column });
    expect(f.span?.start.offset).toBe(
      text
        .split(/\r\n|\r|\n/)
        .slice(0, line - 1)
        .reduce((n, l) => n + l.length + 1, 0) + column,
    );
    expect(f.message).toContain(`line ${line}`);
    expect(f.message).toContain(`column ${column}`);
  });

  it('unexpected end of input points at the end', () => {
    const text = '{"Version":"5.0","Statement":[';
    const f = only(validate(text), 'JSON_SYNTAX_ERROR');
    expect(f.span?.start).toEqual({ line: 1, column: text.length, offset: text.length });
  });
});

describe('duplicate JSON keys', () => {
  it('are reported at the later key, and the rest of the document is still checked', () => {
    const text = '{\n "Version": "5.0",\n "Statement": [{\n   "Effect": "Deny",\n   "Action": ["ims:images:get"],\n   "Action": ["ims:images:dlete"]\n }]\n}';
    const r = validate(text);
    const dup = only(r, 'DUPLICATE_KEY');
    expect(dup).toMatchObject({ severity: 'error', path: '/Statement/0/Action' });
    expect(dup.span?.start).toMatchObject({ line: 6, column: 3 });
    expect(slice(text, dup.span)).toBe('"Action"');
    expect(dup.message).toContain('Action');
    // the later value is the one that counts
    expect(only(r, 'UNKNOWN_ACTION').path).toBe('/Statement/0/Action/0');
    expect(r.valid).toBe(false);
  });

  it('three occurrences give two findings; nested duplicates are found too', () => {
    const text = '{"Version":"5.0","Version":"5.0","Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:list"],"Condition":{"StringEquals":{"g:UserName":"a","g:UserName":"b"}}}]}';
    const r = validate(text);
    const dups = r.findings.filter((f) => f.code === 'DUPLICATE_KEY');
    expect(dups.map((f) => f.path).sort()).toEqual(['/Statement/0/Condition/StringEquals/g:UserName', '/Version', '/Version']);
  });
});

describe('__proto__ and other prototype names', () => {
  it('do not pollute prototypes and are reported as unknown elements', () => {
    const text =
      '{"Version":"5.0","__proto__":{"polluted":"top"},"Statement":[{"Effect":"Deny","Action":["ims:images:list"],"__proto__":{"polluted":"stmt"},"constructor":{"prototype":{"polluted":"ctor"}}}]}';
    const r = validate(text);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
    const unknown = r.findings.filter((f) => f.code === 'INVALID_POLICY_ELEMENT');
    expect(unknown.map((f) => f.path).sort()).toEqual(['/Statement/0/__proto__', '/Statement/0/constructor', '/__proto__']);
    for (const f of unknown) expect(slice(text, f.span)).toMatch(/^"(__proto__|constructor)"$/);
    expect(r.valid).toBe(false);
  });

  it('as operator, condition key, action or resource type they are simply unknown', () => {
    const docs: Array<[string, string]> = [
      ['INVALID_CONDITION_OPERATOR', '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:list"],"Condition":{"__proto__":{"g:UserName":"a"}}}]}'],
      ['INVALID_CONDITION_OPERATOR', '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:list"],"Condition":{"toString":{"g:UserName":"a"}}}]}'],
      ['UNKNOWN_CONDITION_KEY', '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:list"],"Condition":{"StringEquals":{"__proto__":"a"}}}]}'],
      ['UNKNOWN_CONDITION_KEY', '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:list"],"Condition":{"StringEquals":{"g:hasOwnProperty":"a"}}}]}'],
      ['UNKNOWN_ACTION', '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:constructor"]}]}'],
      ['UNKNOWN_ACTION', '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:__proto__:list"]}]}'],
      ['UNKNOWN_RESOURCE_TYPE', '{"Version":"5.0","Statement":[{"Effect":"Deny","Action":["ims:images:get"],"Resource":["ims:*:*:__proto__:x"]}]}'],
    ];
    for (const [code, text] of docs) {
      const r = validate(text);
      expect(
        r.findings.map((f) => f.code),
        text,
      ).toEqual([code]);
    }
    expect(({} as Record<string, unknown>)['g:UserName']).toBeUndefined();
  });
});

describe('hostile input returns findings quickly and never throws', () => {
  const timed = (input: string): { r: ValidateResponse; ms: number } => {
    const t0 = performance.now();
    const r = validate(input);
    return { r, ms: performance.now() - t0 };
  };

  it('10,000 nested arrays', () => {
    const { r, ms } = timed('['.repeat(10_000) + ']'.repeat(10_000));
    expect(r.valid).toBe(false);
    expect(r.findings.length).toBeGreaterThan(0);
    expect(r.findings[0]?.severity).toBe('error');
    expect(ms).toBeLessThan(1000);
  });

  it('10,000 nested arrays inside a statement, and 100,000 unclosed', () => {
    const deep = `{"Version":"5.0","Statement":[{"Effect":"Deny","Action":${'['.repeat(10_000)}${']'.repeat(10_000)}}]}`;
    const a = timed(deep);
    expect(a.r.valid).toBe(false);
    expect(a.ms).toBeLessThan(1000);
    const b = timed('['.repeat(100_000));
    expect(b.r.valid).toBe(false);
    expect(b.ms).toBeLessThan(1000);
  });

  it('10,000 nested objects', () => {
    const { r, ms } = timed('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000));
    expect(r.valid).toBe(false);
    expect(ms).toBeLessThan(1000);
  });

  it('deeply nested object input (not text)', () => {
    let v: unknown = 'ims:images:get';
    for (let i = 0; i < 10_000; i++) v = [v];
    const t0 = performance.now();
    const r = validate({ Version: '5.0', Statement: [{ Effect: 'Deny', Action: v }] } as unknown as PolicyDocument);
    expect(r.valid).toBe(false);
    expect(r.findings.some((f) => f.code === 'DATA_TYPE_MISMATCH' && f.path === '/Statement/0/Action/0')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a 1 MB string in a Sid, an Action and as the whole document', () => {
    const big = 'x'.repeat(1 << 20);
    for (const text of [
      JSON.stringify({ Version: '5.0', Statement: [{ Sid: big, Effect: 'Deny', Action: ['ims:images:list'] }] }),
      JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Deny', Action: [`ims:images:${big}`] }] }),
      JSON.stringify({ Version: '5.0', Statement: [{ Effect: 'Deny', Action: ['ims:images:list'], Condition: { StringEquals: { 'g:UserName': big } } }] }),
      JSON.stringify(big),
      `"${big}`,
    ]) {
      const { r, ms } = timed(text);
      expect(r.valid).toBe(false);
      expect(ms).toBeLessThan(2000);
    }
  });

  it('a 1 MB string is reported as too large, with its size', () => {
    const text = JSON.stringify({ Version: '5.0', Statement: [{ Sid: 'x'.repeat(1 << 20), Effect: 'Deny', Action: ['ims:images:list'] }] });
    const f = only(validate(text), 'POLICY_SIZE_EXCEEDED');
    expect(f.message).toContain(String(text.length));
  });

  it('many statements of many actions (within size limits is irrelevant) finish quickly', () => {
    const stmt = { Effect: 'Deny', Action: Array.from({ length: 500 }, (_, i) => (i % 2 ? 'ims:images:*' : `ims:images:get${i}*`)) };
    const text = JSON.stringify({ Version: '5.0', Statement: Array.from({ length: 5 }, () => stmt) });
    const { r, ms } = timed(text);
    expect(r.valid).toBe(false);
    expect(ms).toBeLessThan(3000);
  });
});
