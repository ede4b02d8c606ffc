/**
 * The decoder's record layouts (`engine/record_layout.ts`) against the
 * compiled BPF objects: every struct's size and every member's offset and
 * size must match what the compiler laid out. Nothing is compiled here: the
 * objects come from `deno task bpf`.
 *
 * Two readings of the objects: BTF (`bpftool btf dump file … format raw`)
 * for the structs BTF keeps, and DWARF (`llvm-dwarfdump --debug-info`) for
 * the rest. BTF of a BPF object holds only types reachable from maps,
 * globals and function signatures; records are built through pointers into
 * a scratch buffer, so most record structs appear only in the debug info.
 * Where both have a struct, they must agree too.
 *
 * Skipped, with the reason, when a tool or an object is missing; a failure
 * instead with `KESTREL_REQUIRE_BPF=1` (CI).
 */
import assert from "node:assert/strict";
import { RECORD_STRUCTS } from "../../engine/record_layout.ts";
import { bpfRequired } from "../ffi/require_bpf.ts";

/** A struct as the compiler laid it out: size and members (padding included). */
interface Found {
  size: number;
  members: Map<string, [offset: number, size: number]>;
}

const OBJECTS = ["process", "proc_change", "file", "net", "auth"];
const buildDir = new URL("../../ebpf/build/", import.meta.url);

/** Runs `cmd args`; `undefined` if the program is not installed. */
function run(cmd: string, args: string[]): string | undefined {
  try {
    const out = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).outputSync();
    if (!out.success) {
      throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
    }
    return new TextDecoder().decode(out.stdout);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** The first of `names` that runs (`--version`), if any. */
function findTool(names: string[]): string | undefined {
  return names.find((n) => run(n, ["--version"]) !== undefined);
}

/** Structs named `kestrel_*` in `bpftool btf dump … format raw` output. */
function parseBtf(text: string): Map<string, Found> {
  interface Type {
    kind: string;
    name: string;
    size?: number;
    type?: number;
    elems?: number;
    members: [string, number, number][]; // name, type id, bit offset
  }
  const types = new Map<number, Type>();
  let cur: Type | undefined;
  for (const line of text.split("\n")) {
    const head = /^\[(\d+)\] (\w+) '([^']*)'(.*)$/.exec(line);
    if (head) {
      const rest = head[4];
      const num = (key: string) => {
        const m = new RegExp(`\\b${key}=(\\d+)`).exec(rest);
        return m ? Number(m[1]) : undefined;
      };
      cur = {
        kind: head[2],
        name: head[3],
        size: num("size"),
        type: num("type_id"),
        elems: num("nr_elems"),
        members: [],
      };
      types.set(Number(head[1]), cur);
      continue;
    }
    const member = /^\s+'([^']*)' type_id=(\d+) bits_offset=(\d+)/.exec(line);
    if (member && cur) cur.members.push([member[1], Number(member[2]), Number(member[3])]);
  }
  const sizeOf = (id: number, depth = 0): number => {
    const t = types.get(id);
    if (t === undefined || depth > 32) throw new Error(`BTF type ${id} unresolved`);
    switch (t.kind) {
      case "INT":
      case "STRUCT":
      case "UNION":
      case "ENUM":
      case "ENUM64":
        return t.size!;
      case "PTR":
        return 8;
      case "ARRAY":
        return t.elems! * sizeOf(t.type!, depth + 1);
      default: // TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG
        return sizeOf(t.type!, depth + 1);
    }
  };
  const out = new Map<string, Found>();
  for (const t of types.values()) {
    if (t.kind !== "STRUCT" || !t.name.startsWith("kestrel_")) continue;
    out.set(t.name, {
      size: t.size!,
      members: new Map(t.members.map(([n, id, bits]) => [n, [bits / 8, sizeOf(id)]])),
    });
  }
  return out;
}

