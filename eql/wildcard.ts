/**
 * Wildcard patterns for EQL string matching.
 *
 * The two dialects differ:
 * - `elastic` (`:`, `like`, `like~`): `*` matches any run of characters, `?`
 *   exactly one character, and a backslash escapes the next character; the
 *   reference only allows `\*`, `\?` and `\\`, so any other escape is reported
 *   by {@link wildcardError}.
 * - `legacy` (`==` with a `*`, and `wildcard()`): only `*` is special; `?` and
 *   `\` are ordinary characters.
 *
 * A pattern is compiled once into the cheapest matcher that fits it: string
 * equality, `startsWith`, `endsWith`, `includes`, prefix plus suffix, a
 * linear scan over the literal pieces for other `*`-only patterns, and an
 * anchored RegExp only when `?` occurs. Case-insensitive matching folds both
 * the pattern and the subject with `String.prototype.toLowerCase()`.
 *
 * @module
 */

/** Which characters a wildcard pattern treats as special. */
export interface WildcardOptions {
  /** `?` matches exactly one character (a Unicode code point). */
  question: boolean;
  /** A backslash makes the next character literal. */
  escapes: boolean;
}

/**
 * Elasticsearch EQL wildcards: `*` and `?`. A backslash is an ordinary
 * character, because public rules match Windows paths as `"C:\\Windows\\*"`.
 */
export const ELASTIC_WILDCARD: Readonly<WildcardOptions> = Object.freeze({
  question: true,
  escapes: false,
});

/** Endgame EQL wildcards: only `*` is special. */
export const LEGACY_WILDCARD: Readonly<WildcardOptions> = Object.freeze({
  question: false,
  escapes: false,
});

/** A compiled wildcard matcher. */
export type StringMatcher = (s: string) => boolean;

type Token = { kind: "lit"; text: string } | { kind: "star" } | { kind: "one" };

/** Splits a pattern into literal runs and wildcard tokens; `**` collapses to `*`. */
function tokenize(pattern: string, options: Readonly<WildcardOptions>): Token[] {
  const tokens: Token[] = [];
  let lit = "";
  const flush = () => {
    if (lit !== "") tokens.push({ kind: "lit", text: lit });
    lit = "";
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\" && options.escapes) {
      // Lucene semantics: an escape makes any next character literal, and a
      // trailing backslash is itself literal.
      if (i + 1 < pattern.length) {
        const cp = pattern.codePointAt(i + 1)!;
        const ch = String.fromCodePoint(cp);
        lit += ch;
        i += ch.length;
      } else {
        lit += "\\";
      }
    } else if (c === "*") {
      flush();
      if (tokens.length === 0 || tokens[tokens.length - 1].kind !== "star") {
        tokens.push({ kind: "star" });
      }
    } else if (c === "?" && options.question) {
      flush();
      tokens.push({ kind: "one" });
    } else {
      lit += c;
    }
  }
  flush();
  return tokens;
}

/**
 * Whether `pattern` contains an unescaped wildcard, i.e. whether it matches
 * anything other than itself.
 *
 * @example
 * ```ts
 * hasWildcard("cmd*.exe");                   // true
 * hasWildcard("a\\*b");                      // false: the star is escaped
 * hasWildcard("what?", LEGACY_WILDCARD);     // false: legacy has no `?`
 * ```
 */
export function hasWildcard(
  pattern: string,
  options: Readonly<WildcardOptions> = ELASTIC_WILDCARD,
): boolean {
  return tokenize(pattern, options).some((t) => t.kind !== "lit");
}

/**
 * Reports an escape the Elasticsearch reference rejects: a backslash must be
 * followed by `*`, `?` or another backslash. Returns null when the pattern is
 * valid (always, when escapes are off). `offset` is the backslash's index.
 *
 * @example
 * ```ts
 * wildcardError("a\\*");  // null
 * wildcardError("a\\b");  // { error: "...", offset: 1 }
 * ```
 */
