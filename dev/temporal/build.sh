#!/usr/bin/env bash
# Builds dev/temporal into <repo>/.cache/bin/temporal-dev; `build.sh DIR NAME` builds
# another Go program of dev/ (DIR) into <repo>/.cache/bin/NAME the same way.
# Skips the build when the binary exists and its stamp (hash of go.mod, go.sum
# and *.go) still matches. Works from any cwd. Set FORCE=1 to always rebuild.
set -euo pipefail

src_dir="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")}" && pwd)"
name="${2:-temporal-dev}"
repo_dir="$(cd "$src_dir/../.." && pwd)"
bin_dir="$repo_dir/.cache/bin"
bin="$bin_dir/$name"
stamp="$bin.stamp"

hash_sources() {
	(
		cd "$src_dir"
		for f in go.mod go.sum $(ls -- *.go | LC_ALL=C sort); do
			printf '%s\n' "$f"
			cat -- "$f"
		done
		go env GOVERSION GOOS GOARCH
	) | { sha256sum 2>/dev/null || shasum -a 256; } | cut -d' ' -f1
}

if ! command -v go >/dev/null 2>&1; then
	echo "$name build: 'go' not found in PATH (need Go >= 1.26.8)" >&2
	exit 1
fi

want="$(hash_sources)"
if [[ "${FORCE:-}" != "1" && -x "$bin" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
	echo "$name build: up to date ($bin)"
	exit 0
fi

echo "$name build: building $bin (first build downloads modules and takes a few minutes)..."
mkdir -p "$bin_dir"
rm -f "$stamp"
start=$(date +%s)
tmp="$bin.tmp.$$"
trap 'rm -f "$tmp"' EXIT
if ! (cd "$src_dir" && go build -trimpath -ldflags "-s -w" -o "$tmp" .); then
	echo "$name build: go build failed" >&2
	exit 1
fi
mv -f "$tmp" "$bin"
printf '%s\n' "$want" >"$stamp"
echo "$name build: done in $(($(date +%s) - start))s -> $bin"
