/**
 * LR-schedule extraction per framework: one extractor per file, keyed by the framework id the config
 * registry recognizes. Frameworks without an extractor get a clear message.
 */
import type { FrameworkId } from '../types';
import { olmoSchedule, type ExtractedSchedule } from './olmo';
import { nanogptSchedule } from './nanogpt';

export * from './types';
export { lrAt, compileRun, validateRun, describeSchedule } from './model';
export { runFeatures, featuresAtTokens } from './features';
export type { ExtractedSchedule } from './olmo';

const EXTRACTORS: Partial<Record<FrameworkId, (text: string) => ExtractedSchedule>> = {
  olmo: olmoSchedule,
  nanogpt: nanogptSchedule,
};

export function extractSchedule(framework: FrameworkId | undefined, text: string): ExtractedSchedule {
  const extractor = framework ? EXTRACTORS[framework] : undefined;
  if (!extractor)
    return {
      keyLines: {},
      errors: [`no LR-schedule extractor for ${framework ?? 'this file'} yet (OLMo and nanoGPT so far)`],
      notes: [],
    };
  return extractor(text);
}
