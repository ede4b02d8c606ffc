import assert from "node:assert/strict";
import {
  compileLuceneRegex,
  LuceneRegexError,
  translateLuceneRegex,
} from "../../eql/lucene_regex.ts";

/** Asserts which whole strings a Lucene pattern accepts and rejects. */
function check(pattern: string, yes: string[], no: string[], caseInsensitive = false) {
  const re = compileLuceneRegex(pattern, caseInsensitive);
  for (const s of yes) {
    assert.equal(re.test(s), true, `${pattern} should match ${JSON.stringify(s)}`);
  }
  for (const s of no) {
    assert.equal(re.test(s), false, `${pattern} should not match ${JSON.stringify(s)}`);
  }
}

/** Asserts a translation error and where it points. */
function fails(pattern: string, offset: number, message: RegExp) {
  const r = translateLuceneRegex(pattern);
  assert.ok("error" in r, `${pattern} should fail`);
  assert.equal(r.offset, offset, `${pattern}: offset`);
  assert.match(r.error, message);
}

Deno.test("translation is anchored and wrapped", () => {
  assert.deepEqual(translateLuceneRegex("abc"), { source: "^(?:abc)$" });
  assert.deepEqual(translateLuceneRegex(""), { source: "^(?:)$" });
  assert.deepEqual(translateLuceneRegex("a|b"), { source: "^(?:(?:a|b))$" });
});

Deno.test("patterns match the whole string", () => {
  check("ab", ["ab"], ["xab", "abx", "a", ""]);
  check("", [""], ["a"]);
});

Deno.test("dot is any single code point, newline included", () => {
  check("a.c", ["abc", "a\nc", "a😀c"], ["ac", "abbc"]);
});

Deno.test("repetition operators", () => {
  check("ab?c", ["ac", "abc"], ["abbc"]);
  check("ab+c", ["abc", "abbbc"], ["ac"]);
  check("ab*c", ["ac", "abbbc"], ["adc"]);
  check("a{3}", ["aaa"], ["aa", "aaaa"]);
  check("a{2,}", ["aa", "aaaaa"], ["a"]);
  check("a{1,2}", ["a", "aa"], ["", "aaa"]);
  check("(ab){2}", ["abab"], ["ab"]);
  // Stacked operators apply to the repeated expression, as in Lucene.
  check("a{2}{2}", ["aaaa"], ["aa", "aaa"]);
  check("a*?", ["", "aaa"], ["b"]);
  // min > max is the empty language.
  check("a{3,2}", [], ["aa", "aaa", ""]);
});

Deno.test("alternation and grouping", () => {
  check("cmd|powershell", ["cmd", "powershell"], ["cmdpowershell", "cm"]);
  check("(a|b)c", ["ac", "bc"], ["c", "abc"]);
  check("a()b", ["ab"], ["a b"]);
});

Deno.test("character classes", () => {
  check("[a-c]x", ["ax", "cx"], ["dx", "Ax"]);
  check("[^a-c]", ["d", "A", "\n", "😀"], ["a", ""]);
  check("[abc0-9]+", ["a1b2"], ["d"]);
  // A leading `]` is literal, and Lucene treats `[`, `.` and `(` as literal inside classes.
  check("[]a]", ["]", "a"], ["b"]);
  check("[[.(]", ["[", ".", "("], ["x"]);
  // `-]` starts a range ending at `]`, which sorts before `a`: an error in Lucene.
  fails("[a-]", 1, /invalid character range/);
  check("[-a]", ["-", "a"], ["b"]);
});

Deno.test("predefined classes are Lucene's ASCII ones", () => {
  check("\\d+", ["0123456789"], ["٣", "a"]);
  check("\\D", ["a", "٣"], ["5"]);
  check("\\s", [" ", "\t", "\n", "\r"], ["\f", "\u00a0", "x"]);
  check("\\S", ["x", "\f"], [" "]);
  check("\\w+", ["az_AZ09"], ["é", "-"]);
  check("\\W", ["-", "é"], ["a", "_"]);
  check("[\\d_]+", ["1_2"], ["a"]);
  check("[^\\W]", ["a", "_"], ["-"]);
  check("[\\Wz]", ["-", "z"], ["a"]);
});

Deno.test("escapes make any other character literal", () => {
  check("a\\.b", ["a.b"], ["axb"]);
  check("\\\\", ["\\"], [""]);
  check('\\*\\+\\?\\|\\(\\)\\{\\}\\[\\]\\"\\#\\@\\&\\~\\<\\>', ['*+?|(){}[]"#@&~<>'], []);
  check("\\1", ["1"], [""]);
  check("[\\]]", ["]"], ["\\"]);
});

