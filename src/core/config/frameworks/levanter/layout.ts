import { isMap } from 'yaml';
import {
  GENERIC_LAYOUT_DEFAULTS,
  type LayoutDefaults,
  type OptimizerId,
  type ParallelLayout,
  type ResolvedLayout,
} from '../../../model/layout';
import type { MemoryEdit } from '../../../model/memoryEdits';
import type { FrameworkLayout } from '../../reader';
import {
  LayoutBuilder,
  asCount,
  asDegree,
  replaceYamlValue,
  yamlForEdits,
  yamlPair,
} from '../../layoutBuilder';
import { lookup, parseYaml, topLevelKeys } from '../../yamlSource';
import { nodeTag } from '../../specBuilder';

/**
 * The parallel layout of a Levanter train YAML (stanford-crfm/levanter@9263f81e
 * src/levanter/trainer.py TrainerConfig, models/llama.py):
 * - The mesh: `trainer.model_axis_size` (default 1) × `trainer.replica_ici_axis_size` ×
 *   `trainer.replica_dcn_axis_size` (default 1) × data; parameters and optimizer states are sharded over the data axis through
 *   `fsdp_axis: embed` (default) — ZeRO-3 within each replica. A model axis > 1 (tensor
 *   parallelism through the compute mapping) and other fsdp axes are unmodelled.
 * - `trainer.train_batch_size` (default 512) sequences per step; `per_device_parallelism` (default
 *   -1 = the whole per-device batch, no accumulation) examples per device per micro-step.
 * - `trainer.mp` (default "f32": fp32 throughout); "p=f32,c=bfloat16" keeps fp32 parameters with
 *   bf16 compute.
 * - `model.gradient_checkpointing` (default true: the scanned layers keep only their inputs);
 *   false stores every activation; named policies are unmodelled.
 * - `optimizer.type` adam (default, two fp32 moments) or lion. `trainer.quantization`,
 *   `trainer.model_averaging` and axis re-mappings (`axis_resources`, `parameter_axis_resources`)
 *   are unmodelled.
 */
/**
 * Top-level keys of Levanter's evaluation, sampling and export entry points, which no training config
 * has (stanford-crfm/levanter@9263f81e: eval_harness.py EvalHarnessMainConfig checkpoint_path /
 * checkpoint_is_hf; main/eval_lm.py EvalLmConfig and main/sample_lm.py checkpoint_path /
 * hf_checkpoint; main/viz_logprobs.py; main/inference_repl.py checkpoint; main/export_lm_to_hf.py).
 * TrainLmConfig, SFTConfig and LoraLmConfig have none of them.
 */
const LEVANTER_EVALUATION_KEYS = ['checkpoint_path', 'checkpoint_is_hf', 'hf_checkpoint', 'checkpoint'];

/**
 * The top-level key that makes a file an evaluation/inference config, or undefined: one of the keys
 * above, or `eval_harness` beside a top-level `tokenizer` — EvalHarnessMainConfig's pair, which no
 * training config has together (TrainLmConfig has eval_harness but its tokenizer under data,
 * SFTConfig a tokenizer but no eval_harness; config/harness/harness_nano.yaml).
 */
export function levanterEvaluationKey(top: ReadonlySet<string>): string | undefined {
  return (
    LEVANTER_EVALUATION_KEYS.find((k) => top.has(k)) ??
    (top.has('eval_harness') && top.has('tokenizer') ? 'eval_harness' : undefined)
  );
}

