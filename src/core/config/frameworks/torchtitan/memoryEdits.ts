/**
 * The memory edits of torchtitan files (planMemoryEdits in src/core/model/memoryEdits.ts), keys and values
 * as the framework names them:
 * - torchtitan (torchtitan/config/job_config.py): `[activation_checkpoint] mode` ("none",
 *   "selective", "full"); `[parallelism] data_parallel_shard_degree` (1 = no sharding, -1 = FSDP
 *   over the remaining ranks); `[training] local_batch_size` only when `global_batch_size` is stated
 *   (otherwise global = local × DP and halving it would halve D), or
 *   `pipeline_parallel_microbatch_size` under PP (the local batch is split into micro-batches of
 *   that size); `[parallelism] tensor_parallel_degree`.
 */
import type { AST } from 'toml-eslint-parser';
import { parseTomlCached } from '../../parseCache';
import type { ResolvedLayout } from '../../../model/layout';
import type { MemoryEdit, MemoryEditKind, OffsetReplacement } from '../../../model/memoryEdits';

interface TomlEntry {
  kv: AST.TOMLKeyValue;
  value: unknown;
}

export function torchtitanEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
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
  // Under PP the local batch is split into pipeline micro-batches (layout.ts readPipeline), so only
  // an explicit micro-batch size is the micro-batch; halving the local batch would halve their count.
  const microKey =
    layout.pipelineParallel > 1
      ? int(pipelineMicro)
        ? pipelineMicro
        : undefined
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
