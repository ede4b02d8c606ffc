/**
 * Run by `libbpf_test.ts` as an unprivileged user: loads the object named on
 * the command line and prints the error message (or "loaded").
 *
 * @module
 */
import { BpfObject } from "../../ffi/libbpf.ts";

try {
  using obj = BpfObject.openMem(Deno.readFileSync(Deno.args[0]), "selftest");
  obj.load();
  console.log("loaded");
} catch (e) {
  console.log((e as Error).message);
}
