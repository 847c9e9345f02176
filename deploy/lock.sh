#!/usr/bin/env bash
# Re-resolve every dependency (runtime, [eval] and [test]) in a brand-new virtualenv and
# pin the result in deploy/requirements.lock. CI and the README's commands install through
# that file (pip -c), so the versions CI tested are the versions an offline install gets.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q "$root[test]"
{
    echo "# Pinned by deploy/lock.sh on $(date -u +%Y-%m-%d) for Python $("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])') on $(uname -m)."
    echo "# Used as constraints (pip install -c) by the README's commands, .ci/run and deploy/wheelhouse.sh."
    "$venv/bin/python" -m pip freeze --all --exclude zhengqi | grep -v -E '^(pip|setuptools|wheel)=='
} > "$root/deploy/requirements.lock"
echo "wrote $root/deploy/requirements.lock ($(grep -vc '^#' "$root/deploy/requirements.lock") packages)"
