/**
 * Kestrel's live sensor: the BPF objects, interest pushdown, and the loop
 * that turns kernel records into engine events and alerts.
 *
 * ```ts
 * const sensor = new Sensor({ schema, rules, onAlert: (rule, match, degraded) => … });
 * await sensor.start(); // SensorUnavailable when BPF cannot be used here
 * …
 * await sensor.stop();
 * ```
 *
 * @module
 */
export { type PerType, Sensor, type SensorOptions, type SensorStats } from "./sensor.ts";
export { checkBpfAvailable, SensorUnavailable } from "./availability.ts";
export {
  applyInterest,
  computeInterest,
  type Interest,
  type InterestMaps,
  type InterestRule,
  type PathPrefix,
} from "./interest.ts";
export {
  type AttachReport,
  DEFAULT_RING_BYTES,
  EMBEDDED_OBJECTS,
  findLibpam,
  KestrelObjects,
  OBJECT_NAMES,
  type ObjectImages,
  type ObjectName,
} from "./objects.ts";
export { EVENT_TYPES, EventType, eventTypeName } from "./event_types.ts";
export { type PidStats } from "./kernel_maps.ts";
export { eventLine, EventLogWriter } from "./event_log.ts";
export { type DropInterval } from "./drops.ts";
