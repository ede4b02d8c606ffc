import assert from "node:assert/strict";
import {
  ecsValueType,
  EXTENSION_FIELDS,
  type FieldInfo,
  Schema,
  SENSOR_FIELDS,
} from "../../engine/schema.ts";
import { generateEcsTable, parseCsv } from "../../tools/ecs_gen.ts";

const ECS_CSV = new URL("../../../shared/ecs/fields.csv", import.meta.url);
const GENERATED = new URL("../../engine/ecs_fields.generated.ts", import.meta.url);

/** Looks a field up and fails the test if it is missing. */
function field(schema: Schema, name: string): FieldInfo {
  const info = schema.lookup(name);
  assert.ok(info, `${name} should be registered`);
  return info;
}

Deno.test("schema: known ECS fields carry their types", () => {
  const s = Schema.ecs();
  const cases: [string, string, boolean][] = [
    ["process.pid", "number", false],
    ["user.id", "string", false],
    ["group.id", "string", false],
    ["process.args", "string", true],
    ["source.ip", "ip", false],
    ["@timestamp", "date", false],
    ["process.parent.name", "string", false],
    ["process.interactive", "boolean", false],
    ["process.tty", "object", false],
    ["event.category", "string", true],
  ];
  for (const [name, type, array] of cases) {
    const f = field(s, name);
    assert.equal(f.type, type, `${name} type`);
    assert.equal(f.array, array, `${name} array`);
    assert.equal(f.origin, "ecs", `${name} origin`);
    assert.equal(f.name, name);
  }
  assert.equal(field(s, "process.pid").ecsType, "long");
  assert.equal(s.lookup("process.no_such_field"), undefined);
});

Deno.test("schema: ECS type mapping", () => {
  assert.equal(ecsValueType("keyword"), "string");
  assert.equal(ecsValueType("match_only_text"), "string");
  assert.equal(ecsValueType("scaled_float"), "number");
  assert.equal(ecsValueType("unsigned_long"), "number");
  assert.equal(ecsValueType("flattened"), "object");
  assert.equal(ecsValueType("geo_point"), "object");
  assert.equal(ecsValueType("date"), "date");
  assert.equal(ecsValueType("ip"), "ip");
  assert.equal(ecsValueType("boolean"), "boolean");
  assert.equal(ecsValueType("histogram"), "unknown");
});

Deno.test("schema: ids are dense, stable and round-trip through byId", () => {
  const a = Schema.ecs();
  const b = Schema.ecs();
  assert.ok(a.size > 2000, `expected the full ECS table, got ${a.size} fields`);
  assert.equal(a.size, b.size);
  const fa = [...a.fields()];
  const fb = [...b.fields()];
  assert.equal(fa.length, a.size);
  assert.deepEqual(
    fa.map((f) => [f.id, f.name]),
    fb.map((f) => [f.id, f.name]),
  );
  fa.forEach((f, i) => {
    assert.equal(f.id, i);
    assert.equal(a.byId(i), f);
    assert.equal(a.lookup(f.name), f);
  });
  assert.throws(() => a.byId(-1), RangeError);
  assert.throws(() => a.byId(a.size), RangeError);
  assert.throws(() => a.byId(1.5), RangeError);
  assert.throws(() => a.byId(Number.NaN), RangeError);
});

Deno.test("schema: admit adds dynamic fields, idempotently and per registry", () => {
  const s = Schema.ecs();
  const size = s.size;
  const f = s.admit("winlog.event_data.TargetUserName", "string");
  assert.equal(f.origin, "dynamic");
  assert.equal(f.ecsType, "dynamic");
  assert.equal(f.type, "string");
  assert.equal(f.populated, false);
  assert.equal(f.id, size);
  assert.equal(s.size, size + 1);
  assert.equal(s.byId(size), f);
  assert.equal(s.lookup(f.name), f);
  assert.deepEqual([...s.fields()].at(-1), f);

  // Idempotent: the first type sticks.
  assert.equal(s.admit("winlog.event_data.TargetUserName", "number"), f);
  assert.equal(s.size, size + 1);
  // A known ECS field is returned as it is.
  assert.equal(s.admit("process.pid", "string"), s.lookup("process.pid"));
  assert.equal(s.size, size + 1);
  // Dynamic fields create object prefixes too.
  assert.equal(s.isObjectPrefix("winlog.event_data"), true);

  // Another registry does not see it.
  const other = Schema.ecs();
  assert.equal(other.lookup("winlog.event_data.TargetUserName"), undefined);
  assert.equal(other.size, size);
  assert.equal(other.isObjectPrefix("winlog.event_data"), false);
  assert.throws(() => s.admit("", "string"), TypeError);
});

Deno.test("schema: isObjectPrefix", () => {
  const s = Schema.ecs();
  assert.equal(s.isObjectPrefix("process.parent"), true);
  assert.equal(s.isObjectPrefix("process"), true);
  assert.equal(s.isObjectPrefix("process.tty"), true); // an object-typed field with children
  assert.equal(s.isObjectPrefix("file.Ext"), true); // extension fields count
  assert.equal(s.isObjectPrefix("process.pid"), false);
  assert.equal(s.isObjectPrefix("process.command_line"), false); // a string with a `.text` multi-field
  assert.equal(s.isObjectPrefix("process.par"), false);
  assert.equal(s.isObjectPrefix(""), false);
});

