/**
 * Telnet's in-band command layer (RFC 854, RFC 855): IAC (255) introduces a command; WILL, WONT, DO and
 * DONT take one option octet; SB ... IAC SE is an option subnegotiation; IAC IAC is a data octet 255.
 * A per-octet state machine, so where the stream was split cannot change what it reports.
 */
export const IAC = 255;
const DONT = 254;
const WILL = 251;
const SB = 250;
const SE = 240;

const enum State {
  DATA,
  IAC,
  OPTION,
  SUB,
  SUB_IAC,
}

/** What one octet turned out to be. */
export const Octet = {
  /** A data octet (the caller's `data` value holds it). */
  DATA: 0,
  /** Part of a command. */
  COMMAND: 1,
  /** Completed an option negotiation or subnegotiation: the peer speaks Telnet. */
  NEGOTIATION: 2,
} as const;
export type Octet = (typeof Octet)[keyof typeof Octet];

export class TelnetStream {
  private state = State.DATA;
  /** The data octet of the last DATA result. */
  data = 0;

  next(c: number): Octet {
    switch (this.state) {
      case State.DATA:
        if (c === IAC) {
          this.state = State.IAC;
          return Octet.COMMAND;
        }
        this.data = c;
        return Octet.DATA;
      case State.IAC:
        if (c === IAC) {
          this.state = State.DATA;
          this.data = c;
          return Octet.DATA;
        }
        if (c >= WILL && c <= DONT) {
          this.state = State.OPTION;
          return Octet.COMMAND;
        }
        this.state = c === SB ? State.SUB : State.DATA;
        return Octet.COMMAND;
      case State.OPTION:
        this.state = State.DATA;
        return Octet.NEGOTIATION;
      case State.SUB:
        if (c === IAC) this.state = State.SUB_IAC;
        return Octet.COMMAND;
      default:
        // SUB_IAC: IAC SE ends the subnegotiation; IAC IAC is a 255 inside it.
        if (c === SE) {
          this.state = State.DATA;
          return Octet.NEGOTIATION;
        }
        this.state = State.SUB;
        return Octet.COMMAND;
    }
  }
}
