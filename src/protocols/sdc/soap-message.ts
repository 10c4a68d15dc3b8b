/**
 * What a SOAP message over WS-Discovery, DPWS or SDC says about its sender: the action, the discovery
 * fields of each Hello, Bye, ProbeMatch or ResolveMatch (and of a Probe's or Resolve's query), and the
 * device identity of DPWS metadata (ThisModel, ThisDevice) and of a BICEPS MDIB (an Mds element's MetaData: MdsDescriptor/MetaData).
 * Nothing else is read: an MDIB's patient and workflow context states, metrics and alerts are skipped.
 */
import { ADDRESSING_NAMESPACES, DPWS_NAMESPACES, KNOWN_PREFIXES, PARTICIPANT_NAMESPACE, SOAP_NAMESPACES } from './sdc-namespaces.js';
import { scanXml, type XmlElement } from './xml-scanner.js';

/** Entries per list (types, scopes, xaddrs) of one discovery entry. */
const MAX_LIST = 32;
/** Longest list item or identity value kept. */
const MAX_ITEM = 512;
/** Discovery entries read per message (ProbeMatches may carry several). */
const MAX_ENTRIES = 16;

export interface DiscoveryEntry {
  types: string[];
  scopes: string[];
  xaddrs: string[];
  endpointReference: string | null;
  metadataVersion: number | null;
}

export type IdentityField = 'manufacturer' | 'model' | 'model_number' | 'serial' | 'firmware' | 'friendly_name';

export interface SoapMessage {
  /** Local name of the WS-Addressing Action (its last path segment), else of the Body's first child. */
  action: string | null;
  entries: DiscoveryEntry[];
  identity: Array<[IdentityField, string]>;
}

const DISCOVERY_ENTRY_ELEMENTS: ReadonlySet<string> = new Set(['Hello', 'Bye', 'Probe', 'ProbeMatch', 'Resolve', 'ResolveMatch']);

const DPWS_FIELDS: ReadonlyMap<string, IdentityField> = new Map([
  ['ThisModel/Manufacturer', 'manufacturer'],
  ['ThisModel/ModelName', 'model'],
  ['ThisModel/ModelNumber', 'model_number'],
  ['ThisDevice/FriendlyName', 'friendly_name'],
  ['ThisDevice/FirmwareVersion', 'firmware'],
  ['ThisDevice/SerialNumber', 'serial'],
]);
const MDIB_FIELDS: ReadonlyMap<string, IdentityField> = new Map([
  ['Manufacturer', 'manufacturer'],
  ['ModelName', 'model'],
  ['ModelNumber', 'model_number'],
  ['SerialNumber', 'serial'],
]);

/**
 * Reads a SOAP message; null unless the document is a whole SOAP Envelope (a cut message yields nothing
 * rather than part of a list).
 */
