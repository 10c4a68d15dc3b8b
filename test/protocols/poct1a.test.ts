import { describe, expect, it } from 'vitest';
import type { Direction } from '../../src/protocols/dissector.js';
import { feedWhole, type Fact, type Segment } from '../../src/protocols/harness.js';
import { Poct1aDissector } from '../../src/protocols/poct1a/index.js';
import { describeConformance, type ConformanceVector } from './conformance.js';

// No POCT1-A implementation is packaged in Debian and no public POCT1-A capture exists, so nothing was
// recorded: these vectors were written for Vigil from the published message format (CLSI POCT1-A2 Device
// Messaging Layer: XML documents back to back over TCP, the root naming the message, `HEL.R01` with its
// HDR and DEV objects, `ACK.R01`, `DST.R01`, `OBS.R01` with SVC/PT/OBS, `EOT.R01`; every value in a `V`
// attribute), with DEV attribute names as vendor integrations read them (DEV.device_id, DEV.vendor_id,
// DEV.model_id, DEV.serial_id, DEV.manufacturer_name, DEV.sw_version, DEV.hw_version, DEV.device_name).
// Device identities and the patient are invented.

const fact = (from: Direction, key: string, value: Fact['value']): Fact => ({ key, value, from });
const seg = (dir: Direction, text: string): Segment => ({ dir, bytes: Buffer.from(text, 'utf8') });
const tcp = (name: string, segments: Segment[], expected: Fact[], exact = true): ConformanceVector => ({
  name,
  transport: 'tcp',
  originatorPort: 51000,
  responderPort: 7001,
  segments,
  expected,
  exact,
});

const XML = '<?xml version="1.0" encoding="utf-8"?>\r\n';
const HDR = (id: number): string => `<HDR><HDR.control_id V="${id}"/><HDR.version_id V="POCT1"/><HDR.creation_dttm V="2026-11-23T10:15:00+01:00"/></HDR>`;
const HELLO =
  XML +
  `<HEL.R01>${HDR(1)}<DEV>` +
  '<DEV.device_id V="00:1B:2C:3D:4E:5F"/><DEV.vendor_id V="ACME-DX"/><DEV.model_id V="GlucoPoint 300"/>' +
  '<DEV.serial_id V="GP3-0012345"/><DEV.manufacturer_name V="Acme Diagnostics &amp; Co"/>' +
  '<DEV.sw_version V="4.2.1"/><DEV.hw_version V="B"/><DEV.device_name V="ICU-EAST-GLUCO-2"/>' +
  '<DCP><DCP.application_timeout V="30"/></DCP><DSC><DSC.connection_profile_cd V="SA"/><DSC.topics_supported_cd V="OBS"/></DSC>' +
  '</DEV></HEL.R01>';
const ACK = (id: number, ack: number): string => `${XML}<ACK.R01>${HDR(id)}<ACK><ACK.type_cd V="AA"/><ACK.ack_control_id V="${ack}"/></ACK></ACK.R01>`;
const STATUS = `${XML}<DST.R01>${HDR(2)}<DST><DST.update_dttm V="2026-11-23T10:15:01+01:00"/><DST.new_observations_qty V="1"/></DST></DST.R01>`;
const OBSERVATION =
  `${XML}<OBS.R01>${HDR(3)}<!-- result > reference range --><SVC><SVC.role_cd V="OBS"/><SVC.observation_dttm V="2026-11-23T10:12:00+01:00"/>` +
  '<PT><PT.patient_id V="VG900777"/><PT.name V="TESTPATIENT^FOXTROT"/><OBS><OBS.observation_id V="GLU" SN="ACME"/><OBS.value V="7.9" U="mmol/L"/></OBS></PT>' +
  '<OPR><OPR.operator_id V="NURSE-17"/></OPR><NTE><![CDATA[<PT.patient_id V="not a tag"/>]]></NTE></SVC></OBS.R01>';
const END = `${XML}<EOT.R01>${HDR(4)}<EOT><EOT.topic_cd V="OBS"/></EOT></EOT.R01>`;

