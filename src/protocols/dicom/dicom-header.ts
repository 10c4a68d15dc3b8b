/**
 * The device facts of a data set header (groups 0008 and 0018, PS3.3 C.7.5.1 General Equipment) and whether
 * it carries patient or study attributes. Values of patient and study attributes are never read.
 */
import { stringValue, walkElements, type Encoding } from './dicom-dataset.js';

/** Octets of one string value read (LO is at most 64 characters, PS3.5 Table 6.2-1). */
export const MAX_VALUE = 128;
/** PS3.5: the walk stops at the first top-level tag past (0020,FFFF): every attribute read is before it. */
const LAST_TAG = 0x0020ffff;

export interface DataSetHeader {
  manufacturer?: string;
  model?: string;
  modality?: string;
  stationName?: string;
  serialNumber?: string;
  softwareVersions?: string;
  institution?: string;
  department?: string;
  /** A patient or study attribute with a non-empty value is present. */
  phiPresent: boolean;
}

const MANUFACTURER = 0x00080070;
const MODEL = 0x00081090;
const MODALITY = 0x00080060;
const STATION_NAME = 0x00081010;
const SERIAL_NUMBER = 0x00181000;
const SOFTWARE_VERSIONS = 0x00181020;
const INSTITUTION = 0x00080080;
const DEPARTMENT = 0x00081040;

/**
 * Patient and study attributes outside group 0010 (and groups 0032 Study, 0038 Visit, 0040 Procedure Step) (PS3.3 C.7.2.1 General Study, C.7.3.1 General Series,
 * PS3.15 Table E.1-1 "Basic Profile"): their presence alone is reported.
 */
export const PHI_TAGS: ReadonlySet<number> = new Set([
  0x00080020, // Study Date
  0x00080021, // Series Date
  0x00080022, // Acquisition Date
  0x00080023, // Content Date
  0x00080030, // Study Time
  0x00080050, // Accession Number
  0x00080081, // Institution Address
  0x00080090, // Referring Physician's Name
  0x00080092, // Referring Physician's Address
  0x00080094, // Referring Physician's Telephone Numbers
  0x00081030, // Study Description
  0x0008103e, // Series Description
  0x00081048, // Physician(s) of Record
  0x00081050, // Performing Physician's Name
  0x00081060, // Name of Physician(s) Reading Study
  0x00081070, // Operators' Name
  0x00081080, // Admitting Diagnoses Description
  0x0020000d, // Study Instance UID
  0x00200010, // Study ID
]);

/** Whether `tag` is a patient attribute (group 0010, not its group length) or a study attribute of PHI_TAGS. */
export function isPhiTag(tag: number): boolean {
  return ((tag >>> 16) === 0x0010 && (tag & 0xffff) !== 0) || PHI_TAGS.has(tag) || (tag >>> 16) === 0x0032 || (tag >>> 16) === 0x0038 || (tag >>> 16) === 0x0040;
}

/** Reads the header of the data set in `buf[start..end)` (possibly a truncated prefix of it). */
export function readDataSetHeader(buf: Buffer, start: number, end: number, encoding: Encoding): DataSetHeader {
  const header: DataSetHeader = { phiPresent: false };
  walkElements(buf, start, end, encoding, (tag, _vr, offset, length, depth) => {
    if (depth > 0) return true;
    if (tag > LAST_TAG) return false;
    if (length > 0 && isPhiTag(tag)) {
      header.phiPresent = true;
      return true;
    }
    if (length === 0 || offset + length > end) return true;
    const text = (): string | undefined => {
      const value = stringValue(buf, offset, length, end, MAX_VALUE);
      return value.length > 0 ? value : undefined;
    };
    switch (tag) {
      case MANUFACTURER:
        header.manufacturer = text();
        break;
      case MODEL:
        header.model = text();
        break;
      case MODALITY:
        header.modality = text();
        break;
      case STATION_NAME:
        header.stationName = text();
        break;
      case SERIAL_NUMBER:
        header.serialNumber = text();
        break;
      case SOFTWARE_VERSIONS:
        header.softwareVersions = text()
          ?.split('\\')
          .map((v) => v.trim())
          .join('\\');
        break;
      case INSTITUTION:
        header.institution = text();
        break;
      case DEPARTMENT:
        header.department = text();
        break;
      default:
        break;
    }
    return true;
  });
  return header;
}
