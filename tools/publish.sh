#!/usr/bin/env bash
# Self-contained builds of the gateway and the `metering` command line, for the boards people use.
#   tools/publish.sh                      # linux-x64 and linux-arm64
#   tools/publish.sh linux-arm64          # one runtime
# Output: artifacts/publish/<rid>/gateway/Metering.Gateway and artifacts/publish/<rid>/cli/metering
# (PUBLISH_OUT overrides artifacts/publish). No .NET is needed on the board. The version is VERSION plus
# the git commit (Directory.Build.props); the gateway prints it at start, with --version and on /healthz.
set -euo pipefail
cd "$(dirname "$0")/.."

rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64)
out="${PUBLISH_OUT:-artifacts/publish}"
commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"

for rid in "${rids[@]}"; do
  case "$rid" in linux-x64|linux-arm64) ;; *) echo "unsupported runtime '$rid' (linux-x64 or linux-arm64)" >&2; exit 1 ;; esac
  for part in gateway:gateway/Metering.Gateway cli:tools/Metering.Cli; do
    name="${part%%:*}"; project="${part#*:}"
    rm -rf "$out/$rid/$name"
    # -p:SourceRevisionId: the commit in the informational version even without git metadata in the SDK's view.
    dotnet publish "$project" -c Release -r "$rid" --self-contained true -p:SourceRevisionId="$commit" \
      -p:DebugType=none -o "$out/$rid/$name" -nologo -v quiet
  done
  # A build for this machine's architecture is run once: it must start and say its version.
  if [ "$rid" = "linux-$(uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')" ]; then
    echo "$rid: $("$out/$rid/gateway/Metering.Gateway" --version)"
  else
    echo "$rid: built (not runnable on $(uname -m))"
  fi
done
