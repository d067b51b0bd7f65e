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
 * The registry calls it after the framework reader with the reader's own parse (`ReadResult.parsed`:
 * the Megatron reader's `ShellScript`, sourced fragments included), so a script is lexed once;
 * torchtitan's TOML parse is shared through the content-keyed cache (parseTomlCached). Without a
 * parse, a script is lexed again the way the reader lexes it. bench/analyze.ts prints what the
 * layout and the estimate add to an analysis.
 */
export function readLayout(
  framework: FrameworkId,
  text: string,
  context: ReadContext = {},
  gpusFromFile?: number,
  parsed?: ShellScript | AST.TOMLProgram | unknown,
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
        isShellScript(parsed)
          ? parsed
          : parseShell(t, {
              ...(context.path ? { path: context.path } : {}),
              ...(context.readFile ? { readFile: context.readFile } : {}),
            }),
      ),
    torchtitan: (t, g) => readTorchtitanLayout(t, g, isTomlProgram(parsed) ? parsed : undefined),
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

function isShellScript(x: unknown): x is ShellScript {
  return typeof x === 'object' && x !== null && 'flags' in x && 'lines' in x && 'variables' in x;
}

function isTomlProgram(x: unknown): x is AST.TOMLProgram {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'Program';
}
