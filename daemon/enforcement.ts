/**
 * The daemon's response to matches (`[general] mode`, `[security]`): what
 * each match's alert says was done, the kills of `kill` rules, and the
 * kernel's block verdicts turned into alerts.
 *
 * With the eBPF source the kernel side ({@link Enforcer}) is started: block
 * rules it can enforce are decided in the kernel and alerted from its
 * verdicts (their engine matches raise no second alert); other block rules
 * alert `failed` with the reason. Without it (a replay source) block rules
 * alert `would_block` in detect mode and `failed` in enforce mode (those
 * that could not be enforced anyway `failed` in both). Kill
 * rules kill the process of the match's last event through a pidfd after
 * checking its entity (see `engine/kill.ts`); detect mode says
 * `would_kill`. Kills share `[security] block_rate_limit` with blocks (the
 * kernel keeps its own window for its blocks).
 *
 * @module
 */
import type { SecurityConfig } from "../config/types.ts";
import {
  ActionRateLimiter,
  type EnforceMode,
  planBlock,
  protectedPids,
} from "../engine/actions.ts";
import type { Match } from "../engine/engine.ts";
import { FieldPaths } from "../engine/event.ts";
import { killProcess } from "../engine/kill.ts";
import type { Schema } from "../engine/schema.ts";
import type { LoadedRule } from "../rules/loader/mod.ts";
import { type EnforcementPlan, Enforcer, type Verdict } from "../sensor/enforcer.ts";
import { verdictEvent } from "../sensor/enforce_verdict.ts";
import type { AlertOutcome } from "./alert_maker.ts";

/** Why a block rule is not enforced when the kernel side does not run. */
const NO_KERNEL = "kernel enforcement runs only with the eBPF source";

/** Options of {@link Enforcement}. */
export interface EnforcementOptions {
  mode: EnforceMode;
  security: Pick<SecurityConfig, "block_rate_limit" | "block_decision_cache_size">;
  schema: Schema;
  host: { id: string; name: string };
  /** Start the kernel side (the eBPF source runs). */
  kernel: boolean;
  /** Receives the alert-worthy kernel verdicts as a one-event match of `rule`. */
  onVerdict: (
    rule: LoadedRule,
    match: Pick<Match, "kind" | "events">,
    outcome: AlertOutcome,
  ) => void;
  log: (line: string) => void;
  /** Processes never acted on (default: pid 1, this process, its ancestors). */
  protect?: ReadonlySet<number>;
}

/** Kills done and refused, for the summary. */
export interface EnforcementCounts {
  killed: number;
  killFailed: number;
  wouldKill: number;
}

/** Enforcement for one daemon. */
export class Enforcement {
  readonly #opts: EnforcementOptions;
  readonly #protect: ReadonlySet<number>;
  readonly #limiter: ActionRateLimiter;
  readonly #paths: FieldPaths;
  readonly #pid: number | undefined;
  readonly #entity: number | undefined;
  readonly #executable: number | undefined;
  #enforcer: Enforcer | undefined;
  #plan: EnforcementPlan | undefined;
  /** Block rules that cannot be enforced, by id (without the kernel side: all of them). */
  #unenforceable = new Map<string, string>();
  readonly counts: EnforcementCounts = { killed: 0, killFailed: 0, wouldKill: 0 };

  private constructor(opts: EnforcementOptions) {
    this.#opts = opts;
    this.#protect = opts.protect ?? protectedPids();
    this.#limiter = new ActionRateLimiter(opts.security.block_rate_limit);
    this.#paths = new FieldPaths(opts.schema);
    this.#pid = opts.schema.lookup("process.pid")?.id;
    this.#entity = opts.schema.lookup("process.entity_id")?.id;
    this.#executable = opts.schema.lookup("process.executable")?.id;
  }

  /** Starts enforcement for `rules`; the kernel side throws `BpfError` when BPF cannot load. */
  static start(opts: EnforcementOptions, rules: readonly LoadedRule[]): Enforcement {
    const e = new Enforcement(opts);
    if (opts.kernel) {
      const enforcer = new Enforcer({
        mode: opts.mode,
        rateLimit: opts.security.block_rate_limit,
        decisionCacheSize: opts.security.block_decision_cache_size,
        protect: e.#protect,
        onVerdict: (v, rule) => e.#onVerdict(v, rule),
        log: opts.log,
      });
      enforcer.start();
      e.#enforcer = enforcer;
    }
    try {
      e.setRules(rules);
    } catch (err) {
      void e.stop();
      throw err;
    }
    return e;
  }

  /** The mode. */
  get mode(): EnforceMode {
    return this.#opts.mode;
  }

  /** The kernel side, when running. */
  get enforcer(): Enforcer | undefined {
    return this.#enforcer;
  }

