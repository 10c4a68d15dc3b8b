#!/usr/bin/env bash
# Regenerates the capture `npm start` analyses: data/demo/hospital-demo.pcapng.gz.
# Made by the deterministic hospital traffic generator (bench/generate-capture.ts), converted to
# pcapng by editcap (Debian wireshark-common) and gzip-compressed. Never edit the output by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node dist/bench/generate-capture.js --size 6MiB --seed 1 --out "$tmp/demo.pcap"
editcap -F pcapng "$tmp/demo.pcap" "$tmp/demo.pcapng"
gzip -9 -n -c "$tmp/demo.pcapng" > data/demo/hospital-demo.pcapng.gz
echo "tshark reads $(tshark -r data/demo/hospital-demo.pcapng.gz 2>/dev/null | wc -l) packets"
ls -l data/demo/hospital-demo.pcapng.gz
