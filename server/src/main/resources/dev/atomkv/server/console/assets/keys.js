// Tuple keys as Deno writes them: ["users", 42n, 1.5, true, new Uint8Array([1, 2])], and the
// console API's JSON form of them: [{"string":"users"}, {"int":"42"}, ...].

/** One key part in Deno's notation. */
export function formatPart(part) {
  if ('string' in part) return JSON.stringify(part.string);
  if ('int' in part) return `${part.int}n`;
  if ('number' in part) {
    const n = part.number;
    if (typeof n === 'string') return n; // NaN, Infinity, -Infinity
    return Object.is(n, -0) ? '-0' : String(n);
  }
  if ('boolean' in part) return String(part.boolean);
  if ('bytes' in part) {
    const bytes = part.bytes.match(/../g) || [];
    return `new Uint8Array([${bytes.map((b) => parseInt(b, 16)).join(', ')}])`;
  }
  return '?';
}

/** A whole key in Deno's notation. */
export function formatKey(parts) {
  return `[${parts.map(formatPart).join(', ')}]`;
}

/** Whether two parts are the same key part. */
export function samePart(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Reads a key typed in Deno's notation. Throws an Error naming the position of the first thing
 * it cannot read.
 */
export function parseKey(text) {
  const p = new Parser(text.trim());
  const parts = p.key();
  p.space();
  if (!p.done()) p.fail('unexpected text after the key');
  return parts;
}

class Parser {
  constructor(text) {
    this.text = text;
    this.at = 0;
  }

  done() {
    return this.at >= this.text.length;
  }

  fail(what) {
    throw new Error(`${what} at character ${this.at + 1}`);
  }

  space() {
    while (!this.done() && /\s/.test(this.text[this.at])) this.at++;
  }

  eat(token) {
    this.space();
    if (this.text.startsWith(token, this.at)) {
      this.at += token.length;
      return true;
    }
    return false;
  }

  expect(token) {
    if (!this.eat(token)) this.fail(`expected ${token}`);
  }

  key() {
    this.expect('[');
    const parts = [];
    if (this.eat(']')) return parts;
    do {
      parts.push(this.part());
    } while (this.eat(','));
    this.expect(']');
    return parts;
  }

  part() {
    this.space();
    const rest = this.text.slice(this.at);
    if (rest.startsWith('"')) return { string: this.string() };
    for (const word of ['true', 'false']) {
      if (rest.startsWith(word)) {
        this.at += word.length;
        return { boolean: word === 'true' };
      }
    }
    for (const word of ['NaN', 'Infinity', '-Infinity']) {
      if (rest.startsWith(word)) {
        this.at += word.length;
        return { number: word };
      }
    }
    if (rest.startsWith('new Uint8Array(')) return { bytes: this.bytes() };
    const m = /^-?(0|[1-9][0-9]*)(n|(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(rest);
    if (!m || m[0] === '' || m[0] === '-') this.fail('expected a string, number, bigint (42n), '
        + 'boolean or new Uint8Array([...])');
    this.at += m[0].length;
    if (m[2] === 'n') return { int: m[0].slice(0, -1) };
    return { number: Number(m[0]) };
  }

  string() {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/
        .exec(this.text.slice(this.at));
    if (!m) this.fail('unterminated or malformed string');
    this.at += m[0].length;
    return JSON.parse(m[0]);
  }

  bytes() {
    this.at += 'new Uint8Array('.length;
    this.expect('[');
    const out = [];
    if (!this.eat(']')) {
      do {
        this.space();
        const m = /^[0-9]{1,3}/.exec(this.text.slice(this.at));
        if (!m || Number(m[0]) > 255) this.fail('expected a byte (0 to 255)');
        this.at += m[0].length;
        out.push(Number(m[0]).toString(16).padStart(2, '0'));
      } while (this.eat(','));
      this.expect(']');
    }
    this.expect(')');
    return out.join('');
  }
}