  /**
   * Puts `rules` in force (kernel maps rewritten, paths re-resolved). Throws
   * when they cannot be (more executables than the decision map holds): the
   * caller keeps the old ruleset.
   */
  setRules(rules: readonly LoadedRule[]): void {
    if (this.#enforcer) {
      const plan = this.#enforcer.setRules(rules);
      this.#plan = plan;
      this.#unenforceable = plan.unenforceable;
      for (const n of plan.notes) this.#opts.log(`kestrel: ${n}`);
    } else {
      this.#plan = undefined;
      this.#unenforceable = new Map();
      for (const r of rules) {
        if (r.action !== "block") continue;
        const p = planBlock(r);
        this.#unenforceable.set(
          r.id,
          p.kind === "none" ? p.reason : NO_KERNEL,
        );
      }
    }
    for (const [id, why] of this.#unenforceable) {
      this.#opts.log(`kestrel: rule ${id}: action block cannot be enforced: ${why}`);
    }
  }

  /** One line for the start-up log and `/api/v1/health`. */
  describe(): string {
    if (this.#enforcer) return this.#enforcer.describe();
    return `${this.#opts.mode}; exec: none; connect: none (no eBPF source); kill: pidfd (pid and start time checked)`;
  }

  /** BPF programs enforcement has attached. */
  programsAttached(): number {
    return this.#enforcer?.programsAttached ?? 0;
  }

  /**
   * What to say about (and do for) a match of `rule`: the outcome for its
   * alert, or null when the alert comes from the kernel's verdict instead.
   */
  outcome(rule: LoadedRule, match: Match): AlertOutcome | null {
    if (rule.action === "alert") return { action: "alert" };
    if (rule.action === "block") {
      const plan = this.#enforcer?.plan ?? this.#plan;
      if (plan?.kernelRules.has(rule.id)) {
        const paths = plan.execPaths.get(rule.id);
        // Connections (every destination is in the kernel) and content hashes (decided as files run).
        if (paths === undefined) return null;
        const exe = this.#executable === undefined
          ? undefined
          : match.events[0].get(this.#executable);
        if (typeof exe === "string" && paths.has(exe)) return null;
        return {
          action: "failed",
          actionError: `not blocked: ${
            typeof exe === "string" ? exe : "the file"
          } did not exist when the rules were loaded (it is resolved again within a second of appearing)`,
        };
      }
      const why = this.#unenforceable.get(rule.id);
      // Enforceable with the kernel side: detect mode says what would be done.
      if (why === NO_KERNEL && this.mode === "detect") return { action: "would_block" };
      return {
        action: "failed",
        actionError: `cannot be blocked before it happens: ${why ?? "not planned"}`,
      };
    }
    return this.#kill(match);
  }

  #kill(match: Match): AlertOutcome {
    if (this.mode === "detect") {
      this.counts.wouldKill++;
      return { action: "would_kill" };
    }
    const last = match.events[match.events.length - 1];
    const pid = this.#pid === undefined ? undefined : last.get(this.#pid);
    const entity = this.#entity === undefined ? undefined : last.get(this.#entity);
    const fail = (actionError: string): AlertOutcome => {
      this.counts.killFailed++;
      return { action: "failed", actionError };
    };
    if (typeof pid !== "number" || typeof entity !== "string") {
      return fail("the matched event names no process (process.pid and process.entity_id)");
    }
    if (!this.#limiter.take()) return fail("[security] block_rate_limit reached: not killed");
    const r = killProcess({ pid, entityId: entity }, {
      hostId: this.#opts.host.id,
      protect: this.#protect,
    });
    if (!r.ok) return fail(r.error);
    this.counts.killed++;
    return { action: "killed" };
  }

  #onVerdict(v: Verdict, rule: LoadedRule | undefined): void {
    if (v.action === "watch") return; // the enforcer's own business
    if (rule === undefined) {
      this.#opts.log(`kestrel: kernel verdict for an unknown rule (generation ${v.generation})`);
      return;
    }
    const event = verdictEvent(v, this.#opts.host, this.#paths);
    this.#opts.onVerdict(rule, { kind: "event", events: [event] }, {
      action: v.action,
      ...(v.error !== undefined ? { actionError: v.error } : {}),
    });
  }

  /** What was done, for the summary at exit. */
  summary(): Record<string, number> {
    const k = this.#enforcer;
    return {
      ...this.counts,
      ...(k
        ? {
          blocked: k.counts.blocked,
          wouldBlock: k.counts.would_block,
          blockFailed: k.counts.failed,
          killedByHash: k.counts.killed,
          filesHashed: k.hashing.hashed,
          hashCacheHits: k.hashing.cacheHits,
        }
        : {}),
    };
  }

  /** Detaches the kernel side (after reading its last verdicts). */
  async stop(): Promise<void> {
    await this.#enforcer?.stop();
  }
}
