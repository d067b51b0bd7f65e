import type { AST } from 'toml-eslint-parser';
import { parseTomlCached } from '../../parseCache';
import type { FieldSource } from '../../../types';
import {
  GENERIC_LAYOUT_DEFAULTS,
  type LayoutDefaults,
  type LayoutKey,
  type ParallelLayout,
  type LayoutValueKey,
} from '../../../model/layout';
import type { FrameworkLayout } from '../../reader';
import { torchtitanEdits } from './memoryEdits';
import { LineIndex } from '../../text';

/**
 * The parallel layout of a torchtitan TOML job config (torchtitan/config/job_config.py names, old
 * `[experimental]`/`[training]` spellings too). Pure: parses the text read-only. Absent keys stay
 * undefined so `resolveLayout` applies torchtitan's defaults (FSDP over all ranks, op-level
 * selective AC, fp32 sharded params with bf16 compute).
 */
export function readTorchtitanLayout(text: string, gpus?: number, parsed?: AST.TOMLProgram): ParallelLayout {
  const layout: ParallelLayout = { sources: {} };
  // The framework reader's own parse can be passed in, so the layout costs no second parse.
  let program: AST.TOMLProgram;
  try {
    program = parsed ?? parseTomlCached(text);
  } catch {
    return layout;
  }
  const lines = new LineIndex(text);
  const entries = new Map<string, AST.TOMLKeyValue>();
  const add = (prefix: string[], kv: AST.TOMLKeyValue) =>
    entries.set(
      [...prefix, ...kv.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value))].join('.'),
      kv,
    );
  for (const item of program.body[0].body) {
    if (item.type === 'TOMLKeyValue') add([], item);
    else for (const kv of item.body) add(item.resolvedKey.map(String), kv);
  }
  const get = (paths: string[]): { value: unknown; source: FieldSource } | undefined => {
    for (const path of paths) {
      const kv = entries.get(path);
      if (!kv) continue;
      return {
        value: kv.value.type === 'TOMLValue' ? kv.value.value : undefined,
        source: {
          key: text.slice(kv.key.range[0], kv.key.range[1]),
          keyRange: lines.range(kv.key.range[0], kv.key.range[1]),
          valueRange: lines.range(kv.value.range[0], kv.value.range[1]),
          raw: text.slice(kv.value.range[0], kv.value.range[1]),
        },
      };
    }
    return undefined;
  };
  const int = (paths: string[], key?: LayoutKey) => {
    const found = get(paths);
    if (!found) return undefined;
    if (typeof found.value === 'number' && Number.isFinite(found.value))
      return { value: found.value, source: found.source };
    // A string, `inf`, `nan` or a table: recorded as written so validation names the key (never a
    // default, and no NaN in the spec). Counts that are not layout keys are simply not used.
    if (key) {
      (layout.invalid ??= {})[key] = found.source.raw;
      layout.sources[key] = found.source;
    }
    return undefined;
  };
  const set = <K extends LayoutValueKey>(
    key: K & keyof ParallelLayout['sources'],
    found: { value: ParallelLayout[K]; source: FieldSource } | undefined,
  ) => {
    if (!found) return;
    layout[key] = found.value;
    layout.sources[key] = found.source;
  };
  const tp = int(['parallelism.tensor_parallel_degree', 'training.tensor_parallel_degree'], 'tensorParallel');
  set('tensorParallel', tp);
  if (tp && tp.value > 1) {
    // torchtitan's TP plan always shards the norms' sequence dimension (SequenceParallel).
    set('sequenceParallel', { value: true, source: tp.source });
  }
  set(
    'pipelineParallel',
    int(
      ['parallelism.pipeline_parallel_degree', 'experimental.pipeline_parallel_degree'],
      'pipelineParallel',
    ),
  );
  set(
    'contextParallel',
    int(['parallelism.context_parallel_degree', 'experimental.context_parallel_degree'], 'contextParallel'),
  );
  set('expertParallel', int(['parallelism.expert_parallel_degree'], 'expertParallel'));
  readExpertTensorParallel(
    layout,
    int(['parallelism.expert_tensor_parallel_degree'], 'expertTensorParallel'),
  );
  set('microBatch', int(['training.local_batch_size', 'training.batch_size'], 'microBatch'));
  set('seqLen', int(['training.seq_len'], 'seqLen'));
  const shard = int(['parallelism.data_parallel_shard_degree', 'training.data_parallel_shard_degree']);
  const replicate = int([
    'parallelism.data_parallel_replicate_degree',
    'training.data_parallel_replicate_degree',
  ]);
  if (shard && shard.value === 1) {
    set('sharding', { value: 'none', source: shard.source });
  } else if (shard && shard.value > 1) {
    set('shardGroupSize', shard);
  }
  if (replicate && replicate.value > 1 && !shard) layout.sources.shardGroupSize = replicate.source;
  const mode = get(['activation_checkpoint.mode']);
  const option = get(['activation_checkpoint.selective_ac_option']);
  if ((mode && typeof mode.value === 'string') || option) {
    // ActivationCheckpoint defaults (torchtitan@238fa995 config/job_config.py): mode "selective",
    // selective_ac_option "2". An integer n checkpoints every n-th block whole
    // (distributed/activation_checkpoint.py `_apply_layer_sac`: `not ac_freq or count % ac_freq == 0`,
    // so 0 and 1 mean every block); "op" is op-level SAC.
    const m = mode && typeof mode.value === 'string' ? mode.value.toLowerCase() : 'selective';
    const at = (mode ?? option)!.source;
    if (m === 'full') set('recompute', { value: 'full', source: at });
    else if (m === 'none') set('recompute', { value: 'none', source: at });
    else if (m === 'selective') {
      const o = option ? String(option.value).trim().toLowerCase() : '2';
      if (o === 'op') set('recompute', { value: 'selective-op', source: at });
      else if (/^\d+$/.test(o)) {
        const n = Number(o);
        set('recompute', { value: 'full', source: at });
        if (n > 1) {
          layout.recomputeMethod = 'every';
          layout.recomputeLayers = n;
        }
      } else {
        (layout.invalid ??= {}).recompute = option!.source.raw;
        layout.sources.recompute = option!.source;
      }
    } else if (mode) {
      // "memory_budget" (compiler-chosen recomputation) and modes of other versions.
      (layout.unmodelled ??= []).push({
        ...mode.source,
        why: `activation checkpointing mode ${mode.source.raw}`,
      });
    }
  }
  // FSDP2 compute dtype (torchtitan@b5bcd76c config/configs.py mixed_precision_param, default
  // "bfloat16"): "float32" computes and keeps activations in fp32, which fsdp2-mixed does not count.
  const paramDtype = get(['training.mixed_precision_param']);
  if (paramDtype && paramDtype.value !== 'bfloat16')
    (layout.unmodelled ??= []).push({
      ...paramDtype.source,
      why: `mixed_precision_param ${paramDtype.source.raw}: FSDP2 compute in a dtype other than bf16`,
    });
  // distributed/fsdp.py get_fsdp_reshard_after_forward_policy: "default" reshards after forward
  // unless PP is on (modelled both ways); "never" without PP keeps every block's gathered
  // parameters through backward, "always" with PP re-gathers them per micro-batch.
  const reshard = get(['parallelism.fsdp_reshard_after_forward']);
  const ppOn = (layout.pipelineParallel ?? 1) > 1;
  if (reshard && reshard.value !== 'default' && (reshard.value === 'never') !== ppOn)
    (layout.unmodelled ??= []).push({
      ...reshard.source,
      why: `fsdp_reshard_after_forward ${reshard.source.raw}${ppOn ? ' with pipeline parallelism' : ''}`,
    });
  const offload = get(['training.enable_cpu_offload']);
  if (offload && offload.value === true) set('cpuOffload', { value: true, source: offload.source });
  const globalBatch = int(['training.global_batch_size']);
  const pipelined = readPipeline(layout, entries, get, int);
  if (!pipelined && globalBatch && Number.isSafeInteger(globalBatch.value) && globalBatch.value > 0) {
    // torchtitan asserts global_batch_size % (local_batch_size × DP) == 0 (gradient accumulation
    // steps must be whole); -1 (the default) means local × DP.
    set('globalBatch', globalBatch);
  }
  // Float8 / MX converters change weight and activation bytes; not modelled.
  const converters = entries.get('model.converters');
  if (converters && /float8|mx/i.test(text.slice(converters.value.range[0], converters.value.range[1]))) {
    (layout.unmodelled ??= []).push({
      key: text.slice(converters.key.range[0], converters.key.range[1]),
      keyRange: lines.range(converters.key.range[0], converters.key.range[1]),
      valueRange: lines.range(converters.value.range[0], converters.value.range[1]),
      raw: text.slice(converters.value.range[0], converters.value.range[1]),
    });
  }
  readCompiledLoss(layout, entries, get, lines, text);
  // Each TOML-era model has its own op-SAC save list (torchtitan@9810191bb^
  // models/<name>/infra/parallelize.py `_op_sac_save_list`): deepseek_v3, llama4 and gpt_oss list
  // `all_to_all_single`, qwen3's (and experiments/qwen3's at 8a2686c4) does not, so its EP
  // dispatch/combine outputs are recomputed.
  if (get(['model.name'])?.value === 'qwen3') layout.opSacSavesAllToAll = false;
  if (gpus && gpus > 0) layout.gpus = gpus;
  return layout;
}

