import type { FieldSource } from '../../../types';
import {
  GENERIC_LAYOUT_DEFAULTS,
  type LayoutDefaults,
  type OptimizerId,
  type ParallelLayout,
  type ResolvedLayout,
} from '../../../model/layout';
import type { MemoryEdit, OffsetReplacement } from '../../../model/memoryEdits';
import type { FrameworkLayout } from '../../reader';
import { LayoutBuilder, asDegree } from '../../layoutBuilder';
import { LineIndex } from '../../text';
import type { Layer } from './reader';
import { MAXTEXT_BASE_YML, MAXTEXT_FULL_CONFIG_KEYS, MAXTEXT_UPSTREAM } from './tables';

/** Mesh axes of MaxText (base.yml `ici_*_parallelism` × `dcn_*_parallelism`) and what the estimate makes of them. */
const AXES = [
  'data',
  'fsdp',
  'fsdp_transpose',
  'sequence',
  'context',
  'tensor',
  'tensor_sequence',
  'pipeline',
  'expert',
  'context_autoregressive',
  'context_usp_ulysses',
  'autoregressive',
  'diloco',
] as const;

/**
 * The parallel layout of a MaxText config or launcher, from the reader's layering (base.yml ←
 * models/<name>.yml ← `key=value`; AI-Hypercomputer/maxtext@e591f30c src/maxtext/configs/base.yml
 * for every key no layer sets). Each mesh axis is `ici_<axis>_parallelism × dcn_<axis>_parallelism`
 * (-1 fills the devices left; the DCN −1, base.yml's dcn_data_parallelism, is taken as one slice):
 * - data: replicas; fsdp × fsdp_transpose: parameters, gradients and optimizer states sharded
 *   (ZeRO-3) within each replica; tensor: tensor parallelism (activations split as Megatron's
 *   without sequence parallelism); pipeline, expert: PP, EP. Sequence/context/autoregressive and
 *   the other axes at > 1 are unmodelled.
 * - `per_device_batch_size` is the micro-batch per device (a fraction is unmodelled);
 *   `gradient_accumulation_steps` micro-batches per step; `max_target_length` the sequence.
 * - `remat_policy` 'full' (base.yml) keeps only each layer's input (decoders.py get_remat_policy:
 *   policy None under nn.remat); the named save/offload policies keep chosen projections and are
 *   unmodelled, as is 'none'.
 * - `weight_dtype` float32 with `dtype` bfloat16 and `grad_dtype` float32: fp32 parameters and
 *   gradients, bf16 activations; `dtype` float32: fp32 throughout; other dtypes and `quantization`
 *   are unmodelled. `opt_type` adamw / adam_pax (two fp32 moments), sgd, muon.
 * - `attention` autoselected/flash/cudnn_flash_te are fused; dot_product materializes the scores.
 * - `optimizer_memory_host_offload` moves the optimizer state to host memory.
 * - Unmodelled: pipeline > 1, parameter_memory_host_offload, shard_optimizer_over_data, use_dpo,
 *   num_vocab_tiling > 1, an AdamW mu_dtype other than weight_dtype, and custom mesh_axes /
 *   data_sharding / logical_axis_rules. `dropout_rate` > 0 with enable_dropout stores masks.
 */
