#!/usr/bin/env bash
# Everyday activity that no default rule may alert on: a package build with
# make, git operations, interactive-style shell use, a scheduled job run the
# way cron runs one, and package manager queries. Runs in $SIM_DIR (a scratch
# directory the test deletes afterwards).
set -euo pipefail
cd "$SIM_DIR"
export HOME="$SIM_DIR/home"
mkdir -p "$HOME"

# A package build: configure-like probing, compile, link, test, install into a staging dir.
mkdir -p pkg/src
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
make -C pkg -s install DESTDIR="$SIM_DIR/stage"
make -C pkg -s clean

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
cd ..

# Interactive-style shell use: an interactive bash reading commands, history on.
HISTFILE="$HOME/.bash_history" bash -i <<'SH' > /dev/null 2>&1
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

# A scheduled job, run the way cron runs one: sh -c with a job script that rotates a log.
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
sh -c "$SIM_DIR/jobs/rotate.sh $SIM_DIR/logs"
sh -c "$SIM_DIR/jobs/rotate.sh $SIM_DIR/logs"

# Package manager queries.
dpkg -l > /dev/null
dpkg -S /bin/ls > /dev/null
apt-cache policy bash > /dev/null
apt-cache show coreutils > /dev/null
