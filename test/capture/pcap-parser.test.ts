import { describe } from 'vitest';
import { EXPECTED, PLAIN_FIXTURES } from './capture-fixtures.js';
import { splitChunkTests } from './split-chunks.js';

describe('PcapParser split chunks', () => {
  splitChunkTests(PLAIN_FIXTURES.filter((f) => EXPECTED.fixtures[f].format === 'pcap'));
});
