/**
 * The attribute types of a distinguished name (RFC 4514 §3), in order and without repeats:
 * `cn=Jane Doe,ou=People,dc=example,dc=org` gives `cn,ou,dc`. The values (which may name a person) are
 * walked over, never copied. Returns '' when the text is not a DN (Active Directory also accepts
 * `user@domain` and `DOMAIN\user` as bind names).
 */
const MAX_TYPES = 16;
const MAX_TYPE_LENGTH = 64;

export function dnAttributeTypes(dn: string): string {
  const types: string[] = [];
  let i = 0;
  const n = dn.length;
  while (i < n) {
    // attributeType: a descriptor (letter, then letters, digits, hyphens) or a numeric OID.
    while (i < n && dn[i] === ' ') i++;
    const start = i;
    while (i < n && dn[i] !== '=' && i - start <= MAX_TYPE_LENGTH) i++;
    if (i >= n || dn[i] !== '=') return '';
    const type = dn.slice(start, i).trim().toLowerCase();
    if (!/^(?:[a-z][a-z0-9-]*|\d+(?:\.\d+)*)$/.test(type)) return '';
    if (!types.includes(type)) {
      if (types.length >= MAX_TYPES) return '';
      types.push(type);
    }
    i++;
    // attributeValue: up to an unescaped `,` or `+` (`;` in RFC 1779 DNs), outside quotes.
    let quoted = false;
    while (i < n) {
      const c = dn[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '"') quoted = !quoted;
      else if (!quoted && (c === ',' || c === '+' || c === ';')) break;
      i++;
    }
    if (quoted) return '';
    if (i < n) {
      i++;
      if (i >= n) return '';
    }
  }
  return types.join(',');
}
