#!/usr/bin/env bash
# Debian packages of the gateway and the command line, built from tools/publish.sh's output with
# dpkg-deb alone (no external service).
#   tools/build-deb.sh                 # amd64 and arm64
#   tools/build-deb.sh linux-x64       # one
# Output: artifacts/deb/metering-gateway_<VERSION>_<arch>.deb (DEB_OUT overrides artifacts/deb).
# Publishes first unless PUBLISH_OUT already holds a build (SKIP_PUBLISH=1 to reuse it).
# Layout: /usr/lib/metering/{gateway,cli}, /usr/bin/metering, /lib/systemd/system/metering-gateway.service,
# /etc/metering/gateway.env (a conffile), /usr/share/doc/metering-gateway/operations.md.
set -euo pipefail
cd "$(dirname "$0")/.."

rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64 linux-arm64)
publish="${PUBLISH_OUT:-artifacts/publish}"
out="${DEB_OUT:-artifacts/deb}"
version="$(tr -d '[:space:]' < VERSION)"
mkdir -p "$out"

for rid in "${rids[@]}"; do
  case "$rid" in linux-x64) arch=amd64 ;; linux-arm64) arch=arm64 ;; *) echo "unsupported runtime '$rid'" >&2; exit 1 ;; esac
  if [ "${SKIP_PUBLISH:-0}" != 1 ]; then PUBLISH_OUT="$publish" tools/publish.sh "$rid"; fi
  [ -x "$publish/$rid/gateway/Metering.Gateway" ] || { echo "no build in $publish/$rid: run tools/publish.sh $rid" >&2; exit 1; }

  stage="$(mktemp -d)"
  trap 'rm -rf "$stage"' EXIT
  install -d "$stage/DEBIAN" "$stage/usr/lib/metering" "$stage/usr/bin" "$stage/lib/systemd/system" \
    "$stage/etc/metering" "$stage/usr/share/doc/metering-gateway"
  cp -a "$publish/$rid/gateway" "$stage/usr/lib/metering/gateway"
  cp -a "$publish/$rid/cli" "$stage/usr/lib/metering/cli"
  ln -s ../lib/metering/cli/metering "$stage/usr/bin/metering"
  install -m 0644 packaging/debian/metering-gateway.service "$stage/lib/systemd/system/"
  install -m 0640 packaging/debian/gateway.env "$stage/etc/metering/gateway.env"
  install -m 0644 docs/operations.md "$stage/usr/share/doc/metering-gateway/operations.md"
  install -m 0644 packaging/debian/conffiles "$stage/DEBIAN/conffiles"
  install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$stage/DEBIAN/"
  size="$(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
  sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" packaging/debian/control.in > "$stage/DEBIAN/control"
  deb="$out/metering-gateway_${version}_${arch}.deb"
  # xz -1: a third of the size of the files, ten times faster than the default level on a 2-core machine.
  dpkg-deb --root-owner-group -Zxz -z1 --build "$stage" "$deb" >/dev/null
  rm -rf "$stage"
  trap - EXIT
  echo "$deb"
done
