#!/usr/bin/env bash
# Install or upgrade SecureDrop-py on this Debian machine, from this checkout.
#
#   install_files/install.sh --submission-key newsroom-public.asc --admin dana
#   install_files/install.sh                         # later, from a newer checkout: upgrade
#
# Options:
#   --submission-key FILE   the newsroom's PUBLIC OpenPGP key (needed on the first run)
#   --admin NAME            the first admin account (created once, on the first run)
#   --device NAME           that admin's first Tor Browser device (default "admin device")
#   --source-port N         loopback port of the source app (default 8080)
#   --journalist-port N     loopback port of the journalist app (default 8081)
#   --firewall              also install and load the nftables ruleset (nftables.conf)
#
# Every step checks what is already there, so running it again changes nothing, and
# running it after fixing whatever stopped it finishes the install.
set -euo pipefail
umask 022

SRC=$(cd "$(dirname "$0")/.." && pwd)
FILES=$SRC/install_files
OPT=/opt/securedrop
VENV=$OPT/venv
DATA=/var/lib/securedrop
ETC=/etc/securedrop
CONFIG=$ETC/config.toml
USER_NAME=securedrop
APT_PACKAGES=(tor gnupg python3-venv coreutils unattended-upgrades systemd-timesyncd apparmor)

step="checking the request"
die() { echo "install.sh: $*" >&2; exit 1; }
on_error() {
  echo "install.sh: stopped while $step (the messages above say why); fix that and run" \
       "the installer again: it picks up where it stopped." >&2
}
trap on_error ERR
say() { printf '\n== %s\n' "$*"; }
as_service() {
  runuser -u "$USER_NAME" -- env -C "$DATA" SECUREDROP_DATA_DIR=$DATA SECUREDROP_CONFIG=$CONFIG \
    SECUREDROP_SOURCE_PORT="$source_port" SECUREDROP_JOURNALIST_PORT="$journalist_port" "$@"
}

# -- arguments and pre-flight checks (nothing is changed until they all pass) -----------------
key_file="" admin="" device="admin device" source_port="" journalist_port="" firewall=0
while [ $# -gt 0 ]; do
  case $1 in
    --submission-key) key_file=${2:?--submission-key needs a file}; shift 2 ;;
    --admin) admin=${2:?--admin needs a username}; shift 2 ;;
    --device) device=${2:?--device needs a name}; shift 2 ;;
    --source-port) source_port=${2:?--source-port needs a number}; shift 2 ;;
    --journalist-port) journalist_port=${2:?--journalist-port needs a number}; shift 2 ;;
    --firewall) firewall=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1; see --help." ;;
  esac
done

[ "$(id -u)" = 0 ] || die "run this as root (for example: sudo $0 $*)."
# A re-run without port options keeps the ports chosen before.
if [ -r "$ETC/ports.env" ]; then
  # shellcheck source=/dev/null
  . "$ETC/ports.env"
  source_port=${source_port:-$SECUREDROP_SOURCE_PORT}
  journalist_port=${journalist_port:-$SECUREDROP_JOURNALIST_PORT}
fi
source_port=${source_port:-8080}
journalist_port=${journalist_port:-8081}
# shellcheck source=/dev/null
. /etc/os-release
case "${ID:-}:${VERSION_ID:-}" in
  debian:12|debian:13) ;;
  *) die "this is ${PRETTY_NAME:-an unknown system}; the installer supports Debian 12 and 13 only." ;;
