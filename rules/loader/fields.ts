/**
 * Typed reads of map entries with located errors that name the key.
 *
 * Every rule format goes through these, so "wrong type" messages read the
 * same whether the rule is YAML, JSON or TOML.
 *
 * @module
 */
import type { Diagnostic } from "../../eql/errors.ts";
import type { SourceFile } from "./source_file.ts";
import {
  describe,
  type EmbeddedText,
  embeddedText,
  type Entry,
  type MapNode,
  type Node,
} from "./tree.ts";

/** Collects diagnostics while reading one file's entries. */
export class FieldReader {
  /** Starts reading `file`; diagnostics are appended to `diagnostics`. */
  constructor(readonly file: SourceFile, readonly diagnostics: Diagnostic[]) {}

  /** Records an error at `at`. */
  error(at: number, message: string): void {
    this.diagnostics.push(this.file.error(at, message));
  }

  /**
   * Reports every key of `map` not in `allowed` and every key of `required`
   * that is missing; returns the entries by key.
   */
  entries(
    map: MapNode,
    allowed: readonly string[],
    required: readonly string[] = [],
    context = "",
  ): Map<string, Entry> {
    const byKey = new Map<string, Entry>();
    for (const e of map.entries) {
      if (!allowed.includes(e.key)) {
        this.error(e.keyAt, `unknown key ${JSON.stringify(context + e.key)}`);
      } else byKey.set(e.key, e);
    }
    for (const key of required) {
      if (!byKey.has(key)) {
        this.error(map.at, `missing required key ${JSON.stringify(context + key)}`);
      }
    }
    return byKey;
  }

  /** A string value; `nonEmpty` also rejects blank text. */
  string(e: Entry | undefined, nonEmpty = false): string | undefined {
    if (!e) return undefined;
    const v = e.value;
    if (v.kind !== "scalar" || typeof v.value !== "string") {
      this.error(e.keyAt, `${quoted(e)} must be a string, got ${describe(v)}`);
      return undefined;
    }
    if (nonEmpty && v.value.trim() === "") {
      this.error(e.keyAt, `${quoted(e)} must not be empty`);
      return undefined;
    }
    return v.value;
  }

  /** A string node, for text whose characters must be located (queries). */
  text(e: Entry | undefined): EmbeddedText | undefined {
    if (!e) return undefined;
    const v = e.value;
    if (v.kind !== "scalar" || typeof v.value !== "string") {
      this.error(e.keyAt, `${quoted(e)} must be a string, got ${describe(v)}`);
      return undefined;
    }
    if (v.value.trim() === "") {
      this.error(e.keyAt, `${quoted(e)} must not be empty`);
      return undefined;
    }
    return embeddedText({ ...v, value: v.value });
  }

  /** A boolean value. */
  boolean(e: Entry | undefined): boolean | undefined {
    if (!e) return undefined;
    if (e.value.kind !== "scalar" || typeof e.value.value !== "boolean") {
      this.error(e.keyAt, `${quoted(e)} must be true or false, got ${describe(e.value)}`);
      return undefined;
    }
    return e.value.value;
  }

  /** A string or an integer, returned as text (rule and ruleset versions). */
  version(e: Entry | undefined): string | undefined {
    if (!e) return undefined;
    const v = e.value;
    if (v.kind === "scalar" && typeof v.value === "string" && v.value.trim() !== "") {
      return v.value;
    }
    if (v.kind === "scalar" && typeof v.value === "number" && Number.isInteger(v.value)) {
      return String(v.value);
    }
    this.error(e.keyAt, `${quoted(e)} must be a string or an integer, got ${describe(v)}`);
    return undefined;
  }

  /** One of `values`, compared case-insensitively; returned in lower case. */
  choice<T extends string>(e: Entry | undefined, values: readonly T[]): T | undefined {
    if (!e) return undefined;
    const v = e.value;
    const text = v.kind === "scalar" && typeof v.value === "string"
      ? v.value.toLowerCase()
      : undefined;
    const found = values.find((x) => x === text);
    if (found === undefined) {
      const got = v.kind === "scalar" && typeof v.value === "string"
        ? JSON.stringify(v.value)
        : describe(v);
      this.error(e.keyAt, `${quoted(e)} must be one of ${values.join(", ")}, got ${got}`);
    }
    return found;
  }

  /**
   * A list of strings; each item may be checked by `check`, which returns an
   * error message or undefined. Bad items are reported at the item.
   */
  strings(e: Entry | undefined, check?: (s: string) => string | undefined): string[] | undefined {
    const nodes = this.stringNodes(e);
    if (!nodes) return undefined;
    const out: string[] = [];
    let ok = true;
    nodes.forEach(({ node, value }, i) => {
      const problem = check?.(value);
      if (problem) {
        this.error(node.at, `${quoted(e!)}[${i}]: ${problem}`);
        ok = false;
      } else out.push(value);
    });
    return ok ? out : undefined;
  }

  /** A list of non-empty strings with their locations (EQL expressions). */
  texts(e: Entry | undefined): EmbeddedText[] | undefined {
    const nodes = this.stringNodes(e);
    if (!nodes) return undefined;
    let ok = true;
    const out: EmbeddedText[] = [];
    nodes.forEach(({ node, value }, i) => {
      if (value.trim() === "") {
        this.error(node.at, `${quoted(e!)}[${i}] must not be empty`);
        ok = false;
      } else out.push(embeddedText({ ...node, kind: "scalar", value }));
    });
    return ok ? out : undefined;
  }

  /** The items of a list of strings, with their nodes; wrong types are reported. */
  stringNodes(
    e: Entry | undefined,
  ): { node: Node & { kind: "scalar" }; value: string }[] | undefined {
    if (!e) return undefined;
    if (e.value.kind !== "list") {
      this.error(e.keyAt, `${quoted(e)} must be a list of strings, got ${describe(e.value)}`);
      return undefined;
    }
    const out: { node: Node & { kind: "scalar" }; value: string }[] = [];
    let ok = true;
    e.value.items.forEach((item, i) => {
      if (item.kind === "scalar" && typeof item.value === "string") {
        out.push({ node: item, value: item.value });
      } else {
        // `- a : b` in YAML is a one-key map, a common slip when writing EQL's `:` operator.
        const hint = item.kind === "map"
          ? ' (quote it: in YAML, "a : b" is a key and a value)'
          : "";
        this.error(item.at, `${quoted(e)}[${i}] must be a string, got ${describe(item)}${hint}`);
        ok = false;
      }
    });
    return ok ? out : undefined;
  }
}

function quoted(e: Entry): string {
  return JSON.stringify(e.key);
}

/** The rule id pattern shared by every format. */
export const RULE_ID = /^[A-Za-z0-9_.:-]+$/;

/** ATT&CK technique (`T1059`), sub-technique (`T1059.004`) or tactic (`TA0002`) ids. */
export const ATTACK_ID = /^(?:T\d{4}(?:\.\d{3})?|TA\d{4})$/;

/** Checks an ATT&CK id; returns an error message or undefined. */
export function checkAttackId(s: string): string | undefined {
  return ATTACK_ID.test(s)
    ? undefined
    : `${JSON.stringify(s)} is not an ATT&CK technique (T1059, T1059.004) or tactic (TA0002) id`;
}

/** Checks a rule id; returns an error message or undefined. */
export function checkRuleId(s: string): string | undefined {
  return RULE_ID.test(s)
    ? undefined
    : `${JSON.stringify(s)} is not a valid rule id (letters, digits and _ . : - only)`;
}
