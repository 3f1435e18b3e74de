#!/usr/bin/env bash
# Builds the test control plane binaries (kube-apiserver, etcd) from Go modules.
#
# Usage: envtest/build.sh [OUTPUT_DIR]    (default: <repo>/bin)
#
# Uses the default Go module and build caches, so a rebuild on a warm machine
# takes seconds. Needs Go (see go.mod for the minimum version) and access to a
# Go module proxy on the first build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-${here}/../bin}"

if ! command -v go >/dev/null 2>&1; then
	echo "envtest/build.sh: 'go' not found on PATH; install Go to build the test control plane" >&2
	exit 1
fi

mkdir -p "${out}"
out="$(cd "${out}" && pwd)"
cd "${here}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Stamp the Kubernetes version so /version and --version report the release
# that was built, not the placeholder compiled into k8s.io/component-base.
kube_version="$(go list -m -f '{{.Version}}' k8s.io/kubernetes)"
kube_date="$(go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)"
kube_major="${kube_version#v}"
kube_major="${kube_major%%.*}"
kube_minor="${kube_version#v*.}"
kube_minor="${kube_minor%%.*}"
pkg="k8s.io/component-base/version"
ldflags="-s -w"
ldflags+=" -X ${pkg}.gitVersion=${kube_version}"
ldflags+=" -X ${pkg}.gitMajor=${kube_major}"
ldflags+=" -X ${pkg}.gitMinor=${kube_minor}"
ldflags+=" -X ${pkg}.gitCommit="
ldflags+=" -X ${pkg}.gitTreeState=clean"
ldflags+=" -X ${pkg}.buildDate=${kube_date:-1970-01-01T00:00:00Z}"

build() {
	local name="$1" pkgpath="$2" flags="$3" start
	start="$(now)"
	echo "building ${name} -> ${out}/${name}"
	CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags="${flags}" -o "${out}/${name}" "${pkgpath}"
	echo "built ${name} in $(elapsed "${start}")s"
}

total="$(now)"
build etcd ./cmd/etcd "-s -w"
build kube-apiserver ./cmd/kube-apiserver "${ldflags}"
echo "kube-apiserver $("${out}/kube-apiserver" --version | awk '{print $2}'), $("${out}/etcd" --version)"
echo "envtest binaries ready in ${out} ($(elapsed "${total}")s)"
