#!/usr/bin/env bash
# Build a wheelhouse for an intranet install: the platform and every runtime dependency as
# wheel files, at the versions in deploy/requirements.lock.
#
#   deploy/wheelhouse.sh OUT_DIR                        # on a machine with access to PyPI
#   pip install --no-index --find-links OUT_DIR -c OUT_DIR/requirements.lock zhengqi   # on the server
#
# Run it with the same OS, CPU architecture and Python minor version as the server (PYTHON
# names the interpreter; default python3): compiled wheels are chosen for the machine that
# builds, and environment markers (sparse-dot-topn is skipped on Linux aarch64) are
# evaluated there, which pip's --platform option cannot do for another machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
lock="$root/deploy/requirements.lock"
out="${1:?usage: deploy/wheelhouse.sh OUT_DIR}"
python="${PYTHON:-python3}"
mkdir -p "$out"
cp "$lock" "$out/requirements.lock"
# The platform and everything it needs; packages published only as sources become wheels.
"$python" -m pip wheel -q -w "$out" -c "$lock" "$root"
echo "wheelhouse for $("$python" -c 'import platform, sys; print(f"Python {sys.version_info.major}.{sys.version_info.minor}, {platform.system()} {platform.machine()}")'): $out ($(ls "$out"/*.whl | wc -l) wheels)"
