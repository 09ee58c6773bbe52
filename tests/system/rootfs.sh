#!/usr/bin/env bash
# Build (once) a minimal Debian root for the system tier and print the cached tarball's path.
#   tests/system/rootfs.sh bookworm [cache dir]
# The cache key is the release plus this file's content (the package list lives here), so
# editing the list rebuilds and re-runs reuse the tarball. CI starts with an empty cache.
set -euo pipefail
release=${1:?usage: rootfs.sh RELEASE [CACHE_DIR]}
cache=${2:-/var/cache/securedrop-test}
key=$(sha256sum "$0" | cut -c1-12)
tarball="$cache/$release-$key.tar"
if [ -s "$tarball" ]; then echo "$tarball"; exit 0; fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
# systemd-sysv so systemd can run as PID 1; tor is installed here, before anything can start
# it, so that its torrc is seeded offline below before the first boot.
debootstrap --variant=minbase --include=systemd-sysv,dbus,tor \
  "$release" "$work/root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
# An operator line the installer must keep: tor in the test never touches the network.
# ADD_ONION still works with the network disabled, so onion addresses exist.
printf '\n# system-test seed: never reach the network\nDisableNetwork 1\nLog info file /var/log/tor/info.log\n' \
  >>"$work/root/etc/tor/torrc"
echo "deb http://deb.debian.org/debian-security $release-security main" >>"$work/root/etc/apt/sources.list"
# Things a booted container does not need and that would only slow boot or fail noisily.
# (systemd-timesyncd skips itself in a container; the installer installs it.)
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
  ln -sf /dev/null "$work/root/etc/systemd/system/$unit"
done
rm -rf "$work/root/var/cache/apt/archives/"*.deb
tar -C "$work/root" --numeric-owner -cf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
echo "$tarball"
