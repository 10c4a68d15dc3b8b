#!/usr/bin/env bash
# Regenerates knowledge/dicom/uids.json, the DICOM UID dictionary the dicom dissector names UIDs with.
# Source: pydicom's _uid_dict.py (MIT, Copyright 2008-2018 Darcy Mason and pydicom contributors), itself
# generated from the NEMA DICOM standard's UID registry (PS3.6 Annex A). Needs Debian's python3-pydicom.
# Only the kinds of UID seen on the wire in an association are kept (no coding schemes, LDAP OIDs).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
"$PY" -c 'import pydicom' 2>/dev/null || { echo "needs Debian python3-pydicom (apt-get install python3-pydicom)" >&2; exit 1; }
mkdir -p knowledge/dicom
"$PY" - > knowledge/dicom/uids.json <<'PYEOF'
import json
import pydicom
from pydicom._uid_dict import UID_dictionary
KEEP = {
    'SOP Class': 'sop_class', 'Meta SOP Class': 'meta_sop_class', 'Transfer Syntax': 'transfer_syntax',
    'Application Context Name': 'application_context', 'Service Class': 'service_class',
    'Well-known frame of reference': 'frame_of_reference', 'Synchronization Frame of Reference': 'frame_of_reference',
    'Well-known SOP Instance': 'sop_instance', 'Well-known Printer SOP Instance': 'sop_instance',
    'Well-known Print Queue SOP Instance': 'sop_instance', 'Application Hosting Model': 'application_hosting_model',
}
def key(uid):
    return [int(p) for p in uid.split('.')]
uids = {}
for uid in sorted(UID_dictionary, key=key):
    name, kind, _info, retired, _keyword = UID_dictionary[uid]
    if kind not in KEEP:
        continue
    entry = {'name': name, 'type': KEEP[kind]}
    if retired:
        entry['retired'] = True
    uids[uid] = entry
doc = {
    'source': 'pydicom %s pydicom/_uid_dict.py (generated from DICOM PS3.6 Annex A); scripts/make-dicom-uids.sh' % pydicom.__version__,
    'licence': 'MIT (pydicom: Copyright 2008-2018 Darcy Mason and pydicom contributors); the UID registry itself is the NEMA DICOM standard, PS3.6',
    'uids': uids,
}
print(json.dumps(doc, indent=1, ensure_ascii=False))
PYEOF
echo "wrote knowledge/dicom/uids.json ($(grep -c '"name"' knowledge/dicom/uids.json) UIDs)"
