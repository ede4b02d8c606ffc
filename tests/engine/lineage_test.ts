import assert from "node:assert/strict";
import { type Event, FieldPaths, JsonEvent } from "../../engine/event.ts";
import { LineageTracker, type ProcessRelations } from "../../engine/lineage.ts";
import { Schema } from "../../engine/schema.ts";

/** An ECS event of process `entity` (parent `parent`), named `name`, with `event.type` `type`. */
function makeEvents(schema: Schema) {
  const paths = new FieldPaths(schema);
  let seq = 0;
  return (entity: string | undefined, parent?: string, name = "other", type = "info"): Event => {
    seq++;
    const process: Record<string, unknown> = { name };
    if (entity !== undefined) process.entity_id = entity;
    if (parent !== undefined) process.parent = { entity_id: parent };
    return new JsonEvent({ event: { type: [type] }, process }, BigInt(seq), seq, paths);
  };
}

/** A tracker with one subquery, `process.name == "bash"`, and an event factory. */
function setup(opts: { capacity?: number; maxDepth?: number; relations?: ProcessRelations } = {}) {
  const schema = Schema.ecs();
  const nameId = schema.lookup("process.name")!.id;
  const tracker = new LineageTracker({ schema, ...opts });
  const h = tracker.register((ev) => ev.get(nameId) === "bash");
  const ev = makeEvents(schema);
  /** Observes and returns the event, as the engine does before evaluating rules. */
  const see = (...args: Parameters<typeof ev>): Event => {
    const e = ev(...args);
    tracker.observe(e);
    return e;
  };
  return { tracker, h, ev, see };
}

Deno.test("lineage: event, child and descendant across three generations", () => {
  const { tracker, h, see } = setup();
  const a = see("A", "init", "bash");
  const b = see("B", "A", "python");
  const c = see("C", "B", "curl");
  assert.equal(tracker.test(h, "event", a), true);
  assert.equal(tracker.test(h, "event", b), false);
  assert.equal(tracker.test(h, "child", a), false);
  assert.equal(tracker.test(h, "child", b), true);
  assert.equal(tracker.test(h, "child", c), false);
  assert.equal(tracker.test(h, "descendant", a), false);
  assert.equal(tracker.test(h, "descendant", b), true);
  assert.equal(tracker.test(h, "descendant", c), true);
  // Later events of the same processes keep their relations.
  assert.equal(tracker.test(h, "descendant", see("C", "B", "curl")), true);
  assert.equal(tracker.test(h, "event", see("A", "init", "other")), true);
  assert.equal(tracker.parentOf("C"), "B");
  assert.equal(tracker.parentOf("B"), "A");
});

Deno.test("lineage: a match after the link was recorded is found by walking", () => {
  const { tracker, h, see } = setup();
  see("A", "init", "sshd");
  see("B", "A", "sh");
  const c = see("C", "B", "curl");
  assert.equal(tracker.test(h, "descendant", c), false);
  see("A", "init", "bash"); // A matches only now
  assert.equal(tracker.test(h, "descendant", c), true);
  assert.equal(tracker.test(h, "child", see("B", "A", "sh")), true);
});

Deno.test("lineage: the walk is bounded by maxDepth", () => {
  const { tracker, h, see } = setup({ maxDepth: 1 });
  see("A", "init", "sshd");
  see("B", "A", "sh");
  const c = see("C", "B", "curl");
  see("A", "init", "bash");
  assert.equal(tracker.test(h, "descendant", see("B", "A")), true);
  assert.equal(tracker.test(h, "descendant", c), false);
});

Deno.test("lineage: a double fork stays a descendant after the middle process exits", () => {
  const { tracker, h, see } = setup();
  see("A", "init", "bash");
  see("B", "A", "sh", "start");
  see("C", "B", "sh", "start");
  const bEnd = see("B", "A", "sh", "end");
  // The end event itself is still related: removal waits for the next event.
  assert.equal(tracker.test(h, "child", bEnd), true);
  see("A", "init", "bash", "end");
  const c = see("C", "B", "nc");
  assert.equal(tracker.size, 1, "A and B left the table");
  assert.equal(tracker.test(h, "descendant", c), true);
  assert.equal(tracker.test(h, "child", c), false);
  // A grandchild created after both exits inherits through C.
  const d = see("D", "C", "id");
  assert.equal(tracker.test(h, "descendant", d), true);
});

