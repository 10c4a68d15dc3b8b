/**
 * The identity fields of a UPnP device description (UPnP Device Architecture 2.0 §2.3: the XML a device
 * serves at the LOCATION of its SSDP announcements). Not a general XML parser: it finds the first element
 * of each name, which in a description is the root device's, and reads its text.
 */

/** Element name → key suffix (`http.upnp.<suffix>`). */
export const UPNP_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['deviceType', 'device_type'],
  ['friendlyName', 'friendly_name'],
  ['manufacturer', 'manufacturer'],
  ['modelName', 'model_name'],
  ['modelNumber', 'model_number'],
  ['serialNumber', 'serial_number'],
  ['UDN', 'udn'],
];

/** Longest element text kept (the spec caps friendlyName at 64 characters, others at 32 to 128). */
const MAX_TEXT = 256;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Whether the text looks like a device description (its root element is in the UPnP device namespace). */
export function isDeviceDescription(xml: string): boolean {
  return xml.includes('urn:schemas-upnp-org:device-1-0') && xml.includes('<device');
}

/** `[suffix, text]` for each field present, in UPNP_FIELDS order. */
export function readDeviceDescription(xml: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (!isDeviceDescription(xml)) return out;
  for (const [element, suffix] of UPNP_FIELDS) {
    const text = elementText(xml, element);
    if (text !== null) out.push([suffix, text]);
  }
  return out;
}

function elementText(xml: string, element: string): string | null {
  // A namespace prefix is allowed (`<d:friendlyName>`); attributes are not expected but tolerated.
  const open = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${element}(?:\\s[^>]*)?>`, 'g');
  const match = open.exec(xml);
  if (match === null) return null;
  const start = match.index + match[0].length;
  const end = xml.indexOf('<', start);
  if (end < 0) return null;
  const raw = xml.slice(start, Math.min(end, start + MAX_TEXT * 2));
  const text = raw
    .replace(/&(amp|lt|gt|quot|apos|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g, (_m, name: string, dec?: string, hexa?: string) => {
      if (dec !== undefined) return safeCodePoint(Number(dec));
      if (hexa !== undefined) return safeCodePoint(parseInt(hexa, 16));
      return ENTITIES[name] ?? '';
    })
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .trim()
    .slice(0, MAX_TEXT);
  return text.length > 0 ? text : null;
}

function safeCodePoint(n: number): string {
  return n > 0x1f && n <= 0x10ffff && n !== 0x7f ? String.fromCodePoint(n) : '';
}
