/**
 * Precision of the default rules for execution, persistence, privilege
 * escalation and defense evasion: for each rule, a case that must fire it
 * and near misses (the same tool or event shape used benignly, or one step
 * short of a sequence) on which no default rule may fire, through one real
 * `kestrel replay` of the default ruleset.
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
  processChange,
  ptrace,
  replayProblems,
  steps,
} from "./replay_cases.ts";

const shell = (extra: Json = {}) => ({ Ext: { stdin: "pipe" }, ...extra });
const at = (path: string) => ({ executable: path, name: path.slice(path.lastIndexOf("/") + 1) });
const listen = (pid: number, who: string): Json => ({
  event: { category: ["network"], type: ["start"], action: "listen", outcome: "success" },
  process: { pid, entity_id: `e-${pid}`, name: who, executable: `/usr/sbin/${who}` },
  source: { ip: "0.0.0.0", port: 80 },
});
const driver = (pid: number, who: string, path: string): Json => ({
  event: { category: ["driver"], type: ["start"], action: "load", outcome: "success" },
  process: { pid, entity_id: `e-${pid}`, name: who, executable: `/usr/bin/${who}` },
  file: { path, name: path.slice(path.lastIndexOf("/") + 1) },
});
const mount = (pid: number, who: string, fsType: string, container?: string): Json => ({
  ...file(pid, who, "mount", "/mnt/x", { Ext: { mount: { source: "none", fs_type: fsType } } }),
  ...(container ? { container: { id: container } } : {}),
});
const CONTAINER = "ab".repeat(32);
/** A service `who` listening on `ip`. */
const listenOn = (pid: number, who: string, ip: string): Json => {
  const l = listen(pid, who) as { source: Json };
  return { ...l, source: { ...l.source, ip } };
};
/** A rename of `from` onto `to` by `who`. */
const rename = (pid: number, who: string, from: string, to: string): Json =>
  file(pid, who, "rename", to, {
    Ext: { original: { path: from, name: from.slice(from.lastIndexOf("/") + 1) } },
  });

