/**
 * The facts every dissector emits. Keys are `protocol.field` and each one is documented in
 * docs/observations.md: that vocabulary is the contract between dissectors and everything after them.
 */
export type ObservationValue = string | number | boolean | readonly string[] | readonly number[];

export interface Endpoint {
  /** Layer-2 address as `aa:bb:cc:dd:ee:ff`, or null when the link type carries none. */
  mac: string | null;
  /** IPv4 dotted quad or IPv6 in RFC 5952 text form. */
  ip: string;
  port: number;
}

export interface Observation {
  /** Capture time in seconds since the epoch. */
  ts: number;
  key: string;
  value: ObservationValue;
  /** The host the fact describes was the sender of the bytes that prove it. */
  src: Endpoint;
  dst: Endpoint;
  /** Flow id in this analysis (stable within one run), when the fact came from a flow. */
  flow?: number;
}
