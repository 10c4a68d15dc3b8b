export { Hl7Dissector, HL7_PORT, HL7_TCP_PORTS, MIRTH_PORT, PHI_SEGMENTS, isCountStep } from './hl7-dissector.js';
export { redactHl7, MASK } from './hl7-redact.js';
export { MAX_FRAME, MAX_KEPT_SEGMENT, MAX_SEGMENTS_PER_MESSAGE } from './hl7-stream.js';