Deno.test("lineage: child of a parent that has exited", () => {
  const { tracker, h, see } = setup();
  see("A", "init", "bash");
  see("B", "A", "sh", "start");
  see("A", "init", "bash", "end");
  const b = see("B", "A", "sh");
  assert.equal(tracker.test(h, "child", b), true);
  assert.equal(tracker.test(h, "descendant", b), true);
});

Deno.test("lineage: unrelated processes and events without an entity", () => {
  const { tracker, h, see } = setup();
  see("A", "init", "bash");
  const x = see("X", "init", "sh");
  const y = see("Y", "X", "sh");
  const none = see(undefined, undefined, "bash");
  for (const e of [x, y, none]) {
    assert.equal(tracker.test(h, "event", e), false);
    assert.equal(tracker.test(h, "child", e), false);
    assert.equal(tracker.test(h, "descendant", e), false);
  }
  assert.equal(tracker.test(99, "event", see("A", "init", "bash")), false, "unknown handle");
});

Deno.test("lineage: an entity id reused after the end is a new process", () => {
  const { tracker, h, see } = setup();
  see("P", "init", "bash");
  const end = see("P", "init", "bash", "end");
  assert.equal(tracker.test(h, "event", end), true);
  see("Z", "init", "other");
  const reused = see("P", "init", "cron");
  assert.equal(tracker.test(h, "event", reused), false);
  const child = see("Q", "P", "sh");
  assert.equal(tracker.test(h, "child", child), false);
  assert.equal(tracker.test(h, "descendant", child), false);
});

Deno.test("lineage: parent link cycles terminate", () => {
  const { tracker, h, see } = setup();
  const a = see("A", "B", "sh");
  see("B", "A", "sh");
  assert.equal(tracker.test(h, "descendant", a), false);
});

Deno.test("lineage: external relations fill in missing parent links", () => {
  const external: ProcessRelations = {
    parentOf: (id) => ({ C: "B", B: "A" } as Record<string, string>)[id],
  };
  const { tracker, h, see } = setup({ relations: external });
  see("A", undefined, "bash");
  const c = see("C", undefined, "curl");
  assert.equal(tracker.parentOf("C"), "B");
  assert.equal(tracker.test(h, "descendant", c), true);
  assert.equal(tracker.test(h, "child", c), false);
});

Deno.test("lineage: legacy unique_pid / unique_ppid fields and terminate events", () => {
  const schema = Schema.ecs();
  const tracker = new LineageTracker({
    schema,
    entityField: "unique_pid",
    parentEntityField: "unique_ppid",
  });
  const nameId = schema.lookup("process_name")?.id ?? schema.admit("process_name", "string").id;
  const h = tracker.register((ev) => ev.get(nameId) === "winword.exe");
  const paths = new FieldPaths(schema);
  let seq = 0;
  const see = (doc: Record<string, unknown>): Event => {
    const e = new JsonEvent(doc, BigInt(++seq), seq, paths);
    tracker.observe(e);
    return e;
  };
  const word = { event_type: "process", subtype: "create", unique_pid: 10, unique_ppid: 1 };
  see({ ...word, process_name: "winword.exe" });
  const cmd = see({ event_type: "process", subtype: "create", unique_pid: 11, unique_ppid: 10 });
  const net = see({ event_type: "network", unique_pid: 12, unique_ppid: 11 });
  assert.equal(tracker.test(h, "child", cmd), true);
  assert.equal(tracker.test(h, "descendant", net), true);
  assert.equal(tracker.test(h, "child", net), false);
  assert.equal(tracker.size, 3);
  see({ event_type: "Process", subtype: "Terminate", unique_pid: 12, unique_ppid: 11 });
  see({ event_type: "file", unique_pid: 11, unique_ppid: 10 });
  assert.equal(tracker.size, 2, "the terminated process left the table");
});

Deno.test("lineage: the process table is bounded by its capacity", () => {
  const { tracker, h, see } = setup({ capacity: 3 });
  see("A", "init", "bash");
  for (let i = 0; i < 10; i++) see(`N${i}`, "init");
  assert.equal(tracker.size, 3);
  assert.equal(tracker.evicted, 8);
  // A was evicted, so a child arriving now cannot be related to it.
  assert.equal(tracker.test(h, "child", see("B", "A")), false);
  // Recently seen processes survive: touching N9 keeps it while others go.
  see("N9", "init");
  see("X1", "init");
  see("X2", "init");
  assert.equal(tracker.parentOf("N9"), "init");
  assert.equal(tracker.parentOf("N8"), undefined);
});
