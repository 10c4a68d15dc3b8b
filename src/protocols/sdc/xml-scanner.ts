/**
 * A small, bounded XML scanner for SOAP messages (WS-Discovery, DPWS metadata, BICEPS MDIB): start and
 * end of elements with their namespace resolved from in-scope `xmlns` declarations (Namespaces in XML
 * 1.0 §6), and each element's own text with the predefined and numeric entities decoded. No DTD, no
 * external entities, no DOM: comments, processing instructions, CDATA and DOCTYPE are skipped (CDATA text
 * is kept). Input is cut at the caller's bound; nesting, attributes and text are bounded here, and
 * malformed markup ends the scan with what was seen so far.
 */

/** Deepest nesting followed; SOAP envelopes of MDIBs reach about 15. */
export const MAX_DEPTH = 64;
/** Attributes read per element. */
const MAX_ATTRIBUTES = 64;
/** Longest text kept per element (the rest is dropped). */
export const MAX_TEXT = 4096;
/** Elements visited per document: a hard stop for pathological input. */
const MAX_ELEMENTS = 100_000;

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export interface XmlElement {
  /** Namespace URI, '' when none is in scope for its prefix (or the prefix is undeclared). */
  readonly ns: string;
  readonly local: string;
  readonly parent: XmlElement | null;
  readonly depth: number;
  /** Attribute value by its qualified name as written (`Lang`, `xml:lang`), or undefined. */
  attribute(qname: string): string | undefined;
  /** The namespace URI bound to `prefix` ('' for the default namespace) here, or null. */
  resolve(prefix: string): string | null;
}

export interface XmlVisitor {
  open?(element: XmlElement): void;
  /** `text`: the element's own character data (not its children's), entities decoded, untrimmed. */
  close?(element: XmlElement, text: string): void;
}

class Element implements XmlElement {
  text = '';
  constructor(
    public ns: string,
    readonly local: string,
    readonly prefix: string,
    readonly parent: Element | null,
    readonly depth: number,
    private readonly attrs: ReadonlyArray<readonly [string, string]>,
    private readonly bindings: ReadonlyArray<readonly [string, string]> | null,
  ) {}

  attribute(qname: string): string | undefined {
    for (const [name, value] of this.attrs) if (name === qname) return value;
    return undefined;
  }

  resolve(prefix: string): string | null {
    if (prefix === 'xml') return XML_NS;
    for (let e: Element | null = this; e !== null; e = e.parent) {
      if (e.bindings === null) continue;
      for (const [p, uri] of e.bindings) if (p === prefix) return uri;
    }
    return prefix === '' ? '' : null;
  }
}

/** Scans `xml`, calling the visitor for each element; never throws on malformed input. */
export function scanXml(xml: string, visitor: XmlVisitor): void {
  let current: Element | null = null;
  let pos = 0;
  let elements = 0;
  const n = xml.length;
  while (pos < n) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt < 0 ? n : lt;
    if (current !== null && textEnd > pos && current.text.length < MAX_TEXT) {
      current.text += decodeEntities(xml.slice(pos, Math.min(textEnd, pos + MAX_TEXT - current.text.length)));
    }
    if (lt < 0) return;
    pos = lt;
    if (xml.startsWith('<!--', pos)) {
      const close = xml.indexOf('-->', pos + 4);
      if (close < 0) return;
      pos = close + 3;
      continue;
    }
    if (xml.startsWith('<![CDATA[', pos)) {
      const close = xml.indexOf(']]>', pos + 9);
      if (close < 0) return;
      if (current !== null && current.text.length < MAX_TEXT) current.text += xml.slice(pos + 9, Math.min(close, pos + 9 + MAX_TEXT - current.text.length));
      pos = close + 3;
      continue;
    }
    if (xml.startsWith('<?', pos) || xml.startsWith('<!', pos)) {
      // Processing instructions and declarations (DOCTYPE is not expanded: no internal subset is read).
      const close = xml.indexOf('>', pos + 2);
      if (close < 0) return;
      pos = close + 1;
      continue;
    }
    if (xml.charCodeAt(pos + 1) === 0x2f) {
      const close = xml.indexOf('>', pos + 2);
      if (close < 0 || current === null) return;
      const qname = xml.slice(pos + 2, close).trim();
      if (qname !== qualified(current)) return;
      visitor.close?.(current, current.text);
      current = current.parent;
      pos = close + 1;
      continue;
    }
    const tag = readStartTag(xml, pos + 1);
    if (tag === null) return;
    if (++elements > MAX_ELEMENTS || (current?.depth ?? 0) + 1 > MAX_DEPTH) return;
    const bindings: Array<[string, string]> = [];
    const attrs: Array<[string, string]> = [];
    for (const [name, value] of tag.attrs) {
      if (name === 'xmlns') bindings.push(['', value]);
      else if (name.startsWith('xmlns:')) bindings.push([name.slice(6), value]);
      else attrs.push([name, value]);
    }
    const colon = tag.name.indexOf(':');
    const prefix = colon < 0 ? '' : tag.name.slice(0, colon);
    const local = colon < 0 ? tag.name : tag.name.slice(colon + 1);
    const element: Element = new Element('', local, prefix, current, (current?.depth ?? 0) + 1, attrs, bindings.length > 0 ? bindings : null);
    element.ns = element.resolve(prefix) ?? '';
    visitor.open?.(element);
    pos = tag.end;
    if (tag.selfClosing) visitor.close?.(element, '');
    else current = element;
  }
}