/**
 * A compiled loss (torchtitan@8a2686c4 components/loss.py build_cross_entropy_loss: `[compile]
 * enable` and "loss" in `components`, default ["model", "loss"] in config/job_config.py Compile)
 * fuses the `.float()` upcast and the log-softmax with their backward, so the loss keeps only the
 * bf16 logits and writes their bf16 gradient: 4 B per logit instead of eager's 14. Only Inductor
 * fuses (`backend`, default "inductor", at 9810191bb^). The older `[training] compile` flag is left
 * eager: that flag compiled the loss in some versions (e10cb949, bbb1b616e … 08b8b244f^) and not in
 * others (9dec370 comments it out, and its benchmarks measure eager-sized logits), and counting
 * eager can only overstate.
 */
function readCompiledLoss(
  layout: ParallelLayout,
  entries: Map<string, AST.TOMLKeyValue>,
  get: (paths: string[]) => { value: unknown; source: FieldSource } | undefined,
  lines: LineIndex,
  text: string,
): void {
  if (get(['training.compile'])?.value === true)
    layout.notes = [...(layout.notes ?? []), COMPILED_MODEL_NOTE];
  const enable = get(['compile.enable']);
  if (!enable || enable.value !== true) return;
  const backend = get(['compile.backend']);
  if (backend && backend.value !== 'inductor') return;
  const components = entries.get('compile.components');
  let source = enable.source;
  if (components) {
    if (components.value.type !== 'TOMLArray') return;
    const names = components.value.elements.map((e) => (e.type === 'TOMLValue' ? e.value : undefined));
    if (names.includes('model')) layout.notes = [...(layout.notes ?? []), COMPILED_MODEL_NOTE];
    if (!names.includes('loss')) return;
    source = {
      key: text.slice(components.key.range[0], components.key.range[1]),
      keyRange: lines.range(components.key.range[0], components.key.range[1]),
      valueRange: lines.range(components.value.range[0], components.value.range[1]),
      raw: text.slice(components.value.range[0], components.value.range[1]),
    };
  }
  if (!components) layout.notes = [...(layout.notes ?? []), COMPILED_MODEL_NOTE];
  layout.logitsBytesPerElement = 4;
  layout.sources.logitsBytesPerElement = source;
}

