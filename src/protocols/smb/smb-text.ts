/** Text forms for SMB and NTLMSSP strings: bounded, and never carrying a control character into a log. */

/** Longest string kept, in characters. */
export const MAX_TEXT_CHARS = 256;

/** `buf[from..to)` as UTF-16LE (`unicode`) or Latin-1 text, ending at a NUL; control characters become `?`. */
export function smbText(buf: Buffer, from: number, to: number, unicode: boolean): string {
  const limit = Math.min(to, buf.length, from + (unicode ? 2 : 1) * MAX_TEXT_CHARS);
  if (from < 0 || from >= limit) return '';
  let end = from;
  if (unicode) {
    while (end + 1 < limit && (buf[end] !== 0 || buf[end + 1] !== 0)) end += 2;
  } else {
    while (end < limit && buf[end] !== 0) end++;
  }
  const text = buf.toString(unicode ? 'utf16le' : 'latin1', from, end);
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
