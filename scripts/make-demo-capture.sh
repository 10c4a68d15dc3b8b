#!/usr/bin/env bash
# Regenerates the capture `npm start` analyses and its ground truth:
#   data/demo/hospital-demo.pcapng.gz, data/demo/hospital-demo.truth.json, and the hospital's site
#   file data/demo/hospital-demo.site.yaml (its zones, as its network team would keep them)
# Made by the hospital simulator (`vigil simulate --demo`: 150 devices, 45 minutes, one port
# scan; every patient synthetic) and gzip-compressed. Never edit the outputs by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node bin/vigil.js simulate --demo --out "$tmp/hospital-demo.pcapng" --truth data/demo/hospital-demo.truth.json --site data/demo/hospital-demo.site.yaml
gzip -9 -n -c "$tmp/hospital-demo.pcapng" > data/demo/hospital-demo.pcapng.gz
if command -v tshark >/dev/null; then echo "tshark reads $(tshark -r data/demo/hospital-demo.pcapng.gz 2>/dev/null | wc -l) packets"; fi
ls -l data/demo/
