/**
 * The bare NDJSON loop the replay benchmarks compare against: the file read
 * in the same 1 MiB chunks as replay, split into lines, `JSON.parse` of
 * each, nothing else. Shared by the replay and `.klog` benchmarks.
 *
 * @module
 */
import { fileStream } from "../log/ndjson.ts";

/** Parses every non-empty line of the NDJSON file `path`; returns how many. */
export async function bareParseLoop(path: string): Promise<number> {
  const decoder = new TextDecoder();
  let rest = "", n = 0;
  // The same 1 MiB reads as replay, so the comparison is of the work per line.
  for await (const chunk of fileStream(await Deno.open(path))) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    rest = lines.pop()!;
    for (const line of lines) if (line) JSON.parse(line), n++;
  }
  if (rest) JSON.parse(rest), n++;
  return n;
}
