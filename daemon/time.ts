/**
 * Time helpers of the daemon: RFC 3339 text to epoch nanoseconds (alert
 * filters compare at full precision, as event times are nanoseconds).
 *
 * @module
 */

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch nanoseconds of an RFC 3339 date-time (`2024-05-01T12:00:00.5+02:00`).
 * Throws a RangeError naming the text when it is not one.
 */
export function rfc3339Nanos(text: string): bigint {
  const m = RFC3339.exec(text);
  if (!m) throw new RangeError(`not an RFC 3339 date-time: ${JSON.stringify(text)}`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  let ms = Date.UTC(y, mo - 1, d, h, mi, s);
  if (m[8] !== undefined) {
    const offset = (Number(m[9]) * 60 + Number(m[10])) * 60_000;
    ms += m[8] === "+" ? -offset : offset;
  }
  const fraction = BigInt((m[7] ?? "").padEnd(9, "0") || "0");
  return BigInt(ms) * 1_000_000n + fraction;
}
