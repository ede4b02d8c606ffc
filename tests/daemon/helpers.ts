/**
 * The daemon as a real subprocess (`deno run main.ts run --config FILE
 * --listen 127.0.0.1:0`), a scratch workspace for its configuration,
 * rules, data and logs, and real clients: fetch for REST, listeners for
 * syslog and a webhook receiver. Waits are bounded polls, never timing
 * assertions.
 */
import assert from "node:assert/strict";

/** The CLI entry point. */
export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** Collects a stream's text; `until(pattern)` resolves once it has appeared. */
export class Collector {
  #text = "";
  readonly #waiters: { pattern: RegExp; resolve: () => void }[] = [];
  /** Settles when the stream ends. */
  readonly done: Promise<void>;

  /** Starts reading `stream`. */
  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        this.#text += chunk;
        for (const w of this.#waiters.splice(0)) {
          if (w.pattern.test(this.#text)) w.resolve();
          else this.#waiters.push(w);
        }
      }
    })();
  }

  /** Everything read so far. */
  get text(): string {
    return this.#text;
  }

  /** Resolves once `pattern` matches the text, or when the stream ends. */
  async until(pattern: RegExp): Promise<boolean> {
    if (!pattern.test(this.#text)) {
      const seen = new Promise<void>((resolve) => this.#waiters.push({ pattern, resolve }));
      await Promise.race([seen, this.done]);
    }
    return pattern.test(this.#text);
  }
}

/** Polls `probe` until it returns a value other than undefined (bounded; not a timing check). */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  limitMs = 30_000,
): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A scratch directory with `rules/`, `data/` and `logs/`, and the config file beside them. */
export class Workspace {
  /** The directory (real path). */
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** A fresh workspace. */
  static async create(prefix: string): Promise<Workspace> {
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: `kestrel-${prefix}-` }));
    for (const sub of ["rules", "data", "logs"]) await Deno.mkdir(`${dir}/${sub}`);
    return new Workspace(dir);
  }

  /** The rules directory. */
  get rules(): string {
    return `${this.dir}/rules`;
  }

  /** The data directory (API token, webhook queue). */
  get data(): string {
    return `${this.dir}/data`;
  }

  /** The directory analyze may read. */
  get logs(): string {
    return `${this.dir}/logs`;
  }

  /** The config file. */
  get config(): string {
    return `${this.dir}/kestrel.toml`;
  }

  /**
   * Writes `text` to `rel` under the workspace, atomically (a temporary file
   * renamed into place), so a reload never reads half a rule file.
   */
  async write(rel: string, text: string): Promise<string> {
    const path = `${this.dir}/${rel}`;
    const tmp = `${this.dir}/.write-${crypto.randomUUID()}`;
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, path);
    return path;
  }

  /**
   * Writes the config file: data, rules and analyze directories in the
   * workspace, BPF off unless `ebpf`; `http` and `alerts` lines go in those
   * tables, then `extra` TOML (other tables).
   */
  async writeConfig(
    opts: { ebpf?: boolean; http?: string; alerts?: string; extra?: string } = {},
  ): Promise<void> {
    await this.write(
      "kestrel.toml",
      [
        "[general]",
        `data_dir = "${this.data}"`,
        "[ebpf]",
        `enabled = ${opts.ebpf ?? false}`,
        "[http]",
        `analyze_dirs = ["${this.logs}"]`,
        opts.http ?? "",
        "[rules]",
        `dir = "${this.rules}"`,
        "[alerts]",
        opts.alerts ?? 'outputs = ["stdout"]',
        opts.extra ?? "",
        "",
      ].join("\n"),
    );
  }

  /** Makes a FIFO at `rel`; returns its path. */
  async fifo(rel: string): Promise<string> {
    const path = `${this.dir}/${rel}`;
    const r = await new Deno.Command("mkfifo", { args: [path] }).output();
    assert.ok(r.success, "mkfifo failed");
    return path;
  }

  /** Removes the workspace. */
  remove(): Promise<void> {
    return Deno.remove(this.dir, { recursive: true });
  }
}

/** A Kestrel rule file (YAML). */
export function rule(id: string, eql: string, severity = "high"): string {
  return `id: ${id}\nname: Rule ${id}\nseverity: ${severity}\neql: |\n  ${eql}\n`;
}

/** One NDJSON process event (exec) at second `s` of 2025-01-01, with `fields` merged in. */
export function execEvent(s: number, process: Record<string, unknown>): string {
  const ts = new Date(Date.UTC(2025, 0, 1) + s * 1000).toISOString();
  return JSON.stringify({
    "@timestamp": ts,
    event: { category: "process", type: "start", action: "exec" },
    host: { name: "test-host", id: "h1" },
    process,
  });
}

