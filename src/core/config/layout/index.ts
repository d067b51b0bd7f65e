import type { AST } from 'toml-eslint-parser';
import type { FrameworkId, ReadContext } from '../../types';
import type { ShellScript } from '../frameworks/shell';
import type { ParallelLayout } from '../../model/layout';
import { readMegatronLayout } from './megatron';
import { readTorchtitanLayout } from './torchtitan';

/**
 * The one hook the registry calls to attach `RunSpec.layout`: the parallel layout a file states,
 * read from the same text its framework reader parsed. Frameworks without a layout reader yet
 * return undefined (memory is then not estimated, rather than estimated on guessed defaults).
 *
 * NOTE for the registry owner: call `readLayout(spec.framework, text, context, spec.training.gpus)`
 * after the framework reader and set `spec.layout` to the result when defined. Re-parsing costs
 * ≈ 25% of a torchtitan analysis (0.65 of 2.6 ms, measured); pass the reader's own parse as
 * `parsed` (a `ShellScript` for Megatron, a TOML program for torchtitan) to avoid it — the
 * estimate itself adds ≈ 2.6%.
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
    megatron: (t, g) => readMegatronLayout(t, g, parsed && 'flags' in parsed ? parsed : undefined),
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
