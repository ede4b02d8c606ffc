/**
 * Alerts as RFC 5424 syslog messages over UDP (RFC 5426) or TCP (RFC 6587).
 *
 * One message per alert:
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`, where
 * - PRI = facility × 8 + severity; the facility is configured (`local0` by
 *   default), the severity follows the rule: critical → 2 (crit), high → 3
 *   (err), medium → 4 (warning), low → 5 (notice), anything else → 6 (info);
 * - TIMESTAMP is the alert's `@timestamp` cut to microseconds (RFC 5424
 *   allows six fraction digits), `-` if it is not RFC 3339;
 * - HOSTNAME, APP-NAME (`kestrel`), PROCID (the process id) and MSGID
 *   (`alert`) are printable ASCII, cut to their RFC lengths, `-` when empty;
 * - SD is one element `[kestrel@32473 id="…" rule="…" severity="…" action="…"]`
 *   (32473 is the documentation enterprise number of RFC 5612; set `sdId` to
 *   your own), with `truncated="true"` added when MSG had to be shortened;
 * - MSG is the alert's canonical JSON line, without a byte order mark.
 *
 * Size: a message is at most `maxMessageBytes` (default 8192: what common
 * collectors accept by default, and well under the 65,507-byte UDP limit).
 * A longer one is sent with the alert's `events` emptied — still valid alert
 * JSON, flagged `truncated` in SD; if even that is too long it is cut at a
 * UTF-8 character boundary.
 *
 * UDP sends one datagram per alert. TCP frames each message with octet
 * counting (`LEN SP MSG`), reconnects with capped exponential backoff and
 * resends the messages of a failed write (at least once). Plain TCP has no
 * acknowledgements: messages written while the collector is closing its end
 * are lost without an error (RFC 6587 §3.4); the output notices the close
 * (it watches the connection for EOF) and reconnects. The queue is
 * bounded (`maxQueued`): when full, new alerts are dropped and counted. On
 * close, messages still queued because the collector is unreachable are
 * counted as dropped.
 *
 * @module
 */
import dgram from "node:dgram";
import { type Alert, serializeAlert } from "../engine/alerts.ts";
import { Backoff, Sleeper } from "./backoff.ts";
import {
  type AlertOutput,
  errorMessage,
  type OutputLog,
  type OutputStats,
  stderrLog,
} from "./types.ts";

/** Syslog transports. */
export type SyslogProtocol = "udp" | "tcp";

/** Options of {@link SyslogOutput}. */
export interface SyslogOutputOptions {
  /** Collector host name or address. */
  host: string;
  /** Collector port (514 is usual for UDP, 514 or 601 for TCP). */
  port: number;
  /** Default `udp`. */
  protocol?: SyslogProtocol;
  /** Facility name (`local0`…`local7`, `daemon`, `auth`, …) or code 0–23. Default `local0`. */
  facility?: string | number;
  /** APP-NAME. Default `kestrel`. */
  appName?: string;
  /** HOSTNAME. Default: this machine's host name. */
  hostname?: string;
  /** PROCID. Default: this process id. */
  procId?: string;
  /** MSGID. Default `alert`. */
  msgId?: string;
  /** SD-ID of the structured-data element. Default `kestrel@32473`. */
  sdId?: string;
  /** Longest message in bytes (see the module doc). Default 8192; at most 65,507 for UDP. */
  maxMessageBytes?: number;
  /** Messages held at most while the collector is unreachable. Default 10,000. */
  maxQueued?: number;
  /** First retry delay in ms. Default 500. */
  backoffMs?: number;
  /** Longest retry delay in ms. Default 30,000. */
  maxBackoffMs?: number;
  /** Where connection problems are reported. Default: standard error. */
  log?: OutputLog;
}

/** Syslog facility codes by name (RFC 5424 §6.2.1, with the usual names). */
export const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  security: 13,
  console: 14,
  clock: 15,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

