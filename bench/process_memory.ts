/**
 * Memory of a running process from `/proc`, and the baseline the idle
 * budgets compare against: a bare `Deno.serve` hello-world after one
 * request. Shared by the idle benchmarks.
 *
 * @module
 */

/** Resident memory figures of a process, in KiB. */
export interface ProcessMemory {
  rss: number;
  hwm: number;
  anon: number;
  file: number;
  shmem: number;
}

/** Reads `/proc/PID/status`. */
export function processMemory(pid: number): ProcessMemory {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return {
    rss: kb("VmRSS"),
    hwm: kb("VmHWM"),
    anon: kb("RssAnon"),
    file: kb("RssFile"),
    shmem: kb("RssShmem"),
  };
}

/** Starts a bare `Deno.serve` hello-world, sends one request, settles, and returns its memory. */
export async function helloWorldMemory(settleMs = 2000): Promise<ProcessMemory> {
  const hello = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--no-config",
      `Deno.serve({ port: 0, onListen: ({ port }) => console.error("listening " + port) }, () => new Response("hello"));`,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let port = 0;
  for await (const chunk of hello.stderr.pipeThrough(new TextDecoderStream())) {
    const m = /listening (\d+)/.exec(chunk);
    if (m) {
      port = Number(m[1]);
      break;
    }
  }
  await (await fetch(`http://127.0.0.1:${port}/`)).text();
  await new Promise((r) => setTimeout(r, settleMs));
  const mem = processMemory(hello.pid);
  hello.kill("SIGTERM");
  await hello.status;
  return mem;
}
