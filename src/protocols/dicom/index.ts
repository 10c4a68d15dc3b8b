export { DicomDissector, DICOM_PORTS, MAX_PDU_LENGTH, MAX_CONTROL_PDU, MAX_DATA_SET } from './dicom-dissector.js';
export { acceptedTransferSyntaxes, maskDataSet, redactAssociation, redactPData } from './dicom-redact.js';
export { uidName } from './dicom-uids.js';
