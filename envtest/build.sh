#!/usr/bin/env bash
# Builds the test control plane binaries (kube-apiserver, etcd, the kubelet stand-in) from Go
# modules.
#
# Usage: envtest/build.sh [OUTPUT_DIR]    (default: <repo>/bin)
#
# Uses the default Go module and build caches, so a rebuild on a warm machine
# takes seconds. Needs Go (see go.mod for the minimum version) and access to a
# Go module proxy on the first build.
#
# The build itself (CGO_ENABLED=0 go build -trimpath, with ldflags stamping the
# Kubernetes version from `go list -m k8s.io/kubernetes`) lives in
# kubeset/envtest/_gobuild.py, which `python -m kubeset.envtest build` runs for an
# installed kubeset. That module needs only the Python standard library, so this
# script runs it with any python3 (3.9+), before any virtualenv exists.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-${here}/../bin}"
python="${PYTHON:-python3}"

if ! command -v "${python}" >/dev/null 2>&1; then
	echo "envtest/build.sh: '${python}' not found on PATH; set PYTHON to a Python 3 interpreter" >&2
	exit 1
fi

exec "${python}" "${here}/../kubeset/envtest/_gobuild.py" --gomod "${here}" --out "${out}"