/** Structs named `kestrel_*` in `llvm-dwarfdump --debug-info` output. */
function parseDwarf(text: string): Map<string, Found> {
  interface Die {
    offset: number;
    depth: number;
    tag: string;
    attrs: Map<string, string>;
  }
  const dies: Die[] = [];
  let cur: Die | undefined;
  for (const line of text.split("\n")) {
    const head = /^0x([0-9a-f]+):( +)(DW_TAG_\w+|NULL)/.exec(line);
    if (head) {
      cur = {
        offset: parseInt(head[1], 16),
        depth: head[2].length,
        tag: head[3],
        attrs: new Map(),
      };
      dies.push(cur);
      continue;
    }
    const attr = /^\s+(DW_AT_\w+)\s+\((.*)\)$/.exec(line);
    if (attr && cur) cur.attrs.set(attr[1], attr[2]);
  }
  const byOffset = new Map(dies.map((d, i) => [d.offset, i]));
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v.split(" ")[0]));
  const ref = (d: Die) => num(d.attrs.get("DW_AT_type"));
  const children = (i: number): Die[] => {
    const out: Die[] = [];
    for (let j = i + 1; j < dies.length && dies[j].depth > dies[i].depth; j++) {
      if (dies[j].depth === dies[i].depth + 2 && dies[j].tag !== "NULL") out.push(dies[j]);
    }
    return out;
  };
  const sizeOf = (offset: number, depth = 0): number => {
    const i = byOffset.get(offset);
    if (i === undefined || depth > 32) {
      throw new Error(`DWARF DIE 0x${offset.toString(16)} unresolved`);
    }
    const d = dies[i];
    const size = num(d.attrs.get("DW_AT_byte_size"));
    if (size !== undefined) return size;
    if (d.tag === "DW_TAG_pointer_type") return 8;
    if (d.tag === "DW_TAG_array_type") {
      let n = 1;
      for (const sub of children(i)) {
        const count = num(sub.attrs.get("DW_AT_count"));
        const upper = num(sub.attrs.get("DW_AT_upper_bound"));
        n *= count ?? (upper !== undefined ? upper + 1 : NaN);
      }
      return n * sizeOf(ref(d)!, depth + 1);
    }
    return sizeOf(ref(d)!, depth + 1); // typedef, const, volatile
  };
  const out = new Map<string, Found>();
  dies.forEach((d, i) => {
    const name = /^"(kestrel_\w+)"$/.exec(d.attrs.get("DW_AT_name") ?? "")?.[1];
    const size = num(d.attrs.get("DW_AT_byte_size"));
    if (d.tag !== "DW_TAG_structure_type" || name === undefined || size === undefined) return;
    const members = new Map<string, [number, number]>();
    for (const m of children(i)) {
      if (m.tag !== "DW_TAG_member") continue;
      const mname = /^"(.*)"$/.exec(m.attrs.get("DW_AT_name") ?? "")?.[1] ?? "";
      members.set(mname, [num(m.attrs.get("DW_AT_data_member_location")) ?? 0, sizeOf(ref(m)!)]);
    }
    out.set(name, { size, members });
  });
  return out;
}

/** Why the test cannot run here, or null. */
function problem(): string | null {
  if (findTool(["bpftool"]) === undefined) return "bpftool is not installed";
  const dwarf = findTool([
    "llvm-dwarfdump",
    ...[20, 19, 18, 17, 16, 15, 14].map((v) => `llvm-dwarfdump-${v}`),
  ]);
  if (dwarf === undefined) return "llvm-dwarfdump is not installed";
  for (const name of OBJECTS) {
    try {
      Deno.statSync(new URL(`${name}.bpf.o`, buildDir));
    } catch {
      return `ebpf/build/${name}.bpf.o is missing (run \`deno task bpf\`)`;
    }
  }
  return null;
}

