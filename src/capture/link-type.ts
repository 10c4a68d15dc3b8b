/** LINKTYPE_* values from https://www.tcpdump.org/linktypes.html */
export const LINKTYPE_NULL = 0; // BSD loopback: 4-byte address family in host byte order
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101; // raw IPv4 or IPv6, version from the first nibble
export const LINKTYPE_LOOP = 108; // OpenBSD loopback: address family in network byte order
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;
/** DLT_RAW as some systems wrote it in pcap headers before LINKTYPE_RAW existed. */
export const DLT_RAW_BSD = 12;
export const DLT_RAW_OPENBSD = 14;

export const SUPPORTED_LINK_TYPES: ReadonlyMap<number, string> = new Map([
  [LINKTYPE_NULL, 'BSD loopback'],
  [LINKTYPE_ETHERNET, 'Ethernet'],
  [LINKTYPE_RAW, 'raw IP'],
  [DLT_RAW_BSD, 'raw IP'],
  [DLT_RAW_OPENBSD, 'raw IP'],
  [LINKTYPE_LOOP, 'OpenBSD loopback'],
  [LINKTYPE_LINUX_SLL, 'Linux cooked (SLL)'],
  [LINKTYPE_LINUX_SLL2, 'Linux cooked v2 (SLL2)'],
  [LINKTYPE_IPV4, 'raw IPv4'],
  [LINKTYPE_IPV6, 'raw IPv6'],
]);

export function linkTypeName(linkType: number): string {
  return SUPPORTED_LINK_TYPES.get(linkType) ?? `LINKTYPE ${linkType}`;
}
