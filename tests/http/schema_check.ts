/**
 * A checker of values against the OpenAPI document's schemas, shared by
 * the REST tests and the daemon tests.
 */

type Json = Record<string, unknown>;

/**
 * Checks `value` against an OpenAPI 3.0 schema object (the subset the
 * document uses: $ref, type, enum, required, properties,
 * additionalProperties, items, minItems, minimum, minLength); returns the
 * problems found, each with its JSON path.
 */
export function checkSchema(value: unknown, schema: Json, doc: Json, at = "$"): string[] {
  if (typeof schema.$ref === "string") {
    const target = schema.$ref.slice(2).split("/").reduce<Json>((o, k) => o[k] as Json, doc);
    return checkSchema(value, target, doc, at);
  }
  const problems: string[] = [];
  const type = schema.type as string | undefined;
  const actual = Array.isArray(value)
    ? "array"
    : value === null
    ? "null"
    : Number.isInteger(value)
    ? "integer"
    : typeof value;
  const typeOk = type === undefined || type === actual ||
    (type === "number" && actual === "integer");
  if (!typeOk) return [`${at}: expected ${type}, got ${actual}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    problems.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  }
  if (typeof schema.minimum === "number" && (value as number) < schema.minimum) {
    problems.push(`${at}: below ${schema.minimum}`);
  }
  if (typeof schema.minLength === "number" && (value as string).length < schema.minLength) {
    problems.push(`${at}: shorter than ${schema.minLength}`);
  }
  if (actual === "array") {
    const items = value as unknown[];
    if (typeof schema.minItems === "number" && items.length < schema.minItems) {
      problems.push(`${at}: fewer than ${schema.minItems} items`);
    }
    if (schema.items) {
      items.forEach((v, i) =>
        problems.push(...checkSchema(v, schema.items as Json, doc, `${at}[${i}]`))
      );
    }
  }
  if (actual === "object") {
    const obj = value as Json;
    const props = (schema.properties ?? {}) as Record<string, Json>;
    for (const r of (schema.required ?? []) as string[]) {
      if (!(r in obj)) problems.push(`${at}: missing ${r}`);
    }
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) problems.push(...checkSchema(v, props[k], doc, `${at}.${k}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: unexpected ${k}`);
      else if (typeof schema.additionalProperties === "object") {
        problems.push(...checkSchema(v, schema.additionalProperties as Json, doc, `${at}.${k}`));
      } else if (schema.properties !== undefined && schema.additionalProperties !== true) {
        problems.push(`${at}: undocumented member ${k}`);
      }
    }
  }
  return problems;
}