const NAME = "record layouts match the compiled objects (BTF, DWARF)";
const why = problem();
if (why === null) {
  Deno.test(NAME, () => {
    const dwarfTool = findTool([
      "llvm-dwarfdump",
      ...[20, 19, 18, 17, 16, 15, 14].map((v) => `llvm-dwarfdump-${v}`),
    ])!;
    const btf = new Map<string, Found>();
    const dwarf = new Map<string, Found>();
    for (const name of OBJECTS) {
      const path = decodeURIComponent(new URL(`${name}.bpf.o`, buildDir).pathname);
      for (
        const [k, v] of parseBtf(run("bpftool", ["btf", "dump", "file", path, "format", "raw"])!)
      ) {
        btf.set(k, v);
      }
      for (const [k, v] of parseDwarf(run(dwarfTool, ["--debug-info", path])!)) dwarf.set(k, v);
    }
    let fromBtf = 0;
    for (const layout of RECORD_STRUCTS) {
      const inBtf = btf.get(layout.name), inDwarf = dwarf.get(layout.name);
      if (inBtf && inDwarf) {
        assert.deepEqual(inBtf, inDwarf, `${layout.name}: BTF and DWARF differ`);
      }
      const found = inBtf ?? inDwarf;
      if (inBtf) fromBtf++;
      assert.ok(found, `struct ${layout.name} is in none of the objects`);
      assert.equal(layout.size, found.size, `sizeof ${layout.name}`);
      const compiled = [...found.members].filter(([n]) => !n.startsWith("_pad"));
      assert.deepEqual(
        Object.fromEntries(compiled),
        Object.fromEntries(Object.entries(layout.members).map(([n, m]) => [n, [...m]])),
        `${layout.name} members (offset, size)`,
      );
    }
    assert.ok(fromBtf >= 1, "no struct was read from BTF: is the bpftool output format unchanged?");
  });
} else if (bpfRequired()) {
  Deno.test(NAME, () => {
    throw new Error(`KESTREL_REQUIRE_BPF=1 but the layout check cannot run: ${why}`);
  });
} else {
  console.error(`layout test skipped: ${why} (KESTREL_REQUIRE_BPF=1 makes this a failure)`);
  Deno.test({ name: `${NAME} (skipped: ${why})`, ignore: true, fn() {} });
}

Deno.test("layout test parsers read bpftool's and llvm-dwarfdump's formats", () => {
  const btf = parseBtf(
    [
      "[1] INT 'unsigned short' size=2 bits_offset=0 nr_bits=16 encoding=(none)",
      "[2] TYPEDEF '__u16' type_id=1",
      "[3] STRUCT 'kestrel_str' size=4 vlen=2",
      "\t'off' type_id=2 bits_offset=0",
      "\t'len' type_id=2 bits_offset=16",
      "[4] ARRAY '(anon)' type_id=1 index_type_id=1 nr_elems=3",
      "[5] STRUCT 'kestrel_x' size=8 vlen=2",
      "\t'a' type_id=4 bits_offset=0",
      "\t'_pad0' type_id=1 bits_offset=48",
      "[6] STRUCT 'other' size=1 vlen=0",
    ].join("\n"),
  );
  assert.deepEqual([...btf.keys()], ["kestrel_str", "kestrel_x"]);
  assert.deepEqual([...btf.get("kestrel_str")!.members], [["off", [0, 2]], ["len", [2, 2]]]);
  assert.deepEqual([...btf.get("kestrel_x")!.members], [["a", [0, 6]], ["_pad0", [6, 2]]]);
  const dwarf = parseDwarf(
    [
      "0x00000010:   DW_TAG_structure_type",
      '                DW_AT_name\t("kestrel_s")',
      "                DW_AT_byte_size\t(0x18)",
      "",
      "0x00000020:     DW_TAG_member",
      '                  DW_AT_name\t("n")',
      '                  DW_AT_type\t(0x00000050 "__u32")',
      "                  DW_AT_data_member_location\t(0x00)",
      "",
      "0x00000030:     DW_TAG_member",
      '                  DW_AT_name\t("arr")',
      '                  DW_AT_type\t(0x00000060 "__u8[16]")',
      "                  DW_AT_data_member_location\t(0x08)",
      "",
      "0x00000040:     NULL",
      "",
      "0x00000050:   DW_TAG_typedef",
      '                DW_AT_type\t(0x00000058 "unsigned int")',
      "",
      "0x00000058:   DW_TAG_base_type",
      "                DW_AT_byte_size\t(0x04)",
      "",
      "0x00000060:   DW_TAG_array_type",
      '                DW_AT_type\t(0x00000070 "__u8")',
      "",
      "0x00000065:     DW_TAG_subrange_type",
      "                  DW_AT_count\t(0x10)",
      "",
      "0x0000006a:     NULL",
      "",
      "0x00000070:   DW_TAG_base_type",
      "                DW_AT_byte_size\t(0x01)",
    ].join("\n"),
  );
  assert.deepEqual(dwarf.get("kestrel_s"), {
    size: 24,
    members: new Map([["n", [0, 4]], ["arr", [8, 16]]]),
  });
});