export function readMaxtextLayout(layers: readonly Layer[], gpus?: number): ParallelLayout {
  const b = new LayoutBuilder();
  const get = (key: string): { value: unknown; source?: FieldSource } | undefined => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const found = layers[i]!.values.get(key);
      // A value the environment decides, or one MaxText refuses, is no number to lay out.
      if (found)
        return found.unresolved || found.refused ? { value: `$${key}`, source: found.source } : found;
    }
    return key in MAXTEXT_BASE_YML ? { value: MAXTEXT_BASE_YML[key] } : undefined;
  };
  const world = gpus && gpus > 0 ? gpus : undefined;
  if (world) b.layout.gpus = world;
  /** A stated value that is not modelled, named at the key when the key is in a readable file. */
  const unknown = (key: string, found: { value: unknown; source?: FieldSource }, why: string) =>
    b.unmodelled(found.source ?? builtIn(key, found.value), why);
  /** A value as the file writes it: a mistyped map or list is no name to echo as "[object Object]". */
  const written = (found: { value: unknown; source?: FieldSource }) =>
    found.source?.raw ?? String(found.value);

  // Mesh degrees.
  const degree: Record<string, { value: number; source?: FieldSource }> = {};
  let fill: string | undefined;
  let bad = false;
  for (const axis of AXES) {
    let product = 1;
    let source: FieldSource | undefined;
    // The key named is the ici one unless the dcn one is what makes the degree > 1.
    let named = false;
    for (const net of ['ici', 'dcn'] as const) {
      const key = `${net}_${axis}_parallelism`;
      const found = get(key);
      if (!found) continue;
      const v = asDegree(found.value);
      if (v === undefined) {
        if (found.source) b.invalid(axisKey(axis), found.source);
        else bad = true;
        continue;
      }
      if (v === -1) {
        if (net === 'dcn') continue; // one slice
        fill = axis;
        source = found.source ?? source;
        named = true;
        continue;
      }
      product *= v;
      if (found.source && (v !== 1 ? !named || net === 'ici' : !source)) {
        source = found.source;
        named ||= v !== 1;
      }
    }
    degree[axis] = { value: product, ...(source ? { source } : {}) };
  }
  if (bad) return b.layout;
  const fixed = AXES.reduce((p, a) => p * degree[a]!.value, 1);
  if (fill) {
    if (world && world % fixed === 0) degree[fill]!.value *= world / fixed;
    else if (world) {
      const s = degree[fill]!.source;
      if (s) b.invalid('gpus', { ...s, raw: `${world} devices / ${fixed}` });
    } else if (fill !== 'fsdp' && fill !== 'data') {
      const s = degree[fill]!.source;
      if (s) b.unmodelled(s, `${s.key} = -1 on an unknown device count`);
    }
  }
  for (const axis of [
    'sequence',
    'context',
    'tensor_sequence',
    'context_autoregressive',
    'context_usp_ulysses',
    'autoregressive',
    'diloco',
  ]) {
    const d = degree[axis]!;
    if (d.value > 1 || (fill === axis && !world))
      b.unmodelled(d.source ?? builtIn(`ici_${axis}_parallelism`, d.value), `${axis} parallelism`);
  }
  readShardingRules(layers, unknown);

  // MaxText's pipeline (layers/pipeline.py) is one scanned loop over num_pipeline_microbatches
  // (types.py default: the stages, or twice them when circular) cut from per_device_batch_size,
  // differentiated whole by JAX: not the 1F1B schedule of p micro-batches the estimate counts.
  const pipe = degree.pipeline!;
  if (pipe.value > 1)
    b.unmodelled(
      pipe.source ?? builtIn('ici_pipeline_parallelism', pipe.value),
      'pipeline parallelism (a scanned GPipe-style loop over num_pipeline_microbatches)',
    );
  const tp = degree.tensor!;
  b.set('tensorParallel', tp.value, tp.source);
  b.set('pipelineParallel', degree.pipeline!.value, degree.pipeline!.source);
  b.set('expertParallel', degree.expert!.value, degree.expert!.source);
  b.set('sequenceParallel', false, undefined);
  const fsdp = degree.fsdp!.value * degree.fsdp_transpose!.value;
  const fsdpKnown = fill !== 'fsdp' || world !== undefined;
  const fsdpSource = degree.fsdp!.source ?? degree.fsdp_transpose!.source;
  if (fsdpKnown && fsdp === 1) b.set('sharding', 'none', fsdpSource);
  else {
    b.set('sharding', 'zero3', fsdpSource);
    // Unknown device count with fsdp = -1 and one replica: the shard group is all of DP (the default).
    if (fsdpKnown) b.set('shardGroupSize', fsdp, fsdpSource);
    else if (degree.data!.value > 1 && degree.data!.source)
      b.unmodelled(degree.data!.source, 'data replicas over an fsdp = -1 axis on an unknown device count');
  }

  // Batch shape.
  const micro = get('per_device_batch_size');
  if (micro) {
    const m = typeof micro.value === 'number' ? micro.value : Number(micro.value);
    if (Number.isSafeInteger(m) && m >= 1) b.set('microBatch', m, micro.source);
    else if (Number.isFinite(m) && m > 0 && m < 1)
      unknown('per_device_batch_size', micro, 'a fractional per-device batch');
    else if (micro.source) b.invalid('microBatch', micro.source);
  }
  const accum = get('gradient_accumulation_steps');
  if (accum) {
    const g = asDegree(accum.value);
    if (g !== undefined && g >= 1) b.set('gradAccum', g, accum.source);
    else if (accum.source) b.invalid('gradAccum', accum.source);
  }
  const seq = get('max_target_length');
  if (seq) {
    const s = asDegree(seq.value);
    if (s !== undefined && s >= 1) b.set('seqLen', s, seq.source);
    else if (seq.source) b.invalid('seqLen', seq.source);
  }

  // Recomputation.
  const remat = get('remat_policy');
  if (remat) {
    if (remat.value === 'full') b.set('recompute', 'full', remat.source);
    else unknown('remat_policy', remat, `remat_policy ${written(remat)}: keeps a chosen set of tensors`);
  }

  // Precision and optimizer.
  const weightDtype = String(get('weight_dtype')?.value ?? 'float32');
  const dtype = String(get('dtype')?.value ?? 'bfloat16');
  const gradDtype = get('grad_dtype');
  const at = (key: string) => get(key)?.source;
  if (weightDtype === 'float32' && dtype === 'bfloat16')
    b.set('precision', 'jax-f32-params', at('dtype') ?? at('weight_dtype'));
  else if (weightDtype === 'float32' && dtype === 'float32') b.set('precision', 'fp32', at('dtype'));
  else {
    const key = weightDtype !== 'float32' ? 'weight_dtype' : 'dtype';
    unknown(key, get(key)!, `${key} ${written(get(key)!)}`);
  }
  if (gradDtype && gradDtype.value !== 'float32')
    unknown('grad_dtype', gradDtype, `grad_dtype ${written(gradDtype)}`);
  const quantization = get('quantization');
  if (quantization && quantization.value !== '' && quantization.value !== null)
    unknown('quantization', quantization, `quantization ${written(quantization)}`);
  const opt = get('opt_type');
  const optimizer = MAXTEXT_OPTIMIZERS[String(opt?.value ?? 'adamw')];
  if (optimizer) b.set('optimizer', optimizer, opt?.source);
  else if (opt) unknown('opt_type', opt, `opt_type ${written(opt)}`);
  // optax.adamw(mu_dtype=config.mu_dtype) (optimizers/optimizers.py); pyconfig.py makes an empty
  // mu_dtype the weight_dtype, so only another dtype changes the first moment's bytes.
  const mu = get('mu_dtype');
  if (
    mu &&
    String(opt?.value ?? 'adamw') === 'adamw' &&
    mu.value !== '' &&
    mu.value !== null &&
    String(mu.value) !== weightDtype &&
    !(weightDtype === 'float32' && String(mu.value) === 'fp32')
  )
    unknown('mu_dtype', mu, `mu_dtype ${written(mu)} (AdamW first moment not in ${weightDtype})`);
  const offload = get('optimizer_memory_host_offload');
  if (offload?.value === true) b.set('cpuOffload', true, offload.source);
  // Keys that move or add model state in ways the estimate does not count (pre_train/train.py
  // train_step; train_utils.py validate_train_config; vocab tiling chunks the logits).
  const flags: [key: string, why: string][] = [
    ['parameter_memory_host_offload', 'parameters kept in host memory between steps'],
    ['shard_optimizer_over_data', 'optimizer state also sharded over the data axis (ZeRO-1)'],
    ['use_dpo', 'DPO keeps a frozen reference model (post_train train_dpo.py)'],
  ];
  for (const [key, why] of flags) {
    const found = get(key);
    if (found?.value === true) unknown(key, found, why);
  }
  const tiling = get('num_vocab_tiling');
  const tiles = tiling ? asDegree(tiling.value) : 1;
  if (tiling && tiles !== 1) unknown('num_vocab_tiling', tiling, 'logits computed in vocabulary tiles');
  // nn.Dropout(rate=cfg.dropout_rate) after attention and the MLP (layers/decoders.py), live in
  // training (enable_dropout, base.yml true).
  const dropout = get('dropout_rate');
  const enableDropout = get('enable_dropout');
  const rate = dropout ? Number(dropout.value) : 0;
  if (Number.isFinite(rate) && rate > 0 && String(enableDropout?.value) !== 'false')
    b.set('dropout', true, dropout!.source);
  const attention = get('attention');
  if (attention) {
    const a = String(attention.value);
    if (a === 'dot_product') b.set('flashAttention', false, attention.source);
    else if (a === 'autoselected' || a === 'flash' || a === 'cudnn_flash_te')
      b.set('flashAttention', true, attention.source);
    else unknown('attention', attention, `attention ${written(attention)}`);
  }
  return b.layout;
}

