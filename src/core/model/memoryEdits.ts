/**
 * One-key edits of a run config that change its memory per GPU, written in the file's own terms:
 * activation recomputation, the ZeRO stage / FSDP sharding, the micro-batch and the TP degree.
 * Pure: it only plans text replacements (offsets into the text it was given). The callers (the
 * over-capacity quick fixes in src/server/memoryActions.ts and the what-if rows of
 * src/server/memoryHover.ts) apply each edit and re-analyse the edited text, so every figure they
 * show is the analysis of the file as it would be, never an estimate made on the side.
 *
 * Keys and values, per framework:
 * - Megatron-LM (megatron/training/arguments.py, core/transformer/transformer_config.py at
 *   NVIDIA/Megatron-LM@d98e8a64): `--recompute-granularity selective`; `--recompute-granularity
 *   full` with its required companions `--recompute-method uniform --recompute-num-layers 1`
 *   (TransformerConfig.__post_init__ raises without them; selective must have neither);
 *   `--recompute-activations` sets granularity to selective and wins over the flag (arguments.py
 *   validate_args); `--use-distributed-optimizer` (ZeRO-1: fp32 main params + Adam states sharded);
 *   `--micro-batch-size` (with `--global-batch-size` stated, gradient accumulation follows from
 *   global / (micro × DP), so halving the micro-batch doubles it and the global batch stays);
 *   `--tensor-model-parallel-size`.
 * - torchtitan (torchtitan/config/job_config.py): `[activation_checkpoint] mode` ("none",
 *   "selective", "full"); `[parallelism] data_parallel_shard_degree` (1 = no sharding, -1 = FSDP
 *   over the remaining ranks); `[training] local_batch_size` only when `global_batch_size` is stated
 *   (otherwise global = local × DP and halving it would halve D), or
 *   `pipeline_parallel_microbatch_size` under PP (the local batch is split into micro-batches of
 *   that size); `[parallelism] tensor_parallel_degree`.
 */
import type { AST } from 'toml-eslint-parser';
import { parseTomlCached } from '../config/parseCache';
import { lastFlag, parseShell, type ShellFlag, type ShellScript } from '../config/shell';
import type { FrameworkId, ReadContext } from '../types';
import type { ResolvedLayout } from './layout';

/** What an edit does, in the estimate's terms. */
export type MemoryEditKind =
  | 'shard-up'
  | 'recompute-selective'
  | 'recompute-full'
  | 'recompute-off'
  | 'micro-batch-half'
  | 'micro-batch-double'
  | 'tp-double';

/** One replacement of `text.slice(start, end)` (offsets into the planned text). */
export interface OffsetReplacement {
  start: number;
  end: number;
  newText: string;
}

export interface MemoryEdit {
  kind: MemoryEditKind;
  /** The key (and value) as the file will say it: `--recompute-granularity full`, `mode = "full"`. */
  label: string;
  /** The key changed, as written in the file (or as it will be written). */
  key: string;
  /** Non-overlapping, in document order. */
  replacements: OffsetReplacement[];
}

/** The edited text. */
export function applyOffsetEdits(text: string, replacements: readonly OffsetReplacement[]): string {
  let out = '';
  let at = 0;
  for (const r of [...replacements].sort((x, y) => x.start - y.start)) {
    out += text.slice(at, r.start) + r.newText;
    at = r.end;
  }
  return out + text.slice(at);
}

/**
 * The memory edits a file admits, for the kinds asked (default: all). `layout` is the resolved
 * layout its analysis used (what the file says now). Never throws; kinds a file cannot express with
 * one key are simply absent.
 */
