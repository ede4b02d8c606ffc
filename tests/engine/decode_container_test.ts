/**
 * `container.id` from cgroup paths: the path forms of Docker, containerd,
 * CRI-O, Podman and nerdctl; the cgroup v2 mount found in `/proc/mounts`;
 * and the inode → path cache over a directory tree standing in for the
 * cgroup hierarchy, with its bounded rescans.
 */
import assert from "node:assert/strict";
import { cgroup2Mount, CgroupResolver, containerIdFromCgroupPath } from "../../engine/container.ts";

const ID = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const ID2 = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

Deno.test("container id: the runtimes' cgroup path forms", () => {
  const cases: [string, string | undefined][] = [
    [`/docker/${ID}`, ID],
    [`/system.slice/docker-${ID}.scope`, ID],
    [`/kubepods/burstable/pod6f1c1b4e-2f1a-4a59-9c1d-1a2b3c4d5e6f/${ID}`, ID],
    [
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod6f1c1b4e_2f1a.slice/cri-containerd-${ID}.scope`,
      ID,
    ],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podx.slice/crio-${ID}.scope`, ID],
    [`/machine.slice/libpod-${ID}.scope`, ID],
    [`/machine.slice/libpod-${ID}.scope/container`, ID],
    [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`, ID],
    [`/default/${ID}`, ID], // containerd namespace "default"
    [`/system.slice/nerdctl-${ID}.scope`, ID],
    [`/docker/${ID}/docker/${ID2}`, ID2], // Docker in Docker: the innermost
    // Not containers: monitors, slices, hosts, short ids, upper case.
    [`/kubepods.slice/kubepods-burstable.slice/crio-conmon-${ID}.scope`, undefined],
    [`/machine.slice/libpod-conmon-${ID}.scope`, undefined],
    ["/user.slice/user-1000.slice/session-3.scope", undefined],
    ["/system.slice/sshd.service", undefined],
    ["/", undefined],
    ["", undefined],
    [`/docker/${ID.slice(0, 12)}`, undefined],
    [`/docker/${ID.toUpperCase()}`, undefined],
  ];
  for (const [path, id] of cases) assert.equal(containerIdFromCgroupPath(path), id, path);
});

Deno.test("container id: the cgroup v2 mount from /proc/mounts, unified or hybrid", () => {
  assert.equal(
    cgroup2Mount(
      "sysfs /sys sysfs rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec 0 0\n",
    ),
    "/sys/fs/cgroup",
  );
  assert.equal(
    cgroup2Mount(
      "tmpfs /sys/fs/cgroup tmpfs rw 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n" +
        "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n",
    ),
    "/sys/fs/cgroup/unified",
  );
  assert.equal(cgroup2Mount("none /my\\040cg cgroup2 rw 0 0"), "/my cg");
  assert.equal(cgroup2Mount("cgroup /sys/fs/cgroup/memory cgroup rw 0 0\n"), undefined);
});

Deno.test("container id: cgroup ids resolve through the directory's inode, rescans are bounded", () => {
  const root = Deno.makeTempDirSync();
  try {
    const scope = `/system.slice/docker-${ID}.scope`;
    Deno.mkdirSync(root + scope, { recursive: true });
    Deno.mkdirSync(root + "/system.slice/sshd.service");
    const ino = (p: string) => BigInt(Deno.statSync(root + p).ino!);
    let now = 0;
    const r = new CgroupResolver({ root, rescanIntervalMs: 1000, now: () => now });
    assert.equal(r.containerId(ino(scope)), ID);
    assert.equal(r.path(ino(scope)), scope);
    assert.equal(r.path(ino("")), "/");
    assert.equal(r.containerId(ino("/system.slice/sshd.service")), undefined);
    assert.equal(r.scans, 1);
    // A container started later: not found until the interval has passed.
    const late = `/docker/${ID2}`;
    Deno.mkdirSync(root + late, { recursive: true });
    assert.equal(r.containerId(ino(late)), undefined);
    assert.equal(r.scans, 1);
    now += 1000;
    assert.equal(r.containerId(ino(late)), ID2);
    assert.equal(r.scans, 2);
    // Cached: no walk for known ids, even after the directory is gone.
    Deno.removeSync(root + late);
    now += 5000;
    assert.equal(r.containerId(ino(scope)), ID);
    assert.equal(r.scans, 2);
    // An unknown id costs one walk per interval at most.
    assert.equal(r.containerId(123456789n), undefined);
    assert.equal(r.containerId(123456789n), undefined);
    assert.equal(r.scans, 3);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("container id: an unreadable hierarchy resolves nothing and does not throw", () => {
  const r = new CgroupResolver({ root: "/nonexistent/cgroup" });
  assert.equal(r.containerId(1n), undefined);
  assert.equal(r.path(1n), undefined);
});
