import assert from "node:assert/strict";
import { translatePythonRegex } from "../../eql/python_regex.ts";

Deno.test("translatePythonRegex: anchors at the start only, DOTALL and UNICODE", () => {
  assert.deepEqual(translatePythonRegex("ab", false), { source: "^(?:ab)", flags: "su" });
  assert.deepEqual(translatePythonRegex("ab", true), { source: "^(?:ab)", flags: "sui" });
});

Deno.test("translatePythonRegex: Python-specific syntax behaves like Python", () => {
  const test = (pattern: string, subject: string) => {
    const t = translatePythonRegex(pattern, false);
    assert.ok(!("error" in t), pattern);
    return new RegExp(t.source, t.flags).test(subject);
  };
  assert.equal(test("(?P<x>ab)(?P=x)", "abab"), true);
  assert.equal(test("(a)\\1", "aa"), true);
  assert.equal(test("a{,2}b", "aab"), true);
  assert.equal(test("a{,2}b$", "aaab"), false);
  assert.equal(test("a{b", "a{b"), true);
  assert.equal(test("x}", "x}"), true);
  assert.equal(test("]", "]"), true);
  assert.equal(test("[]a]+", "]a]"), true);
  assert.equal(test("\\Aab\\Z", "ab"), true);
  assert.equal(test("ab\\Z", "ab\n"), false);
  assert.equal(test("ab$", "ab\n"), true);
  assert.equal(test("(?i)ABC", "abc"), true);
  assert.equal(test("a(?i:B)c", "abc"), true);
  assert.equal(test("a(?i:B)c", "abC"), false);
  assert.equal(test("(?m)^b$", "a\nb\nc"), false); // re.match anchors at 0
  assert.equal(test("(?m)a$\\n^b", "a\nb"), true);
  assert.equal(test("a(?#comment)b", "ab"), true);
  assert.equal(test("\\x41\\u0042\\U00000043\\101", "ABCA"), true);
  assert.equal(test("\\0", "\0"), true);
  assert.equal(test("[\\d]+", "١٢٣"), true);
  assert.equal(test("\\w+$", "naïve_1"), true);
  assert.equal(test("\\s", "\x1c"), true);
  assert.equal(test("[^\\W]", "-"), false);
  assert.equal(test("[\\W\\d]+", "-1"), true);
  assert.equal(test("\\bfoo\\b", "foo bar"), true);
  assert.equal(test("é\\b", "éa"), false);
  assert.equal(test("a\\-b\\/c\\ d", "a-b/c d"), true);
  assert.equal(test("[\\b]", "\b"), true);
  assert.equal(test("(?<=a)b|ab", "ab"), true);
  assert.equal(test("a*?b", "aab"), true);
  assert.equal(test("[a-c-]+", "a-c"), true);
});

Deno.test("translatePythonRegex: errors are located", () => {
  const err = (pattern: string) => {
    const t = translatePythonRegex(pattern, true);
    assert.ok("error" in t, `${pattern} should fail`);
    return t;
  };
  assert.deepEqual(err("a)"), { error: "unbalanced parenthesis", offset: 1 });
  assert.deepEqual(err("x(a"), { error: "missing ), unterminated subpattern", offset: 1 });
  assert.deepEqual(err("*a"), { error: "nothing to repeat", offset: 0 });
  assert.deepEqual(err("a|+"), { error: "nothing to repeat", offset: 2 });
  assert.deepEqual(err("^*"), { error: "nothing to repeat", offset: 1 });
  assert.deepEqual(err("a**"), { error: "multiple repeat", offset: 2 });
  assert.deepEqual(err("ab[c"), { error: "unterminated character set", offset: 2 });
  assert.deepEqual(err("a\\q"), { error: "bad escape \\q", offset: 1 });
  assert.deepEqual(err("[z-a]"), { error: "bad character range", offset: 1 });
  assert.deepEqual(err("[\\d-z]"), { error: "bad character range", offset: 1 });
  assert.deepEqual(err("a{3,2}"), { error: "min repeat greater than max repeat", offset: 1 });
  assert.deepEqual(err("(a)\\2"), { error: "invalid group reference 2", offset: 3 });
  assert.deepEqual(err("(a\\1)"), { error: "cannot refer to an open group", offset: 2 });
  assert.deepEqual(err("\\x4"), { error: "incomplete escape", offset: 0 });
  assert.deepEqual(err("a\\"), { error: "bad escape (end of pattern)", offset: 1 });
  assert.match(err("(?x)a b").error, /verbose/);
  assert.match(err("(?>a)").error, /unknown extension/);
  assert.match(err("a++").error, /possessive/);
  assert.match(err("\\N{DIGIT ONE}").error, /not supported/);
});
