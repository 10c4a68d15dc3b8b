#!/usr/bin/env bash
# Re-records test/fixtures/printing/*.pcap: real IPP and LPD sessions on a veth pair between namespace vprint-a
# (clients, 10.204.0.1) and vprint-b (printers, 10.204.0.2). Idempotent: tears down its namespaces and servers on
# exit. Needs root, cups-ipp-utils (ippeveprinter, ipptool), avahi-daemon, lpr (BSD lpd, lpr, lpq), tcpdump.
#
#   ipp.pcap   ippeveprinter (CUPS 2.4's IPP Everywhere printer, make "Example", model "LaserJet 4250", location
#              "Ward 3 corridor") answering ipptool: Get-Printer-Attributes (get-printer-attributes.test), a
#              Print-Job of a short text file (print-job.test), Get-Jobs (get-jobs.test)
#   lpd.pcap   BSD lpd 2008.05.17 as the printer, BSD lpr/lpq as the client: lpq asks for the queue state
#              (short and long), lpr sends a job (the client's own lpd forwards it: receive-job, control file,
#              data file)
# The printed text and the job's title and user are throwaway values ("fixture-title", user root); the tests check
# that none of them comes out.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/test/fixtures/printing
A=vprint-a
B=vprint-b
IPA=10.204.0.1
IPB=10.204.0.2
WORK=$(mktemp -d /tmp/vprint-record.XXXXXX)
chmod 755 "$WORK"
PIDS=()
MADE_HOSTS_LPD=0

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for f in "$WORK"/lpd-*/run/lpd.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
  sleep 0.5
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "/etc/netns/$A" "/etc/netns/$B"
  [ "$MADE_HOSTS_LPD" = 1 ] && rm -f /etc/hosts.lpd
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns del "$A" 2>/dev/null || true
ip netns del "$B" 2>/dev/null || true
ip netns add "$A"
ip netns add "$B"
ip link add vprint-va type veth peer name vprint-vb
ip link set vprint-va netns "$A"
ip link set vprint-vb netns "$B"
ip -n "$A" addr add "$IPA/24" dev vprint-va
ip -n "$B" addr add "$IPB/24" dev vprint-vb
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set vprint-va up
ip -n "$B" link set vprint-vb up
# No offloads: segments on the wire as the stack cut them, with valid checksums in the capture.
ip netns exec "$A" ethtool -K vprint-va tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$B" ethtool -K vprint-vb tx off rx off tso off gso off gro off >/dev/null 2>&1 || true

inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }

capture() { # name, then the command run in vprint-a
  local name=$1; shift
  inA tcpdump -q -i vprint-va -s 0 -U -w "$WORK/$name.pcap" 'tcp' >/dev/null 2>&1 &
  local cap=$!
  sleep 1
  inA "$@" || true
  sleep 1
  kill -TERM "$cap" 2>/dev/null || true; wait "$cap" 2>/dev/null || true
  cp "$WORK/$name.pcap" "$OUT/$name.pcap"
  echo "$name.pcap: $(stat -c %s "$OUT/$name.pcap") octets"
}
mkdir -p "$OUT"
printf 'fixture page\n' >"$WORK/page.txt"
chmod 644 "$WORK/page.txt"

# --- IPP: ippeveprinter on 631, spool in the work directory. It will not start without DNS-SD, so its mount
# namespace gets a private /run with a system D-Bus and avahi-daemon of its own. Without -n it listens on every
# address (with -n and an IPv4 literal it fails to open its IPv6 listener).
mkdir -p "$WORK/ipp-spool"
inB unshare -m --propagation private bash -c "
  mount -t tmpfs none /run; mkdir -p /run/dbus /run/avahi-daemon
  dbus-daemon --system --fork
  avahi-daemon -D --no-drop-root --no-chroot --no-rlimits
  sleep 1
  timeout 30 ippeveprinter -p 631 -M Example -m 'LaserJet 4250' -l 'Ward 3 corridor' -d $WORK/ipp-spool \
    -f text/plain,application/pdf 'Example LaserJet 4250'
  avahi-daemon -k; kill \$(cat /run/dbus/pid)" >"$WORK/ippeveprinter.log" 2>&1 &
PIDS+=($!)
sleep 3
URI="ipp://$IPB:631/ipp/print"
T=/usr/share/cups/ipptool
capture ipp bash -c "
  ipptool -T 10 $URI $T/get-printer-attributes.test >/dev/null;
  ipptool -T 10 -d filetype=text/plain -f $WORK/page.txt $URI $T/print-job.test >/dev/null;
  ipptool -T 10 $URI $T/get-jobs.test >/dev/null"

# --- LPD: one BSD lpd per namespace, each in its own mount namespace so that their printcap, spool and pid file
# are their own (ip netns exec binds /etc/netns/NAME/* over /etc/*).
mkdir -p "/etc/netns/$A" "/etc/netns/$B"
for side in a b; do
  mkdir -p "$WORK/lpd-$side/spool/lp" "$WORK/lpd-$side/spool/remote" "$WORK/lpd-$side/run"
  chown -R daemon:lp "$WORK/lpd-$side/spool" 2>/dev/null || chown -R lp:lp "$WORK/lpd-$side/spool"
  chmod -R 2775 "$WORK/lpd-$side/spool"
done
printf 'remote:lp=:rm=%s:rp=lp:sd=/var/spool/lpd/remote:mx#0:sh:\n' "$IPB" >"/etc/netns/$A/printcap"
printf 'lp:lp=/dev/null:sd=/var/spool/lpd/lp:lf=/var/spool/lpd/lp/log:mx#0:sh:\n' >"/etc/netns/$B/printcap"
# ip netns exec binds only over files that exist: an empty /etc/hosts.lpd is made if there is none, and removed.
if [ ! -e /etc/hosts.lpd ]; then : >/etc/hosts.lpd; MADE_HOSTS_LPD=1; fi
printf '%s\n' "$IPA" >"/etc/netns/$B/hosts.lpd"
printf '127.0.0.1 localhost\n%s ward-pc\n%s printer\n' "$IPA" "$IPB" >"/etc/netns/$A/hosts"
cp "/etc/netns/$A/hosts" "/etc/netns/$B/hosts"
# Mounts a side's spool and run directories, starts its lpd, then runs the rest (one mount namespace for all).
lpdScript() { # side, then commands run after lpd starts
  local side=$1; shift
  local name=printer; [ "$side" = a ] && name=ward-pc
  echo "hostname $name; mount --bind $WORK/lpd-$side/spool /var/spool/lpd; mount --bind $WORK/lpd-$side/run /var/run; lpd; $*"
}
inB unshare -m -u --propagation private bash -c "$(lpdScript b 'sleep 40')" &
PIDS+=($!)
sleep 2
# The client runs in a UTS namespace of its own named ward-pc: the control file's H line names that, not this machine.
capture lpd unshare -m -u --propagation private bash -c "$(lpdScript a "
  sleep 1
  lpq -P remote
  lpq -l -P remote
  lpr -P remote -J fixture-title -T fixture-title $WORK/page.txt
  sleep 4
  lpq -P remote
  kill \$(cat /var/run/lpd.pid)")"
echo "printer lpd log:"; cat "$WORK/lpd-b/spool/lp/log" 2>/dev/null | tail -5 || true
ls -la "$OUT"
