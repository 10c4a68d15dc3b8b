/**
 * Names the page description language a print stream starts with, from its first octets only (the content
 * of the document is never read further): PostScript's `%!` header comment (PLRM 3rd ed., Appendix C.4.1),
 * PDF's `%PDF-` (ISO 32000-1 §7.5.2), PJL's Universal Exit Language `ESC %-12345X` or `@PJL` (HP PJL
 * Technical Reference §2), PCL's printer reset `ESC E` or PCL XL's stream header `) HP-PCL XL` (PCL XL
 * Feature Reference §2), and a few raster formats sent straight to printers (PWG raster `RaS2`, Apple's
 * URF `UNIRAST`, ZPL's `^XA`).
 */

/** Octets a caller should gather before asking (the longest signature is PCL XL's). */
export const LANGUAGE_SNIFF_LENGTH = 16;

const SIGNATURES: ReadonlyArray<[Buffer, string]> = [
  [Buffer.from('\x1b%-12345X', 'latin1'), 'PJL'],
  [Buffer.from('@PJL', 'latin1'), 'PJL'],
  [Buffer.from('%!PS', 'latin1'), 'POSTSCRIPT'],
  [Buffer.from('%!', 'latin1'), 'POSTSCRIPT'],
  [Buffer.from('\x04%!', 'latin1'), 'POSTSCRIPT'],
  [Buffer.from('%PDF-', 'latin1'), 'PDF'],
  [Buffer.from(') HP-PCL XL', 'latin1'), 'PCLXL'],
  [Buffer.from('\x1bE', 'latin1'), 'PCL'],
  [Buffer.from('RaS2', 'latin1'), 'PWG-RASTER'],
  [Buffer.from('UNIRAST', 'latin1'), 'URF'],
  [Buffer.from('^XA', 'latin1'), 'ZPL'],
];

/** The language `buf[start..end)` begins with, or null (also when too few octets are given to tell). */
export function printLanguage(buf: Buffer, start: number, end: number): string | null {
  for (const [signature, name] of SIGNATURES) {
    if (end - start < signature.length) continue;
    let match = true;
    for (let i = 0; i < signature.length && match; i++) match = buf[start + i] === signature[i];
    if (match) return name;
  }
  return null;
}