/**
 * Custom mesh axes and sharding rules: `mesh_axes` / `data_sharding` other than the config they
 * are layered over, and `logical_axis_rules` entries that replace a rule of it (pyconfig.py
 * _merge_logical_axis_rules: a file's rule replaces the base rules of the same logical axis;
 * `override_logical_axis_rules: true` replaces them all) move what each mesh axis shards, which
 * the axis-degree reading above takes as the base config's. The root config's own values (base.yml
 * of whichever version, read as the first file layer) are the base; a rule for `norm` alone (the
 * models/llama2-*.yml `[['norm', 'fsdp']]`) shards only the norm scales, bytes the estimate does
 * not resolve.
 */
function readShardingRules(
  layers: readonly Layer[],
  unknown: (key: string, found: { value: unknown; source?: FieldSource }, why: string) => void,
): void {
  const json = (v: unknown) => JSON.stringify(v);
  const BUILT_IN = 'built-in base.yml defaults';
  /** The top layer that sets `key` and the value beneath it (the next file layer's, else base.yml's). */
  const overlay = (key: string) => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const found = layers[i]!.values.get(key);
      if (!found || layers[i]!.label === BUILT_IN) continue;
      // A full config (base.yml of any version: MAXTEXT_FULL_CONFIG_KEYS, as the reader decides)
      // with no file beneath it is the root: its values are the base, not an overlay.
      const below = layers.slice(0, i).filter((l) => l.label !== BUILT_IN);
      const root = below.length === 0 && MAXTEXT_FULL_CONFIG_KEYS.some((k) => layers[i]!.values.has(k));
      if (root || !found.source || found.unresolved || found.refused) return undefined;
      for (let j = i - 1; j >= 0; j--) {
        const under = layers[j]!.values.get(key);
        if (under && layers[j]!.label !== BUILT_IN) return { found, base: under.value };
      }
      return { found, base: MAXTEXT_BASE_YML[key] };
    }
    return undefined;
  };
  for (const key of ['mesh_axes', 'data_sharding']) {
    const o = overlay(key);
    if (o && json(o.found.value) !== json(o.base))
      unknown(key, o.found, `${key} other than the base config's (a custom mesh)`);
  }
  const rules = overlay('logical_axis_rules');
  if (!rules || !Array.isArray(rules.found.value) || !Array.isArray(rules.base)) return;
  // base.yml lists some logical axes more than once (fallbacks tried in order): a rule equal to
  // any of them is the base's own.
  const base = new Set((rules.base as unknown[]).map(json));
  const override = layers.some((l) => l.values.get('override_logical_axis_rules')?.value === true);
  const changed = (rules.found.value as unknown[]).find(
    (r) => !Array.isArray(r) || (r[0] !== 'norm' && !base.has(json(r))),
  );
  if (override && json(rules.found.value) !== json(rules.base))
    unknown(
      'logical_axis_rules',
      rules.found,
      "override_logical_axis_rules: the sharding rules are the file's own",
    );
  else if (changed !== undefined)
    unknown(
      'logical_axis_rules',
      rules.found,
      // The rule's logical axis when it names one, else the rule as written (an empty or truncated
      // entry has no axis: never "undefined").
      `a custom sharding rule (${Array.isArray(changed) && typeof changed[0] === 'string' ? changed[0] : (json(changed) ?? String(changed)).slice(0, 60)})`,
    );
}

