/**
 * LR-schedule extraction per framework: one extractor per framework, in the framework's folder
 * (src/core/config/frameworks/<id>/schedule.ts; OLMo's and nanoGPT's predate the folders and stay
 * here), keyed by the framework id the config registry recognizes. Frameworks without an extractor
 * get a clear message.
 */
import type { FrameworkId, ReadContext, RunSpec } from '../types';
import type { ExtractedSchedule } from './types';
import { olmoSchedule } from './olmo';
import { nanogptSchedule } from './nanogpt';
import { megatronSchedule } from '../config/frameworks/megatron/schedule';
import { torchtitanSchedule } from '../config/frameworks/torchtitan/schedule';
import { gptNeoxSchedule } from '../config/frameworks/gpt-neox/schedule';
import { llmFoundrySchedule } from '../config/frameworks/llm-foundry/schedule';
import { maxtextSchedule } from '../config/frameworks/maxtext/schedule';
import { litgptSchedule } from '../config/frameworks/litgpt/schedule';
import { levanterSchedule } from '../config/frameworks/levanter/schedule';
import { nanotronSchedule } from '../config/frameworks/nanotron/schedule';
import { nemoSchedule } from '../config/frameworks/nemo/schedule';
import { olmoCoreSchedule } from '../config/frameworks/olmo-core/schedule';

export * from './types';
export { lrAt, compileRun, validateRun, describeSchedule } from './model';
export { runFeatures, featuresAtTokens } from './features';

type Extractor = (text: string, context?: ReadContext, spec?: RunSpec) => ExtractedSchedule;

const EXTRACTORS: Partial<Record<FrameworkId, Extractor>> = {
  olmo: olmoSchedule,
  nanogpt: nanogptSchedule,
  megatron: megatronSchedule,
  torchtitan: torchtitanSchedule,
  'gpt-neox': gptNeoxSchedule,
  'llm-foundry': llmFoundrySchedule,
  maxtext: maxtextSchedule,
  litgpt: litgptSchedule,
  levanter: levanterSchedule,
  nanotron: nanotronSchedule,
  nemo: nemoSchedule,
  'olmo-core': olmoCoreSchedule,
};

/** Frameworks with an extractor (for messages and the hover). */
export const SCHEDULE_FRAMEWORKS = Object.keys(EXTRACTORS) as FrameworkId[];

export function extractSchedule(
  framework: FrameworkId | undefined,
  text: string,
  context?: ReadContext,
  /** The reader's spec of this text when the caller has it (saves reading the file again). */
  spec?: RunSpec,
): ExtractedSchedule {
  const extractor = framework ? EXTRACTORS[framework] : undefined;
  if (!extractor)
    return {
      keyLines: {},
      errors: [
        `no LR-schedule extractor for ${framework ?? 'this file'} yet (${SCHEDULE_FRAMEWORKS.join(', ')} so far)`,
      ],
      notes: [],
    };
  try {
    return extractor(text, context, spec);
  } catch (e) {
    // An extractor bug must surface as a message, never as a thrown error in the editor.
    return { keyLines: {}, errors: [`LR-schedule extraction failed: ${(e as Error).message}`], notes: [] };
  }
}