/** The facility code for a name or code; throws a RangeError naming the bad value. */
export function facilityCode(facility: string | number): number {
  const code = typeof facility === "number" ? facility : FACILITIES[facility.toLowerCase()];
  if (code === undefined || !Number.isInteger(code) || code < 0 || code > 23) {
    throw new RangeError(
      `unknown syslog facility ${JSON.stringify(facility)} (expected ${
        Object.keys(FACILITIES).join(", ")
      } or 0-23)`,
    );
  }
  return code;
}

/** The syslog severity (0–7) for a rule severity, as listed in the module doc. */
export function syslogSeverity(ruleSeverity: string): number {
  switch (ruleSeverity.toLowerCase()) {
    case "critical":
      return 2;
    case "high":
      return 3;
    case "medium":
      return 4;
    case "low":
      return 5;
    default:
      return 6;
  }
}

/** The fixed parts of every message. */
export interface SyslogHeader {
  /** Facility code 0–23. */
  facility: number;
  /** HOSTNAME field. */
  hostname: string;
  /** APP-NAME field. */
  appName: string;
  /** PROCID field. */
  procId: string;
  /** MSGID field. */
  msgId: string;
  /** SD-ID of the structured-data element. */
  sdId: string;
}

const encoder = new TextEncoder();

/** The RFC 5424 message for `alert` (its JSON `line` as MSG), at most `maxBytes` bytes. */
export function formatSyslog(
  alert: Alert,
  line: string,
  header: SyslogHeader,
  maxBytes: number,
): Uint8Array {
  const pri = header.facility * 8 + syslogSeverity(alert.kestrel.rule.severity);
  const prefix = `<${pri}>1 ${syslogTimestamp(alert["@timestamp"])} ` +
    `${headerField(header.hostname, 255)} ${headerField(header.appName, 48)} ` +
    `${headerField(header.procId, 128)} ${headerField(header.msgId, 32)} `;
  const full = encoder.encode(`${prefix}${structuredData(alert, header.sdId, false)} ${line}`);
  if (full.length <= maxBytes) return full;
  const reduced = serializeAlert({ ...alert, events: [] });
  const short = encoder.encode(`${prefix}${structuredData(alert, header.sdId, true)} ${reduced}`);
  return short.length <= maxBytes ? short : cutUtf8(short, maxBytes);
}

/** Octet-counting framing (RFC 6587 §3.4.1): `LEN SP MSG`. */
export function octetFrame(message: Uint8Array): Uint8Array {
  const len = encoder.encode(`${message.length} `);
  const out = new Uint8Array(len.length + message.length);
  out.set(len);
  out.set(message, len.length);
  return out;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function syslogTimestamp(ts: string): string {
  const m = RFC3339.exec(ts);
  if (m === null) return "-";
  return `${m[1]}${m[2] === undefined ? "" : m[2].slice(0, 7)}${m[3]}`;
}

/** Printable US-ASCII (33–126), others replaced by `_`, cut to `max`; `-` when empty. */
function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, "_").slice(0, max);
  return clean === "" ? "-" : clean;
}

function structuredData(alert: Alert, sdId: string, truncated: boolean): string {
  const { alert: a, rule } = alert.kestrel;
  const params: [string, string][] = [
    ["id", a.id],
    ["rule", rule.id],
    ["severity", rule.severity],
    ["action", a.action],
  ];
  if (truncated) params.push(["truncated", "true"]);
  const id = sdName(sdId);
  return `[${id}${params.map(([k, v]) => ` ${k}="${sdEscape(v)}"`).join("")}]`;
}

