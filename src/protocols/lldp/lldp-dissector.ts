import { ipv4Text, ipv6Text, macText } from '../../decode/address-text.js';
import { LINK_PROTO_LLDP } from '../../decode/decoded-packet.js';
import type { FrameDissector, FrameEmit } from '../frame-dissector.js';
import { bitNames, tlvText } from './tlv-text.js';

// TLV types (IEEE 802.1AB-2016 §8.4).
const END = 0;
const CHASSIS_ID = 1;
const PORT_ID = 2;
const PORT_DESCRIPTION = 4;
const SYSTEM_NAME = 5;
const SYSTEM_DESCRIPTION = 6;
const SYSTEM_CAPABILITIES = 7;
const MANAGEMENT_ADDRESS = 8;
const ORGANIZATIONALLY_SPECIFIC = 127;

// Organizationally specific TLVs: OUI (3 octets) then subtype.
const OUI_IEEE_802_1 = 0x0080c2;
const OUI_TIA_MED = 0x0012bb;
const IEEE_802_1_PORT_VLAN_ID = 1;
const MED_CAPABILITIES = 1;
/** LLDP-MED (ANSI/TIA-1057 §10.2.6) inventory subtypes 5-11 and the key each becomes. */
const MED_INVENTORY: readonly (string | null)[] = [
  null, null, null, null, null,
  'lldp.med.hardware_revision',
  'lldp.med.firmware_revision',
  'lldp.med.software_revision',
  'lldp.med.serial_number',
  'lldp.med.manufacturer',
  'lldp.med.model',
  'lldp.med.asset_id',
];

/** System capability bits, bit 0 first (IEEE 802.1AB-2016 Table 8-4). */
const CAPABILITIES = ['other', 'repeater', 'bridge', 'wlan-access-point', 'router', 'telephone', 'docsis', 'station-only', 'c-vlan', 's-vlan', 'tpmr'];

// IANA address family numbers, as the chassis id, port id and management address TLVs carry them.
const AF_IPV4 = 1;
const AF_IPV6 = 2;
const AF_802 = 6;

/**
 * IEEE 802.1AB LLDP: what a switch, phone or LLDP-speaking device says about itself on each link. Reads the
 * LLDPDU's TLVs in order and stops at End of LLDPDU or at the first TLV that runs past the frame (the facts
 * before it stand). The mandatory order (chassis id, port id, TTL first) is not enforced: a device that gets
 * it wrong still says who it is.
 */
export class LldpDissector implements FrameDissector {
  readonly name = 'lldp';
  readonly linkProto = LINK_PROTO_LLDP;

  frame(buf: Buffer, offset: number, length: number, emit: FrameEmit): void {
    const end = Math.min(offset + length, buf.length);
    let pos = offset;
    while (end - pos >= 2) {
      const header = (buf[pos] << 8) | buf[pos + 1];
      const type = header >>> 9;
      const from = pos + 2;
      const to = from + (header & 0x1ff);
      if (type === END || to > end) return;
      switch (type) {
        case CHASSIS_ID:
          if (to - from >= 2) {
            const id = idText(buf, buf[from], from + 1, to, 4, 5);
            if (id !== null) emit('lldp.chassis_id', id);
          }
          break;
        case PORT_ID:
          if (to - from >= 2) {
            const id = idText(buf, buf[from], from + 1, to, 3, 4);
            if (id !== null) emit('lldp.port_id', id);
          }
          break;
        case PORT_DESCRIPTION:
          text(emit, 'lldp.port_description', buf, from, to);
          break;
        case SYSTEM_NAME:
          text(emit, 'lldp.system_name', buf, from, to);
          break;
        case SYSTEM_DESCRIPTION:
          text(emit, 'lldp.system_description', buf, from, to);
          break;
        case SYSTEM_CAPABILITIES:
          if (to - from === 4) {
            emit('lldp.capabilities', bitNames((buf[from] << 8) | buf[from + 1], CAPABILITIES));
            emit('lldp.capabilities_enabled', bitNames((buf[from + 2] << 8) | buf[from + 3], CAPABILITIES));
          }
          break;
        case MANAGEMENT_ADDRESS: {
          // address string length (subtype + address, 2..32), subtype, address, then interface and OID.
          const stringLength = to - from >= 1 ? buf[from] : 0;
          if (stringLength >= 2 && from + 1 + stringLength <= to) {
            const address = addressText(buf, buf[from + 1], from + 2, from + 1 + stringLength);
            if (address !== null) emit('lldp.management_address', address);
          }
          break;
        }
        case ORGANIZATIONALLY_SPECIFIC:
          if (to - from >= 4) organizational(buf, (buf[from] << 16) | (buf[from + 1] << 8) | buf[from + 2], buf[from + 3], from + 4, to, emit);
          break;
      }
      pos = to;
    }
  }
}

function organizational(buf: Buffer, oui: number, subtype: number, from: number, to: number, emit: FrameEmit): void {
  if (oui === OUI_IEEE_802_1) {
    if (subtype === IEEE_802_1_PORT_VLAN_ID && to - from === 2) emit('lldp.port_vlan', (buf[from] << 8) | buf[from + 1]);
  } else if (oui === OUI_TIA_MED) {
    if (subtype === MED_CAPABILITIES && to - from === 3) emit('lldp.med.device_class', buf[from + 2]);
    else if (subtype < MED_INVENTORY.length) {
      const key = MED_INVENTORY[subtype];
      if (key !== null) text(emit, key, buf, from, to);
    }
  }
}

function text(emit: FrameEmit, key: string, buf: Buffer, from: number, to: number): void {
  const value = tlvText(buf, from, to);
  if (value.length > 0) emit(key, value);
}

/**
 * A chassis or port id by its subtype: a MAC address (subtype `macSubtype`) as `aa:bb:...`, a network
 * address (`addressSubtype`) as an IP, every other subtype (names, components, locally assigned) as text.
 */
function idText(buf: Buffer, subtype: number, from: number, to: number, macSubtype: number, addressSubtype: number): string | null {
  if (subtype === macSubtype) return to - from === 6 ? macText(buf, from) : null;
  if (subtype === addressSubtype) return to - from >= 2 ? addressText(buf, buf[from], from + 1, to) : null;
  if (subtype === 0 || subtype > 7) return null;
  const value = tlvText(buf, from, to);
  return value.length > 0 ? value : null;
}

/** An address of IANA family `family` in `buf[from..to)`: IPv4, IPv6 or an 802 MAC; null for others or a wrong length. */
function addressText(buf: Buffer, family: number, from: number, to: number): string | null {
  const length = to - from;
  if (family === AF_IPV4 && length === 4) return ipv4Text(buf, from);
  if (family === AF_IPV6 && length === 16) return ipv6Text(buf, from);
  if (family === AF_802 && length === 6) return macText(buf, from);
  return null;
}