/**
 * Inductor fuses the model's elementwise ops and may save fewer activations than eager; which ones
 * depends on the compiler, so the blocks are counted eager. The measured torchtitan points that
 * compile the model (test/fixtures/memory/measured.json) are within 10% of that count.
 */
const COMPILED_MODEL_NOTE =
  '[compile] "model" is counted as eager: the compiled blocks may keep fewer activations (torchtitan\'s measured compiled runs are within 10% of this count)';

/**
 * How routed experts are split over TP (torchtitan@238fa995 models/{llama4,gpt_oss}/infra/parallelize.py
 * apply_moe_ep_tp, distributed/parallel_dims.py): without EP they take the TP plan (split over all
 * TP ranks); with EP, `expert_tensor_parallel_degree` (default 1) is 1 or the TP degree, which
 * ParallelDims asserts.
 */
function readExpertTensorParallel(
  layout: ParallelLayout,
  written: { value: number; source: FieldSource } | undefined,
): void {
  const tp = layout.tensorParallel ?? 1;
  if ((layout.expertParallel ?? 1) <= 1) {
    layout.expertTensorParallel = tp;
    const source = layout.sources.tensorParallel;
    if (source) layout.sources.expertTensorParallel = source;
    return;
  }
  const etp = written?.value ?? 1;
  if (written) layout.sources.expertTensorParallel = written.source;
  if (etp !== 1 && etp !== tp) {
    (layout.invalid ??= {}).expertTensorParallel = {
      message: `expert_tensor_parallel_degree = ${etp} must be 1 or the tensor_parallel_degree ${tp}: torchtitan asserts "Currently we only support ETP=TP or ETP=1".`,
    };
    return;
  }
  layout.expertTensorParallel = etp;
}

