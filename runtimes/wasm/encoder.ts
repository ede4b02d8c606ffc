/**
 * A small WebAssembly binary encoder: LEB128 numbers, the module sections
 * the predicate compiler needs (types, imports-free functions, table,
 * memory, globals, exports, elements, code, data), and a function body
 * builder with one method per instruction used.
 *
 * Only the MVP instruction set plus `memory.copy`/`memory.fill` (bulk
 * memory, enabled by default in V8) is emitted, so any engine runs the
 * output.
 *
 * @module
 */

/** WebAssembly value types. */
export const I32 = 0x7f, I64 = 0x7e, F64 = 0x7c;
/** A value type byte. */
export type ValType = typeof I32 | typeof I64 | typeof F64;
/** Block type: no result. */
export const VOID = 0x40;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  while (true) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Appends `b` to `out` without spreading it into arguments (data can be large). */
function append(out: number[], b: readonly number[]): void {
  for (let i = 0; i < b.length; i++) out.push(b[i]);
}

function utf8(s: string): number[] {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** One function body being written: locals and instructions. */
export class Code {
  readonly bytes: number[] = [];
  readonly #locals: ValType[] = [];

  /** `params` are the function's parameter types (locals 0…n-1). */
  constructor(readonly params: readonly ValType[], readonly results: readonly ValType[]) {}

  /** Declares a new local; returns its index. */
  local(t: ValType = I32): number {
    this.#locals.push(t);
    return this.params.length + this.#locals.length - 1;
  }

  #op(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }

  unreachable(): this {
    return this.#op(0x00);
  }
  block(t: number = VOID): this {
    return this.#op(0x02, t);
  }
  loop(t: number = VOID): this {
    return this.#op(0x03, t);
  }
  if(t: number = VOID): this {
    return this.#op(0x04, t);
  }
  else(): this {
    return this.#op(0x05);
  }
  end(): this {
    return this.#op(0x0b);
  }
  br(depth: number): this {
    return this.#op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.#op(0x0d, ...uleb(depth));
  }
  return(): this {
    return this.#op(0x0f);
  }
  call(f: number): this {
    return this.#op(0x10, ...uleb(f));
  }
  callIndirect(type: number): this {
    return this.#op(0x11, ...uleb(type), 0);
  }
  drop(): this {
    return this.#op(0x1a);
  }
  select(): this {
    return this.#op(0x1b);
  }
  get(i: number): this {
    return this.#op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.#op(0x21, ...uleb(i));
  }
  tee(i: number): this {
    return this.#op(0x22, ...uleb(i));
  }
  gget(i: number): this {
    return this.#op(0x23, ...uleb(i));
  }
  gset(i: number): this {
    return this.#op(0x24, ...uleb(i));
  }
  /** `i32.load offset=off` (alignment 4). */
  load(off = 0): this {
    return this.#op(0x28, 2, ...uleb(off));
  }
  loadF64(off = 0): this {
    return this.#op(0x2b, 3, ...uleb(off));
  }
  load16(off = 0): this {
    return this.#op(0x2f, 1, ...uleb(off));
  }
  store(off = 0): this {
    return this.#op(0x36, 2, ...uleb(off));
  }
  storeF64(off = 0): this {
    return this.#op(0x39, 3, ...uleb(off));
  }
  store16(off = 0): this {
    return this.#op(0x3b, 1, ...uleb(off));
  }
  memorySize(): this {
    return this.#op(0x3f, 0);
  }
  memoryGrow(): this {
    return this.#op(0x40, 0);
  }
  memoryCopy(): this {
    return this.#op(0xfc, 10, 0, 0);
  }
  i32(n: number): this {
    return this.#op(0x41, ...sleb(n));
  }
  f64(x: number): this {
    const b = new Uint8Array(new Float64Array([x]).buffer);
    return this.#op(0x44, ...b);
  }
  eqz(): this {
    return this.#op(0x45);
  }
  eq(): this {
    return this.#op(0x46);
  }
  ne(): this {
    return this.#op(0x47);
  }
  ltS(): this {
    return this.#op(0x48);
  }
  ltU(): this {
    return this.#op(0x49);
  }
  gtS(): this {
    return this.#op(0x4a);
  }
  gtU(): this {
    return this.#op(0x4b);
  }
  leS(): this {
    return this.#op(0x4c);
  }
  leU(): this {
    return this.#op(0x4d);
  }
  geS(): this {
    return this.#op(0x4e);
  }
  geU(): this {
    return this.#op(0x4f);
  }
  f64Eq(): this {
    return this.#op(0x61);
  }
  f64Ne(): this {
    return this.#op(0x62);
  }
  f64Lt(): this {
    return this.#op(0x63);
  }
  f64Gt(): this {
    return this.#op(0x64);
  }
  f64Le(): this {
    return this.#op(0x65);
  }
  f64Ge(): this {
    return this.#op(0x66);
  }
  add(): this {
    return this.#op(0x6a);
  }
  sub(): this {
    return this.#op(0x6b);
  }
  mul(): this {
    return this.#op(0x6c);
  }
  and(): this {
    return this.#op(0x71);
  }
  or(): this {
    return this.#op(0x72);
  }
  xor(): this {
    return this.#op(0x73);
  }
  shl(): this {
    return this.#op(0x74);
  }
  shrU(): this {
    return this.#op(0x76);
  }
  f64Abs(): this {
    return this.#op(0x99);
  }
  f64Neg(): this {
    return this.#op(0x9a);
  }
  f64Floor(): this {
    return this.#op(0x9c);
  }
  f64Trunc(): this {
    return this.#op(0x9d);
  }
  f64Add(): this {
    return this.#op(0xa0);
  }
  f64Sub(): this {
    return this.#op(0xa1);
  }
  f64Mul(): this {
    return this.#op(0xa2);
  }
  f64Div(): this {
    return this.#op(0xa3);
  }
  f64ConvertI32S(): this {
    return this.#op(0xb7);
  }
  i32TruncF64S(): this {
    return this.#op(0xaa);
  }

  /** The encoded body: local declarations, instructions, final `end`. */
  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.#locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [
      ...uleb(groups.length),
      ...groups.flatMap(([n, t]) => [...uleb(n), t]),
      ...this.bytes,
      0x0b,
    ];
    return [...uleb(body.length), ...body];
  }
}