esac
for port in "$source_port" "$journalist_port"; do
  [[ $port =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 65535 ] \
    || die "port $port is not a number between 1024 and 65535."
done
[ "$source_port" != "$journalist_port" ] || die "the source and journalist ports must differ."
if [ -n "$key_file" ]; then
  [ -e "$key_file" ] || die "the submission key file $key_file does not exist; give the path of the newsroom's public key."
  [ -r "$key_file" ] && [ -f "$key_file" ] || die "cannot read the submission key file $key_file; check its path and permissions."
  key_file=$(realpath "$key_file")
elif [ ! -d "$DATA/keys" ]; then
  die "give the newsroom's public key with --submission-key FILE (the first run needs it)."
fi
if [ -z "$admin" ] && [ ! -f "$ETC/admin-created" ]; then
  die "give the first admin's username with --admin NAME (the first run needs it)."
fi
# Our own running apps hold their ports; anything else listening there is a conflict.
if ! systemctl is-active --quiet securedrop-serve 2>/dev/null; then
  for port in "$source_port" "$journalist_port"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port on 127.0.0.1 is already in use; stop what listens there or choose another with --source-port/--journalist-port."
    fi
  done
fi
free_kib=$(df --output=avail -k / | tail -1)
[ "$free_kib" -ge 1048576 ] || die "less than 1 GiB is free on /; free some space and run the installer again."

# -- Debian packages ----------------------------------------------------------------------------
step="installing Debian packages"
say "Debian packages: ${APT_PACKAGES[*]}"
missing=()
for pkg in "${APT_PACKAGES[@]}" $([ "$firewall" = 1 ] && echo nftables); do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed; check the network and /etc/apt/sources.list, then run the installer again."
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get could not install ${missing[*]} (full disk or no network?); fix that and run the installer again."
fi
# Security updates from Debian install themselves (apt-daily-upgrade.timer runs them).
cat >/etc/apt/apt.conf.d/20auto-upgrades <<'EOF'
APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
EOF

# -- the submission key: a secret key stops everything here, before any of our state exists ----
step="checking the submission key"
if [ -n "$key_file" ]; then
  scratch=$(mktemp -d)
  listing=$(GNUPGHOME=$scratch gpg --batch --with-colons --import-options show-only --import <"$key_file" 2>/dev/null || true)
  rm -rf "$scratch"
  if grep -q '^sec' <<<"$listing"; then
    die "$key_file holds a SECRET key; export only the public half (gpg --armor --export FINGERPRINT) and give that file instead."
  fi
  grep -q '^pub' <<<"$listing" || die "$key_file is not an OpenPGP public key; give the armored public key of the newsroom."
fi

# -- user and directories -------------------------------------------------------------------------
step="creating the securedrop user and directories"
if ! id "$USER_NAME" >/dev/null 2>&1; then
  adduser --system --group --home "$DATA" --shell /usr/sbin/nologin "$USER_NAME" >/dev/null
fi
id -nG "$USER_NAME" | grep -qw debian-tor || adduser --quiet "$USER_NAME" debian-tor
# The data dir holds the database (TOTP secrets), the store and the onion keys; the
# config holds the peppers: only the service user may read either.
install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$DATA" "$ETC"
install -d -m 0755 -o root -g root "$OPT"

# -- the package, in a fresh virtual environment -----------------------------------------------
step="installing the Python package"
source_hash=$(cd "$SRC" && find securedrop setup.py pyproject.toml requirements.txt install_files -type f \
  ! -name '*.pyc' ! -name '*.mo' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
# Each version gets its own venv, named after the checkout's content; $VENV is a symlink
# switched only once the migration succeeded, so a failed upgrade leaves the previous
# version in place to restart.
upgrade=0
if [ "$(readlink "$VENV" 2>/dev/null)" = "$OPT/venv-${source_hash:0:12}" ] && [ -x "$VENV/bin/securedrop" ]; then
  say "The installed package is this checkout already"
  new_venv=""
else
  [ -x "$VENV/bin/securedrop" ] && upgrade=1
  new_venv=$OPT/venv-${source_hash:0:12}
  rm -rf "$new_venv"
  say "Python package into $VENV (runtime requirements only, checked against their hashes)"
  python3 -m venv "$new_venv"
  "$new_venv/bin/pip" install -q --no-cache-dir --require-hashes -r "$FILES/build-requirements.txt" \
    || die "pip could not install the build tools (no network, full disk, or a hash mismatch); fix that and run the installer again."
  "$new_venv/bin/pip" install -q --no-cache-dir --require-hashes -r "$SRC/requirements.txt" \
    || die "pip could not install the pinned requirements (no network, full disk, or a hash mismatch); fix that and run the installer again."
  # Built from a copy so the checkout stays as the operator left it; the build compiles
  # the gettext catalogs into the package (setup.py), or every page would be English.
  build=$(mktemp -d)
  cp -r "$SRC/securedrop" "$SRC/setup.py" "$SRC/pyproject.toml" "$build/"
  "$new_venv/bin/pip" install -q --no-cache-dir --no-deps --no-build-isolation --no-index "$build" >/dev/null
  rm -rf "$build"
  catalogs=$("$new_venv/bin/python" -I -c 'from securedrop.config import TRANSLATIONS_DIR as d; print(d)')
  ls "$catalogs"/*/LC_MESSAGES/messages.mo >/dev/null 2>&1 \
    || die "the built package has no compiled catalogs in $catalogs; is this a complete checkout?"
fi
venv_for_setup=${new_venv:-$VENV}

# -- config: written once, never overwritten ----------------------------------------------------
step="writing the config"
if [ ! -f "$CONFIG" ]; then
  umask 077
  "$venv_for_setup/bin/python" -I -c 'import sys
from pathlib import Path
from securedrop import config
config.write_config_file(Path(sys.argv[1]), config.new_secrets())' "$CONFIG"
  umask 022
  wrote_config=1
else
  wrote_config=0
fi
chown "$USER_NAME:$USER_NAME" "$CONFIG"
chmod 0600 "$CONFIG"
printf 'SECUREDROP_SOURCE_PORT=%s\nSECUREDROP_JOURNALIST_PORT=%s\n' "$source_port" "$journalist_port" >"$ETC/ports.env"
chmod 0644 "$ETC/ports.env"

# -- tor: an %include, leaving every operator line in place -------------------------------------
step="configuring tor"
install -d -m 0755 /etc/tor/torrc.d
tor_changed=0
dropin_backup=$(mktemp)
cp -p /etc/tor/torrc.d/securedrop.conf "$dropin_backup" 2>/dev/null || rm -f "$dropin_backup"
cmp -s "$FILES/tor-securedrop.conf" /etc/tor/torrc.d/securedrop.conf || tor_changed=1
install -m 0644 "$FILES/tor-securedrop.conf" /etc/tor/torrc.d/securedrop.conf
include_line='%include /etc/tor/torrc.d/*.conf'
torrc_backup=""
if ! grep -qxF "$include_line" /etc/tor/torrc; then
  tor_changed=1
  torrc_backup=$(mktemp)
  cp -p /etc/tor/torrc "$torrc_backup"
  printf '\n# Added by the SecureDrop-py installer: its settings live in torrc.d/securedrop.conf.\n%s\n' \
    "$include_line" >>/etc/tor/torrc
fi
if ! tor --verify-config --defaults-torrc /usr/share/tor/tor-service-defaults-torrc -f /etc/tor/torrc >/tmp/securedrop-tor-verify.log 2>&1; then
  # Put back exactly what was there: tor keeps running on its previous configuration.
  [ -n "$torrc_backup" ] && cp -p "$torrc_backup" /etc/tor/torrc
  if [ -f "$dropin_backup" ]; then cp -p "$dropin_backup" /etc/tor/torrc.d/securedrop.conf
  else rm -f /etc/tor/torrc.d/securedrop.conf; fi
  grep -E '\[(warn|err)\]' /tmp/securedrop-tor-verify.log >&2 || true
  die "tor rejects /etc/tor/torrc (its messages are above; nothing was changed); fix the line it names and run the installer again."
fi
rm -f ${torrc_backup:+"$torrc_backup"} ${dropin_backup:+"$dropin_backup"}
systemctl enable --quiet tor
# Restarting tor drops the running server's onion services, so only when torrc changed.
if [ "$tor_changed" = 1 ] || ! systemctl is-active --quiet tor@default; then
  systemctl restart tor@default
fi
# A tor started with DisableNetwork 1 (dry runs, the test suite) opens its control socket
# only once reloaded (seen with tor 0.4.9 running as debian-tor), so reload once if needed.
for i in $(seq 60); do
  [ -S /run/tor/control ] && break
  [ "$i" = 5 ] && systemctl kill --kill-who=main --signal=HUP tor@default
  sleep 1
done
[ -S /run/tor/control ] || die "tor runs but opened no control socket at /run/tor/control; see journalctl -u tor@default, fix it and run the installer again."

# -- the wrapper the operator types, the units, AppArmor, the firewall ---------------------------
step="installing the systemd units"
install -m 0755 "$FILES/securedrop.wrapper" /usr/local/bin/securedrop
units=()
for unit in "$FILES"/*.service "$FILES"/*.timer; do
  [ -e "$unit" ] || continue
  install -m 0644 "$unit" /etc/systemd/system/
  units+=("$(basename "$unit")")
done
systemctl daemon-reload
if [ -d /sys/kernel/security/apparmor ] && command -v apparmor_parser >/dev/null; then
  step="loading the AppArmor profile"
  install -m 0644 "$FILES/apparmor-securedrop" /etc/apparmor.d/opt.securedrop.venv.bin.securedrop
  apparmor_parser -r -W /etc/apparmor.d/opt.securedrop.venv.bin.securedrop
fi
if [ "$firewall" = 1 ]; then
  step="loading the firewall"
  nft -c -f "$FILES/nftables.conf"
  install -m 0644 "$FILES/nftables.conf" /etc/nftables.conf
  systemctl enable --quiet --now nftables
  nft -f /etc/nftables.conf
fi

# -- upgrade: a backup first, then migrate; a failed migration puts the old database back ------
db_revision() { as_service "$1/bin/python" -I -c 'from securedrop import config, db
from alembic.runtime.migration import MigrationContext
engine = db.make_engine(config.load().database_url)
with engine.connect() as c: print(MigrationContext.configure(c).get_current_revision() or "none")' 2>/dev/null || echo none; }
backup=""
if [ "$upgrade" = 1 ]; then
  step="backing up before the upgrade"
  old_revision=$(db_revision "$VENV")
  say "Backup before upgrading"
  # The full backup where the command exists (online, the apps still serving); then, with
  # the apps stopped so nothing is written after it, the database copy that a failed
  # migration is rolled back to.
  if as_service "$VENV/bin/securedrop" backup --help >/dev/null 2>&1; then
    install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" /var/backups/securedrop
    as_service "$VENV/bin/securedrop" backup --quiet --output-dir /var/backups/securedrop \
      || die "securedrop backup failed (see above), so nothing was upgraded; fix that and run the installer again."
  fi
  systemctl stop securedrop-worker securedrop-serve 2>/dev/null || true
  install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$DATA/backups"
  backup=$DATA/backups/db-$(date -u +%Y%m%dT%H%M%SZ)
  # The online-backup API copies a consistent database, WAL included (cp would not).
  if ! as_service "$VENV/bin/python" -I -c 'import sqlite3, subprocess, sys
from securedrop import config
url = config.load().database_url
if url.startswith("sqlite:///"):
    src = sqlite3.connect(url[len("sqlite:///"):])
    dst = sqlite3.connect(sys.argv[1] + ".sqlite")
    src.backup(dst)
    dst.close(); src.close()
else:
    subprocess.run(["pg_dump", "--format=custom", "--file", sys.argv[1] + ".pgdump",
                    url.replace("postgresql+psycopg://", "postgresql://")], check=True)' "$backup"; then
    systemctl start securedrop-serve securedrop-worker || true
    die "could not copy the database before upgrading (see above), so nothing was upgraded; fix that and run the installer again."
  fi
  echo "Database copied to $backup.*"
fi

step="migrating the database"
say "Database migrations"
if ! as_service "$venv_for_setup/bin/securedrop" db upgrade; then
  if [ -n "$backup" ] && [ -f "$backup.sqlite" ]; then
    db_path=$(as_service "$VENV/bin/python" -I -c 'from securedrop import config; print(config.load().database_url[len("sqlite:///"):])')
    as_service "$VENV/bin/python" -I -c 'import sqlite3, sys
src = sqlite3.connect(sys.argv[1]); dst = sqlite3.connect(sys.argv[2]); src.backup(dst)' "$backup.sqlite" "$db_path"
    rm -rf "$new_venv"
    systemctl start securedrop-serve securedrop-worker || true
    die "the migration failed (see above); the old database is back in place and the previous version is running again. Report the error; the backup stays in $backup.sqlite."
  fi
  if [ -n "$backup" ]; then
    systemctl start securedrop-serve securedrop-worker || true
    # PostgreSQL runs each Alembic migration in a transaction: a failure leaves nothing behind.
    die "the migration failed (see above) and PostgreSQL rolled it back; the previous version is running again. Report the error; the dump from before stays in $backup.pgdump."
  fi
  die "the database migration failed (see above); fix the cause and run the installer again."
fi
# SQLite creates its files with the process umask; the service user's files stay private.
find "$DATA" -maxdepth 1 -name 'db.sqlite*' -exec chmod 0600 {} +
if [ -n "$new_venv" ]; then
  previous=$(readlink "$VENV" 2>/dev/null || true)
  ln -sfn "$new_venv" "$VENV.tmp" && mv -T "$VENV.tmp" "$VENV"
  # Keep the one previous version (to go back by hand), drop older ones.
  for old in "$OPT"/venv-*; do
    [ "$old" = "$new_venv" ] || [ "$old" = "$previous" ] || rm -rf "$old"
  done
fi

# -- the submission key ---------------------------------------------------------------------------
if [ -n "$key_file" ]; then
  step="importing the submission key"
  staged=$(mktemp -d)
  install -m 0644 "$key_file" "$staged/key.asc"
  chmod 0755 "$staged"
  as_service "$VENV/bin/securedrop" submission-key import "$staged/key.asc"
  rm -rf "$staged"
fi

# -- services -------------------------------------------------------------------------------------
step="starting the services"
for unit in "${units[@]}"; do
  case $unit in
    *.timer) systemctl enable --quiet --now "$unit" ;;
    *@.service) ;;
    *) systemctl enable --quiet "$unit" ;;
  esac
done
if [ -n "$new_venv" ]; then
  systemctl restart securedrop-serve securedrop-worker
else
  systemctl start securedrop-serve securedrop-worker  # a no-op when they run already
fi

# -- the first admin and their first journalist-onion key -----------------------------------------
if [ ! -f "$ETC/admin-created" ]; then
  step="creating the first admin"
  say "First admin: $admin (the passphrase and TOTP secret are shown once; give them to $admin safely)"
  as_service "$VENV/bin/securedrop" add-admin --username "$admin"
  echo "$admin" >"$ETC/admin-created"
fi
if [ ! -f "$ETC/admin-key-issued" ]; then
  step="issuing the admin's onion client key"
  admin_name=$(cat "$ETC/admin-created")
  say "Journalist onion client key for $admin_name's device \"$device\" (shown once)"
  issued=$(as_service "$VENV/bin/securedrop" onion-key issue --username "$admin_name" --device "$device")
  echo "$issued" | grep -v '^Or save\|descriptor:x25519' || true
  echo "$admin_name" >"$ETC/admin-key-issued"
  private=$(awk '/^Private key/ {getline; print $1}' <<<"$issued")
  # `securedrop serve` publishes the journalist onion within seconds of the first key.
  for _ in $(seq 60); do [ -s "$DATA/onion/journalist.address" ] && break; sleep 1; done
  if [ -s "$DATA/onion/journalist.address" ] && [ -n "$private" ]; then
    address=$(cat "$DATA/onion/journalist.address")
    echo "For Tor's ClientOnionAuthDir, save this line as $admin_name.auth_private:"
    echo "  $address:descriptor:x25519:$private"
  fi
fi

step="reading the status"
# A small or busy machine can take a minute to start both apps and publish both onions.
# Bounded by the clock, not a count: one status run waits up to 10 s for an app that hangs.
deadline=$((SECONDS + 90))
until as_service "$VENV/bin/securedrop" status >/dev/null 2>&1 || [ "$SECONDS" -ge "$deadline" ]; do
  sleep 1
done
say "Status"
healthy=1
as_service "$VENV/bin/securedrop" status || healthy=0
for unit in securedrop-serve securedrop-worker; do
  systemctl is-active --quiet "$unit" || { echo "$unit is not running." >&2; healthy=0; }
done
if [ "$upgrade" = 1 ]; then
  new_revision=$(db_revision "$VENV")
  say "Upgraded: database schema $old_revision -> $new_revision; the services were restarted."
fi
if [ "$wrote_config" = 1 ]; then
  cat <<EOF

The config with this installation's secrets is $CONFIG. Back it up now, with
$DATA/onion/ (the onion addresses) and the database: without the peppers in the
config no source can ever log in again, and a lost source.key changes the address
your sources have written down.
EOF
fi
if [ "$healthy" = 0 ]; then
  die "the installation is in place but not serving yet (see the status above); check journalctl -u securedrop-serve -u tor@default, fix the cause and run the installer again."
fi
cat <<EOF

Next steps:
  1. Publish the source onion address above on your website, so sources can find it.
  2. Give $([ -f "$ETC/admin-created" ] && cat "$ETC/admin-created" || echo the admin) the passphrase, the TOTP secret
     (scan the QR code into an authenticator app) and the .auth_private key line,
     safely and in person if you can.
  3. In Tor Browser, open the journalist onion address, paste the key when asked,
     tick "Remember this key", and log in.
  4. Check on it any time with: securedrop status
EOF
