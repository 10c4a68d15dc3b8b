export { AstmDissector, ASTM_DEFAULT_PORTS } from './astm-dissector.js';
export { AstmStreamReader, MAX_FRAME_BODY, MAX_KEPT_RECORD, hexValue } from './astm-frames.js';
export { redactAstm, checksumText, MASK } from './astm-redact.js';