/** A running daemon subprocess. */
export class DaemonProcess {
  /** The child process. */
  readonly child: Deno.ChildProcess;
  /** Its standard output (alerts of the stdout output). */
  readonly stdout: Collector;
  /** Its standard error (log lines, the summary last). */
  readonly stderr: Collector;
  /** The REST API's base URL. */
  url = "";
  #status: Deno.CommandStatus | undefined;

  private constructor(child: Deno.ChildProcess) {
    this.child = child;
    this.stdout = new Collector(child.stdout);
    this.stderr = new Collector(child.stderr);
  }

  /**
   * Starts `kestrel run ARGS --listen 127.0.0.1:0` and waits until its live
   * source is up (or it has exited: then `url` is empty). `wrapper` is a
   * command that execs the rest of its arguments (e.g. capsh).
   */
  static async start(
    args: string[],
    env: Record<string, string> = {},
    wrapper: string[] = [],
  ): Promise<DaemonProcess> {
    const command = [
      ...wrapper,
      Deno.execPath(),
      ...["run", "-A", MAIN, "run", "--listen", "127.0.0.1:0", ...args],
    ];
    const child = new Deno.Command(command[0], {
      args: command.slice(1),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...env },
    }).spawn();
    const d = new DaemonProcess(child);
    await d.stderr.until(/collecting with|replaying .* as live events|no live event source/);
    d.url = /REST API on (http:\/\/\S+)/.exec(d.stderr.text)?.[1] ?? "";
    return d;
  }

  /** The API token the daemon generated in `dataDir`. */
  async token(dataDir: string): Promise<string> {
    return (await Deno.readTextFile(`${dataDir}/api.token`)).trim();
  }

  /** GET `path`, parsed as JSON. */
  async get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(this.url + path);
    return { status: res.status, body: await res.json() };
  }

  /** POST to `path` with `headers` and `body`, parsed as JSON. */
  async post(
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(this.url + path, { method: "POST", headers, body });
    return { status: res.status, body: await res.json() };
  }

  /** The `/metrics` text. */
  async metricsText(): Promise<string> {
    const res = await fetch(`${this.url}/metrics`);
    assert.equal(res.status, 200);
    return await res.text();
  }

  /** The sum of every sample of metric `name` (0 when absent). */
  async metric(name: string): Promise<number> {
    const text = await this.metricsText();
    let sum = 0;
    for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))) {
      sum += Number(m[1]);
    }
    return sum;
  }

  /** Waits until metric `name` is at least `n`. */
  waitMetric(name: string, n: number): Promise<number> {
    return poll(`${name} ≥ ${n}`, async () => {
      const v = await this.metric(name);
      return v >= n ? v : undefined;
    });
  }

  /** Sends `signal` and waits for the exit and both streams. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    if (this.#status === undefined) {
      try {
        this.child.kill(signal);
      } catch {
        // Already ended.
      }
      this.#status = await this.child.status;
      await Promise.all([this.stdout.done, this.stderr.done]);
    }
    return this.#status;
  }

  /** Waits for the exit without a signal. */
  async exited(): Promise<Deno.CommandStatus> {
    this.#status ??= await this.child.status;
    await Promise.all([this.stdout.done, this.stderr.done]);
    return this.#status;
  }

  /** Kills it if it still runs (for `finally`). */
  async kill(): Promise<void> {
    await this.stop("SIGKILL");
  }

  /** The alerts it printed on stdout. */
  alerts(): Record<string, unknown>[] {
    return this.stdout.text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
  }

  /** The summary line (the last line of stderr) after exit. */
  summary(): Record<string, unknown> {
    return JSON.parse(this.stderr.text.trim().split("\n").at(-1)!);
  }
}

/** `Authorization: Bearer <token>` plus `extra` headers. */
export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${token}`, ...extra };
}

/** Writes lines into a FIFO the daemon replays; open it only after the daemon started. */
export class FifoWriter {
  readonly #file: Deno.FsFile;
  readonly #enc = new TextEncoder();

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /** Opens `path` for writing (completes once the reader has it open). */
  static async open(path: string): Promise<FifoWriter> {
    return new FifoWriter(await Deno.open(path, { write: true }));
  }

  /** Writes `lines`, each ended by a newline. */
  async write(lines: string[]): Promise<void> {
    const data = this.#enc.encode(lines.map((l) => l + "\n").join(""));
    for (let off = 0; off < data.length;) off += await this.#file.write(data.subarray(off));
  }

  /** Closes the writing end: the daemon reads the end of input. */
  close(): void {
    this.#file.close();
  }
}