const CASES: Case[] = [
  {
    name: "binary downloaded to /tmp, then run by bash",
    fires: "execution-binary-from-tmp-by-shell",
    steps: (p) =>
      steps(
        file(p, "curl", "creation", "/tmp/x/payload"),
        exec(p + 1, "payload", ["/tmp/x/payload"], "bash", at("/tmp/x/payload")),
      ),
  },
  {
    name: "configure probe linked in /tmp, then run by sh",
    steps: (p) =>
      steps(
        file(p, "ld", "creation", "/tmp/pip-build/conftest"),
        exec(p + 1, "conftest", ["./conftest"], "sh", at("/tmp/pip-build/conftest")),
      ),
  },
  {
    name: "test binary compiled in a mktemp directory, then run by make's shell",
    steps: (p) =>
      steps(
        file(p, "cc", "creation", "/tmp/tmp.Xa1/hello"),
        exec(p + 1, "hello", ["./hello"], "sh", at("/tmp/tmp.Xa1/hello")),
      ),
  },
  {
    name: "go test binary in /tmp/go-build",
    steps: (p) => one(exec(p, "t", ["t"], "bash", at("/tmp/go-build123/b001/t"))),
  },
  {
    name: "curl, chmod +x, run",
    fires: "execution-download-chmod-execute",
    steps: (p) =>
      steps(
        file(p, "curl", "creation", "/home/u/tool"),
        file(p + 1, "chmod", "attributes_modification", "/home/u/tool", { mode: "0755" }),
        exec(p + 2, "tool", ["./tool"], "bash", at("/home/u/tool")),
      ),
  },
  {
    name: "curl, chmod 0644, open",
    steps: (p) =>
      steps(
        file(p, "curl", "creation", "/home/u/data.json"),
        file(p + 1, "chmod", "attributes_modification", "/home/u/data.json", { mode: "0644" }),
        exec(p + 2, "jq", ["jq", ".", "/home/u/data.json"]),
      ),
  },
  {
    name: "memfd_create, then exec of the memfd",
    fires: "execution-memfd-fileless-exec",
    steps: (p) =>
      steps(
        processChange(p, "python3", "memfd_create", { Ext: { memfd: { name: "x" } } }),
        exec(p, "3", ["x"], "bash", at("/proc/self/fd/3")),
      ),
  },
  {
    name: "runc 1.1 re-executes its memfd copy at a container start",
    steps: (p) =>
      steps(
        processChange(p, "runc", "memfd_create", {
          Ext: { memfd: { name: "runc_cloned:/proc/self/exe" } },
          parent: parent(p + 50, "containerd-shim"),
        }),
        exec(p, "runc", ["runc", "init"], "containerd-shim", {
          ...at("/memfd:runc_cloned:/proc/self/exe (deleted)"),
          name: "runc",
        }),
      ),
  },
  {
    name: "memfd_create, then an ordinary exec",
    steps: (p) =>
      steps(
        processChange(p, "python3", "memfd_create", { Ext: { memfd: { name: "x" } } }),
        exec(p, "true", ["true"]),
      ),
  },
  {
    name: "base64 -d | bash",
    fires: "execution-base64-decoded-payload-to-shell",
    steps: (p) =>
      steps(
        exec(p, "base64", ["base64", "-d"], "bash", { parent: parent(p + 50, "bash") }),
        exec(p + 1, "bash", ["bash"], "bash", shell({ parent: parent(p + 50, "bash") })),
      ),
  },
  {
    name: "base64 encoding piped to a shell script reading stdin",
    steps: (p) =>
      steps(
        exec(p, "base64", ["base64", "-w0"], "bash", { parent: parent(p + 50, "bash") }),
        exec(p + 1, "bash", ["bash"], "bash", shell({ parent: parent(p + 50, "bash") })),
      ),
  },
  {
    name: "nginx listens, then starts a shell",
    fires: "execution-network-service-spawns-shell",
    steps: (p) =>
      steps(
        listen(p, "nginx"),
        exec(p + 1, "sh", ["sh", "-c", "id"], "x", { parent: parent(p, "nginx") }),
      ),
  },
  {
    name: "Jenkins-like java listens on all addresses, then runs sh -c",
    steps: (p) =>
      steps(
        listen(p, "java"),
        exec(p + 1, "sh", ["sh", "-c", "./gradlew build"], "x", { parent: parent(p, "java") }),
      ),
  },
  {
    name: "VS Code-like node server on loopback starts bash",
    steps: (p) =>
      steps(
        listenOn(p, "node", "127.0.0.1"),
        exec(p + 1, "bash", ["bash", "--login"], "x", { parent: parent(p, "node") }),
      ),
  },
  {
    name: "redis on loopback only starts a shell",
    steps: (p) =>
      steps(
        listenOn(p, "redis-server", "127.0.0.1"),
        exec(p + 1, "sh", ["sh", "-c", "id"], "x", { parent: parent(p, "redis-server") }),
      ),
  },
  {
    name: "nginx listens, then starts a worker",
    steps: (p) =>
      steps(
        listen(p, "nginx"),
        exec(p + 1, "nginx", ["nginx: worker process"], "x", { parent: parent(p, "nginx") }),
      ),
  },
  {
    name: "cron file written, then a cron job",
    fires: "persistence-cron-file-written-then-run",
    steps: (p) =>
      steps(
        file(p, "bash", "creation", "/etc/cron.d/job"),
        exec(p + 1, "sh", ["sh", "-c", "job"], "cron"),
      ),
  },
  {
    name: "crontab -e installs a user crontab, then a cron job",
    steps: (p) =>
      steps(
        file(p, "crontab", "rename", "/var/spool/cron/crontabs/u"),
        exec(p + 1, "sh", ["sh", "-c", "backup"], "cron"),
      ),
  },
  {
    name: "daily script planted, then run by run-parts",
    fires: "persistence-cron-script-written-then-run",
    steps: (p) =>
      steps(
        file(p, "bash", "creation", "/etc/cron.daily/upd"),
        file(p + 1, "upd", "open", "/etc/cron.daily/upd", {}, {
          parent: parent(p + 50, "run-parts"),
        }),
      ),
  },
  {
    name: "daily script written, then another daily script run",
    steps: (p) =>
      steps(
        file(p, "bash", "creation", "/etc/cron.daily/upd"),
        file(p + 1, "logrotate", "open", "/etc/cron.daily/logrotate", {}, {
          parent: parent(p + 50, "run-parts"),
        }),
      ),
  },
  {
    name: "package manager installs a cron file, then a cron job",
    steps: (p) =>
      steps(
        file(p, "dpkg", "creation", "/etc/cron.d/sysstat"),
        exec(p + 1, "sh", ["sh", "-c", "debian-sa1 1 1"], "cron"),
      ),
  },
  {
    name: "authorized_keys appended to",
    fires: "persistence-ssh-authorized-keys-modified",
    steps: (p) => one(file(p, "bash", "modification", "/root/.ssh/authorized_keys")),
  },
  {
    name: "sshd reads authorized_keys",
    steps: (p) => one(file(p, "sshd", "open", "/root/.ssh/authorized_keys")),
  },
  {
    name: "service unit written by hand",
    fires: "persistence-systemd-unit-created",
    steps: (p) => one(file(p, "bash", "creation", "/etc/systemd/system/update.service")),
  },
  {
    name: "service unit installed by dpkg",
    steps: (p) => one(file(p, "dpkg", "creation", "/lib/systemd/system/ssh.service")),
  },
  {
    name: ".bashrc appended to",
    fires: "persistence-shell-profile-modified",
    steps: (p) => one(file(p, "bash", "modification", "/home/u/.bashrc")),
  },
  { name: ".bashrc read", steps: (p) => one(file(p, "bash", "open", "/home/u/.bashrc")) },
  ...execCases("persistence-user-account-created", "useradd -m backup", "useradd --help"),
  {
    name: "module loaded from /tmp",
    fires: "persistence-kernel-module-load",
    steps: (p) => one(driver(p, "insmod", "/tmp/r.ko")),
  },
  {
    name: "modprobe loads a module",
    steps: (p) => one(driver(p, "modprobe", "/lib/modules/6.1.0/kernel/fs/x.ko")),
  },
  {
    name: "/etc/ld.so.preload created",
    fires: "persistence-ld-so-preload-modified",
    steps: (p) => one(file(p, "bash", "creation", "/etc/ld.so.preload")),
  },
  {
    name: "/etc/ld.so.preload read",
    steps: (p) => one(file(p, "ls", "open", "/etc/ld.so.preload")),
  },
  {
    name: "init script written by hand",
    fires: "persistence-init-script-created",
    steps: (p) => one(file(p, "bash", "creation", "/etc/init.d/updater")),
  },
  {
    name: "init script installed by dpkg",
    steps: (p) => one(file(p, "dpkg", "creation", "/etc/init.d/ssh")),
  },
  {
    name: "udev rule written by hand",
    fires: "persistence-udev-rule-created",
    steps: (p) => one(file(p, "bash", "creation", "/etc/udev/rules.d/99-x.rules")),
  },
  {
    name: "udev rule installed by dpkg",
    steps: (p) => one(file(p, "dpkg", "creation", "/lib/udev/rules.d/60-x.rules")),
  },
  {
    name: "sudoers.d file written, then sudo",
    fires: "privilege-escalation-sudoers-modified-then-sudo",
    steps: (p) =>
      steps(
        file(p, "bash", "creation", "/etc/sudoers.d/x"),
        exec(p + 1, "sudo", ["sudo", "-i"]),
      ),
  },
  { name: "sudo alone", steps: (p) => one(exec(p, "sudo", ["sudo", "apt", "update"])) },
  {
    name: "visudo saves sudoers, then sudo",
    steps: (p) =>
      steps(
        rename(p, "visudo", "/etc/sudoers.tmp", "/etc/sudoers"),
        exec(p + 1, "sudo", ["sudo", "-i"]),
      ),
  },
  {
    name: "chmod 4755",
    fires: "privilege-escalation-setuid-bit-set",
    steps: (p) => one(file(p, "chmod", "attributes_modification", "/tmp/sh", { mode: "4755" })),
  },
  {
    name: "chmod 0755",
    steps: (p) => one(file(p, "chmod", "attributes_modification", "/home/u/x", { mode: "0755" })),
  },
  {
    name: "setcap",
    fires: "privilege-escalation-file-capabilities-set",
    steps: (p) =>
      one(
        file(p, "setcap", "setxattr", "/home/u/py", {
          Ext: { xattr: { name: "security.capability" } },
        }),
      ),
  },
  {
    name: "user xattr set",
    steps: (p) =>
      one(
        file(p, "setfattr", "setxattr", "/home/u/f", { Ext: { xattr: { name: "user.origin" } } }),
      ),
  },
  {
    name: "setuid program makes itself root",
    fires: "privilege-escalation-setuid-exec-then-root",
    steps: (p) =>
      steps(
        exec(p, "suidperl", ["suidperl"], "bash", { user: { id: "0" }, real_user: { id: "1000" } }),
        processChange(p, "suidperl", "uid_change", { user: { id: "0" }, real_user: { id: "0" } }),
      ),
  },
  {
    name: "su becomes root",
    steps: (p) =>
      steps(
        exec(p, "su", ["su", "-"], "bash", { user: { id: "0" }, real_user: { id: "1000" } }),
        processChange(p, "su", "uid_change", { user: { id: "0" }, real_user: { id: "0" } }),
      ),
  },
  {
    name: "ptrace attach, then POKEDATA",
    fires: "privilege-escalation-ptrace-attach-then-write",
    steps: (p) => steps(ptrace(p, "inject", 16, 4242), ptrace(p, "inject", 5, 4242)),
  },
  {
    name: "gdb attaches and sets a breakpoint",
    steps: (p) => steps(ptrace(p, "gdb", 16, 4242), ptrace(p, "gdb", 5, 4242)),
  },
  ...execCases(
    "privilege-escalation-nsenter-host-namespaces",
    "nsenter -t 1 -m -- sh",
    "nsenter -t 4242 -n ip a",
  ),
  {
    name: "library dropped in /tmp, then preloaded",
    fires: "privilege-escalation-ld-preload-from-writable-dir",
    steps: (p) =>
      steps(
        file(p, "cp", "creation", "/tmp/libx.so"),
        exec(p + 1, "true", ["true"], "bash", { env_vars: ["LD_PRELOAD=/tmp/libx.so"] }),
      ),
  },
  {
    name: "jemalloc preloaded from /usr/lib",
    steps: (p) =>
      one(exec(p, "redis-server", ["redis-server"], "bash", {
        env_vars: ["LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"],
      })),
  },
  {
    name: "cgroup2 mounted inside a container",
    fires: "privilege-escalation-container-host-mount",
    steps: (p) => one(mount(p, "mount", "cgroup2", CONTAINER)),
  },
  {
    name: "runc sets up a container's cgroup mount",
    steps: (p) => one(mount(p, "runc:[2:INIT]", "cgroup2", CONTAINER)),
  },
  { name: "ext4 mounted on the host", steps: (p) => one(mount(p, "mount", "ext4")) },
  {
    name: ".bash_history deleted",
    fires: "defense-evasion-shell-history-cleared",
    steps: (p) => one(file(p, "rm", "deletion", "/home/u/.bash_history")),
  },
  {
    name: ".bash_history moved away",
    fires: "defense-evasion-shell-history-cleared",
    steps: (p) => one(rename(p, "mv", "/home/u/.bash_history", "/tmp/h")),
  },
  {
    name: "an empty file moved onto .bash_history",
    fires: "defense-evasion-shell-history-cleared",
    steps: (p) => one(rename(p, "mv", "/tmp/empty", "/home/u/.bash_history")),
  },
  {
    name: "bash writes its history",
    steps: (p) => one(file(p, "bash", "modification", "/home/u/.bash_history")),
  },
  {
    name: "bash saves its trimmed history through a temporary file",
    steps: (p) => one(rename(p, "bash", "/home/u/.bash_history-4242.tmp", "/home/u/.bash_history")),
  },
  {
    name: "vim saves .viminfo through a temporary file",
    steps: (p) =>
      steps(
        file(p, "vim", "deletion", "/home/u/.viminfo"),
        rename(p, "vim", "/home/u/.viminfo.tmp", "/home/u/.viminfo"),
      ),
  },
  {
    name: "HISTFILE=/dev/null",
    fires: "defense-evasion-shell-history-disabled",
    steps: (p) => one(exec(p, "bash", ["bash"], "sshd", { env_vars: ["HISTFILE=/dev/null"] })),
  },
  {
    name: "HISTFILE in the home directory",
    steps: (p) =>
      one(exec(p, "bash", ["bash"], "sshd", { env_vars: ["HISTFILE=/home/u/.bash_history"] })),
  },
  {
    name: "auth.log deleted",
    fires: "defense-evasion-system-log-deleted",
    steps: (p) => one(file(p, "rm", "deletion", "/var/log/auth.log")),
  },
  {
    name: "logrotate removes an old log",
    steps: (p) => one(file(p, "logrotate", "deletion", "/var/log/syslog.7.gz")),
  },
  ...execCases(
    "defense-evasion-auditd-disabled",
    "systemctl stop auditd",
    "systemctl status auditd",
  ),
  ...execCases("defense-evasion-firewall-disabled", "iptables -F", "iptables -L -n"),
  {
    name: "process renamed kworker",
    fires: "defense-evasion-kernel-thread-name-masquerade",
    steps: (p) =>
      one(
        processChange(p, "python3", "prctl", {
          Ext: { prctl: { option: 15, name: "kworker/0:1" } },
        }),
      ),
  },
  {
    name: "thread named by its program",
    steps: (p) =>
      one(
        processChange(p, "java", "prctl", { Ext: { prctl: { option: 15, name: "GC Thread#0" } } }),
      ),
  },
  {
    name: "program deletes its own file",
    fires: "defense-evasion-self-deleting-binary",
    steps: (p) =>
      steps(
        exec(p, "implant", ["./implant"], "sh", at("/home/u/implant")),
        file(p, "implant", "deletion", "/home/u/implant"),
      ),
  },
  {
    name: "program deletes a temporary file",
    steps: (p) =>
      steps(
        exec(p, "app", ["./app"], "sh", at("/home/u/app")),
        file(p, "app", "deletion", "/home/u/app.lock"),
      ),
  },
  {
    name: "hidden executable in /tmp",
    fires: "defense-evasion-hidden-executable-in-tmp",
    steps: (p) => one(exec(p, ".x", ["/tmp/.x"], "make", at("/tmp/.x"))),
  },
  {
    name: "virtualenv python under /tmp",
    steps: (p) => one(exec(p, "python", ["python"], "make", at("/tmp/b/.venv/bin/python"))),
  },
  ...execCases("defense-evasion-kernel-log-cleared", "dmesg -C", "dmesg -T"),
  ...execCases(
    "defense-evasion-file-immutable-attribute",
    "chattr +i /etc/cron.d/job",
    "chattr +c /srv/data",
  ),
  ...execCases("defense-evasion-security-module-disabled", "setenforce 0", "setenforce 1"),
  ...execCases(
    "defense-evasion-timestomp-system-file",
    "touch -r /etc/hostname /etc/cron.d/job",
    "touch -r configure.ac configure",
  ),
];

Deno.test("host rules fire on their cases and stay quiet on near misses", async () => {
  assert.deepEqual(await replayProblems(CASES), []);
  // Every rule of these tactics has a case that fires it.
  const tactics = ["execution", "persistence", "privilege_escalation", "defense_evasion"];
  const ids: string[] = [];
  for (const t of tactics) {
    for await (const e of Deno.readDir(new URL(`../../rules/${t}/`, import.meta.url))) {
      if (e.name.endsWith(".yaml")) ids.push(e.name.slice(0, -5));
    }
  }
  const covered = new Set(CASES.map((c) => c.fires).filter((f) => f !== undefined));
  assert.deepEqual(ids.filter((id) => !covered.has(id)).sort(), [], "rules without a case");
});
