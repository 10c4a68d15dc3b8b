import type { Direction } from '../dissector.js';

/** What the SMB1 and SMB2 message parsers report to their session. */
export interface SmbSink {
  emit(key: string, value: string | boolean | readonly string[], dir: Direction): void;
  /** Dialects offered by the client in an SMB1 Negotiate, to resolve the server's chosen index. */
  offered: string[] | null;
}
