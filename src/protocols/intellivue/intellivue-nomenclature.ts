/**
 * Codes of the Philips IntelliVue Data Export protocol (Data Export Interface Programming Guide, "PIPG":
 * IEEE 11073 ROSE/ACSE subset over UDP) that the dissector reads. Values as published in the guide's
 * "Attribute Data Types and Constants Used" and "Message Types" sections.
 */

/** UDP port of the Connect Indication a monitor broadcasts (PIPG: "port 24005"). */
export const CONNECT_INDICATION_PORT = 24005;
/** UDP port of the association and data export protocol on the monitor (PIPG: "port 24105"). */
export const DATA_EXPORT_PORT = 24105;

// Session header types (PIPG "Session Header"): one per association protocol command.
export const CN_SPDU_SI = 0x0d;
export const AC_SPDU_SI = 0x0e;
export const RF_SPDU_SI = 0x0c;
export const FN_SPDU_SI = 0x09;
export const DN_SPDU_SI = 0x0a;
export const AB_SPDU_SI = 0x19;
/** A one-octet LI of 0xff means the length follows in two octets. */
export const LI_EXTENDED = 0xff;

/** SPpdu.session_id of every data export message (PIPG "Session/Presentation Header": 0xE100). */
export const DATA_EXPORT_SESSION_ID = 0xe100;

// ROapdus.ro_type
export const ROIV_APDU = 1;
export const RORS_APDU = 2;
export const ROER_APDU = 3;
export const ROLRS_APDU = 5;

// ROIVapdu.command_type
export const CMD_EVENT_REPORT = 0;
export const CMD_CONFIRMED_EVENT_REPORT = 1;
export const CMD_GET = 3;
export const CMD_SET = 4;
export const CMD_CONFIRMED_SET = 5;
export const CMD_CONFIRMED_ACTION = 7;

// Event and action types
export const NOM_NOTI_MDS_CREAT = 0x0d06;
export const NOM_NOTI_MDS_CONNECT_INDIC = 0x0d17;
export const NOM_ACT_POLL_MDIB_DATA = 0x0c16;
export const NOM_ACT_POLL_MDIB_DATA_EXT = 0xf13b;

// Attribute ids read for identity (everything else is skipped by its length)
export const NOM_ATTR_SYS_ID = 0x0984;
export const NOM_ATTR_ID_MODEL = 0x0928;
export const NOM_ATTR_ID_PROD_SPECN = 0x092d;
export const NOM_ATTR_NET_ADDR_INFO = 0xf100;
export const NOM_ATTR_PCOL_SUPPORT = 0xf101;

// ProdSpecEntry.spec_type
export const SERIAL_NUMBER = 1;
export const PART_NUMBER = 2;
export const HW_REVISION = 3;
export const SW_REVISION = 4;
export const PROTOCOL_REVISION = 5;

// ProtoSupportEntry.appl_proto and .trans_proto
export const AP_ID_ACSE = 1;
export const AP_ID_DATA_OUT = 5;
export const TP_ID_UDP = 1;