export function readLevanterLayout(text: string, gpus?: number): ParallelLayout {
  const b = new LayoutBuilder();
  const yaml = parseYaml(text);
  if (!yaml || !isMap(yaml.doc.contents)) return b.layout;
  const get = (path: string[]) => lookup(yaml, path);
  const world = gpus && gpus > 0 ? gpus : undefined;
  if (world) b.layout.gpus = world;
  for (const section of ['trainer', 'model', 'optimizer']) {
    const found = get([section]);
    // `trainer: !include ...`: the layout lives in another file the layout does not follow.
    if (found && nodeTag(found.node) === '!include')
      b.unmodelled(found.source, `${section} in an included file`);
  }
  // An evaluation or inference run keeps no gradients or optimizer states: not this estimate.
  const evaluation = levanterEvaluationKey(topLevelKeys(yaml));
  const evaluationFound = evaluation ? get([evaluation]) : undefined;
  if (evaluationFound)
    b.unmodelled(
      evaluationFound.source,
      `${evaluation}: an evaluation/inference config, which trains nothing`,
    );
  const modelAxis = get(['trainer', 'model_axis_size']);
  const m = modelAxis ? b.count('tensorParallel', modelAxis) : 1;
  if (m !== undefined && m > 1)
    b.unmodelled(modelAxis!.source, 'model_axis_size > 1 (tensor parallelism by axis mapping)');
  // The FSDP ("data") mesh axis is devices / (replica_ici × model) within a slice times
  // slices / replica_dcn across them (TrainerConfig data_ici_axis_size, data_dcn_axis_size): both
  // replica axes copy the sharded state.
  const replica = get(['trainer', 'replica_ici_axis_size']);
  const replicaDcn = get(['trainer', 'replica_dcn_axis_size']);
  const rIci = replica ? b.count('shardGroupSize', replica) : 1;
  const rDcn = replicaDcn ? b.count('shardGroupSize', replicaDcn) : 1;
  const r = rIci !== undefined && rDcn !== undefined ? rIci * rDcn : undefined;
  const replicaAt = (rDcn ?? 1) > 1 ? replicaDcn : replica;
  const fsdpAxis = get(['trainer', 'fsdp_axis']);
  if (fsdpAxis && fsdpAxis.value !== 'embed')
    b.unmodelled(fsdpAxis.source, `fsdp_axis ${fsdpAxis.source.raw}`);
  b.set('sharding', 'zero3', fsdpAxis?.source);
  if (r !== undefined && r > 1 && world && world % r === 0)
    b.set('shardGroupSize', world / r, replicaAt!.source);
  else if (r !== undefined && r > 1) b.unmodelled(replicaAt!.source, 'replicas on an unknown device count');
  readAxisResources(get, b, (m ?? 1) > 1);
  // TrainerConfig.quantization (haliax QuantizationConfig, applied by trainer_state.py
  // quantize_linear_layers): fp8 / int8 linears keep scales and quantized copies.
  const quant = get(['trainer', 'quantization']);
  if (
    quant &&
    isMap(quant.node) &&
    ['fp8', 'int8'].some((k) => get(['trainer', 'quantization', k])?.value === true)
  )
    b.unmodelled(quant.source, 'quantization (fp8 / int8 linear layers)');
  // TrainerConfig.model_averaging (optim/model_averaging.py EmaModelAveraging): a second copy of
  // the model that the estimate does not count.
  const averaging = get(['trainer', 'model_averaging']);
  if (averaging && averaging.value !== null)
    b.unmodelled(averaging.source, 'model_averaging (an EMA copy of the parameters)');

  const batch = get(['trainer', 'train_batch_size']);
  const global = batch ? (typeof batch.value === 'number' ? b.count('globalBatch', batch) : undefined) : 512;
  if (batch && typeof batch.value !== 'number') b.unmodelled(batch.source, 'a train_batch_size schedule');
  const perDevice = get(['trainer', 'per_device_parallelism']);
  const pd = perDevice ? asDegree(perDevice.value) : -1;
  if (perDevice && pd === undefined) b.invalid('microBatch', perDevice.source);
  if (global !== undefined && pd !== undefined) {
    if (pd === -1) {
      if (world && global % world === 0) b.set('microBatch', global / world, batch?.source);
      else if (world) b.set('globalBatch', global, batch?.source);
      else {
        // The per-device batch is train_batch_size / devices: without the count it is not known.
        const at = perDevice ?? batch ?? get(['trainer']);
        if (at)
          b.unmodelled(
            at.source,
            'per_device_parallelism -1 (train_batch_size / devices) on an unknown device count',
          );
      }
      b.set('gradAccum', 1, perDevice?.source);
    } else {
      b.set('microBatch', pd, perDevice?.source);
      b.set('globalBatch', global, batch?.source);
      if (world && global % (world * pd) === 0) b.set('gradAccum', global / (world * pd), perDevice?.source);
    }
  }
  const seq = get(['model', 'seq_len']);
  if (seq) {
    const s = b.count('seqLen', seq);
    if (s !== undefined) b.set('seqLen', s, seq.source);
  }

  const mp = get(['trainer', 'mp']);
  const policy = mp ? String(mp.value).replace(/\s+/g, '').toLowerCase() : 'f32';
  // jmp.get_policy: "p=f32,c=bf16" with long names params/compute/output, or one dtype for all.
  const short: Record<string, string> = { params: 'p', compute: 'c', output: 'o' };
  const parts: Record<string, string> = {};
  for (const p of policy.split(',')) {
    const [k, v] = p.includes('=') ? (p.split('=') as [string, string]) : ['all', p];
    if (k === 'all') parts.p = parts.c = parts.o = v;
    else parts[short[k] ?? k] = v;
  }
  const f32 = (v: string | undefined) => v === 'f32' || v === 'float32';
  const bf16 = (v: string | undefined) => v === 'bf16' || v === 'bfloat16';
  const pureBf16 = bf16(parts.p) && bf16(parts.c);
  if (f32(parts.p) && (parts.c === undefined || f32(parts.c))) b.set('precision', 'fp32', mp?.source);
  else if (f32(parts.p) && bf16(parts.c)) b.set('precision', 'jax-f32-params', mp?.source);
  else if (pureBf16) b.set('precision', 'bf16-pure', mp?.source);
  else if (mp) b.unmodelled(mp.source, `mp ${mp.source.raw}`);

  const gc = get(['model', 'gradient_checkpointing']);
  if (!gc || gc.value === true) b.set('recompute', 'full', gc?.source);
  else if (gc.value === false) b.set('recompute', 'none', gc.source);
  else b.unmodelled(gc.source, `gradient_checkpointing ${gc.source.raw}`);

  const type = get(['optimizer', 'type']);
  const id = type ? LEVANTER_OPTIMIZERS[String(type.value)] : 'adamw';
  // Under bf16 parameters optax's Adam moments follow the parameter dtype.
  if (id) b.set('optimizer', pureBf16 && id === 'adamw' ? 'adamw-bf16' : id, type?.source);
  if (id && pureBf16 && id !== 'adamw')
    b.unmodelled((type ?? mp)!.source, `optimizer ${id} over bf16 parameters`);
  else if (type && !id) b.unmodelled(type.source, `optimizer ${type.source.raw}`);
  return b.layout;
}

