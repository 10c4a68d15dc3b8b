import { ipv4Text, ipv6Text } from '../../decode/address-text.js';
import { LINK_PROTO_CDP } from '../../decode/decoded-packet.js';
import type { FrameDissector, FrameEmit } from '../frame-dissector.js';
import { bitNames, tlvText } from '../lldp/tlv-text.js';

// TLV types, as Cisco documents them and Wireshark's packet-cdp.c reads them.
const DEVICE_ID = 0x0001;
const ADDRESSES = 0x0002;
const PORT_ID = 0x0003;
const CAPABILITIES = 0x0004;
const SOFTWARE_VERSION = 0x0005;
const PLATFORM = 0x0006;
const VTP_MANAGEMENT_DOMAIN = 0x0009;
const NATIVE_VLAN = 0x000a;
const DUPLEX = 0x000b;
const VOICE_VLAN = 0x000e;
const SYSTEM_NAME = 0x0014;
const MANAGEMENT_ADDRESSES = 0x0016;

/** Capability bits, bit 0 first. */
const CAPABILITY_NAMES = ['router', 'transparent-bridge', 'source-route-bridge', 'switch', 'host', 'igmp', 'repeater', 'phone', 'remotely-managed', 'cvta', 'mac-relay'];

/** Most addresses read from one address TLV: enough for any real device, bounded for a hostile count. */
const MAX_ADDRESSES = 16;

/**
 * Cisco Discovery Protocol, versions 1 and 2: what a Cisco switch, router, phone or access point says about
 * itself on each link. Header: version, TTL, checksum; then type-length-value records whose length counts
 * the 4-octet header. Reading stops at the first record that runs past the frame (the facts before it stand).
 * The checksum is not verified: a wrong one does not make a device's name less its own.
 */
export class CdpDissector implements FrameDissector {
  readonly name = 'cdp';
  readonly linkProto = LINK_PROTO_CDP;

  frame(buf: Buffer, offset: number, length: number, emit: FrameEmit): void {
    const end = Math.min(offset + length, buf.length);
    if (end - offset < 4) return;
    const version = buf[offset];
    if (version !== 1 && version !== 2) return;
    emit('cdp.version', version);
    let pos = offset + 4;
    while (end - pos >= 4) {
      const type = (buf[pos] << 8) | buf[pos + 1];
      const tlvLength = (buf[pos + 2] << 8) | buf[pos + 3];
      const from = pos + 4;
      const to = pos + tlvLength;
      if (tlvLength < 4 || to > end) return;
      switch (type) {
        case DEVICE_ID:
          text(emit, 'cdp.device_id', buf, from, to);
          break;
        case ADDRESSES:
          addresses(emit, 'cdp.address', buf, from, to);
          break;
        case PORT_ID:
          text(emit, 'cdp.port_id', buf, from, to);
          break;
        case CAPABILITIES:
          if (to - from === 4) emit('cdp.capabilities', bitNames(buf.readUInt32BE(from), CAPABILITY_NAMES));
          break;
        case SOFTWARE_VERSION:
          text(emit, 'cdp.software_version', buf, from, to);
          break;
        case PLATFORM:
          text(emit, 'cdp.platform', buf, from, to);
          break;
        case VTP_MANAGEMENT_DOMAIN:
          text(emit, 'cdp.vtp_domain', buf, from, to);
          break;
        case NATIVE_VLAN:
          if (to - from === 2) emit('cdp.native_vlan', (buf[from] << 8) | buf[from + 1]);
          break;
        case DUPLEX:
          if (to - from === 1) emit('cdp.duplex', buf[from] === 0 ? 'half' : 'full');
          break;
        case VOICE_VLAN:
          // Appliance id (1 octet), then the VLAN the switch offers a phone.
          if (to - from === 3) emit('cdp.voice_vlan', (buf[from + 1] << 8) | buf[from + 2]);
          break;
        case SYSTEM_NAME:
          text(emit, 'cdp.system_name', buf, from, to);
          break;
        case MANAGEMENT_ADDRESSES:
          addresses(emit, 'cdp.management_address', buf, from, to);
          break;
      }
      pos = to;
    }
  }
}

function text(emit: FrameEmit, key: string, buf: Buffer, from: number, to: number): void {
  const value = tlvText(buf, from, to);
  if (value.length > 0) emit(key, value);
}

/**
 * An address list: count (4 octets), then per address protocol type (1: NLPID, 2: 802.2), protocol length,
 * protocol, address length (2 octets), address. IPv4 is NLPID 0xcc; IPv6 is 802.2 SNAP with ether type
 * 0x86dd. Other protocols (CLNS, DECnet...) are skipped.
 */
function addresses(emit: FrameEmit, key: string, buf: Buffer, from: number, to: number): void {
  if (to - from < 4) return;
  const count = Math.min(buf.readUInt32BE(from), MAX_ADDRESSES);
  let pos = from + 4;
  for (let i = 0; i < count; i++) {
    if (to - pos < 2) return;
    const protocolType = buf[pos];
    const protocolLength = buf[pos + 1];
    const protocol = pos + 2;
    const lengthAt = protocol + protocolLength;
    if (to - lengthAt < 2) return;
    const addressLength = (buf[lengthAt] << 8) | buf[lengthAt + 1];
    const address = lengthAt + 2;
    if (to - address < addressLength) return;
    if (protocolType === 1 && protocolLength === 1 && buf[protocol] === 0xcc && addressLength === 4) {
      emit(key, ipv4Text(buf, address));
    } else if (protocolType === 2 && protocolLength === 8 && addressLength === 16 && buf[protocol + 6] === 0x86 && buf[protocol + 7] === 0xdd) {
      emit(key, ipv6Text(buf, address));
    }
    pos = address + addressLength;
  }
}