function qualified(e: Element): string {
  return e.prefix === '' ? e.local : `${e.prefix}:${e.local}`;
}

interface StartTag {
  name: string;
  attrs: Array<[string, string]>;
  selfClosing: boolean;
  /** Position after the closing `>`. */
  end: number;
}

/** A start tag from just after its `<`; null when malformed or cut. */
function readStartTag(xml: string, from: number): StartTag | null {
  let pos = from;
  const nameEnd = nameEndAt(xml, pos);
  if (nameEnd === pos) return null;
  const name = xml.slice(pos, nameEnd);
  pos = nameEnd;
  const attrs: Array<[string, string]> = [];
  for (;;) {
    pos = skipSpace(xml, pos);
    if (pos >= xml.length) return null;
    const c = xml.charCodeAt(pos);
    if (c === 0x3e) return { name, attrs, selfClosing: false, end: pos + 1 };
    if (c === 0x2f) return xml.charCodeAt(pos + 1) === 0x3e ? { name, attrs, selfClosing: true, end: pos + 2 } : null;
    const attrEnd = nameEndAt(xml, pos);
    if (attrEnd === pos) return null;
    const attrName = xml.slice(pos, attrEnd);
    pos = skipSpace(xml, attrEnd);
    if (xml.charCodeAt(pos) !== 0x3d) return null;
    pos = skipSpace(xml, pos + 1);
    const quote = xml.charCodeAt(pos);
    if (quote !== 0x22 && quote !== 0x27) return null;
    const close = xml.indexOf(quote === 0x22 ? '"' : "'", pos + 1);
    if (close < 0) return null;
    if (attrs.length < MAX_ATTRIBUTES) attrs.push([attrName, decodeEntities(xml.slice(pos + 1, Math.min(close, pos + 1 + MAX_TEXT)))]);
    pos = close + 1;
  }
}

function nameEndAt(xml: string, pos: number): number {
  let i = pos;
  while (i < xml.length) {
    const c = xml.charCodeAt(i);
    if (c <= 0x20 || c === 0x3e || c === 0x2f || c === 0x3d || c === 0x3c || c === 0x22 || c === 0x27) break;
    i++;
  }
  return i;
}

function skipSpace(xml: string, pos: number): number {
  let i = pos;
  while (i < xml.length && xml.charCodeAt(i) <= 0x20) i++;
  return i;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML 1.0 §4.6 predefined entities and character references; anything else is left as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (whole, ref: string) => {
    if (ref.charCodeAt(0) !== 0x23) return ENTITIES[ref] ?? whole;
    const code = ref.charCodeAt(1) === 0x78 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
  });
}
