/**
 * The OpenAPI 3.0 document of the REST API (ARCHITECTURE §9), served at
 * `GET /api/v1/openapi.json`. Kept beside the routes; the tests check that
 * it validates and that it lists exactly the routes the app serves.
 *
 * @module
 */
import { VERSION } from "../version.ts";
import { LIMIT, SEVERITIES } from "./alert_query.ts";
import { KLOG_TYPES, NDJSON_TYPES } from "./routes/analyze.ts";

/** A JSON Schema object as OpenAPI 3.0 writes it. */
export type SchemaObject = Record<string, unknown>;

/** The parts of an OpenAPI 3.0 document this module fills in. */
export interface OpenApiDocument {
  /** The OpenAPI version, `3.0.3`. */
  openapi: string;
  /** Title, Kestrel's version, description, license. */
  info: { title: string; version: string; description: string; license: { name: string } };
  /** Path → method → operation. */
  paths: Record<string, Record<string, Record<string, unknown>>>;
  /** Schemas, shared responses, the bearer security scheme. */
  components: {
    schemas: Record<string, SchemaObject>;
    responses: Record<string, Record<string, unknown>>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
  /** Operation groups. */
  tags: { name: string; description: string }[];
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: SchemaObject, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const str = { type: "string" };
const int = { type: "integer", minimum: 0 };
const strings = { type: "array", items: str };
const open = { type: "object", additionalProperties: true };

const schemas: Record<string, SchemaObject> = {
  Error: {
    type: "object",
    required: ["error"],
    properties: { error: { ...str, description: "What went wrong." } },
  },
  Health: {
    type: "object",
    required: [
      "status",
      "mode",
      "uptimeSeconds",
      "bpf",
      "enforcement",
      "degraded",
      "ruleset",
    ],
    properties: {
      status: { type: "string", enum: ["ok", "degraded"] },
      mode: { ...str, description: "detect or enforce", example: "detect" },
      uptimeSeconds: { type: "number", minimum: 0 },
      bpf: {
        type: "object",
        required: ["programsAttached", "features"],
        properties: {
          programsAttached: int,
          features: { ...open, description: "Kernel features probed at start." },
        },
      },
      enforcement: {
        ...str,
        description: "The mode, then how execs, connections and kills are enforced.",
        example: "enforce; exec: signal (SIGKILL at sched_process_exec and executable mmap; " +
          "BPF LSM refused: load failed: EPERM); connect: cgroup (connect4/connect6 on " +
          "/sys/fs/cgroup/unified refuse with EPERM); kill: pidfd (pid and start time checked)",
      },
      degraded: { type: "boolean", description: "Events are being lost or the tree resyncs." },
      ruleset: {
        type: "object",
        required: ["version", "rules", "loadedAt"],
        properties: {
          version: str,
          rules: int,
          loadedAt: { type: "string", format: "date-time" },
          generation: { ...int, description: "1 at start, one more per reload swapped in." },
        },
      },
    },
  },
  Alert: {
    type: "object",
    description: "An alert (ARCHITECTURE §7), the same object as in NDJSON outputs.",
    required: ["@timestamp", "kestrel", "threat", "events"],
    properties: {
      "@timestamp": { type: "string", format: "date-time" },
      kestrel: {
        type: "object",
        required: ["alert", "rule"],
        properties: {
          alert: {
            type: "object",
            required: ["id", "kind", "degraded", "action"],
            properties: {
              id: { ...str, description: "Deterministic; an idempotency key for outputs." },
              kind: { type: "string", enum: ["event", "sequence"] },
              degraded: { type: "boolean" },
              action: {
                type: "string",
                enum: ["alert", "blocked", "killed", "would_block", "would_kill", "failed"],
              },
              action_error: str,
            },
          },
          rule: {
            type: "object",
            required: ["id", "name", "severity", "tags"],
            properties: { id: str, name: str, severity: str, version: str, tags: strings },
          },
          entity: { ...str, description: "The sequence's by-key values." },
        },
      },
      threat: {
        type: "array",
        items: {
          type: "object",
          required: ["framework"],
          properties: {
            framework: { type: "string", enum: ["MITRE ATT&CK"] },
            tactic: { type: "object", properties: { id: str } },
            technique: {
              type: "object",
              properties: { id: str, subtechnique: { type: "object", properties: { id: str } } },
            },
          },
        },
      },
      host: open,
      events: { type: "array", minItems: 1, items: open, description: "Matched ECS events." },
    },
  },
  AlertPage: {
    type: "object",
    required: ["alerts"],
    properties: {
      alerts: { type: "array", items: ref("Alert"), description: "Newest first." },
      nextCursor: { ...str, description: "Present when more alerts match; pass as cursor." },
    },
  },
  RuleMetadata: {
    type: "object",
    required: [
      "id",
      "name",
      "description",
      "severity",
      "tags",
      "mitre",
      "action",
      "dialect",
      "enabled",
      "falsePositives",
      "references",
      "query",
      "hash",
      "source",
    ],
    properties: {
      id: str,
      name: str,
      description: str,
      version: str,
      author: str,
      severity: { type: "string", enum: [...SEVERITIES] },
      tags: strings,
      mitre: { ...strings, description: "ATT&CK technique and tactic ids." },
      action: { type: "string", enum: ["alert", "block", "kill"] },
      dialect: { type: "string", enum: ["elastic", "legacy"] },
      enabled: { type: "boolean" },
      falsePositives: strings,
      references: strings,
      query: { ...str, description: "The EQL text." },
      hash: { ...str, description: "SHA-256 of dialect and query." },
      source: {
        type: "object",
        required: ["file", "format", "line"],
        properties: {
          file: str,
          format: { type: "string", enum: ["eql", "yaml", "json", "toml", "elastic-toml"] },
          line: { type: "integer", minimum: 1 },
        },
      },
    },
  },
  RuleList: {
    type: "object",
    required: ["rules"],
    properties: { rules: { type: "array", items: ref("RuleMetadata") } },
  },
  Diagnostic: {
    type: "object",
    required: ["severity", "message", "file", "line", "col"],
    properties: {
      severity: { type: "string", enum: ["error", "warning"] },
      message: str,
      file: str,
      line: { type: "integer", minimum: 1 },
      col: { type: "integer", minimum: 1 },
      sourceLine: str,
    },
  },
  ReloadDone: {
    type: "object",
    required: ["ok", "rules", "version"],
    properties: { ok: { type: "boolean", enum: [true] }, rules: int, version: str },
  },
  ReloadRefused: {
    type: "object",
    required: ["ok", "error", "messages", "diagnostics"],
    properties: {
      ok: { type: "boolean", enum: [false] },
      error: str,
      messages: { ...strings, description: "`file:line:col: message` per diagnostic." },
      diagnostics: { type: "array", items: ref("Diagnostic") },
    },
  },
  ValidateRequest: {
    type: "object",
    required: ["files"],
    additionalProperties: false,
    properties: {
      files: {
        type: "array",
        minItems: 1,
        items: {
          type: "object",
          required: ["path", "text"],
          additionalProperties: false,
          properties: {
            path: { ...str, minLength: 1, description: "Reported in diagnostics; selects format." },
            text: str,
          },
        },
      },
    },
  },
  ValidateResult: {
    type: "object",
    required: ["ok", "rules", "errors", "warnings", "messages", "diagnostics"],
    properties: {
      ok: { type: "boolean", description: "No errors." },
      rules: { ...int, description: "Rules that compiled without error." },
      errors: int,
      warnings: int,
      messages: { ...strings, description: "`file:line:col: message` per diagnostic." },
      diagnostics: { type: "array", items: ref("Diagnostic") },
    },
  },
  AnalyzePath: {
    type: "object",
    required: ["path"],
    additionalProperties: false,
    properties: {
      path: { ...str, minLength: 1, description: "A log under a directory the daemon allows." },
    },
  },
  AnalyzeResult: {
    type: "object",
    required: ["alerts", "stats"],
    properties: {
      alerts: { type: "array", items: ref("Alert") },
      stats: { type: "object", additionalProperties: { type: "number" } },
    },
  },
};

const responses: Record<string, Record<string, unknown>> = {
  BadRequest: json(ref("Error"), "Invalid parameters or body."),
  Unauthorized: {
    ...json(ref("Error"), "No bearer token was sent."),
    headers: { "WWW-Authenticate": { schema: str } },
  },
  Forbidden: json(ref("Error"), "The bearer token is wrong."),
  TooLarge: json(ref("Error"), "The body is too large."),
  UnsupportedType: json(ref("Error"), "The body has an unsupported media type."),
};

const authResponses = {
  "401": { $ref: "#/components/responses/Unauthorized" },
  "403": { $ref: "#/components/responses/Forbidden" },
};
const badRequest = { "400": { $ref: "#/components/responses/BadRequest" } };
const bearer = [{ bearerAuth: [] }];

const severityParam = {
  name: "severity",
  in: "query",
  required: false,
  schema: { type: "string", enum: [...SEVERITIES] },
  description: "Only alerts of rules with this severity.",
};
const ruleParam = {
  name: "rule",
  in: "query",
  required: false,
  schema: { type: "string", minLength: 1, maxLength: 512 },
  description: "Only alerts of this rule id.",
};

const paths: OpenApiDocument["paths"] = {
  "/api/v1/health": {
    get: {
      operationId: "getHealth",
      tags: ["status"],
      summary: "Sensor state: mode, uptime, BPF programs, enforcement, ruleset.",
      responses: { "200": json(ref("Health"), "The state (also when degraded).") },
    },
  },
  "/api/v1/alerts": {
    get: {
      operationId: "listAlerts",
      tags: ["alerts"],
      summary: "Recent alerts, newest first, filtered and paged.",
      parameters: [
        severityParam,
        ruleParam,
        {
          name: "since",
          in: "query",
          required: false,
          schema: { type: "string", format: "date-time" },
          description: "Only alerts at or after this RFC 3339 time.",
        },
        {
          name: "limit",
          in: "query",
          required: false,
          schema: {
            type: "integer",
            minimum: LIMIT.min,
            maximum: LIMIT.max,
            default: LIMIT.default,
          },
        },
        {
          name: "cursor",
          in: "query",
          required: false,
          schema: { type: "string" },
          description: "nextCursor of the previous page.",
        },
      ],
      responses: { "200": json(ref("AlertPage"), "One page of alerts."), ...badRequest },
    },
  },
  "/api/v1/alerts/stream": {
    get: {
      operationId: "streamAlerts",
      tags: ["alerts"],
      summary: "New alerts as Server-Sent Events.",
      description: "Each alert is `event: alert`, `id: <alert id>`, `data: <alert JSON>`. " +
        "A `: connected` comment follows the subscription; `: heartbeat` comments keep " +
        "the connection open.",
      parameters: [severityParam, ruleParam],
      responses: {
        "200": {
          description: "An endless event stream.",
          content: { "text/event-stream": { schema: str } },
        },
        ...badRequest,
      },
    },
  },
  "/api/v1/rules": {
    get: {
      operationId: "listRules",
      tags: ["rules"],
      summary: "Metadata of the loaded rules.",
      responses: { "200": json(ref("RuleList"), "The loaded rules.") },
    },
  },
  "/api/v1/rules/reload": {
    post: {
      operationId: "reloadRules",
      tags: ["rules"],
      summary: "Load the configured rules again and swap them in atomically.",
      security: bearer,
      responses: {
        "200": json(ref("ReloadDone"), "The new ruleset runs."),
        "422": json(ref("ReloadRefused"), "The new ruleset has errors; the old one still runs."),
        ...authResponses,
      },
    },
  },
  "/api/v1/rules/validate": {
    post: {
      operationId: "validateRules",
      tags: ["rules"],
      summary: "Compile rule files without loading them.",
      security: bearer,
      requestBody: {
        required: true,
        content: { "application/json": { schema: ref("ValidateRequest") } },
      },
      responses: {
        "200": json(ref("ValidateResult"), "Diagnostics of the files (ok is false on errors)."),
        ...badRequest,
        ...authResponses,
        "413": { $ref: "#/components/responses/TooLarge" },
        "415": { $ref: "#/components/responses/UnsupportedType" },
      },
    },
  },
  "/api/v1/analyze": {
    post: {
      operationId: "analyze",
      tags: ["rules"],
      summary: "Replay an uploaded event log, or a log under a configured directory.",
      security: bearer,
      requestBody: {
        required: true,
        content: {
          ...Object.fromEntries(
            NDJSON_TYPES.map((
              t,
            ) => [t, { schema: { ...str, description: "One event per line." } }]),
          ),
          ...Object.fromEntries(
            KLOG_TYPES.map((t) => [t, {
              schema: { type: "string", format: "binary", description: "A .klog event log." },
            }]),
          ),
          "application/json": { schema: ref("AnalyzePath") },
        },
      },
      responses: {
        "200": json(ref("AnalyzeResult"), "Alerts and counters of the replay."),
        ...badRequest,
        ...authResponses,
        "403": json(ref("Error"), "Wrong bearer token, or a path the daemon does not allow."),
        "404": json(ref("Error"), "No such log."),
        "413": { $ref: "#/components/responses/TooLarge" },
        "415": { $ref: "#/components/responses/UnsupportedType" },
        "422": json(ref("Error"), "The log cannot be replayed."),
      },
    },
  },
  "/metrics": {
    get: {
      operationId: "getMetrics",
      tags: ["status"],
      summary: "Prometheus metrics (text format 0.0.4).",
      responses: {
        "200": { description: "The metrics.", content: { "text/plain": { schema: str } } },
      },
    },
  },
  "/api/v1/openapi.json": {
    get: {
      operationId: "getOpenApi",
      tags: ["status"],
      summary: "This document.",
      responses: { "200": json(open, "The OpenAPI 3.0 document.") },
    },
  },
};

/** The OpenAPI 3.0 document (a fresh copy each call). */
export function openApiDocument(): OpenApiDocument {
  return structuredClone({
    openapi: "3.0.3",
    info: {
      title: "Kestrel sensor API",
      version: VERSION,
      description: "REST API of the Kestrel Linux sensor. Read-only routes are open, so " +
        "the default listen address is loopback; every POST route needs " +
        "`Authorization: Bearer <token>` on every connection, loopback included " +
        "(401 without a token, 403 with a wrong one). Without a configured token one is " +
        "generated into `<data_dir>/api.token` (mode 0600). Errors are " +
        '`{"error": "..."}`.',
      license: { name: "Apache-2.0" },
    },
    tags: [
      { name: "status", description: "Health, metrics and this document." },
      { name: "alerts", description: "Recent and live alerts." },
      { name: "rules", description: "The ruleset: list, reload, validate, analyze." },
    ],
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } },
    },
  });
}
