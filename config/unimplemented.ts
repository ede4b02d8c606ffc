/**
 * Keys the sensor knows but does not act on yet. Setting one is a warning
 * naming it (never an error), so the seeds' example config and configs
 * written for later versions still load. Remove an entry when its feature
 * lands.
 *
 * @module
 */

/**
 * What is not implemented, mapped to what happens instead (shown in the
 * warning). An entry is a key (`general.workers`), a whole table (`wasm`:
 * every key in it, and for `integration` every subtable), or a key with one
 * value (`engine.runtime = "wasm"`: only that value is not implemented).
 */
export const NOT_IMPLEMENTED: Readonly<Record<string, string>> = Object.freeze({
  "general.workers": "the engine runs on one thread",
  "general.max_memory_mb": "bound memory with the service manager's MemoryMax=",
  "engine.event_bus_partitions": "events go from the ring buffer straight into one engine",
  "engine.channel_size": "events go from the ring buffer straight into the engine; " +
    "size the ring with ebpf.ringbuf_size",
  "engine.batch_size": "the sensor sizes its batches itself",
  "engine.event_timeout_ms": "events are not timed out",
  "nfa.ttl_check_interval_sec": "partial matches expire in event time, as events and " +
    "heartbeats arrive",
  "ebpf.program_path": "the BPF objects embedded in the binary are loaded",
  "ebpf.event_types": "the kernel submits the event types the rules need, " +
    "see ebpf.interest_pushdown",
  "wasm.enabled": 'the runtime is chosen with engine.runtime = "wasm"',
  "wasm.instance_pool_size": "one wasm instance per ruleset; events are evaluated one at a time",
  "lua.jit_enabled": "Lua is interpreted (Lua 5.4 in WebAssembly has no JIT)",
  "performance": "metrics are served at /metrics on http.listen",
  "security.verify_rule_signatures": "rules are loaded from rules.dir unsigned",
  "security.allow_external_rules": "rules are loaded from rules.dir only",
  "replay.event_buffer_size": "replay reads events as it needs them",
  "replay.time_compression_ratio": "replay runs as fast as it can, in event time",
  "replay.deterministic_mode = false": "replay is always deterministic",
  "integration": "send alerts to a SIEM or SOAR with alerts.syslog or alerts.webhook",
});
