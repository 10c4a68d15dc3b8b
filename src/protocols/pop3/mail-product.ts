/**
 * Names the mail server software a POP3 or IMAP greeting mentions. Greetings are free text set by the
 * operator (Dovecot's default is "Dovecot ready.", often changed), so only well-known product names are
 * matched, as whole words; a greeting that names none yields nothing rather than a guess.
 */
const PRODUCTS: ReadonlyArray<[RegExp, string]> = [
  [/\bdovecot\b/i, 'Dovecot'],
  [/\bcyrus\b/i, 'Cyrus IMAP'],
  [/\bcourier(-imap)?\b/i, 'Courier'],
  [/\bmicrosoft exchange\b/i, 'Microsoft Exchange'],
  [/\bhmailserver\b/i, 'hMailServer'],
  [/\bzimbra\b/i, 'Zimbra'],
  [/\bmdaemon\b/i, 'MDaemon'],
  [/\bkerio\b/i, 'Kerio Connect'],
  [/\bqpopper\b/i, 'Qpopper'],
  [/\bUW IMAP\b|\bIMAP4rev1 v\d{4}/i, 'UW IMAP'],
  [/\bdomino\b/i, 'IBM Domino'],
  [/\baxigen\b/i, 'Axigen'],
  [/\bsmartermail\b/i, 'SmarterMail'],
  [/\bcommunigate\b/i, 'CommuniGate Pro'],
  [/\bicewarp\b|\bmerak\b/i, 'IceWarp'],
  [/\bkopano\b|\bzarafa\b/i, 'Kopano'],
  [/\bgpop\b|\bgimap\b/i, 'Gmail'],
  [/\bpopa3d\b/i, 'popa3d'],
  [/\bcitadel\b/i, 'Citadel'],
];

/** The product a greeting names, or '' when it names none. */
export function mailProduct(greeting: string): string {
  for (const [pattern, name] of PRODUCTS) if (pattern.test(greeting)) return name;
  return '';
}
