"""PAM logins against services defined in a scratch directory (pam_start_confdir, so
nothing under /etc/pam.d is touched): --fail N denied logins (pam_deny) then --succeed N
permitted ones (pam_permit) for each --user; --rhost sets PAM_RHOST. The sensor sees
them through its uprobe on pam_authenticate."""
import argparse
import ctypes
import os
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--user", action="append", required=True)
ap.add_argument("--fail", type=int, default=0)
ap.add_argument("--succeed", type=int, default=0)
ap.add_argument("--rhost")
a = ap.parse_args()

confdir = tempfile.mkdtemp(dir=os.environ.get("SIM_DIR"))
with open(os.path.join(confdir, "kestrel-sim-deny"), "w") as f:
    f.write("auth requisite pam_deny.so\n")
with open(os.path.join(confdir, "kestrel-sim-permit"), "w") as f:
    f.write("auth required pam_permit.so\n")

pam = ctypes.CDLL("libpam.so.0")
CONV = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p,
                        ctypes.c_void_p)


class PamConv(ctypes.Structure):
    _fields_ = [("conv", CONV), ("appdata", ctypes.c_void_p)]


PAM_CONV_ERR = 19
PAM_RHOST = 4
conv_fn = CONV(lambda n, msg, resp, data: PAM_CONV_ERR)  # no prompts are answered
conv = PamConv(conv_fn, None)


def login(service, user):
    handle = ctypes.c_void_p()
    rc = pam.pam_start_confdir(service.encode(), user.encode(), ctypes.byref(conv),
                               confdir.encode(), ctypes.byref(handle))
    if rc != 0:
        raise SystemExit(f"pam_start_confdir failed: {rc}")
    if a.rhost:
        pam.pam_set_item(handle, PAM_RHOST, a.rhost.encode())
    rc = pam.pam_authenticate(handle, 0)
    pam.pam_end(handle, rc)
    return rc


for user in a.user:
    for _ in range(a.fail):
        if login("kestrel-sim-deny", user) == 0:
            raise SystemExit("pam_deny permitted a login")
    for _ in range(a.succeed):
        if login("kestrel-sim-permit", user) != 0:
            raise SystemExit("pam_permit denied a login")