Deno.test("backslash before letters other than the class letters is an error", () => {
  fails("ab\\n", 2, /invalid escape '\\n'/);
  fails("\\t", 0, /invalid escape/);
  fails("[a\\b]", 2, /invalid escape/);
});

Deno.test("characters special to JS but not to Lucene are literal", () => {
  check("^a$", ["^a$"], ["a"]);
  check("a}b", ["a}b"], []);
  check("a]b", ["a]b"], []);
  check("a/b", ["a/b"], []);
  check("a>b", ["a>b"], []);
});

Deno.test("a leading operator character is literal, like Lucene", () => {
  check("*a", ["*a"], ["a"]);
  check("+", ["+"], [""]);
  check("|a", ["|a"], ["a"]);
  check("(|a)", ["|a"], ["a"]);
});

Deno.test("double-quoted strings are literal", () => {
  check('"a.b*"', ["a.b*"], ["axbb"]);
  check('x"(y)"+', ["x(y)(y)"], ["xy"]);
  check('""', [""], ["a"]);
});

Deno.test("optional operators: empty language and any string", () => {
  check("#", [], ["", "#"]);
  check("a|#", ["a"], [""]);
  check("@", ["", "anything\nat all"], []);
  check("ab@", ["ab", "abc"], ["a"]);
});

Deno.test("numeric intervals", () => {
  check("<1-100>", ["1", "9", "10", "99", "100", "007", "0100"], ["0", "101", "", "1a", "200"]);
  check("<0-5>", ["0", "5"], ["6", "00"]); // equal width: fixed, no extra zeros
  check("<01-12>", ["01", "09", "10", "12"], ["1", "13", "00", "012"]);
  check("<5-1>", ["1", "3", "5"], ["0", "6"]); // bounds are swapped
  check("port<8000-8080>", ["port8000", "port8080", "port8042"], ["port7999", "port8081"]);
  check("<95-205>", ["95", "99", "100", "199", "200", "205"], ["94", "206", "94"]);
});

Deno.test("complement and intersection at the end of a pattern", () => {
  check("~(foo)", ["", "fo", "fooo", "bar"], ["foo"]);
  check("a~(b)", ["a", "ac", "abb"], ["ab", "b"]);
  check("~~(x)", ["x"], ["y"]);
  check("x|~(y)", ["x", "z", ""], ["y"]);
  check("[a-z]+&~(abc)", ["ab", "abcd"], ["abc", "AB"]);
  check("a.*&.*b", ["ab", "axb"], ["a", "ba"]);
  check("(ab&a.)", ["ab"], ["ac"]);
});

Deno.test("complement and intersection elsewhere are located errors", () => {
  fails("~(a)b", 0, /complement '~'/);
  fails("x(~a)*", 2, /complement '~'/);
  fails("(a&b)c", 2, /intersection '&'/);
});

Deno.test("named automata are not supported", () => {
  fails("a<name>", 1, /named automaton <name>/);
});

Deno.test("invalid patterns give an error and an offset", () => {
  fails("(ab", 0, /'\(' is never closed/);
  fails("a(b(c)", 1, /never closed/);
  fails("ab)", 2, /unexpected '\)'/);
  fails("[ab", 0, /expected '\]'/);
  fails('a"bc', 1, /unterminated quoted string/);
  fails("a{x}", 2, /expected a number/);
  fails("a{2", 3, /expected '\}'/);
  fails("a{2,3x", 5, /expected '\}'/);
  fails("a|", 2, /unexpected end/);
  fails("ab\\", 3, /unexpected end/);
  fails("[z-a]", 1, /invalid character range/);
  fails("a<1-2", 1, /expected '>'/);
  fails("<1-x>", 0, /invalid numeric interval/);
  fails("a{99999999999}", 2, /out of range/);
});

Deno.test("deep nesting is an error, not a stack overflow", () => {
  const deep = "(".repeat(5000) + "a" + ")".repeat(5000);
  const r = translateLuceneRegex(deep);
  assert.ok("error" in r);
  assert.match(r.error, /nested too deeply/);
  const tildes = translateLuceneRegex("~".repeat(5000) + "a");
  assert.ok("error" in tildes);
});

Deno.test("case-insensitive folds literal characters, not classes", () => {
  check("abc", ["ABC", "aBc"], ["abd"], true);
  check('"Cmd.EXE"', ["cmd.exe"], [], true);
  check("é+", ["ÉéÉ"], [], true);
  check("[a-c]+", ["abc"], ["ABC"], true);
  check("\\w", ["A"], [], true);
  check("abc", [], ["ABC"], false);
});

Deno.test("compileLuceneRegex throws a located error", () => {
  assert.throws(
    () => compileLuceneRegex("x)", false),
    (e: unknown) => e instanceof LuceneRegexError && e.offset === 1,
  );
});