/** A function of the module under construction. */
export interface FuncDef {
  code: Code;
  /** Export name, when exported. */
  export?: string;
}

/** A mutable global. */
export interface GlobalDef {
  type: ValType;
  init: number;
  export?: string;
}

/** Assembles a module from functions, one memory, globals, a function table and data. */
export class ModuleBuilder {
  readonly #types: string[] = [];
  readonly #typeBytes: number[][] = [];
  readonly funcs: (FuncDef | undefined)[] = [];
  readonly globals: GlobalDef[] = [];
  /** Functions reachable through `call_indirect`, in table order. */
  readonly table: number[] = [];
  readonly data: { offset: number; bytes: Uint8Array }[] = [];

  /** Imported functions: they take the first function indexes. */
  readonly #imports: { module: string; name: string; type: number }[] = [];

  /** Memory limits in 64 KiB pages. */
  constructor(public memoryMin: number, public memoryMax: number) {}

  /** Imports a function; call before defining any. Returns its index. */
  importFunc(
    module: string,
    name: string,
    params: readonly ValType[],
    results: readonly ValType[],
  ): number {
    if (this.funcs.length) throw new Error("imports must come before the module's own functions");
    this.#imports.push({ module, name, type: this.type(params, results) });
    return this.#imports.length - 1;
  }

  /** The index of the signature `params → results`. */
  type(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(",")}>${results.join(",")}`;
    let i = this.#types.indexOf(key);
    if (i < 0) {
      i = this.#types.length;
      this.#types.push(key);
      this.#typeBytes.push([0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))]);
    }
    return i;
  }

  /** Reserves a function index, to be defined later (allows recursion and forward calls). */
  reserve(): number {
    this.funcs.push(undefined);
    return this.#imports.length + this.funcs.length - 1;
  }

  /** Defines function `index` (from {@link reserve}). */
  define(index: number, def: FuncDef): void {
    this.funcs[index - this.#imports.length] = def;
  }

  /** Adds a function; returns its index. */
  func(def: FuncDef): number {
    const i = this.reserve();
    this.define(i, def);
    return i;
  }

  /** Adds a global; returns its index. */
  global(def: GlobalDef): number {
    this.globals.push(def);
    return this.globals.length - 1;
  }

  /** The binary module. */
  encode(): Uint8Array {
    const funcs = this.funcs.map((f, i) => {
      if (f === undefined) throw new Error(`function ${i} was reserved but never defined`);
      return f;
    });
    const typeOf = funcs.map((f) => this.type(f.code.params, f.code.results));
    const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    append(out, section(1, vec(this.#typeBytes)));
    if (this.#imports.length) {
      append(
        out,
        section(
          2,
          vec(
            this.#imports.map((i) => [...utf8(i.module), ...utf8(i.name), 0x00, ...uleb(i.type)]),
          ),
        ),
      );
    }
    append(out, section(3, vec(typeOf.map((t) => uleb(t)))));
    if (this.table.length) {
      append(out, section(4, vec([[0x70, 0x00, ...uleb(this.table.length)]])));
    }
    append(out, section(5, vec([[0x01, ...uleb(this.memoryMin), ...uleb(this.memoryMax)]])));
    append(
      out,
      section(
        6,
        vec(this.globals.map((g) => {
          const init = g.type === F64
            ? [0x44, ...new Uint8Array(new Float64Array([g.init]).buffer)]
            : [g.type === I64 ? 0x42 : 0x41, ...sleb(g.init)];
          return [g.type, 0x01, ...init, 0x0b];
        })),
      ),
    );
    const exports: number[][] = [[...utf8("memory"), 0x02, 0x00]];
    funcs.forEach((f, i) => {
      if (f.export) exports.push([...utf8(f.export), 0x00, ...uleb(this.#imports.length + i)]);
    });
    this.globals.forEach((g, i) => {
      if (g.export) exports.push([...utf8(g.export), 0x03, ...uleb(i)]);
    });
    append(out, section(7, vec(exports)));
    if (this.table.length) {
      append(
        out,
        section(9, vec([[0x00, 0x41, 0x00, 0x0b, ...vec(this.table.map((f) => uleb(f)))]])),
      );
    }
    append(out, section(10, vec(funcs.map((f) => f.code.encode()))));
    append(
      out,
      section(
        11,
        vec(
          this.data.map((
            d,
          ) => [0x00, 0x41, ...sleb(d.offset), 0x0b, ...uleb(d.bytes.length), ...d.bytes]),
        ),
      ),
    );
    return new Uint8Array(out);
  }
}
