/** A capture that cannot be read at all (wrong format, unsupported link type at the start). */
export class CaptureFormatError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'CaptureFormatError';
  }
}

/** Damage found part-way through a capture: everything before `offset` was delivered. */
export interface CaptureDamage {
  /** Byte offset in the (decompressed) stream where the damage starts. */
  offset: number;
  reason: string;
}
