/** Runs the analyzer with a detector on one capture (test helper). */
import { Analyzer } from '../../src/analyze/analyzer.js';
import { defaultDissectors } from '../../src/protocols/index.js';
import { Detector, type DetectionResult, type DetectorOptions } from '../../src/detect/detector.js';

export async function detect(path: string, options: DetectorOptions = {}): Promise<DetectionResult> {
  const d = new Detector(options);
  const a = new Analyzer({ dissectors: defaultDissectors(), onFlow: d.flow, onObservation: d.observation, rawObservationKeys: d.rawKeys, onRawObservation: d.raw });
  await a.addCapture(path);
  a.finish();
  return d.finish();
}
