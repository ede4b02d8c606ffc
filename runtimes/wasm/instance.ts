/**
 * A running rule module: instantiated once, fed one event at a time
 * through linear memory, every evaluation under a fuel budget and the
 * memory limit. A trap (fuel exhausted, memory limit, any other) comes back
 * as a {@link WasmTrap} naming the cause; the instance stays usable.
 *
 * @module
 */
import type { Event } from "../../engine/event.ts";
import type { Value } from "../../eql/value.ts";
import { ABI_VERSION, EventWriter, HEADER, TAG, TrapReason, WasmMemoryError } from "./layout.ts";
import { limitModuleMemory } from "./memory_limit.ts";

/** Limits of an instance (`[wasm]`). */
export interface WasmLimits {
  /** Fuel per evaluation: loop iterations and calls. */
  fuelLimit: number;
  /** Linear memory limit in MiB. */
  memoryLimitMb: number;
}

/** An evaluation stopped: fuel exhausted, memory limit reached, or another trap. */
export class WasmTrap extends Error {
  override name = "WasmTrap";
  constructor(message: string, readonly reason: "fuel" | "memory" | "trap") {
    super(message);
  }
}

interface Exports {
  memory: WebAssembly.Memory;
  pred_init(): number;
  pred_eval(index: number, fuel: number): number;
  pred_capture(index: number, fuel: number): number;
}

/** One instance of a rule module. */
export class WasmInstance {
  readonly #x: Exports;
  readonly #writer: EventWriter;
  readonly #limits: WasmLimits;
  #last: Event | undefined;
  #lastSeq = -1;
  #lastTs = -1n;
  /** How many predicates the module has. */
  readonly predicates: number;
  /** Answers the module's `kestrel.lineage(node)` import for the event being evaluated. */
  onLineage: (node: number, ev: Event) => boolean = () => false;

  /**
   * Compiles and instantiates `bytes` with its memory held to
   * `limits.memoryLimitMb`, whatever limit it was compiled with; throws when
   * it is not an ABI v1 module or needs more memory than that to start.
   */
  constructor(bytes: Uint8Array, limits: WasmLimits) {
    const limited = limitModuleMemory(bytes, limits.memoryLimitMb);
    const module = new WebAssembly.Module(limited as Uint8Array<ArrayBuffer>);
    const instance = new WebAssembly.Instance(module, {
      kestrel: {
        lineage: (node: number) => {
          const ev = this.#last;
          return ev !== undefined && this.onLineage(node, ev) ? 1 : 0;
        },
      },
    });
    const x = instance.exports as unknown as Exports;
    for (const name of ["memory", "pred_init", "pred_eval", "pred_capture"]) {
      if (!(name in x)) throw new Error(`the rule module does not export ${name} (Host ABI v1)`);
    }
    const abi = x.pred_init();
    if (abi !== ABI_VERSION) {
      throw new Error(`the rule module speaks Host ABI v${abi}; this build runs v${ABI_VERSION}`);
    }
    this.#x = x;
    this.#limits = limits;
    const maxPages = Math.max(1, Math.floor(limits.memoryLimitMb * 16));
    this.#writer = new EventWriter(x.memory, maxPages);
    this.predicates = new Int32Array(x.memory.buffer, 0, HEADER.SIZE >> 2)[HEADER.PREDICATES >> 2];
  }

  /** Writes the fields `fields` of `ev` into memory (once per event). */
  #load(ev: Event, fields: readonly number[]): void {
    if (ev !== this.#last || ev.seq !== this.#lastSeq || ev.timestamp !== this.#lastTs) {
      this.#last = ev;
      this.#lastSeq = ev.seq;
      this.#lastTs = ev.timestamp;
      this.#writer.reset();
    }
    const writer = this.#writer;
    for (let i = 0; i < fields.length; i++) writer.field(fields[i], ev);
  }

  /** Predicate `index` on `ev`, which reads `fields`. Throws {@link WasmTrap}. */
  eval(index: number, ev: Event, fields: readonly number[]): boolean {
    try {
      this.#load(ev, fields);
      return this.#x.pred_eval(index, this.#limits.fuelLimit) === 1;
    } catch (e) {
      throw this.#trap(e);
    }
  }

  /** The value of getter `index` on `ev`. Throws {@link WasmTrap}. */
  capture(index: number, ev: Event, fields: readonly number[]): Value | undefined {
    try {
      this.#load(ev, fields);
      const p = this.#x.pred_capture(index, this.#limits.fuelLimit);
      return decode(new DataView(this.#x.memory.buffer), p);
    } catch (e) {
      throw this.#trap(e);
    }
  }

  #trap(e: unknown): WasmTrap {
    // A failed evaluation leaves the event half-written: write it again next time.
    this.#last = undefined;
    if (e instanceof WasmMemoryError) return new WasmTrap(e.message, "memory");
    const header = new Int32Array(this.#x.memory.buffer, 0, HEADER.SIZE >> 2);
    const reason = header[HEADER.TRAP >> 2];
    header[HEADER.TRAP >> 2] = TrapReason.NONE;
    if (reason === TrapReason.FUEL) {
      return new WasmTrap(`fuel exhausted (fuel_limit ${this.#limits.fuelLimit})`, "fuel");
    }
    if (reason === TrapReason.MEMORY) {
      return new WasmTrap(
        `wasm memory limit reached (memory_limit_mb ${this.#limits.memoryLimitMb})`,
        "memory",
      );
    }
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
      return new WasmTrap(`wasm trap: ${e.message}`, "trap");
    }
    throw e;
  }
}

/** Reads the value at `p` (0 is absent). */
export function decode(view: DataView, p: number): Value | undefined {
  if (p === 0) return undefined;
  switch (view.getInt32(p, true)) {
    case TAG.NULL:
      return null;
    case TAG.BOOL:
      return view.getInt32(p + 4, true) === 1;
    case TAG.NUM:
      return view.getFloat64(p + 8, true);
    case TAG.STR: {
      const n = view.getInt32(p + 4, true);
      const units = new Uint16Array(view.buffer, p + 8, n);
      let s = "";
      for (let i = 0; i < n; i += 4096) {
        s += String.fromCharCode(...units.subarray(i, Math.min(n, i + 4096)));
      }
      return s;
    }
    case TAG.LIST: {
      const n = view.getInt32(p + 4, true);
      const out: Value[] = [];
      for (let i = 0; i < n; i++) {
        out.push(decode(view, view.getInt32(p + 8 + i * 4, true)) ?? null);
      }
      return out;
    }
    default:
      return null;
  }
}
