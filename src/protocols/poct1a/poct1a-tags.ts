/**
 * A bounded XML tag scanner for one direction of a POCT1-A stream. POCT1-A (CLSI POCT1-A2, Device Messaging
 * Layer) sends XML documents back to back over TCP, each one message whose root element names its type
 * (`HEL.R01`, `OBS.R01`...), with every value in a `V` attribute (`<DEV.vendor_id V="ROCHE"/>`): element
 * text is not used by the standard, so only tags are gathered (at most MAX_TAG octets each; longer ones
 * are skipped) and text between them is never stored. Comments, processing instructions and CDATA are
 * stepped over.
 */

/** Octets of one tag kept: POCT1-A tags are an element name and a few short attributes. */
export const MAX_TAG = 1024;
/** Element nesting followed; deeper (hostile) documents are not interpreted until the depth falls back. */
export const MAX_DEPTH = 64;

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

export interface TagSink {
  /** A start (or empty-element) tag: `tag[0, length)` is its text between `<` and `>`; `depth` 0 is a root. */
  startTag(tag: Buffer, length: number, depth: number): void;
}

const enum State {
  Text,
  Tag,
  Quoted,
  /** Inside `<!-- ... -->`, `<![CDATA[ ... ]]>` or `<? ... ?>`: wait for the closing sequence. */
  Special,
}

export class TagScanner {
  private state = State.Text;
  private readonly tag = Buffer.alloc(MAX_TAG);
  private length = 0;
  private overflow = false;
  private quote = 0;
  private depth = 0;
  /** Closing sequence of the special construct being skipped, and how much of it matched. */
  private closing = '';
  private matched = 0;

  constructor(private readonly sink: TagSink) {}

  push(buf: Buffer, pos: number, end: number): void {
    for (; pos < end; pos++) {
      const c = buf[pos];
      switch (this.state) {
        case State.Text:
          if (c === LT) {
            this.state = State.Tag;
            this.length = 0;
            this.overflow = false;
          }
          break;
        case State.Special:
          if (c === this.closing.charCodeAt(this.matched)) {
            if (++this.matched === this.closing.length) this.state = State.Text;
          } else if (!(this.matched === 2 && c === this.closing.charCodeAt(1) && this.closing.charCodeAt(0) === c)) {
            // `--->` and `]]]>` still close: a run of the doubled character keeps the match at 2.
            this.matched = c === this.closing.charCodeAt(0) ? 1 : 0;
          }
          break;
        case State.Quoted:
          this.keep(c);
          if (c === this.quote) this.state = State.Tag;
          break;
        default:
          if (c === GT) {
            this.state = State.Text;
            this.endTag();
            break;
          }
          this.keep(c);
          if (c === QUOTE || c === APOSTROPHE) {
            this.quote = c;
            this.state = State.Quoted;
          } else if (this.length === 1 && c === 0x3f) {
            this.special('?>');
          } else if (this.length === 3 && this.tag[0] === 0x21 && this.tag[1] === 0x2d && this.tag[2] === 0x2d) {
            this.special('-->');
          } else if (this.length === 8 && this.tag.toString('latin1', 0, 8) === '![CDATA[') {
            this.special(']]>');
          }
      }
    }
  }

  /** Octets were lost: whatever tag was open is dropped and the document structure forgotten. */
  gap(): void {
    this.state = State.Text;
    this.depth = 0;
  }

  private special(closing: string): void {
    this.state = State.Special;
    this.closing = closing;
    this.matched = 0;
  }

  private keep(c: number): void {
    if (this.length < MAX_TAG) this.tag[this.length++] = c;
    else this.overflow = true;
  }

  private endTag(): void {
    const n = this.length;
    if (this.overflow || n === 0) return;
    const first = this.tag[0];
    if (first === 0x21) return; // a declaration (`<!DOCTYPE ...>`)
    if (first === SLASH) {
      if (this.depth > 0) this.depth--;
      return;
    }
    const empty = this.tag[n - 1] === SLASH;
    if (this.depth < MAX_DEPTH) this.sink.startTag(this.tag, empty ? n - 1 : n, this.depth);
    if (!empty) this.depth++;
  }
}

/** Length of the element name at the start of a tag's text. */
export function nameLength(tag: Buffer, length: number): number {
  let i = 0;
  while (i < length) {
    const c = tag[i];
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === SLASH) break;
    i++;
  }
  return i;
}

/** Octets of an attribute value turned into text. */
const MAX_VALUE = 128;

/**
 * The value of attribute `name` (e.g. `V`) in a tag's text, XML entities decoded, control characters
 * removed, trimmed, at most MAX_VALUE octets; null when absent.
 */
export function attribute(tag: Buffer, length: number, name: string): string | null {
  let i = nameLength(tag, length);
  while (i < length) {
    while (i < length && isSpace(tag[i])) i++;
    const start = i;
    while (i < length && tag[i] !== 0x3d && !isSpace(tag[i])) i++;
    const matches = i - start === name.length && tag.toString('latin1', start, i) === name;
    while (i < length && isSpace(tag[i])) i++;
    if (i >= length || tag[i] !== 0x3d) return null;
    i++;
    while (i < length && isSpace(tag[i])) i++;
    const quote = tag[i];
    if (quote !== QUOTE && quote !== APOSTROPHE) return null;
    const from = ++i;
    while (i < length && tag[i] !== quote) i++;
    if (i >= length) return null;
    if (matches) return decode(tag.toString('utf8', from, Math.min(i, from + MAX_VALUE)));
    i++;
  }
  return null;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text
    .replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ENTITIES[e])
    .replace(/&#(x[0-9a-fA-F]{1,6}|[0-9]{1,7});/g, (_, n: string) => {
      const code = n[0] === 'x' ? parseInt(n.slice(1), 16) : parseInt(n, 10);
      return code > 0x1f && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    })
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim();
}
