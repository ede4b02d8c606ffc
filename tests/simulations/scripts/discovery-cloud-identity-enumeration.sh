#!/usr/bin/env bash
# rule: discovery-cloud-identity-enumeration
# mitre: T1087.004, T1580
# stand-in: the AWS CLI is not installed on the test machines, and a real call needs cloud credentials
# Runs a do-nothing program named aws asking for the caller identity.
set -euo pipefail
source "$(dirname "$0")/../lib/sim.sh"
"$(fake_tool aws)" sts get-caller-identity
