/**
 * Assembles one WebAssembly module from a list of predicates and getters
 * (Host ABI v1): the library, the generated functions, a function table
 * and the data segment (header, Unicode tables, constants).
 *
 * Exports: `memory`; `pred_init() → abi`; `pred_eval(index, fuel) → 0|1`,
 * predicate `index` on the event in memory; `pred_capture(index, fuel) →
 * pointer`, the value of getter `index` (join and pipe keys).
 *
 * @module
 */
import type { Dialect } from "../../eql/compile.ts";
import type { IrEventQuery, IrExpr } from "../../eql/ir.ts";
import type { Value } from "../../eql/value.ts";
import { Code, I32, ModuleBuilder } from "./encoder.ts";
import { ABI_VERSION, align, encodeConstant, HEADER, LOWER_CACHE_SLOTS } from "./layout.ts";
import { Stdlib } from "./stdlib.ts";
import { unicodeTables } from "./unicode.ts";
import { type ConstantPool, Generator } from "./codegen.ts";

/** One expression to compile, with its dialect. */
export interface WasmExpr {
  ir: IrExpr;
  dialect: Dialect;
}

/** Module options. */
export interface ModuleOptions {
  /** Linear memory limit in MiB (`[wasm] memory_limit_mb`). */
  memoryLimitMb: number;
}

/** Every field id an expression reads, sorted. */
export function fieldsOf(ir: IrExpr): number[] {
  const out = new Set<number>();
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === "object") {
      const o = x as Record<string, unknown>;
      if (o.op === "field") out.add(o.id as number);
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(ir);
  return [...out].sort((a, b) => a - b);
}

/**
 * Compiles predicates and getters into one module. Throws
 * `WasmUnsupported` (from the generator) for constructs the module cannot
 * run, and an Error when the constants alone exceed the memory limit.
 * `compile` is called per expression so the caller can attribute errors.
 */
export function buildModule(
  predicates: readonly WasmExpr[],
  getters: readonly WasmExpr[],
  options: ModuleOptions,
): Uint8Array {
  return buildModuleWithLineage(predicates, getters, options).bytes;
}

/**
 * A lineage node of the module: the host answers `kestrel.lineage(node)`
 * for the current event from its process tree, where the subquery (module
 * predicate `predicate`) was registered.
 */
export interface WasmLineage {
  node: number;
  /** The predicate whose code contains the node. */
  owner: number;
  relation: "descendant" | "child" | "event";
  /** The subquery's own predicate in the module (its category is tested by the host). */
  predicate: number;
  /** The subquery, for its fields and the engine's index. */
  query: IrEventQuery;
  dialect: Dialect;
}

/** {@link buildModule}, also returning the lineage nodes (subqueries follow the predicates). */
export function buildModuleWithLineage(
  predicatesIn: readonly WasmExpr[],
  getters: readonly WasmExpr[],
  options: ModuleOptions,
): { bytes: Uint8Array; lineage: WasmLineage[]; predicates: number } {
  const predicates = [...predicatesIn];
  const lineage: WasmLineage[] = [];
  let owner = 0;
  const maxPages = Math.max(1, Math.floor(options.memoryLimitMb * 16));
  const m = new ModuleBuilder(1, maxPages);
  const lineageImport = m.importFunc("kestrel", "lineage", [I32], [I32]);
  const fieldCount = Math.max(0, ...[...predicates, ...getters].flatMap((e) => fieldsOf(e.ir))) + 1;
  const fieldTable = HEADER.SIZE;
  const tables = unicodeTables();
  const cacheAt = align(fieldTable + fieldCount * 4);
  const tablesAt = align(cacheAt + LOWER_CACHE_SLOTS * 12);
  const data = new Pool(align(tablesAt + tables.bytes.length + 8));
  const lib = new Stdlib(m, tablesAt, tables, cacheAt);
  const generators = new Map<Dialect, Generator>();
  const gen = (dialect: Dialect) => {
    let g = generators.get(dialect);
    if (g === undefined) {
      g = new Generator({
        m,
        lib,
        pool: data,
        fieldTable,
        dialect,
        lineageImport,
        lineage: (ir, dialect) => {
          const node = lineage.length;
          lineage.push({
            node,
            owner,
            relation: ir.relation,
            predicate: predicates.length,
            query: ir.query,
            dialect,
          });
          predicates.push({ ir: ir.query.predicate, dialect });
          return node;
        },
      });
      generators.set(dialect, g);
    }
    return g;
  };
  // Lineage subqueries append predicates while this runs.
  for (; owner < predicates.length; owner++) {
    const p = predicates[owner];
    m.table.push(gen(p.dialect).predicate(p.ir));
  }
  for (const g of getters) m.table.push(gen(g.dialect).getter(g.ir));
  const entry = m.type([], [I32]);

  const init = new Code([], [I32]);
  init.i32(HEADER.ABI).i32(ABI_VERSION).store(0).i32(ABI_VERSION);
  m.func({ code: init, export: "pred_init" });
  for (const [name, offset] of [["pred_eval", 0], ["pred_capture", predicates.length]] as const) {
    const c = new Code([I32, I32], [I32]);
    c.get(1).gset(lib.fuel);
    c.i32(HEADER.EVENT_END).load(0).gset(lib.hp);
    c.get(0);
    if (offset) c.i32(offset).add();
    c.callIndirect(entry);
    m.func({ code: c, export: name });
  }

  const eventBase = align(data.end);
  if (eventBase + 65536 > maxPages * 65536) {
    throw new Error(
      `the compiled rules need ${Math.ceil(eventBase / 1048576)} MiB of constants, ` +
        `more than the wasm memory limit of ${options.memoryLimitMb} MiB`,
    );
  }
  m.memoryMin = Math.min(maxPages, Math.ceil((eventBase + 65536) / 65536));
  const header = new DataView(new ArrayBuffer(HEADER.SIZE));
  header.setInt32(HEADER.FIELD_TABLE, fieldTable, true);
  header.setInt32(HEADER.FIELD_COUNT, fieldCount, true);
  header.setInt32(HEADER.EVENT_BASE, eventBase, true);
  header.setInt32(HEADER.PREDICATES, predicates.length, true);
  header.setInt32(HEADER.LOWER_CACHE, cacheAt, true);
  m.data.push({ offset: 0, bytes: new Uint8Array(header.buffer) });
  m.data.push({ offset: tablesAt, bytes: tables.bytes });
  m.data.push({ offset: data.start, bytes: data.bytes() });
  return { bytes: m.encode(), lineage, predicates: predicates.length };
}

