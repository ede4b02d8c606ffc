import assert from "node:assert/strict";
import {
  compileWildcard,
  hasWildcard,
  LEGACY_WILDCARD,
  wildcardError,
} from "../../eql/wildcard.ts";

/** Asserts which subjects a pattern accepts and rejects. */
function check(
  pattern: string,
  yes: string[],
  no: string[],
  caseInsensitive = false,
  options = undefined as Parameters<typeof compileWildcard>[2],
) {
  const m = compileWildcard(pattern, caseInsensitive, options);
  for (const s of yes) assert.equal(m(s), true, `${pattern} should match ${JSON.stringify(s)}`);
  for (const s of no) assert.equal(m(s), false, `${pattern} should not match ${JSON.stringify(s)}`);
}

/** Wildcards with backslash escapes, as a caller may ask for explicitly. */
const ESCAPING = { question: true, escapes: true } as const;

Deno.test("hasWildcard finds unescaped * and ? only", () => {
  assert.equal(hasWildcard("cmd.exe"), false);
  assert.equal(hasWildcard("cmd*"), true);
  assert.equal(hasWildcard("cmd?.exe"), true);
  assert.equal(hasWildcard("a\\*b", ESCAPING), false);
  assert.equal(hasWildcard("a\\?b", ESCAPING), false);
  assert.equal(hasWildcard("a\\\\*", ESCAPING), true); // escaped backslash, then a real star
  assert.equal(hasWildcard("a\\*b"), true); // elastic: the backslash is an ordinary character
  assert.equal(hasWildcard(""), false);
  assert.equal(hasWildcard("what?", LEGACY_WILDCARD), false);
  assert.equal(hasWildcard("a\\*b", LEGACY_WILDCARD), true); // no escapes in legacy
});

Deno.test("no wildcard: exact equality", () => {
  check("cmd.exe", ["cmd.exe"], ["cmd.exe ", "xcmd.exe", "CMD.EXE", "cmdxexe", ""]);
  check("", [""], ["a"]);
});

Deno.test("prefix, suffix and contains fast paths", () => {
  check("cmd*", ["cmd", "cmd.exe", "cmdline"], ["cm", "xcmd", ""]);
  check("*.exe", [".exe", "a.exe"], ["a.exe.bak", "exe", "a.EXE"]);
  check("*temp*", ["temp", "/tmp/temp/x", "attempt"], ["tmp", "te mp"]);
});

Deno.test("prefix plus suffix requires non-overlapping ends", () => {
  check("ab*ba", ["abba", "abxba", "ab-ba"], ["aba", "abab", "xabba"]);
  check("a*a", ["aa", "aba"], ["a", "ab"]);
});

Deno.test("several stars scan the literal pieces left to right", () => {
  check("a*b*c", ["abc", "aXbYc", "abbc", "acbc"], ["acb", "ab", "bc"]);
  check("*ab*ab*", ["abab", "xxabyyabzz"], ["aba", "ab"]);
  check("/usr/*/bin/*sh", ["/usr/local/bin/bash", "/usr/x/bin/sh"], ["/usr/bin/bash"]);
  check("a*aa", ["aaa", "abaa"], ["aa", "aab"]);
  check("*a*b", ["ab", "xaxb"], ["ba", "abx"]);
});

Deno.test("runs of stars collapse and a lone star matches everything", () => {
  check("*", ["", "anything", "line\nbreak"], []);
  check("***", ["", "x"], []);
  check("a**b", ["ab", "axxb"], ["a", "ba"]);
});

Deno.test("star crosses newlines", () => {
  check("a*b", ["a\nb", "a\r\nb"], []);
});

Deno.test("question mark matches exactly one character (general path)", () => {
  check("cmd?.exe", ["cmd1.exe", "cmdX.exe"], ["cmd.exe", "cmd12.exe"]);
  check("?", ["a", "\n", "😀"], ["", "ab"]);
  check("a?*", ["ab", "abc"], ["a"]);
  check("*?", ["x", "xyz"], [""]);
});

Deno.test("regex metacharacters in the literal text stay literal", () => {
  check("a.b?", ["a.bc"], ["axbc"]);
  check("(x)[y]{2}+?", ["(x)[y]{2}+!"], ["xyy+!"]);
  check("^$|/\\\\?", ["^$|/\\!"], [], false, ESCAPING);
});

Deno.test("escaped wildcards are literal characters", () => {
  check("a\\*b", ["a*b"], ["axb", "ab"], false, ESCAPING);
  check("a\\?b", ["a?b"], ["axb"], false, ESCAPING);
  check("a\\\\b", ["a\\b"], ["a\\\\b", "ab"], false, ESCAPING);
  check("*\\**", ["x*y", "*"], ["xy"], false, ESCAPING);
  check("a\\\\*", ["a\\", "a\\xyz"], ["a", "ax"], false, ESCAPING);
  // A trailing backslash is literal (Lucene).
  check("a\\", ["a\\"], ["a"], false, ESCAPING);
});

Deno.test("elastic: a backslash is an ordinary character, so Windows paths match", () => {
  check("C:\\Windows\\*", ["C:\\Windows\\system32"], ["C:Windows\\x", "C:\\Win"], true);
  check("a\\?", ["a\\x"], ["a?", "ax"]);
});

Deno.test("legacy options: only * is special", () => {
  check("a?c", ["a?c"], ["abc"], false, LEGACY_WILDCARD);
  check("C:\\temp\\*", ["C:\\temp\\x.exe"], ["C:temp*"], false, LEGACY_WILDCARD);
  check("a\\*", ["a\\", "a\\bc"], ["a*"], false, LEGACY_WILDCARD);
});

Deno.test("case-insensitive matching folds both sides with toLowerCase", () => {
  check("CMD.EXE", ["cmd.exe", "Cmd.Exe"], ["cmd.ex"], true);
  check("*\\SYSTEM32\\*", ["c:\\windows\\system32\\cmd.exe"], [], true, LEGACY_WILDCARD);
  check("powershell*", ["PowerShell.exe"], ["pwsh.exe"], true);
  check("*.Exe", ["A.EXE"], [], true);
  check("é?", ["ÉX", "éx"], ["e"], true);
  // Simple lower-casing, not full case folding: ß does not fold to "ss".
  check("straße*", ["STRAßE!"], ["STRASSE"], true);
  check("ÀB*", ["àbc"], ["abc"], true);
});

Deno.test("case-sensitive matching keeps case", () => {
  check("Cmd*", ["Cmd.exe"], ["cmd.exe"]);
  check("cmd?", ["cmdX"], ["CMDX"]);
});

Deno.test("unicode subjects", () => {
  check("*😀*", ["a😀b"], ["ab"]);
  check("日本*", ["日本語"], ["本日"]);
});

Deno.test("wildcardError rejects escapes other than \\*, \\? and \\\\", () => {
  assert.equal(wildcardError("plain*", ESCAPING), null);
  assert.equal(wildcardError("a\\*b\\?c\\\\d", ESCAPING), null);
  assert.deepEqual(wildcardError("a\\b", ESCAPING)?.offset, 1);
  assert.match(wildcardError("a\\b", ESCAPING)!.error, /invalid escape/);
  assert.deepEqual(wildcardError("ab\\", ESCAPING)?.offset, 2);
  assert.match(wildcardError("ab\\", ESCAPING)!.error, /lone backslash/);
  assert.equal(wildcardError("C:\\Program Files\\*"), null);
  assert.equal(wildcardError("C:\\temp", LEGACY_WILDCARD), null);
});
