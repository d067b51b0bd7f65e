/**
 * The memory edits of a nanotron YAML (planMemoryEdits in src/core/model/memoryEdits.ts), keys and
 * values as nanotron names them (huggingface/nanotron@2411b022a75fb7f7561a1bb4166706da5e1b76de):
 * - `parallelism.recompute_layer: true` (ParallelismArgs, default False, parallelism_config.py):
 *   every decoder layer of the Llama and Qwen2 models runs under CheckpointFunction
 *   (models/llama.py, models/qwen.py `_checkpointed_forward`), i.e. full recomputation;
 * - `optimizer.zero_stage` 0 → 1: any stage > 0 builds the ZeroDistributedOptimizer, which shards
 *   the optimizer states over the DP group (helpers.py init_optimizer_and_grad_accumulator); there is
 *   no stage 2 or 3, so 1 is the maximum. Over one DP rank it shards nothing and is not offered;
 * - `tokens.micro_batch_size` ÷ 2 with `tokens.batch_accumulation_per_replica` × 2 in one edit (and
 *   the reverse): the global batch is dp × micro_batch_size × batch_accumulation_per_replica
 *   (config.py global_batch_size, trainer.py), so it and D stay only when both keys change.
 * Only literal integers are rewritten (quotes kept); a key nanotron requires that is absent is not
 * invented (the file is then invalid for nanotron, and the estimate says so).
 */
import type { ResolvedLayout } from '../../../model/layout';
import type { MemoryEdit } from '../../../model/memoryEdits';
import {
  insertYamlKeysFirst,
  rewriteYamlScalar,
  yamlBoolLike,
  yamlForEdits,
  yamlPair,
  microAndAccumulationEdits,
} from '../../layoutBuilder';
import { lookup, type YamlSource } from '../../yamlSource';
import type { Node, Pair } from 'yaml';

/** A key's literal integer value as written (`8`, `"8"`), else undefined (a word, `${VAR}`, 1e3). */
function literalInt(yaml: YamlSource, pair: Pair<Node, Node> | undefined): number | undefined {
  const range = (pair?.value as Node | null | undefined)?.range;
  if (!range) return undefined;
  const raw = yaml.lines.text.slice(range[0], range[1]);
  const m = /^(["']?)(\d+)\1$/.exec(raw);
  const n = m ? Number(m[2]) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

export function nanotronEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  const { yaml, base } = parsed;
  const edits: MemoryEdit[] = [];

  // ZeRO-1: the only sharding nanotron has.
  const zero = yamlPair(yaml, ['optimizer', 'zero_stage']);
  if (zero && literalInt(yaml, zero) === 0 && layout.sharding === 'none' && layout.dataParallel > 1) {
    const r = rewriteYamlScalar(yaml, base, zero, '1');
    if (r)
      edits.push({
        kind: 'shard-up',
        label: 'optimizer.zero_stage: 1',
        key: 'optimizer.zero_stage',
        replacements: [r],
      });
  }

  // Full recomputation of every decoder layer.
  if (layout.recompute !== 'full') {
    const recompute = yamlPair(yaml, ['parallelism', 'recompute_layer']);
    const parallelism = yamlPair(yaml, ['parallelism']);
    const stated = lookup(yaml, ['parallelism', 'recompute_layer']);
    const r = recompute
      ? // Only a boolean the layout read as false is flipped (anything else is not nanotron's).
        stated?.value === false
        ? rewriteYamlScalar(yaml, base, recompute, yamlBoolLike(stated.source.raw, true))
        : undefined
      : parallelism &&
        insertYamlKeysFirst(yaml, base, parallelism, [
          ['recompute_layer', yamlBoolLike(boolStyle(yaml), true)],
        ]);
    if (r)
      edits.push({
        kind: 'recompute-full',
        label: 'parallelism.recompute_layer: true',
        key: 'parallelism.recompute_layer',
        replacements: [r],
      });
  }

  // Micro-batch and accumulation together, so dp × micro × accumulation (the global batch) stays.
  const micro = yamlPair(yaml, ['tokens', 'micro_batch_size']);
  const accum = yamlPair(yaml, ['tokens', 'batch_accumulation_per_replica']);
  const m = literalInt(yaml, micro);
  const a = literalInt(yaml, accum);
  if (micro && accum && m && a && m === layout.microBatch && a === layout.gradAccum)
    edits.push(
      ...microAndAccumulationEdits(
        yaml,
        base,
        { pair: micro, key: 'tokens.micro_batch_size', value: m },
        { pair: accum, key: 'batch_accumulation_per_replica', value: a },
      ),
    );
  return edits;
}

/** How the file writes its booleans (the first one found under `parallelism`), for an inserted key. */
function boolStyle(yaml: YamlSource): string | undefined {
  const map = yamlPair(yaml, ['parallelism'])?.value as { items?: Pair<Node, Node>[] } | undefined;
  for (const item of map?.items ?? []) {
    const range = (item.value as Node | null)?.range;
    if (!range) continue;
    const raw = yaml.lines.text.slice(range[0], range[1]);
    if (/^(true|false)$/i.test(raw)) return raw;
  }
  return undefined;
}
