/**
 * Parsing of `.law.json` files for the server, over the fitting module's format
 * (src/core/fit/savedLaw.ts). Kept apart from savedLaws.ts so the loader can be tested with any parser.
 */
import { parseSavedLaw, savedLawToScalingLaw } from '../core/fit/savedLaw';
import type { ScalingLaw } from '../core/laws/published';

/** A saved law file's text as a ScalingLaw (id `fitted:<name>`), or undefined when it is not one. */
export function parseSavedLawFile(text: string, filePath: string): ScalingLaw | undefined {
  const parsed = parseSavedLaw(text);
  return parsed.ok ? savedLawToScalingLaw(parsed.law, filePath) : undefined;
}
