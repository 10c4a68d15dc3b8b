#!/usr/bin/env bash
# Re-records test/fixtures/dicom/*.pcap: real DICOM associations between Debian's dcmtk and Orthanc, in two
# network namespaces on a veth pair (vdcm-a 10.202.0.1, the modality side; vdcm-b 10.202.0.2, the archive side).
# Idempotent: tears down its namespaces and servers on exit. Needs root, dcmtk, orthanc, tcpdump, and the pydicom
# test files in ../shared/protocol-samples/dicom/files (MIT; their patient data is fictitious).
#
#   echo.pcap      echoscu -> storescp (11112): C-ECHO, released
#   store.pcap     storescu -R (only the contexts needed) -> storescp (11112): C-STORE of 4 files in Implicit LE,
#                  Explicit LE, Explicit BE and Deflated Explicit LE
#   move.pcap      movescu -> Orthanc (104), which C-STOREs the study back to storescp on vdcm-a (Move Originator set)
#   find.pcap      findscu -> Orthanc (104) study-root C-FIND; findscu -W -> wlmscpfs on 11113 (no well-known port)
#   reject.pcap    echoscu with a called AE wlmscpfs does not serve: A-ASSOCIATE-RJ
#   abort.pcap     echoscu --abort: A-ABORT after the C-ECHO
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FILES=$ROOT/../shared/protocol-samples/dicom/files
OUT=$ROOT/test/fixtures/dicom
A=vdcm-a
B=vdcm-b
IPA=10.202.0.1
IPB=10.202.0.2
WORK=$(mktemp -d /tmp/vdcm-record.XXXXXX)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for f in rtplan.dcm MR_small.dcm ExplVR_BigEnd.dcm image_dfl.dcm; do
  [ -f "$FILES/$f" ] || { echo "missing $FILES/$f" >&2; exit 1; }
done

ip netns del "$A" 2>/dev/null || true
ip netns del "$B" 2>/dev/null || true
ip netns add "$A"
ip netns add "$B"
ip link add vdcm-va type veth peer name vdcm-vb
ip link set vdcm-va netns "$A"
ip link set vdcm-vb netns "$B"
ip -n "$A" addr add "$IPA/24" dev vdcm-va
ip -n "$B" addr add "$IPB/24" dev vdcm-vb
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set vdcm-va up
ip -n "$B" link set vdcm-vb up
# No offloads: segments on the wire as the stack cut them, with valid checksums in the capture.
ip netns exec "$A" ethtool -K vdcm-va tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$B" ethtool -K vdcm-vb tx off rx off tso off gso off gro off >/dev/null 2>&1 || true

inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }
bgB() { ip netns exec "$B" "$@" >"$WORK/$(basename "$1").log" 2>&1 & PIDS+=($!); }
bgA() { ip netns exec "$A" "$@" >"$WORK/$(basename "$1")-a.log" 2>&1 & PIDS+=($!); }

# Archive side: storescp accepting every transfer syntax, Orthanc, and a worklist server.
mkdir -p "$WORK/scp-b" "$WORK/scp-a" "$WORK/orthanc" "$WORK/wl/WLMSCP"
bgB storescp --aetitle STORESCP +xa --output-directory "$WORK/scp-b" --ignore 11112
cat >"$WORK/orthanc.json" <<EOF
{ "Name": "vdcm", "StorageDirectory": "$WORK/orthanc", "IndexDirectory": "$WORK/orthanc",
  "HttpServerEnabled": false, "DicomServerEnabled": true, "DicomAet": "ORTHANC", "DicomPort": 104,
  "DicomCheckCalledAet": false, "RemoteAccessAllowed": true,
  "DicomModalities": { "vigil": [ "VIGILSCP", "$IPA", 11112 ] }, "Plugins": [] }
EOF
bgB Orthanc "$WORK/orthanc.json"
cat >"$WORK/wl.dump" <<'EOF'
(0008,0005) CS [ISO_IR 100]
(0008,0050) SH [ACC20260001]
(0010,0010) PN [Fictitious^Wanda]
(0010,0020) LO [MRN-77001]
(0010,0030) DA [19700101]
(0010,0040) CS [F]
(0020,000d) UI [1.2.826.0.1.3680043.9.7433.1.1]
(0040,0100) SQ
(fffe,e000) -
(0008,0060) CS [CT]
(0040,0001) AE [CTSCANNER1]
(0040,0002) DA [20261123]
(0040,0003) TM [090000]
(0040,0009) SH [SPS0001]
(fffe,e00d) -
(fffe,e0dd) -
(0040,1001) SH [RP0001]
EOF
dump2dcm -q "$WORK/wl.dump" "$WORK/wl/WLMSCP/item1.wl"
touch "$WORK/wl/WLMSCP/lockfile"
bgB wlmscpfs -dfr -dfp "$WORK/wl" 11113
# Modality side: the C-MOVE destination.
bgA storescp --aetitle VIGILSCP +xa --output-directory "$WORK/scp-a" 11112
sleep 3

capture() { # name, then the command run in vdcm-a
  local name=$1; shift
  inA tcpdump -q -i vdcm-va -s 0 -U -w "$WORK/$name.pcap" 'tcp' >/dev/null 2>&1 &
  local cap=$!
  sleep 1
  inA "$@" || true
  sleep 1
  kill -TERM "$cap" 2>/dev/null || true; wait "$cap" 2>/dev/null || true
  cp "$WORK/$name.pcap" "$OUT/$name.pcap"
  echo "$name.pcap: $(stat -c %s "$OUT/$name.pcap") octets"
}

mkdir -p "$OUT"
capture echo echoscu -aet MODALITY1 -aec STORESCP "$IPB" 11112
capture store bash -c "
  storescu -R -aet MODALITY1 -aec STORESCP -xi $IPB 11112 '$FILES/rtplan.dcm' &&
  storescu -R -aet MODALITY1 -aec STORESCP -xe $IPB 11112 '$FILES/MR_small.dcm' &&
  storescu -R -aet MODALITY1 -aec STORESCP -xb $IPB 11112 '$FILES/ExplVR_BigEnd.dcm' &&
  storescu -R -aet MODALITY1 -aec STORESCP -xd $IPB 11112 '$FILES/image_dfl.dcm'"
# Load Orthanc (not captured), then move the MR study back to the modality side.
inA storescu -aet MODALITY1 -aec ORTHANC "$IPB" 104 "$FILES/MR_small.dcm"
MRSTUDY=$(dcmdump -q +P 0020,000d "$FILES/MR_small.dcm" | sed -n 's/.*\[\(.*\)\].*/\1/p' | head -1)
capture move movescu -aet VIGILSCP -aec ORTHANC -aem VIGILSCP -S -k QueryRetrieveLevel=STUDY -k "StudyInstanceUID=$MRSTUDY" "$IPB" 104
capture find bash -c "
  findscu -aet VIGILSCP -aec ORTHANC -S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID -k PatientName -k ModalitiesInStudy $IPB 104;
  findscu -aet CTSCANNER1 -aec WLMSCP -W -k 'ScheduledProcedureStepSequence[0].Modality=CT' -k PatientName -k PatientID -k AccessionNumber $IPB 11113"
capture reject echoscu -aet MODALITY1 -aec NOSUCHAE "$IPB" 11113
capture abort echoscu --abort -aet MODALITY1 -aec STORESCP "$IPB" 11112
ls -la "$OUT"
