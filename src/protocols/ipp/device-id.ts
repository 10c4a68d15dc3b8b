/**
 * The IEEE 1284 device ID string (IEEE 1284-2000 §7.6): `key:value;` pairs, as a printer reports it in
 * IPP's printer-device-id (PWG 5100.13 §6.2.3) or SNMP's Printer-MIB. The standard names MANUFACTURER,
 * MODEL and COMMAND SET, commonly abbreviated MFG, MDL and CMD; the serial number has no standard key and
 * printers use SN, SERN or SERIALNUMBER. Keys are matched without regard to case.
 */
export interface DeviceId {
  readonly manufacturer: string | null;
  readonly model: string | null;
  /** Page description languages the printer accepts (CMD), e.g. ["PJL", "PCL", "POSTSCRIPT"]. */
  readonly commandSet: string[];
  readonly serial: string | null;
}

/** Longest value kept; a device ID is at most a few hundred octets. */
const MAX_VALUE = 128;
const MAX_COMMANDS = 32;

export function parseDeviceId(text: string): DeviceId {
  let manufacturer: string | null = null;
  let model: string | null = null;
  let serial: string | null = null;
  const commandSet: string[] = [];
  for (const pair of text.split(';')) {
    const colon = pair.indexOf(':');
    if (colon <= 0) continue;
    const key = pair.slice(0, colon).trim().toUpperCase();
    const value = clean(pair.slice(colon + 1));
    if (value === '') continue;
    if ((key === 'MFG' || key === 'MANUFACTURER') && manufacturer === null) manufacturer = value;
    else if ((key === 'MDL' || key === 'MODEL') && model === null) model = value;
    else if ((key === 'SN' || key === 'SERN' || key === 'SERIALNUMBER' || key === 'SERIAL NUMBER') && serial === null) serial = value;
    else if ((key === 'CMD' || key === 'COMMAND SET') && commandSet.length === 0) {
      for (const c of value.split(',')) {
        const language = c.trim();
        if (language !== '' && commandSet.length < MAX_COMMANDS && !commandSet.includes(language)) commandSet.push(language);
      }
    }
  }
  return { manufacturer, model, commandSet, serial };
}

function clean(value: string): string {
  return value.replace(/[\x00-\x1f\x7f]/g, '').trim().slice(0, MAX_VALUE);
}