export function planMemoryEdits(
  framework: FrameworkId,
  text: string,
  layout: ResolvedLayout,
  context: ReadContext = {},
  kinds?: readonly MemoryEditKind[],
): MemoryEdit[] {
  try {
    const edits =
      framework === 'megatron'
        ? megatronEdits(text, layout, context)
        : framework === 'torchtitan'
          ? torchtitanEdits(text, layout)
          : [];
    return kinds ? edits.filter((e) => kinds.includes(e.kind)) : edits;
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Megatron

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

function megatronEdits(text: string, layout: ResolvedLayout, context: ReadContext): MemoryEdit[] {
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

// ---------------------------------------------------------------------------------------------
// torchtitan

interface TomlEntry {
  kv: AST.TOMLKeyValue;
  value: unknown;
}

function torchtitanEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  // The readers drop a BOM before parsing; offsets are shifted back into `text`.
  const base = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const source = base ? text.slice(1) : text;
  let program: AST.TOMLProgram;
  try {
    program = parseTomlCached(source);
  } catch {
    return [];
  }
  const entries = new Map<string, TomlEntry>();
  const tables = new Map<string, AST.TOMLTable>();
  const top = program.body[0];
  const add = (prefix: string[], kv: AST.TOMLKeyValue) =>
    entries.set(
      [...prefix, ...kv.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value))].join('.'),
      {
        kv,
        value: kv.value.type === 'TOMLValue' ? kv.value.value : undefined,
      },
    );
  for (const item of top.body) {
    if (item.type === 'TOMLKeyValue') add([], item);
    else {
      if (item.kind === 'standard') tables.set(item.resolvedKey.map(String).join('.'), item);
      for (const kv of item.body) add(item.resolvedKey.map(String), kv);
    }
  }
  const find = (paths: string[]) => {
    for (const path of paths) {
      const entry = entries.get(path);
      if (entry) return { path, ...entry };
    }
    return undefined;
  };
  const valueAt = (entry: TomlEntry, newText: string): OffsetReplacement => ({
    start: entry.kv.value.range[0] + base,
    end: entry.kv.value.range[1] + base,
    newText,
  });
  /** `key = value` in `[table]`: after the table's header line, or a new table at the end. */
  const insertKey = (table: string, key: string, value: string): OffsetReplacement => {
    const t = tables.get(table);
    if (t) {
      const close = source.indexOf(']', t.key.range[1]);
      let lineEnd = close < 0 ? t.key.range[1] : close + 1;
      while (lineEnd < source.length && source[lineEnd] !== '\n' && source[lineEnd] !== '\r') lineEnd++;
      const eol = /\r\n/.test(source) ? '\r\n' : '\n';
      return { start: lineEnd + base, end: lineEnd + base, newText: `${eol}${key} = ${value}` };
    }
    const eol = /\r\n/.test(source) ? '\r\n' : '\n';
    const lead = source.length === 0 || /[\r\n]$/.test(source) ? '' : eol;
    return {
      start: text.length,
      end: text.length,
      newText: `${lead}${eol}[${table}]${eol}${key} = ${value}${eol}`,
    };
  };
  const quoted = (entry: TomlEntry | undefined, word: string) => {
    const raw = entry ? source.slice(entry.kv.value.range[0], entry.kv.value.range[1]) : '"';
    const q = raw.startsWith("'") ? "'" : '"';
    return `${q}${word}${q}`;
  };
  const edits: MemoryEdit[] = [];

  const shard = find(['parallelism.data_parallel_shard_degree', 'training.data_parallel_shard_degree']);
  if (layout.sharding === 'none' && shard && shard.value === 1)
    edits.push({
      kind: 'shard-up',
      label: `${shard.path.split('.').pop()} = -1`,
      key: shard.path,
      replacements: [valueAt(shard, '-1')],
    });

  const mode = find(['activation_checkpoint.mode']);
  const setMode = (word: 'selective' | 'full' | 'none', kind: MemoryEditKind) =>
    edits.push({
      kind,
      label: `[activation_checkpoint] mode = ${quoted(mode, word)}`,
      key: 'activation_checkpoint.mode',
      replacements: [
        mode && typeof mode.value === 'string'
          ? valueAt(mode, quoted(mode, word))
          : insertKey('activation_checkpoint', 'mode', quoted(undefined, word)),
      ],
    });
  // Layer SAC (every n-th block) is a partial full recompute: "full" still lowers it.
  const everyBlock = layout.recompute === 'full' && !layout.recomputeMethod;
  if (!mode || typeof mode.value === 'string') {
    if (layout.recompute === 'none') setMode('selective', 'recompute-selective');
    if (!everyBlock) setMode('full', 'recompute-full');
    if (layout.recompute !== 'none') setMode('none', 'recompute-off');
  }

  const int = (entry: ReturnType<typeof find>) =>
    entry && typeof entry.value === 'number' && Number.isSafeInteger(entry.value) && entry.value > 0
      ? entry.value
      : undefined;
  const pipelineMicro = find(['parallelism.pipeline_parallel_microbatch_size']);
  const local = find(['training.local_batch_size', 'training.batch_size']);
  const global = find(['training.global_batch_size']);
  // The key whose value is the micro-batch the estimate uses, when changing it keeps D.
  const microKey =
    layout.pipelineParallel > 1 && int(pipelineMicro)
      ? pipelineMicro
      : int(global) && int(local)
        ? local
        : undefined;
  const b = int(microKey);
  if (microKey && b) {
    const name = microKey.path.split('.').pop()!;
    if (b >= 2 && b % 2 === 0)
      edits.push({
        kind: 'micro-batch-half',
        label: `${name} = ${b / 2}`,
        key: microKey.path,
        replacements: [valueAt(microKey, String(b / 2))],
      });
    edits.push({
      kind: 'micro-batch-double',
      label: `${name} = ${b * 2}`,
      key: microKey.path,
      replacements: [valueAt(microKey, String(b * 2))],
    });
  }

  const tp = find(['parallelism.tensor_parallel_degree', 'training.tensor_parallel_degree']);
  const t = int(tp);
  if (tp && t)
    edits.push({
      kind: 'tp-double',
      label: `tensor_parallel_degree = ${t * 2}`,
      key: tp.path,
      replacements: [valueAt(tp, String(t * 2))],
    });
  else if (!tp)
    edits.push({
      kind: 'tp-double',
      label: 'tensor_parallel_degree = 2',
      key: 'parallelism.tensor_parallel_degree',
      replacements: [insertKey('parallelism', 'tensor_parallel_degree', '2')],
    });
  return edits;
}
