/**
 * `kestrel convert IN OUT`: NDJSON (`.ndjson`, `.jsonl`) ↔ `.klog`, by
 * extension (`-` reads standard input, by its content, or writes NDJSON to
 * standard output). Events keep their JSON exactly, key order included;
 * a klog's recorded heartbeats and intervals of lost records have no NDJSON
 * form: they are counted, and lost records are warned about (replay of the
 * NDJSON cannot mark the alerts they overlap degraded).
 *
 * @module
 */
import { FieldPaths, type JsonEvent } from "../engine/event.ts";
import { Schema } from "../engine/schema.ts";
import { eventLine } from "../sensor/event_log.ts";
import { LineWriter } from "../log/line_writer.ts";
import { KlogWriter } from "../log/klog.ts";
import { type EventSource, openEvents } from "./events.ts";
import { EXIT, parseFlags, UsageError } from "./usage.ts";

const HELP = `Usage: kestrel convert IN OUT [--timestamp-field FIELD]

Converts an event log between NDJSON (.ndjson, .jsonl) and .klog, by the
extensions of IN and OUT (IN "-" is standard input, recognised by its content;
OUT "-" writes NDJSON to standard output). Events keep their JSON exactly;
a klog's recorded heartbeats and intervals of lost records have no NDJSON form
(they are counted on stderr; lost records with a warning).

Options:
  --timestamp-field FIELD   event time field of an NDJSON input (default @timestamp)
  -h, --help                show this help`;

type Format = "ndjson" | "klog";

function formatOf(path: string): Format | undefined {
  if (path.endsWith(".klog")) return "klog";
  if (path.endsWith(".ndjson") || path.endsWith(".jsonl") || path.endsWith(".json")) {
    return "ndjson";
  }
  return undefined;
}

/** Runs `kestrel convert`; returns the exit code. */
export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags("convert", argv, {
    "timestamp-field": { type: "string" },
    help: { type: "boolean", short: "h" },
  }, true);
  if (values.help) {
    console.log(HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 2) {
    throw new UsageError("kestrel convert: give IN and OUT (see kestrel convert --help)");
  }
  const [input, output] = positionals;
  const outFormat = output === "-" ? "ndjson" : formatOf(output);
  if (outFormat === undefined) {
    throw new UsageError(
      `kestrel convert: OUT must end in .klog, .ndjson or .jsonl, not ${JSON.stringify(output)}`,
    );
  }
  if (input !== "-" && formatOf(input) === outFormat) {
    throw new UsageError(`kestrel convert: ${input} and ${output} are both ${outFormat}`);
  }
  const source = await openEvents(input, {
    paths: new FieldPaths(Schema.ecs()),
    timestampField: values["timestamp-field"],
    command: "convert",
  });
  const out = output === "-"
    ? Deno.stdout
    : await Deno.open(output, { write: true, create: true, truncate: true });
  let events = 0, heartbeats = 0, lost = 0;
  try {
    if (outFormat === "klog") {
      const writer = new KlogWriter(out);
      for await (const batch of source.batches) {
        // Lost records come before the events that followed them, as read.
        for (const d of batch.lost ?? []) writer.drops(d.from, d.to, BigInt(d.count)), lost++;
        for (const ev of batch) {
          // NDJSON events keep the object as read; anything else is serialised.
          const doc = (ev as JsonEvent).doc ?? ev.toJSON();
          writer.writeDoc(doc, ev.timestamp);
          events++;
        }
        if (batch.watermarkNs !== undefined) writer.heartbeat(batch.watermarkNs), heartbeats++;
        await writer.writeClosed();
      }
      await writer.flush();
    } else {
      const writer = new LineWriter(out, 256 * 1024);
      for await (const batch of source.batches) {
        lost += batch.lost?.length ?? 0;
        for (const ev of batch) writer.push(eventLine(ev)), events++;
        if (batch.watermarkNs !== undefined) heartbeats++;
        await writer.flushIfFull();
      }
      await writer.flush();
    }
  } finally {
    if (out !== Deno.stdout) (out as Deno.FsFile).close();
  }
  if (lost > 0 && outFormat === "ndjson") {
    console.error(
      `kestrel convert: ${input}: ${lost} recorded interval(s) of lost records are not in ` +
        `${output}: NDJSON cannot carry them, so its replay cannot mark the alerts they overlap degraded`,
    );
  }
  console.error(JSON.stringify(summary(source, { events, heartbeats, lost }, outFormat)));
  return EXIT.ok;
}

/** What was read and written; heartbeats and lost intervals only when there were some. */
function summary(
  source: EventSource,
  n: { events: number; heartbeats: number; lost: number },
  to: Format,
) {
  const { heartbeats, lost } = n;
  return {
    ...source.stats,
    written: n.events,
    ...(heartbeats ? { heartbeats, heartbeats_written: to === "klog" ? heartbeats : 0 } : {}),
    ...(lost ? { lost_intervals: lost, lost_intervals_written: to === "klog" ? lost : 0 } : {}),
  };
}
