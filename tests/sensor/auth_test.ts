/**
 * PAM authentication through the uprobe on libpam's `pam_authenticate`,
 * driven by `pamtester` with a PAM service of the test's own (pam_permit or
 * pam_deny): user, service and outcome, field by field.
 */
import assert from "node:assert/strict";
import { bpfTest } from "../ffi/require_bpf.ts";
import { findLibpam } from "../../sensor/mod.ts";
import { field, Live, marker, pick, run, SENSOR_OBJECTS } from "./live.ts";
import { rulesFrom } from "./rules.ts";

function pamtesterPath(): string | null {
  for (const dir of ["/usr/bin", "/usr/local/bin", "/bin"]) {
    try {
      Deno.statSync(`${dir}/pamtester`);
      return `${dir}/pamtester`;
    } catch {
      // Not here.
    }
  }
  return null;
}

const pamtester = pamtesterPath();
const missing = pamtester === null
  ? "pamtester is not installed (apt-get install pamtester)"
  : findLibpam().length === 0
  ? "libpam.so.0 is not installed"
  : null;

if (missing && Deno.env.get("KESTREL_REQUIRE_BPF") !== "1") {
  Deno.test({ name: `PAM authentication events (skipped: ${missing})`, ignore: true, fn() {} });
} else {
  bpfTest("PAM authentication: user, service and outcome from pam_authenticate", async () => {
    if (missing) throw new Error(missing);
    const service = marker("pam");
    const permit = `/etc/pam.d/${service}`;
    const deny = `/etc/pam.d/${service}-deny`;
    await Deno.writeTextFile(
      permit,
      "auth required pam_permit.so\naccount required pam_permit.so\n",
    );
    await Deno.writeTextFile(deny, "auth requisite pam_deny.so\naccount required pam_deny.so\n");
    const live = await Live.start({ rules: rulesFrom({ pam: "authentication where true" }) });
    try {
      const ok = await run(pamtester!, [service, "kestrel-alice", "authenticate"]);
      assert.equal(ok.code, 0, ok.stderr);
      const bad = await run(pamtester!, [`${service}-deny`, "kestrel-bob", "authenticate"]);
      assert.notEqual(bad.code, 0);
      const success = await live.one("the permitted login", {
        "process.pid": ok.pid,
        "event.action": "log_on",
      });
      const failure = await live.one("the denied login", {
        "process.pid": bad.pid,
        "event.action": "log_on",
      });
      const fields = [
        "event.category",
        "event.type",
        "event.outcome",
        "user.name",
        "user.id",
        "process.Ext.pam.service",
        "process.name",
        "process.executable",
      ];
      assert.deepEqual(pick(success, fields), {
        "event.category": ["authentication"],
        "event.type": ["start"],
        "event.outcome": "success",
        "user.name": "kestrel-alice",
        "user.id": undefined, // the user authenticating has no id here
        "process.Ext.pam.service": service,
        "process.name": "pamtester",
        "process.executable": Deno.realPathSync(pamtester!),
      });
      assert.deepEqual(pick(failure, fields), {
        ...pick(success, fields),
        "event.outcome": "failure",
        "user.name": "kestrel-bob",
        "process.Ext.pam.service": `${service}-deny`,
      });
      // The rule on authentication events fired for both.
      assert.deepEqual(
        live.alerts.filter((a) =>
          [ok.pid, bad.pid].includes(field(a.events[0], "process.pid") as number)
        )
          .map((a) => [a.rule, field(a.events[0], "event.outcome")]),
        [["pam", "success"], ["pam", "failure"]],
      );
    } finally {
      await live.stop();
      await Deno.remove(permit).catch(() => {});
      await Deno.remove(deny).catch(() => {});
    }
  }, { objects: SENSOR_OBJECTS });
}