/** Constants placed one after another from `start`, each once. */
class Pool implements ConstantPool {
  #buf = new DataView(new ArrayBuffer(4096));
  #len = 0;
  readonly #seen = new Map<string, number>();

  constructor(readonly start: number) {}

  get end(): number {
    return this.start + this.#len;
  }

  #reserve(n: number): DataView {
    while (this.#len + n > this.#buf.byteLength) {
      const bigger = new DataView(new ArrayBuffer(this.#buf.byteLength * 2));
      new Uint8Array(bigger.buffer).set(new Uint8Array(this.#buf.buffer));
      this.#buf = bigger;
    }
    return this.#buf;
  }

  value(v: Value): number {
    const key = "v" +
      JSON.stringify(v, (_k, x) => typeof x === "number" && !Number.isFinite(x) ? String(x) : x) +
      typeof v;
    const known = this.#seen.get(key);
    if (known !== undefined) return known;
    // Encode into a scratch view sized generously, then copy.
    const size = estimate(v);
    const view = this.#reserve(size);
    const r = encodeConstant(view, this.#len, v);
    // encodeConstant wrote offsets relative to the pool; shift list pointers to absolute.
    relocate(view, this.#len, v, this.start);
    this.#len = r.end;
    const ptr = this.start + r.ptr;
    this.#seen.set(key, ptr);
    return ptr;
  }

  pattern(tokens: readonly number[], stepByCodePoint: boolean): number {
    const key = `p${stepByCodePoint}:${tokens.join(",")}`;
    const known = this.#seen.get(key);
    if (known !== undefined) return known;
    const view = this.#reserve(8 + tokens.length * 4 + 8);
    const at = this.#len;
    view.setInt32(at, tokens.length, true);
    view.setInt32(at + 4, stepByCodePoint ? 1 : 0, true);
    tokens.forEach((t, i) => view.setInt32(at + 8 + i * 4, t, true));
    this.#len = align(at + 8 + tokens.length * 4);
    this.#seen.set(key, this.start + at);
    return this.start + at;
  }

  words(words: readonly number[]): number {
    const key = `w:${words.join(",")}`;
    const known = this.#seen.get(key);
    if (known !== undefined) return known;
    const view = this.#reserve(words.length * 4 + 8);
    const at = this.#len;
    words.forEach((w, i) => view.setInt32(at + i * 4, w | 0, true));
    this.#len = align(at + words.length * 4);
    this.#seen.set(key, this.start + at);
    return this.start + at;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.#buf.buffer, 0, this.#len);
  }
}

/** An upper bound of a constant's encoded size. */
function estimate(v: Value): number {
  if (typeof v === "string") return align(8 + v.length * 2);
  if (Array.isArray(v)) {
    return align(8 + v.length * 4) + v.reduce((n: number, x) => n + estimate(x), 0);
  }
  return 16;
}

/** Turns the pool-relative element pointers of a list constant at `at` into addresses. */
function relocate(view: DataView, at: number, v: Value, base: number): void {
  if (!Array.isArray(v)) return;
  v.forEach((x, i) => {
    const rel = view.getInt32(at + 8 + i * 4, true);
    relocate(view, rel, x, base);
    view.setInt32(at + 8 + i * 4, rel + base, true);
  });
}