/** SD-NAME: printable ASCII except `=`, space, `]` and `"`, at most 32 characters. */
function sdName(name: string): string {
  return headerField(name.replace(/[=\]"]/g, "_"), 32);
}

/** PARAM-VALUE escaping (RFC 5424 §6.3.3). */
function sdEscape(value: string): string {
  return value.replace(/["\\\]]/g, "\\$&");
}

/** The longest prefix of `bytes` within `max` bytes that ends on a character boundary. */
function cutUtf8(bytes: Uint8Array, max: number): Uint8Array {
  let end = Math.min(max, bytes.length);
  // Back off continuation bytes (10xxxxxx) so a multi-byte character is never split.
  while (end > 0 && end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

/** How messages leave: one call per batch. */
interface Transport {
  /** Sends `messages` in order; on failure throws a {@link SendError}. */
  send(messages: readonly Uint8Array[]): Promise<void>;
  close(): Promise<void>;
}

/** A failed send: how many messages of the batch went out before it, and whether to retry. */
class SendError extends Error {
  constructor(message: string, readonly sent: number, readonly permanent: boolean) {
    super(message);
  }
}

class UdpTransport implements Transport {
  readonly #host: string;
  readonly #port: number;
  #socket: dgram.Socket | undefined;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  async send(messages: readonly Uint8Array[]): Promise<void> {
    this.#socket ??= dgram.createSocket(this.#host.includes(":") ? "udp6" : "udp4");
    const socket = this.#socket;
    for (let i = 0; i < messages.length; i++) {
      await new Promise<void>((resolve, reject) => {
        socket.send(messages[i], this.#port, this.#host, (err) => {
          if (err === null || err === undefined) return resolve();
          // Only a message too large for the path can never go out; anything else may pass later.
          const permanent = (err as { code?: string }).code === "EMSGSIZE";
          reject(new SendError(err.message, i, permanent));
        });
      });
    }
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

class TcpTransport implements Transport {
  readonly #host: string;
  readonly #port: number;
  #conn: Deno.TcpConn | undefined;
  #reader: Promise<void> | undefined;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  async send(messages: readonly Uint8Array[]): Promise<void> {
    const frames = messages.map(octetFrame);
    const data = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let off = 0;
    for (const f of frames) {
      data.set(f, off);
      off += f.length;
    }
    let conn: Deno.TcpConn;
    try {
      conn = await this.#connect();
    } catch (e) {
      throw new SendError(errorMessage(e), 0, false);
    }
    try {
      for (let done = 0; done < data.length;) done += await conn.write(data.subarray(done));
    } catch (e) {
      this.#drop(conn);
      // Part of the batch may have reached the collector; all of it is sent again (at least once).
      throw new SendError(errorMessage(e), 0, false);
    }
  }

  async close(): Promise<void> {
    if (this.#conn !== undefined) this.#drop(this.#conn);
    await this.#reader;
  }

  async #connect(): Promise<Deno.TcpConn> {
    if (this.#conn !== undefined) return this.#conn;
    await this.#reader; // The previous connection's reader has ended.
    const conn = await Deno.connect({ hostname: this.#host, port: this.#port, transport: "tcp" });
    this.#conn = conn;
    // Collectors never answer; a read returning EOF is how a closed peer shows before a write fails.
    this.#reader = this.#watch(conn);
    return conn;
  }

  async #watch(conn: Deno.TcpConn): Promise<void> {
    const buf = new Uint8Array(512);
    try {
      while (await conn.read(buf) !== null) {
        // Discard anything the collector says.
      }
    } catch {
      // Closed by us or reset: either way the connection is over.
    }
    this.#drop(conn);
  }

  #drop(conn: Deno.TcpConn): void {
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** Messages sent per transport call at most. */
const BATCH = 256;

/** RFC 5424 alerts to a syslog collector over UDP or TCP. */
export class SyslogOutput implements AlertOutput {
  /** Always `syslog`. */
  readonly name = "syslog";
  readonly #header: SyslogHeader;
  readonly #maxBytes: number;
  readonly #maxQueued: number;
  readonly #transport: Transport;
  readonly #backoff: Backoff;
  readonly #sleeper = new Sleeper();
  readonly #log: OutputLog;
  readonly #target: string;
  #queue: Uint8Array[] = [];
  #drain: Promise<void> | undefined;
  #waiters: (() => void)[] = [];
  #down = false;
  #closing = false;
  #sent = 0;
  #failed = 0;
  #dropped = 0;

  /** Validates the options (throws a RangeError naming a bad one); connects on the first alert. */
  constructor(options: SyslogOutputOptions) {
    const protocol = options.protocol ?? "udp";
    if (protocol !== "udp" && protocol !== "tcp") {
      throw new RangeError(`syslog protocol must be udp or tcp, not ${JSON.stringify(protocol)}`);
    }
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
      throw new RangeError(`syslog port must be 1-65535, not ${options.port}`);
    }
    const limit = protocol === "udp" ? 65_507 : Number.MAX_SAFE_INTEGER;
    this.#maxBytes = Math.min(limit, Math.max(480, options.maxMessageBytes ?? 8192));
    this.#header = {
      facility: facilityCode(options.facility ?? "local0"),
      hostname: options.hostname ?? localHostname(),
      appName: options.appName ?? "kestrel",
      procId: options.procId ?? String(Deno.pid),
      msgId: options.msgId ?? "alert",
      sdId: options.sdId ?? "kestrel@32473",
    };
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#backoff = new Backoff(options.backoffMs ?? 500, options.maxBackoffMs ?? 30_000);
    this.#log = options.log ?? stderrLog;
    this.#target = `${protocol}://${options.host}:${options.port}`;
    this.#transport = protocol === "udp"
      ? new UdpTransport(options.host, options.port)
      : new TcpTransport(options.host, options.port);
  }

  /** Formats the message now and enqueues it. */
  send(alert: Alert, line: string): void {
    if (this.#closing || this.#queue.length >= this.#maxQueued) {
      this.#dropped++;
      return;
    }
    this.#queue.push(formatSyslog(alert, line, this.#header, this.#maxBytes));
    this.#drain ??= this.#drainLoop().finally(() => {
      this.#drain = undefined;
      this.#notify();
    });
  }

  /** Resolves when the queue is empty, or at once while the collector is unreachable. */
  async flush(): Promise<void> {
    if (this.#drain === undefined || this.#down) return;
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Flushes, stops retrying (what is still queued counts as dropped) and disconnects. */
  async close(): Promise<void> {
    await this.flush();
    this.#closing = true;
    this.#sleeper.wake();
    await this.#transport.close(); // Also ends a write stuck on a collector that stopped reading.
    await this.#drain;
    await this.#transport.close();
    this.#dropped += this.#queue.length;
    this.#queue = [];
  }

  /** Counters. */
  stats(): OutputStats {
    return {
      sent: this.#sent,
      failed: this.#failed,
      queued: this.#queue.length,
      dropped: this.#dropped,
    };
  }

  async #drainLoop(): Promise<void> {
    while (this.#queue.length > 0 && !this.#closing) {
      const batch = this.#queue.slice(0, BATCH);
      try {
        await this.#transport.send(batch);
        this.#queue.splice(0, batch.length);
        this.#sent += batch.length;
        if (this.#down) this.#log(`kestrel: syslog output: ${this.#target} reachable again`);
        this.#down = false;
        this.#backoff.reset();
      } catch (e) {
        const sent = e instanceof SendError ? e.sent : 0;
        this.#queue.splice(0, sent);
        this.#sent += sent;
        if (e instanceof SendError && e.permanent) {
          this.#queue.shift();
          this.#failed++;
          this.#log(`kestrel: syslog output: message too large for ${this.#target}: ${e.message}`);
          continue;
        }
        if (this.#closing) break;
        if (!this.#down) {
          this.#log(`kestrel: syslog output: ${this.#target} unreachable: ${errorMessage(e)}`);
        }
        this.#down = true;
        this.#notify();
        await this.#sleeper.sleep(this.#backoff.next());
      }
    }
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

function localHostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "-";
  }
}
