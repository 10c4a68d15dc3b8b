#!/usr/bin/env bash
# Installs the tools `npm run bench` compares Vigil against, on Debian 12 (bookworm):
#   GNU time (peak RSS), tshark, Suricata (only shipped in bookworm-backports), nDPI's ndpiReader.
#   tshark brings wireshark-common's editcap, which converts the simulated capture to classic pcap.
# Non-interactive and idempotent; run as root (or it re-runs itself through sudo).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  exec sudo -E bash "$0" "$@"
fi

export DEBIAN_FRONTEND=noninteractive
# tshark's postinst otherwise asks whether non-root users may capture.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections

. /etc/os-release
codename="${VERSION_CODENAME:-bookworm}"

# Suricata left bookworm main before release; backports is the only Debian source for it.
# Sources may be deb822 (*.sources) or one-line (*.list); look at both before adding ours.
if ! grep -rqsE "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "install-tools: adding ${codename}-backports to /etc/apt/sources.list.d/backports.sources"
  cat >/etc/apt/sources.list.d/backports.sources <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: ${codename}-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi

apt-get update -qq

apt_install() {
  apt-get install -y -qq --no-install-recommends "$@"
}

apt_install time tshark
# Backports are pinned low by default, so the suite has to be named.
apt_install -t "${codename}-backports" suricata
# Debian ships ndpiReader in libndpi-bin; be tolerant if a release drops it.
if apt-cache show libndpi-bin >/dev/null 2>&1; then
  apt_install libndpi-bin
else
  echo "install-tools: libndpi-bin (ndpiReader) is not available from this release; skipping" >&2
fi

echo "install-tools: installed:"
for t in /usr/bin/time tshark suricata ndpiReader; do
  if command -v "$t" >/dev/null 2>&1; then
    printf '  %-14s %s\n' "$t" "$(command -v "$t")"
  else
    printf '  %-14s MISSING\n' "$t"
  fi
done
