/**
 * The value of a string literal as Go's `strconv.Unquote` reads it, which is how PromQL and LogQL read their
 * strings: `"..."` and `'...'` with Go's escapes, `` `...` `` raw. Returns undefined for a malformed literal (the
 * query parser reports those).
 */
export function unquoteGoString(literal: string): string | undefined {
  if (literal.length < 2) return undefined;
  const quote = literal[0];
  if (literal[literal.length - 1] !== quote) return undefined;
  const body = literal.slice(1, -1);
  if (quote === '`') return body.includes('`') ? undefined : body.replace(/\r/g, '');
  if (quote !== '"' && quote !== "'") return undefined;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
    };
    if (e in simple) {
      out += simple[e];
    } else if (e === quote) {
      out += e;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return undefined;
      const code = parseInt(hex, 16);
      if (e === 'x') {
        // A byte: part of a UTF-8 sequence the caller cannot see; keep ASCII exact, the rest as U+FFFD.
        out += code < 0x80 ? String.fromCharCode(code) : '\ufffd';
      } else {
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
        out += String.fromCodePoint(code);
      }
      i += n;
    } else if (e !== undefined && e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const code = parseInt(oct, 8);
      if (code > 255) return undefined;
      out += code < 0x80 ? String.fromCharCode(code) : '\ufffd';
      i += 2;
    } else {
      return undefined;
    }
  }
  return out;
}