const DEVICE_FACTS = [
  fact(0, 'poct1a.device_id', '00:1B:2C:3D:4E:5F'),
  fact(0, 'poct1a.vendor', 'ACME-DX'),
  fact(0, 'poct1a.model', 'GlucoPoint 300'),
  fact(0, 'poct1a.serial', 'GP3-0012345'),
  fact(0, 'poct1a.manufacturer', 'Acme Diagnostics & Co'),
  fact(0, 'poct1a.software', '4.2.1'),
  fact(0, 'poct1a.hardware', 'B'),
  fact(0, 'poct1a.device_name', 'ICU-EAST-GLUCO-2'),
];

const vectors: ConformanceVector[] = [
  tcp(
    'written: a glucose meter conversation (HEL, ACK, DST, ACK, OBS with a patient, ACK, EOT)',
    [seg(0, HELLO), seg(1, ACK(101, 1)), seg(0, STATUS), seg(1, ACK(102, 2)), seg(0, OBSERVATION), seg(1, ACK(103, 3)), seg(0, END)],
    [
      fact(0, 'poct1a.message', 'HEL.R01'),
      fact(0, 'poct1a.version', 'POCT1'),
      ...DEVICE_FACTS,
      fact(0, 'poct1a.message', 'DST.R01'),
      fact(0, 'poct1a.message', 'OBS.R01'),
      fact(0, 'poct1a.phi_present', true),
      fact(0, 'poct1a.message', 'EOT.R01'),
      fact(1, 'poct1a.message', 'ACK.R01'),
      fact(1, 'poct1a.version', 'POCT1'),
    ],
  ),
  tcp(
    'written: two documents in one chunk without declarations, single quotes, an over-long tag skipped',
    [seg(0, `<HEL.R01><DEV><DEV.vendor_id V='BETA' /><DEV.model_id V="${'M'.repeat(1100)}"/></DEV></HEL.R01>\n<KPA.R01><HDR><HDR.version_id V="POCT1"/></HDR></KPA.R01>`)],
    [fact(0, 'poct1a.message', 'HEL.R01'), fact(0, 'poct1a.vendor', 'BETA'), fact(0, 'poct1a.message', 'KPA.R01'), fact(0, 'poct1a.version', 'POCT1')],
  ),
  tcp(
    'written: other XML (a SOAP envelope) holding DEV-like tags is not POCT1-A',
    [seg(0, `${XML}<Envelope><DEV.vendor_id V="X"/><PT.patient_id V="1"/></Envelope>`)],
    [],
  ),
];

const poct = new Poct1aDissector();
describeConformance(poct, vectors);

describe('Poct1aDissector', () => {
  it('claims no port by default, takes a site list', () => {
    expect(poct.tcpPorts).toEqual([]);
    expect(new Poct1aDissector([7001]).tcpPorts).toEqual([7001]);
  });

  it('probes POCT1-A documents, not other XML', () => {
    const probe = (text: string): boolean => {
      const buf = Buffer.from(`..${text}`, 'utf8');
      return poct.probe('tcp', 0, buf, 2, buf.length - 2);
    };
    expect(probe(HELLO)).toBe(true);
    expect(probe(`\ufeff${OBSERVATION}`)).toBe(true);
    expect(probe('<HEL.R01><HDR>')).toBe(true);
    expect(probe(`${XML}<!-- c --><DST.R01>`)).toBe(true);
    expect(probe(`${XML}<Envelope>`)).toBe(false);
    expect(probe('<html>')).toBe(false);
    expect(probe('GET / HTTP/1.1')).toBe(false);
  });

  it('never emits a patient id, name, result or operator', () => {
    const text = vectors.flatMap((v) => feedWhole(poct, v).facts.map((f) => JSON.stringify(f.value))).join('\n');
    for (const value of ['VG900777', 'TESTPATIENT', 'FOXTROT', '7.9', 'NURSE-17', 'not a tag']) expect(text).not.toContain(value);
  });
});
