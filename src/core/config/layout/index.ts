import type { AST } from 'toml-eslint-parser';
import type { FrameworkId, ReadContext } from '../../types';
import { parseShell, type ShellScript } from '../shell';
import type { ParallelLayout } from '../../model/layout';
import { readMegatronLayout } from './megatron';
import { readTorchtitanLayout } from './torchtitan';

/**
 * The one hook the registry calls to attach `RunSpec.layout`: the parallel layout a file states,
 * read from the same text its framework reader parsed. Frameworks without a layout reader yet
 * return undefined (memory is then not estimated, rather than estimated on guessed defaults).
 *
 * The registry calls it after the framework reader. torchtitan's TOML parse is shared with the
 * reader through the content-keyed cache (parseTomlCached); a Megatron script is lexed again with
 * the reader's `source` handling unless its `ShellScript` is passed as `parsed` (bench/analyze.ts
 * prints what the layout and the estimate add to an analysis).
 */
export function readLayout(
  framework: FrameworkId,
  text: string,
  context: ReadContext = {},
  gpusFromFile?: number,
  parsed?: ShellScript | AST.TOMLProgram,
): ParallelLayout | undefined {
  // The reader's GPU count can overflow (`NNODES=1e400`); the sanity pass drops it from the
  // training spec after this runs, so the layout drops it too (D and memory then use the setting).
  const usable = (g: number | undefined) =>
    g !== undefined && Number.isSafeInteger(g) && g > 0 ? g : undefined;
  const gpus = usable(gpusFromFile) ?? usable(context.options?.gpus);
  const readers: Partial<Record<FrameworkId, (text: string, gpus?: number) => ParallelLayout>> = {
    // Without the reader's parse, the script is lexed again the way the reader lexes it: following
    // `source`d fragments (a launcher that sources its model/parallel arguments states its layout
    // there), so the layout and N/D come from the same flags.
    megatron: (t, g) =>
      readMegatronLayout(
        t,
        g,
        parsed && 'flags' in parsed
          ? parsed
          : parseShell(t, {
              ...(context.path ? { path: context.path } : {}),
              ...(context.readFile ? { readFile: context.readFile } : {}),
            }),
      ),
    torchtitan: (t, g) => readTorchtitanLayout(t, g, parsed && 'type' in parsed ? parsed : undefined),
  };
  const reader = readers[framework];
  if (!reader) return undefined;
  try {
    return reader(text, gpus);
  } catch {
    // A reader bug must never break the analysis; the layout is then simply absent.
    return undefined;
  }
}