type TomlGet = (paths: string[]) => { value: unknown; source: FieldSource } | undefined;

/** Schedules whose first-stage memory the estimate models (torch.distributed.pipelining names, lower-cased as its get_schedule_class matches them). */
const MODELLED_SCHEDULES: Record<string, 'single' | 'interleaved'> = {
  '1f1b': 'single',
  interleaved1f1b: 'interleaved',
};

/**
 * Pipeline micro-batching and schedule under PP > 1. Returns whether the local batch was split into
 * pipeline micro-batches (then `gradAccum` counts the micro-batches of one schedule step, which is
 * what the first stage can hold in flight). The defaults moved between torchtitan versions:
 * - `[experimental]` (2024, torchtitan@9dec370 config_manager.py, parallelisms/pipelining_utils.py):
 *   `pipeline_parallel_microbatches`, default None = the PP degree, splits the local batch into
 *   that many micro-batches;
 * - `[parallelism]` (torchtitan@238fa995 job_config.py, distributed/pipeline_parallel.py):
 *   `pipeline_parallel_microbatch_size`, default 1, is the size; n = local_batch_size ÷ it, and
 *   torchtitan raises when it does not divide.
 * Both default `pipeline_parallel_schedule` to "1F1B"; a multi-stage schedule without explicit
 * stages has 2 stages per rank. Schedules other than 1F1B and Interleaved1F1B (GPipe, looped BFS,
 * zero-bubble, DualPipeV, a CSV schedule) and stages sized by `pipeline_parallel_layers_per_stage`
 * or `module_fqns_per_model_part` (which need the layer count) are recorded as not modelled.
 */
