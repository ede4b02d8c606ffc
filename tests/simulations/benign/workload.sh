#!/usr/bin/env bash
# Everyday activity that no default rule may alert on: a package build with
# make (in the scratch directory and again in a mktemp directory under /tmp,
# as CI jobs and pip source builds do), git operations, interactive-style
# shell use (a history longer than HISTFILESIZE, a vim edit), a scheduled job
# run the way cron runs one, and package manager and sudo queries. Runs in
# $SIM_DIR (a scratch directory the test deletes afterwards).
set -euo pipefail
cd "$SIM_DIR"
export HOME="$SIM_DIR/home"
mkdir -p "$HOME"
TMP_BUILD="$(mktemp -d /tmp/benign-build.XXXXXX)"
trap 'rm -rf "$TMP_BUILD"' EXIT

# A package build: configure-style probing (compile and run a test program), compile, link,
# test, install into a staging directory, pack a tarball.
build_package() {
(
cd "$1"
mkdir -p pkg/src
cat > pkg/configure <<'CONF'
#!/bin/sh
echo "checking for a working C compiler..."
printf 'int main(void) { return 0; }\n' > conftest.c
cc -o conftest conftest.c && ./conftest && echo yes
rm -f conftest conftest.c
echo "CC = cc" > config.mk
CONF
chmod +x pkg/configure
(cd pkg && ./configure > /dev/null)
cat > pkg/src/hello.c <<'C'
#include <stdio.h>
int main(void) { printf("hello\n"); return 0; }
C
cat > pkg/Makefile <<'MAKE'
CC ?= cc
PREFIX ?= /usr/local
all: hello
hello: src/hello.c
	$(CC) -O2 -o $@ $<
check: hello
	./hello | grep -q hello
install: hello
	install -D -m 0755 hello $(DESTDIR)$(PREFIX)/bin/hello
clean:
	rm -f hello
.PHONY: all check install clean
MAKE
make -C pkg -s
make -C pkg -s check
make -C pkg -s install DESTDIR="$1/stage"
tar -czf pkg.tar.gz -C "$1/stage" .
tar -tzf pkg.tar.gz > /dev/null
make -C pkg -s clean
)
}
build_package "$SIM_DIR"
build_package "$TMP_BUILD"

# Git: init, commit, branch, merge, log, diff.
git init -q repo
cd repo
git config user.email dev@example.invalid
git config user.name Dev
echo "first" > README
git add README
git commit -qm "first"
git checkout -qb feature
echo "second" >> README
git commit -qam "second"
git checkout -q -
git merge -q --no-edit feature
git log --oneline > /dev/null
git diff HEAD~1 --stat > /dev/null
git status --short > /dev/null
git tag v1.0
git stash list > /dev/null
git gc -q
cd ..
git clone -q repo repo-clone
git -C repo-clone log -1 --format=%H > /dev/null

# Interactive shell use: bash on a pseudo-terminal (script), history on, commands typed in.
HISTFILE="$HOME/.bash_history" script -qec "bash --norc -i" /dev/null <<'SH' > /dev/null 2>&1
cd "$SIM_DIR"
ls -la
mkdir -p notes && echo "todo" > notes/today.txt
grep -r todo notes
cat notes/today.txt | wc -l
find . -name '*.c' | head -n 3
ps aux > /dev/null
df -h > /dev/null
history > /dev/null
exit
SH

# A long-used shell: a history file longer than HISTFILESIZE, which bash trims on exit by
# writing a temporary file and renaming it onto the history file.
mkdir -p long-time-user
seq 1 300 | sed 's/^/echo /' > long-time-user/.bash_history
HISTFILE="$SIM_DIR/long-time-user/.bash_history" HISTFILESIZE=100 \
  script -qec "bash --norc -i" /dev/null <<'SH' > /dev/null 2>&1
echo one
echo two
exit
SH
[ "$(wc -l < long-time-user/.bash_history)" -le 100 ]

# A vim edit on a terminal, twice: vim saves ~/.viminfo through a temporary file renamed onto it.
editor="$(command -v vim || command -v vi || true)"
if [ -n "$editor" ]; then
  for word in first second; do
    TERM=xterm script -qec "$editor -N -n -c 'normal Go$word' -c wq notes/today.txt" /dev/null \
      < /dev/null > /dev/null 2>&1
  done
  grep -q second notes/today.txt
  test -f "$HOME/.viminfo"
fi

# A scheduled job run the way cron runs one: a process named cron (a stand-in copy of sh)
# starting sh -c with a job script that rotates a log.
mkdir -p jobs logs
cat > jobs/rotate.sh <<'JOB'
#!/bin/sh
cd "$1"
[ -f app.log ] && mv app.log app.log.1
date > app.log
gzip -f app.log.1 2>/dev/null || true
JOB
chmod 0755 jobs/rotate.sh
echo "line" > logs/app.log
mkdir -p sbin
cp "$(command -v sh)" sbin/cron
sbin/cron -c "sh -c '$SIM_DIR/jobs/rotate.sh $SIM_DIR/logs'; true"
sbin/cron -c "sh -c '$SIM_DIR/jobs/rotate.sh $SIM_DIR/logs'; true"
test -f logs/app.log.1.gz

# Package manager queries.
dpkg -l > /dev/null
dpkg -S /bin/ls > /dev/null
apt-cache policy bash > /dev/null
apt-cache show coreutils > /dev/null
dpkg -L coreutils > /dev/null
dpkg-query -W -f='${Package} ${Version}\n' bash > /dev/null

# Service and privilege queries.
if command -v sudo > /dev/null; then sudo -n true; fi
if [ -d /run/systemd/system ]; then systemctl list-units --no-pager > /dev/null; fi