/** The layout key a mesh axis feeds (for invalid values). */
function axisKey(axis: string) {
  return axis === 'tensor'
    ? ('tensorParallel' as const)
    : axis === 'pipeline'
      ? ('pipelineParallel' as const)
      : axis === 'expert'
        ? ('expertParallel' as const)
        : axis === 'data'
          ? ('dataParallel' as const)
          : ('shardGroupSize' as const);
}

/** A key set only by the built-in base.yml copy: named, with no range in this file. */
function builtIn(key: string, value: unknown): FieldSource {
  const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  return {
    key,
    keyRange: zero,
    valueRange: zero,
    raw: String(value),
    file: `${MAXTEXT_UPSTREAM.repo}@${MAXTEXT_UPSTREAM.commit.slice(0, 8)} src/maxtext/configs/base.yml`,
  };
}

/** `opt_type` (base.yml: "adamw", "adam_pax", "sgd", "muon"). */
const MAXTEXT_OPTIMIZERS: Record<string, OptimizerId> = {
  adamw: 'adamw',
  adam_pax: 'adamw',
  sgd: 'sgd',
  muon: 'muon',
};

/** MaxText's layout defaults (AI-Hypercomputer/maxtext@e591f30c src/maxtext/configs/base.yml). */
export const maxtextLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  sharding: 'zero3',
  recompute: 'full',
  precision: 'jax-f32-params',
  optimizer: 'adamw',
  flashAttention: true,
  dropout: false,
  source:
    'AI-Hypercomputer/maxtext@e591f30c base.yml: ici_fsdp_parallelism -1 (FSDP over the slice), dcn_data_parallelism -1 (one slice assumed), remat_policy full, weight_dtype float32, dtype bfloat16, grad_dtype float32, opt_type adamw, attention autoselected (splash/flash), dropout_rate 0',
};

