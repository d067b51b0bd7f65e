/**
 * The memory edits of Megatron-LM files (planMemoryEdits in src/core/model/memoryEdits.ts), keys and values
 * as the framework names them:
 * - Megatron-LM (megatron/training/arguments.py, core/transformer/transformer_config.py at
 *   NVIDIA/Megatron-LM@d98e8a64): `--recompute-granularity selective`; `--recompute-granularity
 *   full` with its required companions `--recompute-method uniform --recompute-num-layers 1`
 *   (TransformerConfig.__post_init__ raises without them; selective must have neither);
 *   `--recompute-activations` sets granularity to selective and wins over the flag (arguments.py
 *   validate_args); `--use-distributed-optimizer` (ZeRO-1: fp32 main params + Adam states sharded);
 *   `--micro-batch-size` (with `--global-batch-size` stated, gradient accumulation follows from
 *   global / (micro × DP), so halving the micro-batch doubles it and the global batch stays);
 *   `--tensor-model-parallel-size`.
 */
import { lastFlag, parseShell, type ShellFlag, type ShellScript } from '../../shell';
import type { ReadContext } from '../../../types';
import type { ResolvedLayout } from '../../../model/layout';
import type { MemoryEdit, OffsetReplacement } from '../../../model/memoryEdits';

const PLAIN_INT = /^(["']?)(\d+)\1$/;

/** The editable literal behind a flag's first value: the value itself or its `NAME=4` assignment. */
function flagLiteral(
  text: string,
  flag: ShellFlag | undefined,
): { start: number; end: number; value: number; quote: string } | undefined {
  const v = flag?.values[0];
  if (!flag || flag.file || !v) return undefined;
  const direct = PLAIN_INT.exec(v.raw);
  if (direct && text.slice(v.start, v.end) === v.raw)
    return { start: v.start, end: v.end, value: Number(direct[2]), quote: direct[1]! };
  const origin = v.origin;
  if (!origin || text.slice(origin.start, origin.end) !== origin.raw) return undefined;
  const assigned = PLAIN_INT.exec(origin.raw);
  if (!assigned) return undefined;
  return { start: origin.start, end: origin.end, value: Number(assigned[2]), quote: assigned[1]! };
}

/** The end of a flag's last value (where a new flag can follow it in the same argument list). */
function flagEnd(flag: ShellFlag): number {
  return flag.values.length ? flag.values[flag.values.length - 1]!.end : flag.end;
}

/** A flag of this file (not a sourced one) to insert new flags after, in the same argument list. */
function anchorFlag(script: ShellScript, text: string): ShellFlag | undefined {
  for (const name of [
    '--micro-batch-size',
    '--global-batch-size',
    '--seq-length',
    '--num-layers',
    '--tensor-model-parallel-size',
  ]) {
    const flag = lastFlag(script, [name]);
    if (flag && !flag.file && text.slice(flag.start, flag.end) === flag.name) return flag;
  }
  return undefined;
}

/** Remove a flag and its values with the whitespace before them (what-if rows only). */
function removal(text: string, flag: ShellFlag): OffsetReplacement {
  let start = flag.start;
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  return { start, end: flagEnd(flag), newText: '' };
}

export function megatronEdits(text: string, layout: ResolvedLayout, context: ReadContext): MemoryEdit[] {
  // Sourced fragments are followed so flags set there are seen; only this file's flags are edited.
  const script = parseShell(text, {
    ...(context.path ? { path: context.path } : {}),
    ...(context.readFile ? { readFile: context.readFile } : {}),
  });
  const edits: MemoryEdit[] = [];
  const anchor = anchorFlag(script, text);
  const own = (f: ShellFlag | undefined) => !!f && !f.file && text.slice(f.start, f.end) === f.name;
  const insert = (flags: string): OffsetReplacement | undefined =>
    anchor ? { start: flagEnd(anchor), end: flagEnd(anchor), newText: ` ${flags}` } : undefined;
  const deepspeed = lastFlag(script, ['--deepspeed', '--deepspeed_config', '--deepspeed-config']);

  // ZeRO-1 via Megatron's distributed optimizer (Megatron-DeepSpeed scripts shard through their
  // DeepSpeed config instead, which this file alone does not set).
  if (layout.sharding === 'none' && !deepspeed && !lastFlag(script, ['--use-distributed-optimizer'])) {
    const r = insert('--use-distributed-optimizer');
    if (r)
      edits.push({
        kind: 'shard-up',
        label: '--use-distributed-optimizer',
        key: '--use-distributed-optimizer',
        replacements: [r],
      });
  }

  // Megatron-DeepSpeed: --zero-stage $VAR, raised through the variable's own assignment, which
  // the script's DeepSpeed JSON ("stage": $VAR) follows too; a literal flag value would leave the
  // JSON behind, so it is not edited. DeepSpeed's pipeline engine supports stages 0 and 1 only.
  const zero = lastFlag(script, ['--zero-stage']);
  const zeroValue = zero?.values[0];
  const zeroLiteral = zeroValue?.origin ? flagLiteral(text, zero) : undefined;
  const maxStage = layout.pipelineParallel > 1 ? 1 : 3;
  if (lastFlag(script, ['--deepspeed']) && zeroLiteral && zeroLiteral.value < maxStage) {
    const next = zeroLiteral.value + 1;
    const q = zeroLiteral.quote;
    edits.push({
      kind: 'shard-up',
      label: `${zeroValue!.origin!.name}=${next} (--zero-stage and the DeepSpeed config's "stage")`,
      key: '--zero-stage',
      replacements: [{ start: zeroLiteral.start, end: zeroLiteral.end, newText: `${q}${next}${q}` }],
    });
  }

  const granularity = lastFlag(script, ['--recompute-granularity']);
  const activations = lastFlag(script, ['--recompute-activations']);
  const method = lastFlag(script, ['--recompute-method']);
  const numLayers = lastFlag(script, ['--recompute-num-layers']);
  const companions = !method && !numLayers;
  const FULL = '--recompute-granularity full --recompute-method uniform --recompute-num-layers 1';
  if (layout.recompute === 'none' && companions && !activations) {
    const v = granularity?.values[0];
    const r =
      granularity && own(granularity) && v && text.slice(v.start, v.end) === v.raw
        ? { start: v.start, end: v.end, newText: 'selective' }
        : granularity
          ? undefined
          : insert('--recompute-granularity selective');
    if (r)
      edits.push({
        kind: 'recompute-selective',
        label: '--recompute-granularity selective',
        key: '--recompute-granularity',
        replacements: [r],
      });
  }
  if (layout.recompute !== 'full' && companions) {
    let replacements: OffsetReplacement[] | undefined;
    if (activations) {
      // --recompute-activations forces selective; it is replaced by the full form.
      if (own(activations) && !granularity)
        replacements = [{ start: activations.start, end: flagEnd(activations), newText: FULL }];
    } else if (granularity) {
      const v = granularity.values[0];
      if (own(granularity) && v && text.slice(v.start, v.end) === v.raw)
        replacements = [
          {
            start: v.start,
            end: v.end,
            newText: 'full --recompute-method uniform --recompute-num-layers 1',
          },
        ];
    } else {
      const r = insert(FULL);
      if (r) replacements = [r];
    }
    if (replacements)
      edits.push({ kind: 'recompute-full', label: FULL, key: '--recompute-granularity', replacements });
  }
  if (layout.recompute !== 'none') {
    const flags = [granularity, activations, method, numLayers].filter((f): f is ShellFlag => !!f);
    if (flags.length && flags.every(own))
      edits.push({
        kind: 'recompute-off',
        label: `without ${flags.map((f) => f.name).join(' ')}`,
        key: (granularity ?? activations)!.name,
        replacements: flags.sort((x, y) => x.start - y.start).map((f) => removal(text, f)),
      });
  }

  const micro = lastFlag(script, ['--micro-batch-size']);
  const microLiteral = flagLiteral(text, micro);
  // Without --global-batch-size, Megatron's global batch is micro × DP: changing the micro-batch
  // would change D, so it is no memory-only edit.
  if (microLiteral && lastFlag(script, ['--global-batch-size'])) {
    const b = microLiteral.value;
    const q = microLiteral.quote;
    if (b >= 2 && b % 2 === 0)
      edits.push({
        kind: 'micro-batch-half',
        label: `--micro-batch-size ${b / 2}`,
        key: '--micro-batch-size',
        replacements: [{ start: microLiteral.start, end: microLiteral.end, newText: `${q}${b / 2}${q}` }],
      });
    edits.push({
      kind: 'micro-batch-double',
      label: `--micro-batch-size ${b * 2}`,
      key: '--micro-batch-size',
      replacements: [{ start: microLiteral.start, end: microLiteral.end, newText: `${q}${b * 2}${q}` }],
    });
  }

  const tp = lastFlag(script, ['--tensor-model-parallel-size']);
  const tpLiteral = flagLiteral(text, tp);
  if (tpLiteral) {
    const q = tpLiteral.quote;
    edits.push({
      kind: 'tp-double',
      label: `--tensor-model-parallel-size ${tpLiteral.value * 2}`,
      key: '--tensor-model-parallel-size',
      replacements: [
        { start: tpLiteral.start, end: tpLiteral.end, newText: `${q}${tpLiteral.value * 2}${q}` },
      ],
    });
  } else if (!tp) {
    const r = insert('--tensor-model-parallel-size 2');
    if (r)
      edits.push({
        kind: 'tp-double',
        label: '--tensor-model-parallel-size 2',
        key: '--tensor-model-parallel-size',
        replacements: [r],
      });
  }
  return edits;
}
