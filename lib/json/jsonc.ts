/**
 * JSON with comments (JSONC), as the CLI reads its inputs (docs/cli.md, "Inputs"): `//` line comments,
 * `/* ... *\/` block comments and trailing commas (before `}` or `]`) become spaces. The text keeps its
 * length, its line breaks and so every line and column: a span the validator or the JSON reader reports in
 * the result is a span of the text as the user wrote it. Text that is plain JSON comes back unchanged.
 *
 * One linear pass: strings are skipped with their escapes, comments are blanked where they are, and a comma
 * is blanked when the next character that is neither whitespace nor comment closes an object or an array.
 * An unterminated block comment is left as written, so the JSON reader reports an error where it starts.
 */
export function blankJsonComments(text: string): string {
  const n = text.length;
  /** [start, end) ranges to blank, in order. */
  let ranges: number[] | null = null;
  let pendingComma = -1;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      pendingComma = -1;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === 0x2f /* / */ && i + 1 < n) {
      const d = text.charCodeAt(i + 1);
      if (d === 0x2f) {
        let end = i + 2;
        while (end < n && text.charCodeAt(end) !== 0x0a && text.charCodeAt(end) !== 0x0d) end++;
        (ranges ??= []).push(i, end);
        i = end;
        continue;
      }
      if (d === 0x2a /* * */) {
        const close = text.indexOf('*/', i + 2);
        if (close === -1) break;
        (ranges ??= []).push(i, close + 2);
        i = close + 2;
        continue;
      }
    }
    if (c === 0x2c /* , */) pendingComma = i;
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (pendingComma !== -1) (ranges ??= []).push(pendingComma, pendingComma + 1);
      pendingComma = -1;
    } else if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) pendingComma = -1;
    i++;
  }
  if (!ranges) return text;
  // Commas are recorded when their closer is seen, after comments between them: put the ranges in order.
  const order = Array.from({ length: ranges.length / 2 }, (_, k) => k).sort((a, b) => (ranges[2 * a] as number) - (ranges[2 * b] as number));
  let out = '';
  let at = 0;
  for (const k of order) {
    const start = ranges[2 * k] as number;
    const end = ranges[2 * k + 1] as number;
    out += text.slice(at, start) + text.slice(start, end).replace(/[^\r\n]/g, ' ');
    at = end;
  }
  return out + text.slice(at);
}