Deno.test("schema: populated flags follow the sensor field list", () => {
  const s = Schema.ecs();
  for (
    const name of [
      "process.entity_id",
      "process.parent.entity_id",
      "process.entry_leader.real_user.id",
      "process.exit_code",
      "host.os.type",
      "file.Ext.original.path",
      "dns.question.name",
    ]
  ) {
    assert.equal(field(s, name).populated, true, `${name} should be populated`);
  }
  for (const name of ["cloud.account.id", "process.command_line.text", "process.parent.tty"]) {
    assert.equal(field(s, name).populated, false, `${name} should not be populated`);
  }
  // Every entry of the list names at least one registered field (catches typos).
  const names = [...s.fields()].map((f) => f.name);
  for (const entry of SENSOR_FIELDS) {
    const ok = entry.endsWith(".*")
      ? names.some((n) => n.startsWith(entry.slice(0, -1)))
      : names.includes(entry);
    assert.ok(ok, `SENSOR_FIELDS entry ${entry} matches no registered field`);
  }
});

Deno.test("schema: extension fields are registered", () => {
  const s = Schema.ecs();
  assert.ok(EXTENSION_FIELDS.length >= 4);
  for (const [name, ecsType, array] of EXTENSION_FIELDS) {
    const f = field(s, name);
    assert.equal(f.origin, "extension", `${name} should not be core ECS`);
    assert.equal(f.ecsType, ecsType);
    assert.equal(f.array, array);
  }
  assert.equal(field(s, "file.Ext.original.extension").type, "string");
  assert.equal(field(s, "kestrel.alert.degraded").type, "boolean");
  // Extensions come after every ECS field, so ECS ids do not move when the list grows.
  const firstExtension = [...s.fields()].findIndex((f) => f.origin === "extension");
  assert.ok([...s.fields()].slice(firstExtension).every((f) => f.origin === "extension"));
});

Deno.test("ecs_gen: the committed table matches the ECS CSV (run `deno task gen` if not)", async () => {
  let csv: string;
  try {
    csv = await Deno.readTextFile(ECS_CSV);
  } catch (e) {
    throw new Error(
      `cannot read the ECS field table at ${ECS_CSV.pathname} (the shared ECS data must sit ` +
        `beside the repository as ../shared/ecs/fields.csv): ${e}`,
    );
  }
  const committed = await Deno.readTextFile(GENERATED);
  assert.equal(generateEcsTable(csv), committed);
});

Deno.test("ecs_gen: output is sorted, typed and marks arrays", () => {
  const csv = [
    "ECS_Version,Indexed,Field_Set,Field,Type,Level,Normalization,Example,Description",
    '9.0.0,true,process,process.pid,long,core,,4242,"Process id, a number."',
    '9.0.0,true,process,process.args,keyword,extended,array,"[""/bin/sh"", ""-c""]","Args,\nmany lines"',
    "9.0.0,true,base,@timestamp,date,core,,2016-05-23T08:05:34.853Z,When.",
    "",
  ].join("\r\n");
  const out = generateEcsTable(csv);
  assert.ok(
    out.startsWith("// Generated by `deno task gen` from the ECS field table; do not edit.\n"),
  );
  assert.ok(out.includes('export const ECS_VERSION = "9.0.0";'));
  assert.ok(
    out.includes(
      "export const ECS_FIELD_TABLE = `@timestamp\\tdate\\t0\n" +
        "process.args\\tkeyword\\t1\nprocess.pid\\tlong\\t0`;",
    ),
  );
  assert.equal(generateEcsTable(csv), out); // deterministic
  assert.throws(
    () => generateEcsTable("Field,Type\nx,keyword\n"),
    /missing column "Normalization"/,
  );
  assert.throws(
    () => generateEcsTable("Field,Type,Normalization\nx,keyword\n"),
    /record 2: 2 columns, expected 3/,
  );
  assert.throws(
    () => generateEcsTable("Field,Type,Normalization\nx,keyword,\nx,long,\n"),
    /listed twice/,
  );
});

Deno.test("ecs_gen: parseCsv handles RFC 4180 quoting", () => {
  assert.deepEqual(
    parseCsv('a,"b,c","say ""hi""","line1\nline2",\r\nx,,"",y\n\n"last"'),
    [["a", "b,c", 'say "hi"', "line1\nline2", ""], ["x", "", "", "y"], ["last"]],
  );
  assert.deepEqual(parseCsv("\ufeffh1,h2\n1,2"), [["h1", "h2"], ["1", "2"]]);
  assert.deepEqual(parseCsv('""\n'), [[""]]); // a quoted empty field is a record, not a blank line
  assert.deepEqual(parseCsv("a\rb\r\n"), [["a"], ["b"]]);
  assert.deepEqual(parseCsv(""), []);
  assert.throws(() => parseCsv('a\n"open\nstill open'), /line 2: unterminated quoted field/);
  assert.throws(() => parseCsv('a,b"c'), /line 1: quote inside an unquoted field/);
  assert.throws(() => parseCsv('"x"\n"a"b'), /line 2: unexpected text after a closing quote/);
});