export function readSoapMessage(xml: string): SoapMessage | null {
  const message: SoapMessage = { action: null, entries: [], identity: [] };
  let bodyChild: string | null = null;
  let entry: DiscoveryEntry | null = null;
  let complete = false;
  // Localized strings repeat per language: the first of each field per parent is kept.
  const taken = new Set<string>();
  let parentId = 0;
  const parentIds = new WeakMap<XmlElement, number>();

  scanXml(xml, {
    open(e) {
      if (e.depth === 1 && (e.local !== 'Envelope' || !SOAP_NAMESPACES.has(e.ns))) return;
      if (bodyChild === null && e.depth === 3 && e.parent?.local === 'Body') bodyChild = e.local;
      if (entry === null && DISCOVERY_ENTRY_ELEMENTS.has(e.local) && inBody(e) && message.entries.length < MAX_ENTRIES) {
        entry = { types: [], scopes: [], xaddrs: [], endpointReference: null, metadataVersion: null };
      }
    },
    close(e, text) {
      if (e.depth === 1) {
        complete = e.local === 'Envelope' && SOAP_NAMESPACES.has(e.ns);
        return;
      }
      if (e.local === 'Action' && ADDRESSING_NAMESPACES.has(e.ns) && e.parent?.local === 'Header') {
        const uri = clean(text);
        const last = uri.slice(uri.lastIndexOf('/') + 1);
        if (last !== '') message.action = last.slice(0, 128);
        return;
      }
      if (entry !== null) {
        if (DISCOVERY_ENTRY_ELEMENTS.has(e.local)) {
          message.entries.push(entry);
          entry = null;
        } else if (e.local === 'Types') entry.types = qnames(e, text);
        else if (e.local === 'Scopes') entry.scopes = list(text).map(scopeText);
        else if (e.local === 'XAddrs') entry.xaddrs = list(text);
        else if (e.local === 'MetadataVersion') entry.metadataVersion = unsigned(text);
        else if (e.local === 'Address' && e.parent?.local === 'EndpointReference' && ADDRESSING_NAMESPACES.has(e.ns)) {
          const address = clean(text);
          if (address !== '') entry.endpointReference = address;
        }
        return;
      }
      const parent = e.parent;
      if (parent === null) return;
      let field: IdentityField | undefined;
      if (DPWS_NAMESPACES.has(e.ns)) field = DPWS_FIELDS.get(`${parent.local}/${e.local}`);
      else if (e.ns === PARTICIPANT_NAMESPACE && parent.local === 'MetaData' && (parent.parent?.local === 'Mds' || parent.parent?.local === 'MdsDescriptor')) field = MDIB_FIELDS.get(e.local);
      if (field === undefined) return;
      let id = parentIds.get(parent);
      if (id === undefined) parentIds.set(parent, (id = ++parentId));
      const value = clean(text);
      if (value === '' || taken.has(`${id}/${field}`)) return;
      taken.add(`${id}/${field}`);
      message.identity.push([field, value]);
    },
  });
  if (!complete) return null;
  if (message.action === null) message.action = bodyChild;
  return message;
}

function inBody(e: XmlElement): boolean {
  for (let p = e.parent; p !== null; p = p.parent) if (p.local === 'Body' && SOAP_NAMESPACES.has(p.ns)) return true;
  return false;
}

/** Whitespace collapsed, trimmed, control characters dropped, at most MAX_ITEM characters. */
function clean(text: string): string {
  return text.replace(/[\x00-\x1f\x7f\s]+/g, ' ').trim().slice(0, MAX_ITEM);
}

function list(text: string): string[] {
  const out: string[] = [];
  for (const item of text.split(/\s+/)) {
    if (item === '') continue;
    if (out.length >= MAX_LIST) break;
    const value = item.replace(/[\x00-\x1f\x7f]/g, '').slice(0, MAX_ITEM);
    if (!out.includes(value)) out.push(value);
  }
  return out;
}

/**
 * Types: a list of QNames resolved against the element's in-scope namespaces; known namespaces are
 * written with their specification prefix (`dpws:Device`, `mdpws:MedicalDevice`), others as
 * `{namespace}local`, and a QName whose prefix is not declared as written.
 */
function qnames(e: XmlElement, text: string): string[] {
  return list(text).map((qname) => {
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const local = qname.slice(colon + 1);
    const uri = e.resolve(prefix);
    if (uri === null || uri === '') return qname;
    const known = KNOWN_PREFIXES.get(uri);
    return known !== undefined ? `${known}:${local}` : `{${uri}}${local}`;
  });
}

/**
 * SDC context scopes (IEEE 11073-20701 §9.3): the location (`sdc.ctxt.loc:`) says where the device is and
 * is kept; patient, ensemble, workflow, operator and means contexts identify people or orders, so only
 * their presence is kept, as `sdc.ctxt.pat:present`.
 */
function scopeText(scope: string): string {
  const m = /^(sdc\.ctxt\.[a-z]+):/i.exec(scope);
  if (m === null || m[1].toLowerCase() === 'sdc.ctxt.loc') return scope;
  return `${m[1].toLowerCase()}:present`;
}

function unsigned(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return null;
  const n = Number(t);
  return n <= 0xffffffff ? n : null;
}