function readPipeline(
  layout: ParallelLayout,
  entries: Map<string, AST.TOMLKeyValue>,
  get: TomlGet,
  int: (paths: string[]) => { value: number; source: FieldSource } | undefined,
): boolean {
  const pp = layout.pipelineParallel ?? 1;
  if (!(pp > 1)) return false;
  const section = entries.has('experimental.pipeline_parallel_degree') ? 'experimental' : 'parallelism';
  const unmodelled = (found: { source: FieldSource }, why: string) =>
    (layout.unmodelled ??= []).push({ ...found.source, why });

  const schedule = get([`${section}.pipeline_parallel_schedule`]);
  let kind: 'single' | 'interleaved' = 'single';
  if (schedule) {
    const known =
      typeof schedule.value === 'string' ? MODELLED_SCHEDULES[schedule.value.toLowerCase()] : undefined;
    if (!known) unmodelled(schedule, `pipeline schedule ${schedule.source.raw}`);
    else kind = known;
  }
  const csv = get([`${section}.pipeline_parallel_schedule_csv`]);
  if (csv && typeof csv.value === 'string' && csv.value !== '')
    unmodelled(csv, 'a pipeline schedule from a CSV file');
  if (kind === 'interleaved') {
    const perStage = get([`${section}.pipeline_parallel_layers_per_stage`]);
    const perPart = get([`${section}.module_fqns_per_model_part`]);
    const splits = get([`${section}.pipeline_parallel_split_points`]);
    if (perStage && perStage.value !== undefined) unmodelled(perStage, 'stages sized by layers per stage');
    else if (perPart) unmodelled(perPart, 'stages given by module names');
    else if (splits && Array.isArray(splits.value) && splits.value.length > 0) {
      const v = (splits.value.length + 1) / pp;
      if (Number.isSafeInteger(v) && v >= 1) {
        layout.virtualPipeline = v;
        layout.sources.virtualPipeline = splits.source;
      } else unmodelled(splits, `${splits.value.length + 1} stages over ${pp} pipeline ranks`);
    } else if (schedule) {
      layout.virtualPipeline = 2;
      layout.sources.virtualPipeline = schedule.source;
    }
  }

  const local = layout.microBatch;
  if (local === undefined) return false;
  const source = layout.sources.microBatch!;
  if (section === 'experimental') {
    const count = int(['experimental.pipeline_parallel_microbatches']);
    const n = count?.value ?? pp;
    if (!(Number.isSafeInteger(n) && n > 0 && Number.isSafeInteger(local / n))) {
      unmodelled(count ?? { source }, `a local batch of ${local} split into ${n} pipeline micro-batches`);
      return false;
    }
    layout.microBatch = local / n;
    layout.gradAccum = n;
    layout.sources.gradAccum = count?.source ?? layout.sources.pipelineParallel!;
    return true;
  }
  const size = int(['parallelism.pipeline_parallel_microbatch_size']);
  const b = size?.value ?? 1;
  if (!(Number.isSafeInteger(b) && b > 0 && Number.isSafeInteger(local / b))) {
    unmodelled(size ?? { source }, `a local batch of ${local} in pipeline micro-batches of ${b}`);
    return false;
  }
  layout.microBatch = b;
  layout.gradAccum = local / b;
  layout.sources.gradAccum = size?.source ?? source;
  if (size) layout.sources.microBatch = size.source;
  return true;
}

/** Layout defaults as torchtitan defines them, where they differ from the generic ones (cited inline). */
export const torchtitanLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  sharding: 'zero3',
  precision: 'fsdp2-mixed',
  // ActivationCheckpoint(mode = "selective", selective_ac_option = "2"): every other block is
  // checkpointed whole (torchtitan@238fa995 config/job_config.py; the same default in the 2024
  // config_manager.py).
  recompute: 'full',
  recomputeMethod: 'every',
  recomputeLayers: 2,
  unshardedAcrossMicrobatches: true,
  tpSavesGatheredInputs: true,
  source:
    'torchtitan config defaults (data_parallel_shard_degree -1 = FSDP over all ranks, activation_checkpoint.mode "selective" with selective_ac_option "2" = every other block checkpointed, mixed_precision_param bf16, mixed_precision_reduce fp32, AdamW, SDPA)',
};

/** The registry's layout hook for torchtitan TOML (the reader's parse is reused when it is one). */
export const torchtitanLayout: FrameworkLayout = {
  read: (text, { gpus, parsed }) =>
    readTorchtitanLayout(text, gpus, isTomlProgram(parsed) ? parsed : undefined),
  defaults: torchtitanLayoutDefaults,
  edits: torchtitanEdits,
};

function isTomlProgram(x: unknown): x is AST.TOMLProgram {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'Program';
}
