#!/bin/sh
# Re-records test/fixtures/hl7/*.pcap: HL7 v2 over MLLP (and bare) between two network namespaces.
#   vhl7-a 10.201.0.1: scripts/hl7-mllp-peer.py serve (ACKs built by python3-hl7's Message.create_ack)
#   vhl7-b 10.201.0.2: python3-hl7's mllp_send (Debian), and hl7-mllp-peer.py send for batches
# mllp-cdc.pcap:   one connection, mllp_send --loose of three CDC example messages (Apache-2.0, see
#                  test/fixtures/README.md): ADT^A01, ORM^O01, ORU^R01, each answered by an ACK.
# mllp-vigil.pcap: three connections carrying messages written for Vigil (synthetic patients):
#                  mllp_send of an ADT^A08 (UTF-8, escape sequences) and an ORU^R01; one MLLP frame holding
#                  an FHS/BHS batch of three ADT messages; the same batch bare (no MLLP), then half-closed.
# Needs root, iproute2, tcpdump, python3-hl7. Idempotent: removes its namespaces first and on exit.
set -eu
cd "$(dirname "$0")/.."
OUT=test/fixtures/hl7
MSG=$OUT/messages
PY=/usr/bin/python3
PORT=2575
TMP=$(mktemp -d)

cleanup() {
  [ -n "${DUMP:-}" ] && kill "$DUMP" 2>/dev/null || true
  [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null || true
  ip netns del vhl7-a 2>/dev/null || true
  ip netns del vhl7-b 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ip netns del vhl7-a 2>/dev/null || true
ip netns del vhl7-b 2>/dev/null || true

ip netns add vhl7-a
ip netns add vhl7-b
ip link add vhl7-va netns vhl7-a type veth peer name vhl7-vb netns vhl7-b
ip -n vhl7-a addr add 10.201.0.1/24 dev vhl7-va
ip -n vhl7-b addr add 10.201.0.2/24 dev vhl7-vb
for ns in vhl7-a vhl7-b; do ip -n $ns link set lo up; done
ip -n vhl7-a link set vhl7-va up
ip -n vhl7-b link set vhl7-vb up
# No offloads: the capture then holds the segments as they crossed the wire.
ip netns exec vhl7-a ethtool -K vhl7-va tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec vhl7-b ethtool -K vhl7-vb tso off gso off gro off >/dev/null 2>&1 || true
sleep 1

# record NAME CONNECTIONS COMMAND...: capture on vhl7-va while COMMAND runs in vhl7-b.
record() {
  name=$1; count=$2; shift 2
  ip netns exec vhl7-a tcpdump -q -n -U -s 0 -i vhl7-va -w "$TMP/$name.pcap" "tcp port $PORT" 2>/dev/null &
  DUMP=$!
  ip netns exec vhl7-a $PY scripts/hl7-mllp-peer.py serve 10.201.0.1 $PORT "$count" &
  SERVER=$!
  sleep 1
  ip netns exec vhl7-b sh -c "$*"
  wait "$SERVER"; SERVER=
  sleep 1
  kill "$DUMP"; wait "$DUMP" 2>/dev/null || true; DUMP=
  # tcpdump drops privileges to its own user: the fixture belongs to whoever runs the script.
  chown "$(id -u):$(id -g)" "$TMP/$name.pcap"
  mv "$TMP/$name.pcap" "$OUT/$name.pcap"
  echo "recorded $OUT/$name.pcap ($(wc -c < "$OUT/$name.pcap") octets)"
}

for f in MN_005_MN_ADT_A01 Epic_001_Epic_ORM_O01 Oracle_004_Oracle_ORU_R01; do cat "$MSG/$f.hl7"; printf '\n'; done > "$TMP/cdc.hl7"
record mllp-cdc 1 "mllp_send --loose -q -p $PORT -f $TMP/cdc.hl7 10.201.0.1"

cat "$MSG/vigil-adt-utf8.hl7" "$MSG/vigil-oru.hl7" > "$TMP/vigil.hl7"
record mllp-vigil 3 "mllp_send --loose -q -p $PORT -f $TMP/vigil.hl7 10.201.0.1 && sleep 0.2 &&
  $PY scripts/hl7-mllp-peer.py send 10.201.0.1 $PORT $MSG/vigil-batch.hl7 && sleep 0.2 &&
  $PY scripts/hl7-mllp-peer.py send 10.201.0.1 $PORT $MSG/vigil-batch.hl7 --bare"