/**
 * OptimizerConfig subclasses with their state bytes (levanter/optim/config.py register_subclass
 * "adam": optax.scale_by_adam, two moments in the parameter dtype; "lion": scale_by_lion, one).
 * No "adamw" is registered: draccus rejects it, so it is unknown like the others (muon, kron, …).
 */
const LEVANTER_OPTIMIZERS: Record<string, OptimizerId> = { adam: 'adamw', lion: 'lion' };

/**
 * `trainer.axis_resources` / `parameter_axis_resources` (TrainerConfig compute_axis_mapping,
 * parameter_axis_mapping): entries that re-map an axis change what is sharded. Those that cannot
 * matter are skipped: the batch axis (overwritten with (replica, data)), the fsdp axis in the
 * parameter mapping (overwritten with data), and any axis put on "model" while model_axis_size is
 * 1 (a mesh axis of size 1 shards nothing).
 */
function readAxisResources(
  get: (path: string[]) => ReturnType<typeof lookup>,
  b: LayoutBuilder,
  modelAxis: boolean,
): void {
  const batchAxis = String(get(['trainer', 'batch_axis'])?.value ?? 'batch');
  const fsdpAxis = get(['trainer', 'fsdp_axis'])?.value ?? 'embed';
  const fsdpAxes = Array.isArray(fsdpAxis) ? fsdpAxis.map(String) : [String(fsdpAxis)];
  for (const key of ['axis_resources', 'parameter_axis_resources']) {
    const found = get(['trainer', key]);
    if (!found || found.value === null) continue;
    if (!isMap(found.node)) {
      b.unmodelled(found.source, `${key} ${found.source.raw}`);
      continue;
    }
    for (const item of found.node.items) {
      const axis = String((item.key as { value?: unknown })?.value ?? item.key);
      const resource = get(['trainer', key, axis])?.value;
      if (key === 'axis_resources' && axis === batchAxis) continue;
      if (key === 'parameter_axis_resources' && fsdpAxes.includes(axis)) continue;
      if (resource === 'model' && !modelAxis) continue;
      b.unmodelled(found.source, `${key}: ${axis} → ${JSON.stringify(resource)} (a custom axis mapping)`);
      break;
    }
  }
}

