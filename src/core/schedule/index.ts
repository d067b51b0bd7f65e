/**
 * LR-schedule extraction per framework. Each framework's extractor is its reader's `schedule`
 * (src/core/config/frameworks/<id>/schedule.ts), so the registry's READERS is the only list of
 * frameworks; frameworks without one get a clear message.
 */
import type { FrameworkId, ReadContext, RunSpec } from '../types';
import type { ExtractedSchedule } from './types';
import type { FrameworkReader } from '../config/reader';
import { READERS } from '../config/registry';

export * from './types';
export { lrAt, compileRun, validateRun, describeSchedule } from './model';
export { runFeatures, featuresAtTokens } from './features';

/** Frameworks with an extractor (for messages and the hover), in registry order. */
export const SCHEDULE_FRAMEWORKS: FrameworkId[] = [
  ...new Set(READERS.filter((reader) => reader.schedule).map((reader) => reader.id)),
];

/**
 * The reader of `framework` that reads this text. Several readers may share an id (torchtitan's TOML
 * and Python configs): the one that recognizes the text most surely is the one whose extractor
 * applies, and when that one has none the file gets the message, not another format's extractor.
 */
function readerFor(
  framework: FrameworkId,
  text: string,
  path: string | undefined,
): FrameworkReader | undefined {
  const readers: readonly FrameworkReader[] = READERS.filter((reader) => reader.id === framework);
  if (readers.length <= 1) return readers[0];
  let best = readers[0];
  let bestScore = -Infinity;
  for (const reader of readers) {
    const score = reader.detect(text, path);
    if (score > bestScore) [best, bestScore] = [reader, score];
  }
  return best;
}

export function extractSchedule(
  framework: FrameworkId | undefined,
  text: string,
  context?: ReadContext,
  /** The reader's spec of this text when the caller has it (saves reading the file again). */
  spec?: RunSpec,
): ExtractedSchedule {
  const extractor = framework ? readerFor(framework, text, context?.path)?.schedule : undefined;
  if (!extractor)
    return {
      keyLines: {},
      errors: [
        framework && SCHEDULE_FRAMEWORKS.includes(framework)
          ? `no LR-schedule extractor for this kind of ${framework} file yet (only its other format has one)`
          : `no LR-schedule extractor for ${framework ?? 'this file'} yet (${SCHEDULE_FRAMEWORKS.join(', ')} so far)`,
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