export function wildcardError(
  pattern: string,
  options: Readonly<WildcardOptions> = ELASTIC_WILDCARD,
): { error: string; offset: number } | null {
  if (!options.escapes) return null;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== "\\") continue;
    const next = pattern[i + 1];
    if (next === "*" || next === "\\" || (next === "?" && options.question)) {
      i++;
      continue;
    }
    return {
      error: next === undefined
        ? "wildcard pattern ends with a lone backslash"
        : `invalid escape '\\${next}' in wildcard pattern: only \\*, \\? and \\\\ are allowed`,
      offset: i,
    };
  }
  return null;
}

/** Escapes RegExp syntax characters (valid identity escapes under the `u` flag). */
function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** Matches `*`-only patterns with two or more stars between literal pieces. */
function pieceScanner(head: string, middle: string[], tail: string): StringMatcher {
  const minLength = head.length + tail.length + middle.reduce((n, m) => n + m.length, 0);
  return (s) => {
    if (s.length < minLength || !s.startsWith(head) || !s.endsWith(tail)) return false;
    // Leftmost placement of each middle piece is optimal for `*`-only patterns.
    let pos = head.length;
    const end = s.length - tail.length;
    for (const piece of middle) {
      const at = s.indexOf(piece, pos);
      if (at === -1 || at + piece.length > end) return false;
      pos = at + piece.length;
    }
    return true;
  };
}

function compileTokens(tokens: Token[]): StringMatcher {
  if (tokens.length === 0) return (s) => s === "";
  if (tokens.some((t) => t.kind === "one")) {
    const body = tokens.map((t) =>
      t.kind === "lit" ? escapeRegExp(t.text) : t.kind === "star" ? "[^]*" : "[^]"
    ).join("");
    // `u` so that `?` (`[^]`) consumes a whole code point, like Lucene's automaton.
    const re = new RegExp(`^${body}$`, "u");
    return (s) => re.test(s);
  }
  const pieces: string[] = [];
  let leadingStar = false;
  let trailingStar = false;
  tokens.forEach((t, i) => {
    if (t.kind === "lit") pieces.push(t.text);
    else if (i === 0) leadingStar = true;
    else if (i === tokens.length - 1) trailingStar = true;
  });
  if (pieces.length === 0) return () => true;
  if (pieces.length === 1) {
    const p = pieces[0];
    if (!leadingStar && !trailingStar) return (s) => s === p;
    if (!leadingStar) return (s) => s.startsWith(p);
    if (!trailingStar) return (s) => s.endsWith(p);
    return (s) => s.includes(p);
  }
  const head = leadingStar ? "" : pieces[0];
  const tail = trailingStar ? "" : pieces[pieces.length - 1];
  const middle = pieces.slice(leadingStar ? 0 : 1, trailingStar ? pieces.length : -1);
  if (middle.length === 0) {
    const min = head.length + tail.length;
    return (s) => s.length >= min && s.startsWith(head) && s.endsWith(tail);
  }
  return pieceScanner(head, middle, tail);
}

/**
 * Compiles a wildcard pattern into a matcher for whole strings.
 *
 * With `caseInsensitive`, the pattern's literal text is lower-cased once and
 * every subject is lower-cased with `toLowerCase()` before matching.
 * Invalid escapes (see {@link wildcardError}) are matched leniently, the
 * escaped character standing for itself.
 *
 * @example
 * ```ts
 * const isShell = compileWildcard("/usr/bin/*sh", false);
 * isShell("/usr/bin/bash"); // true
 * compileWildcard("CMD.EXE", true)("cmd.exe"); // true
 * compileWildcard("a?c", false, LEGACY_WILDCARD)("abc"); // false: `?` is literal
 * ```
 */
export function compileWildcard(
  pattern: string,
  caseInsensitive: boolean,
  options: Readonly<WildcardOptions> = ELASTIC_WILDCARD,
): StringMatcher {
  let tokens = tokenize(pattern, options);
  if (!caseInsensitive) return compileTokens(tokens);
  tokens = tokens.map((t) => t.kind === "lit" ? { kind: "lit", text: t.text.toLowerCase() } : t);
  const match = compileTokens(tokens);
  return (s) => match(s.toLowerCase());
}