/** Levanter's layout defaults (stanford-crfm/levanter@9263f81e trainer.py, models/llama.py, optim/config.py). */
export const levanterLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  sharding: 'zero3',
  recompute: 'full',
  precision: 'fp32',
  optimizer: 'adamw',
  flashAttention: true,
  dropout: false,
  source:
    'stanford-crfm/levanter@9263f81e TrainerConfig: fsdp_axis "embed" (parameters sharded over the data axis), model_axis_size 1, train_batch_size 512, per_device_parallelism -1, mp jmp "f32"; LlamaConfig gradient_checkpointing True; optimizer adam',
};

/**
 * Memory edits of a Levanter YAML: `model.gradient_checkpointing: true` when it is false, and
 * `trainer.per_device_parallelism` halved / doubled when it is stated (train_batch_size keeps the
 * global batch, so D stays).
 */
export function levanterEdits(text: string, layout: ResolvedLayout): MemoryEdit[] {
  const parsed = yamlForEdits(text);
  if (!parsed) return [];
  const { yaml, base } = parsed;
  const edits: MemoryEdit[] = [];
  const gc = yamlPair(yaml, ['model', 'gradient_checkpointing']);
  if (gc && layout.recompute === 'none') {
    const r = replaceYamlValue(gc, base, 'true');
    if (r)
      edits.push({
        kind: 'recompute-full',
        label: 'model.gradient_checkpointing: true',
        key: 'model.gradient_checkpointing',
        replacements: [r],
      });
  }
  if (gc && layout.recompute === 'full') {
    const r = replaceYamlValue(gc, base, 'false');
    if (r)
      edits.push({
        kind: 'recompute-off',
        label: 'model.gradient_checkpointing: false',
        key: 'model.gradient_checkpointing',
        replacements: [r],
      });
  }
  const pd = yamlPair(yaml, ['trainer', 'per_device_parallelism']);
  const v = pd ? asCount(lookup(yaml, ['trainer', 'per_device_parallelism'])?.value) : undefined;
  if (pd && v && v === layout.microBatch) {
    if (v >= 2 && v % 2 === 0) {
      const r = replaceYamlValue(pd, base, String(v / 2));
      if (r)
        edits.push({
          kind: 'micro-batch-half',
          label: `trainer.per_device_parallelism: ${v / 2}`,
          key: 'trainer.per_device_parallelism',
          replacements: [r],
        });
    }
    if (layout.gradAccum % 2 === 0) {
      const r = replaceYamlValue(pd, base, String(v * 2));
      if (r)
        edits.push({
          kind: 'micro-batch-double',
          label: `trainer.per_device_parallelism: ${v * 2}`,
          key: 'trainer.per_device_parallelism',
          replacements: [r],
        });
    }
  }
  return edits;
}

/** The registry's layout hook for Levanter YAML. */
export const levanterLayout: FrameworkLayout = {
  read: (text, { gpus }) => readLevanterLayout(text, gpus),
  defaults: levanterLayoutDefaults,
  edits: levanterEdits,
};