/** The reader's layers, when `parsed` is the maxtext reader's parse. */
function layersOf(parsed: unknown): readonly Layer[] | undefined {
  const layers = (parsed as { maxtextLayers?: unknown } | undefined)?.maxtextLayers;
  return Array.isArray(layers) ? (layers as Layer[]) : undefined;
}

/**
 * Memory edits of a MaxText YAML or launcher, where the keys are written in this file:
 * - `per_device_batch_size` halved with `gradient_accumulation_steps` doubled in the same edit, so
 *   the global batch (per-device batch × devices × accumulation: global_batch_size_to_train_on in
 *   AI-Hypercomputer/maxtext@e591f30c src/maxtext/configs/types.py calculate_global_batch_sizes)
 *   and D stay. A launcher that leaves the accumulation to base.yml
 *   gets `gradient_accumulation_steps=2·g` written right after its per-device batch (a later
 *   `key=value` overrides base.yml); that is only offered when a base.yml layer that was read
 *   defines the key, since older MaxText versions do not have it. In a YAML both keys must be
 *   written in the file.
 * - `ici_tensor_parallelism` doubled (a hover what-if: it halves the data/FSDP axis filling the
 *   devices).
 * A non-`full` `remat_policy` already makes memory unknown, so there is no recompute fix to offer.
 */
export function maxtextEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const edits: MemoryEdit[] = [];
  const lines = new LineIndex(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const base = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const replace = (source: FieldSource | undefined, newText: string) => {
    if (!source || source.file) return undefined;
    return {
      start: lines.offsetAt(source.valueRange.start) + base,
      end: lines.offsetAt(source.valueRange.end) + base,
      newText,
    };
  };
  const yaml = !/^\s*(python3?|bash|export|#!)/m.test(text);
  const micro = layout.sources.microBatch;
  const accum = layout.sources.gradAccum;
  const m = layout.microBatch;
  const g = layout.gradAccum;
  if (
    micro &&
    !micro.file &&
    micro.key === 'per_device_batch_size' &&
    /^\d+(\.0*)?$/.test(micro.raw.trim()) &&
    m >= 2 &&
    m % 2 === 0 &&
    accum?.key === 'gradient_accumulation_steps'
  ) {
    // 12.0 stays written as a float.
    const half = micro.raw.includes('.') ? `${m / 2}.0` : String(m / 2);
    const halfMicro = replace(micro, half);
    let accumulation: OffsetReplacement | undefined;
    if (!accum.file && /^\d+$/.test(accum.raw.trim())) accumulation = replace(accum, String(g * 2));
    else if (accum.file && !yaml && halfMicro) {
      // After the whole `per_device_batch_size=6` token (a quoted value ends after its quote).
      let end = halfMicro.end;
      while (end < text.length && !/\s|\\/.test(text[end]!)) end++;
      accumulation = { start: end, end, newText: ` gradient_accumulation_steps=${g * 2}` };
    }
    if (halfMicro && accumulation) {
      const sep = yaml ? ': ' : '=';
      edits.push({
        kind: 'micro-batch-half',
        label: `per_device_batch_size${sep}${half}, gradient_accumulation_steps${sep}${g * 2}`,
        key: 'per_device_batch_size',
        replacements: [halfMicro, accumulation].sort((x, y) => x.start - y.start),
      });
    }
  }
  const tp = layout.sources.tensorParallel;
  const t = layout.tensorParallel;
  if (tp && tp.key === 'ici_tensor_parallelism' && /^\d+$/.test(tp.raw.trim())) {
    const r = replace(tp, String(t * 2));
    if (r)
      edits.push({
        kind: 'tp-double',
        label: `ici_tensor_parallelism${yaml ? ': ' : '='}${t * 2}`,
        key: 'ici_tensor_parallelism',
        replacements: [r],
      });
  }
  return edits;
}

/** The registry's layout hook for MaxText configs and launchers (the reader's layering is reused). */
export const maxtextLayout: FrameworkLayout = {
  read: (_text, { gpus, parsed }) => {
    const layers = layersOf(parsed);
    // Without the reader's layers there is no layering to read: no layout (never defaults alone).
    if (!layers) throw new Error('maxtext layout needs the reader layers');
    return readMaxtextLayout(layers, gpus);
  },
  defaults: maxtextLayoutDefaults,
  edits: maxtextEdits,
};
