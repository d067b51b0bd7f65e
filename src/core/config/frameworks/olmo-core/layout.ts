import type { ArchitectureSpec, FieldSource } from '../../../types';
import {
  GENERIC_LAYOUT_DEFAULTS,
  type LayoutDefaults,
  type LayoutKey,
  type OptimizerId,
  type ParallelLayout,
  type PrecisionRecipeId,
} from '../../../model/layout';
import type { FrameworkLayout } from '../../reader';
import { LayoutBuilder } from '../../layoutBuilder';
import { PyScript, type PyArg } from './python';
import { LineIndex } from '../../text';
import { olmoCoreEdits } from './memoryEdits';
import { argOf, calleeClass, OlmoCoreScript, TRAIN_MODULE_CALL, type ConfigCall } from './layoutScript';

/**
 * The parallel layout of an OLMo-core launch script, as allenai/OLMo-core@fa6c5014 builds it from
 * the one `TransformerTrainModuleConfig(...)` call (src/olmo_core/train/train_module/transformer/
 * config.py, train_module.py, common.py `parallelize_model`):
 *
 * - `dp_config=TransformerDataParallelConfig(name=…)`: fsdp / hsdp apply FSDP2 `fully_shard` per
 *   block (nn/transformer/model.py apply_fsdp) with MixedPrecisionPolicy(param_dtype, reduce_dtype):
 *   ZeRO-3 over the DP ranks (hsdp: over `shard_degree` ranks, `num_replicas` copies; neither given =
 *   one replica per node, distributed/parallel/data_parallel.py get_replicate_and_shard_degree).
 *   ddp = composable `replicate(bucket_cap_mb=100)` over the model cast to param_dtype.
 * - `ac_config=TransformerActivationCheckpointingConfig(mode=…)` (default mode full): full = every
 *   block; selected_blocks = block i when i % block_interval == 0; selected_ops = torchtitan's op
 *   SAC policy (nn/utils.py `_save_list`, every second mm recomputed); selected_modules and budget
 *   are not modelled. full / selected_blocks on MoE blocks raise OLMoConfigurationError.
 * - `rank_microbatch_size` is in tokens: micro-batch = rank_microbatch_size / max_sequence_length
 *   sequences (it must divide, TransformerTrainModule.__init__); gradient accumulation =
 *   global_batch_size / (rank_microbatch_size × DP) (pre_train raises unless whole).
 * - tp_config (TP with SequenceParallel norms, DTensor), cp_config (ring or Ulysses; the CP ranks
 *   join the FSDP shard group, distributed/parallel _get_model_mesh), ep_config (HSDP only, over the
 *   shard dimension); pp_config, float8_config (unless `enabled=False`), autocast over fp32
 *   FSDP parameters and DDP outside fp32+autocast are not modelled.
 * - optim: AdamWConfig / AdamConfig (torch.optim, two states in the parameter dtype),
 *   SkipStepAdamWConfig (two states in `dtype`, default the parameter dtype), LionConfig /
 *   SkipStepLionConfig (one momentum); Muon, NorMuon, Dion (AdamW for embeddings and head, a split
 *   not modelled) and others are unknown.
 *
 * Nothing is executed; keys the script changes after the call (attribute assignment, `*=`) or
 * values that are not constants make memory unknown, naming the key.
 */
export function readOlmoCoreLayout(
  text: string,
  gpus?: number,
  model?: Pick<ArchitectureSpec, 'nLayers' | 'moe'>,
  shared?: ConstructorParameters<typeof OlmoCoreScript>[1],
): ParallelLayout {
  const b = new LayoutBuilder();
  const s = new OlmoCoreScript(text, shared);
  const world = gpus && gpus > 0 ? gpus : undefined;
  if (world) b.layout.gpus = world;
  const violation = (key: LayoutKey, message: string, at?: FieldSource) => {
    (b.layout.invalid ??= {})[key] = { message };
    if (at) b.layout.sources[key] = at;
  };

  const calls = s.calls(TRAIN_MODULE_CALL);
  const distinct = new Set(calls.map((c) => text.slice(c.start, c.close + 1).replace(/\s+/g, '')));
  if (calls.length === 0) {
    const at = /\bTransformerConfig\s*\.\s*\w+/.exec(s.script.code);
    const where = at
      ? s.source(at[0], at.index, at.index + at[0].length, at.index, at.index + at[0].length)
      : s.source('TransformerTrainModuleConfig', 0, 0, 0, 0);
    b.unmodelled(
      { ...where, key: 'TransformerTrainModuleConfig' },
      'no TransformerTrainModuleConfig(...) call in the file: the parallel layout is not stated',
    );
    return b.layout;
  }
  const call = calls[0]!;
  const callSource = s.source(call.callee, call.start, call.open, call.start, call.close + 1);
  if (distinct.size > 1) {
    b.unmodelled(
      callSource,
      `${distinct.size} different ${call.callee}(...) calls; which one runs is not static`,
    );
    return b.layout;
  }
  if (call.unpacked) {
    b.unmodelled(callSource, `${call.callee}(...) unpacks arguments (*args/**kwargs)`);
    return b.layout;
  }
  const arg = (name: string) => call.named.get(name);
  const src = (key: string, a: PyArg) => s.argSource(key, a);

  // Fields the script assigns after building the config (`train_module.rank_microbatch_size = …`).
  const changed = new RegExp(`\\.\\s*(${TRAIN_MODULE_FIELDS.join('|')})\\s*=(?!=)`).exec(s.script.code);
  if (changed) {
    const at = changed.index + changed[0].indexOf(changed[1]!);
    b.unmodelled(
      s.source(changed[1]!, at, at + changed[1]!.length, at, s.script.statementEnd(at)),
      `\`${changed[1]}\` is assigned after the ${call.callee}(...) call`,
    );
  }

  // Sequence length and micro-batch (tokens → sequences).
  const seqArg = arg('max_sequence_length');
  const seqLen = seqArg ? s.int(seqArg) : undefined;
  if (seqArg && seqLen && seqLen > 0) b.set('seqLen', seqLen, src('max_sequence_length', seqArg));
  else if (seqArg) b.unmodelled(src('max_sequence_length', seqArg), 'not a constant Scaling Lens can read');
  else b.unmodelled(callSource, 'max_sequence_length (a required field) is not given');
  const rmbsArg = arg('rank_microbatch_size');
  const rmbsSource = rmbsArg ? src('rank_microbatch_size', rmbsArg) : undefined;
  const rmbsName =
    rmbsArg && /^\s*[A-Za-z_]\w*\s*$/.test(s.script.code.slice(rmbsArg.valueStart, rmbsArg.valueEnd))
      ? s.valueText(rmbsArg)
      : undefined;
  const bumped = rmbsName ? s.augmented(rmbsName) : undefined;
  const rmbs = rmbsArg && !bumped ? s.int(rmbsArg) : undefined;
  if (!rmbsArg) b.unmodelled(callSource, 'rank_microbatch_size (a required field) is not given');
  else if (bumped)
    b.unmodelled(
      rmbsSource!,
      `\`${text.slice(bumped.start, bumped.end).trim()}\` changes it on a condition the launch decides`,
    );
  else if (!rmbs || rmbs < 1)
    b.unmodelled(rmbsSource!, 'not a constant Scaling Lens can read (tokens per rank)');
  else if (seqLen && seqLen > 0) {
    if (rmbs % seqLen !== 0)
      violation(
        'microBatch',
        `\`rank_microbatch_size\` (${rmbs} tokens) must be divisible by \`max_sequence_length\` (${seqLen} tokens): OLMo-core's TransformerTrainModule raises OLMoConfigurationError.`,
        rmbsSource,
      );
    else b.set('microBatch', rmbs / seqLen, rmbsSource);
  }

  // Parallel degrees.
  const degree = (name: string, key: LayoutKey): number | undefined => {
    const a = arg(name);
    const c = s.configCall(a);
    if (!a || c === 'none') return undefined;
    const d = c ? argOf(c, 'degree', 0) : undefined;
    const v = d ? s.int(d) : undefined;
    if (!c || !d || v === undefined) {
      b.unmodelled(src(name, a), `${name}: the degree is not a constant Scaling Lens can read`);
      return undefined;
    }
    if (v < 1 && !(key === 'expertParallel' && v === -1)) {
      b.invalid(key, src(`${name}.degree`, d));
      return undefined;
    }
    b.layout.sources[key] = src(`${name}.degree`, d);
    return v;
  };
  const pp = arg('pp_config');
  if (pp && s.configCall(pp) !== 'none')
    b.unmodelled(
      src('pp_config', pp),
      "pipeline parallelism: the pipeline train module's stages and schedule are not modelled",
    );
  const tp = degree('tp_config', 'tensorParallel');
  if (tp !== undefined) {
    b.set('tensorParallel', tp, b.layout.sources.tensorParallel);
    // TransformerBlock.apply_tp: the norms run SequenceParallel; Colwise/Rowwise DTensor linears save
    // their all-gathered inputs, as torchtitan's plan does.
    if (tp > 1) {
      b.set('sequenceParallel', true, b.layout.sources.tensorParallel);
      b.layout.tpSavesGatheredInputs = true;
    }
  }
  const cp = degree('cp_config', 'contextParallel');
  if (cp !== undefined) b.set('contextParallel', cp, b.layout.sources.contextParallel);
  const ep = degree('ep_config', 'expertParallel');
  const epArg = arg('ep_config');
  if (ep !== undefined && model && !model.moe)
    violation(
      'expertParallel',
      'ep_config on a model without MoE blocks: OLMo-core raises "Expert parallelism is only valid for MoE models".',
      src('ep_config', epArg!),
    );

  // Data parallelism, sharding and precision.
  const autocast = s.enumMember(arg('autocast_precision'), /^DType$/);
  const dpArg = arg('dp_config');
  const dp = s.configCall(dpArg);
  const modelParallel = (tp ?? 1) * (cp ?? 1);
  const dpWorld = world && world % modelParallel === 0 ? world / modelParallel : undefined;
  if (!dpArg || dp === 'none') {
    // No wrapper: one GPU trains the fp32 model as built (autocast if asked).
    if (world !== undefined && world > 1)
      b.unmodelled(
        dpArg ? src('dp_config', dpArg) : callSource,
        `no dp_config on ${world} GPUs: the model is not wrapped for data parallelism`,
      );
    b.set('sharding', 'none', dpArg ? src('dp_config', dpArg) : undefined);
    b.set(
      'precision',
      autocast ? 'amp' : 'fp32',
      arg('autocast_precision') ? src('autocast_precision', arg('autocast_precision')!) : undefined,
    );
  } else if (!dp) {
    b.unmodelled(src('dp_config', dpArg), 'not a TransformerDataParallelConfig(...) Scaling Lens can read');
  } else {
    const nameArg = argOf(dp, 'name', 0);
    const kind = s.enumMember(nameArg, /^DataParallelType$/);
    const nameSource = nameArg ? src('dp_config.name', nameArg) : src('dp_config', dpArg);
    const paramDtypeArg = argOf(dp, 'param_dtype', 1);
    const paramDtype = paramDtypeArg ? s.enumMember(paramDtypeArg, /^DType$/) : undefined;
    if (paramDtypeArg && paramDtype === undefined && s.valueText(paramDtypeArg) !== 'None')
      b.unmodelled(src('dp_config.param_dtype', paramDtypeArg), 'not a DType member Scaling Lens can read');
    const precisionAt = paramDtypeArg ? src('dp_config.param_dtype', paramDtypeArg) : nameSource;
    if (kind === 'fsdp' || kind === 'hsdp') {
      b.set('sharding', 'zero3', nameSource);
      const wrapping = s.enumMember(
        argOf(dp, 'wrapping_strategy'),
        /^TransformerDataParallelWrappingStrategy$/,
      );
      const wrapArg = argOf(dp, 'wrapping_strategy');
      if (wrapArg && wrapping !== 'full' && wrapping !== 'blocks')
        b.unmodelled(
          src('dp_config.wrapping_strategy', wrapArg),
          `wrapping ${s.valueText(wrapArg)}: FSDP units smaller than a block are not modelled`,
        );
      const prefetchArg = argOf(dp, 'prefetch_factor');
      if (prefetchArg && s.int(prefetchArg) !== 0)
        b.unmodelled(
          src('dp_config.prefetch_factor', prefetchArg),
          'blocks prefetched beyond the next one are not modelled',
        );
      if (paramDtype === 'bfloat16' || paramDtype === 'float16')
        b.set('precision', 'fsdp2-mixed', precisionAt);
      else if (paramDtype === undefined || paramDtype === 'float32') {
        // MixedPrecisionPolicy(param_dtype=None) computes in the model's dtype (fp32 by default).
        if (autocast)
          b.unmodelled(
            src('autocast_precision', arg('autocast_precision')!),
            'autocast over fp32 FSDP parameters (fp32 all-gathered blocks) is not modelled',
          );
        else b.set('precision', 'fp32', precisionAt);
      } else b.unmodelled(src('dp_config.param_dtype', paramDtypeArg!), `param_dtype ${paramDtype}`);
      if (kind === 'hsdp') readHsdp(s, b, dp, nameSource, dpWorld, world, ep, epArg, violation);
      else if (ep !== undefined)
        violation(
          'expertParallel',
          'ep_config with dp_config.name fsdp: OLMo-core raises "expert parallelism can currently only be used with HSDP data parallelism".',
          src('ep_config', epArg!),
        );
    } else if (kind === 'ddp') {
      b.set('sharding', 'none', nameSource);
      if (ep !== undefined)
        violation(
          'expertParallel',
          'ep_config with dp_config.name ddp: OLMo-core raises "expert parallelism can currently only be used with HSDP data parallelism".',
          src('ep_config', epArg!),
        );
      if ((paramDtype === undefined || paramDtype === 'float32') && autocast && autocast !== 'float32')
        b.set(
          'precision',
          world === 1 ? 'amp' : 'amp-ddp',
          src('autocast_precision', arg('autocast_precision')!),
        );
      else if ((paramDtype === undefined || paramDtype === 'float32') && world === 1)
        b.set('precision', 'fp32', precisionAt);
      else
        b.unmodelled(
          precisionAt,
          paramDtype && paramDtype !== 'float32'
            ? `DDP over a model cast to ${paramDtype} (its gradients and their DDP buckets in ${paramDtype}) is not modelled`
            : 'DDP over fp32 parameters without autocast_precision (fp32 activations with DDP gradient buckets) is not modelled',
        );
    } else b.unmodelled(nameSource, 'dp_config.name is not fsdp, hsdp or ddp as Scaling Lens can read it');
  }
  // The model's own dtype (TransformerConfig.dtype, default float32): other dtypes change every byte count.
  const factories = /\bdtype\s*=/.test(s.script.code)
    ? s.calls(/\bTransformerConfig\s*\.\s*[A-Za-z_]\w*\s*\(/)
    : [];
  for (const factory of factories) {
    const dtypeArg = factory.named.get('dtype');
    if (dtypeArg && s.enumMember(dtypeArg, /^DType$/) !== 'float32')
      b.unmodelled(src('dtype', dtypeArg), 'a model built in a dtype other than float32 is not modelled');
  }

  // Activation checkpointing.
  readCheckpointing(s, b, arg('ac_config'), model, violation);

  // Gradient accumulation from the global batch (tokens).
  const global = globalBatchTokens(s);
  if (global && rmbs && seqLen && rmbs % seqLen === 0 && dpWorld) {
    if (global.value % (rmbs * dpWorld) !== 0)
      violation(
        'globalBatch',
        `\`global_batch_size\` (${global.value} tokens) must be divisible by \`rank_microbatch_size\` (${rmbs}) × DP world size (${dpWorld}): OLMo-core's TransformerTrainModule.pre_train raises OLMoConfigurationError.`,
        global.source,
      );
    else b.derive('gradAccum', global.value / (rmbs * dpWorld), global.source);
  }

  // Float8.
  const f8Arg = arg('float8_config');
  const f8 = s.configCall(f8Arg);
  if (f8Arg && f8 !== 'none') {
    const enabled = f8 ? argOf(f8, 'enabled') : undefined;
    if (!f8 || !enabled || s.valueText(enabled) !== 'False')
      b.unmodelled(src('float8_config', f8Arg), 'FP8 training (Float8Config enabled by default)');
  }
  const losses = s.script.code.includes('loss_implementation')
    ? s.script.keywordArgs('loss_implementation')
    : [];
  for (const a of losses)
    if (s.enumMember(a, /^LMLossImplementation$/) !== 'default')
      b.unmodelled(
        src('loss_implementation', a),
        'an LM-head loss other than the default logits.float() + cross_entropy (fused_linear chunks the logits)',
      );

  // torch.compile of every block and the LM head (Transformer.apply_compile): the partitioner picks
  // what backward keeps and fuses the loss, so the eager formulas overstate it — OLMo2-1B.py's
  // 8 × 4096 tokens per rank, run on 80 GB H100s, reads as ≈ 100 GiB eager.
  const compile = arg('compile_model');
  if (compile && s.valueText(compile) !== 'False')
    b.unmodelled(
      src('compile_model', compile),
      'torch.compile of the blocks and LM head (what backward keeps, a fused loss)',
    );
  readOptimizer(s, b, arg('optim'), callSource);
  return b.layout;
}

/** Fields of TransformerTrainModuleConfig whose later assignment changes the layout. */
const TRAIN_MODULE_FIELDS = [
  'rank_microbatch_size',
  'max_sequence_length',
  'dp_config',
  'tp_config',
  'cp_config',
  'ep_config',
  'pp_config',
  'ac_config',
  'float8_config',
  'optim',
  'autocast_precision',
  'train_module',
];

/**
 * HSDP: shard over `shard_degree` ranks, `num_replicas` copies (each must divide the DP size);
 * neither = one replica per node (get_num_nodes()). Nodes are 8 GPUs in scripts launched through
 * olmo_core.internal (common.py build_launch_config: `num_gpus=8`); elsewhere the node size is the
 * launcher's, not the file's. With ep_config the experts are sharded over the same dimension.
 */
function readHsdp(
  s: OlmoCoreScript,
  b: LayoutBuilder,
  dp: ConfigCall,
  nameSource: FieldSource,
  dpWorld: number | undefined,
  world: number | undefined,
  ep: number | undefined,
  epArg: PyArg | undefined,
  violation: (key: LayoutKey, message: string, at?: FieldSource) => void,
): void {
  const replicasArg = argOf(dp, 'num_replicas', 3);
  const shardArg = argOf(dp, 'shard_degree', 4);
  const isNone = (a: PyArg | undefined) => !a || s.valueText(a) === 'None';
  const read = (a: PyArg | undefined, key: string) => {
    if (isNone(a)) return undefined;
    const v = s.int(a!);
    if (v === undefined || v < 1) {
      b.invalid('shardGroupSize', s.argSource(key, a!));
      return null;
    }
    return v;
  };
  const replicas = read(replicasArg, 'dp_config.num_replicas');
  const shard = read(shardArg, 'dp_config.shard_degree');
  if (replicas === null || shard === null) return;
  // Without a whole DP size the generic validation names the degrees; nothing to divide here.
  if (!dpWorld || world === undefined) return;
  const check = (v: number, a: PyArg, key: string) => {
    if (dpWorld && dpWorld % v !== 0) {
      violation(
        'shardGroupSize',
        `\`${key}\` = ${v} does not divide the data parallel world size ${dpWorld}: OLMo-core raises "data parallel world size (${dpWorld}) must be divisible by '${key.split('.').pop()}' (${v})".`,
        s.argSource(key, a),
      );
      return false;
    }
    return true;
  };
  let shardGroup: number | undefined;
  let at: FieldSource = nameSource;
  if (shard !== undefined) {
    if (!check(shard, shardArg!, 'dp_config.shard_degree')) return;
    if (replicas !== undefined && !check(replicas, replicasArg!, 'dp_config.num_replicas')) return;
    shardGroup = shard;
    at = s.argSource('dp_config.shard_degree', shardArg!);
  } else if (replicas !== undefined) {
    if (!check(replicas, replicasArg!, 'dp_config.num_replicas')) return;
    shardGroup = dpWorld ? dpWorld / replicas : undefined;
    at = s.argSource('dp_config.num_replicas', replicasArg!);
  } else if (!s.internalLaunch) {
    b.unmodelled(
      nameSource,
      'hsdp without num_replicas or shard_degree: one replica per node, and the GPUs per node are not in the file',
    );
    return;
  } else {
    // build_launch_config: nodes of 8 GPUs; get_replicate_and_shard_degree: dp // num_nodes per replica.
    const nodes = world <= GPUS_PER_BEAKER_NODE ? 1 : world / GPUS_PER_BEAKER_NODE;
    if (!Number.isInteger(nodes) || dpWorld % nodes !== 0) {
      b.unmodelled(
        nameSource,
        `hsdp over ${world} GPUs: not whole ${GPUS_PER_BEAKER_NODE}-GPU nodes (olmo_core.internal build_launch_config num_gpus=8)`,
      );
      return;
    }
    shardGroup = dpWorld / nodes;
  }
  if (shardGroup !== undefined) b.set('shardGroupSize', shardGroup, at);
  if (ep !== undefined && shardGroup !== undefined) {
    // build_world_mesh: EP reuses the dp_shard dimension; -1 means its size.
    if (ep !== -1 && ep !== shardGroup)
      violation(
        'expertParallel',
        `\`ep_config\` degree ${ep} is not the HSDP shard degree ${shardGroup}: OLMo-core raises "expert parallelism + HSDP requires the same sharding degree".`,
        s.argSource('ep_config', epArg!),
      );
    else b.set('expertParallel', shardGroup, b.layout.sources.expertParallel);
  } else if (ep === -1) {
    b.unmodelled(
      s.argSource('ep_config', epArg!),
      'ep_config degree -1 (the HSDP shard degree, which is not known here)',
    );
  }
}

/** GPUs per node of a Beaker launch built by olmo_core.internal.common.build_launch_config (`num_gpus=8`). */
const GPUS_PER_BEAKER_NODE = 8;

function readCheckpointing(
  s: OlmoCoreScript,
  b: LayoutBuilder,
  acArg: PyArg | undefined,
  model: Pick<ArchitectureSpec, 'nLayers' | 'moe'> | undefined,
  violation: (key: LayoutKey, message: string, at?: FieldSource) => void,
): void {
  const ac = s.configCall(acArg);
  if (!acArg || ac === 'none') {
    b.set('recompute', 'none', acArg ? s.argSource('ac_config', acArg) : undefined);
    return;
  }
  if (!ac) {
    b.unmodelled(
      s.argSource('ac_config', acArg),
      'not a TransformerActivationCheckpointingConfig(...) Scaling Lens can read',
    );
    return;
  }
  const modeArg = argOf(ac, 'mode', 0);
  const mode = modeArg ? s.enumMember(modeArg, /^TransformerActivationCheckpointingMode$/) : 'full';
  const at = modeArg ? s.argSource('ac_config.mode', modeArg) : s.argSource('ac_config', acArg);
  const moe = model?.moe !== undefined;
  const noMoe = (what: string) =>
    violation(
      'recompute',
      `ac_config mode ${what} on MoE blocks: OLMo-core raises "Wrapping MoE blocks for activation checkpointing is not supported."`,
      at,
    );
  if (mode === 'full') {
    if (moe) noMoe('full');
    else b.set('recompute', 'full', at);
  } else if (mode === 'selected_blocks') {
    const intervalArg = argOf(ac, 'block_interval', 1);
    const n = intervalArg ? s.int(intervalArg) : undefined;
    const layers = model?.nLayers;
    if (!intervalArg)
      violation(
        'recompute',
        'ac_config mode selected_blocks without block_interval: OLMo-core raises "\'block_interval\' is required".',
        at,
      );
    else if (moe) noMoe('selected_blocks');
    else if (!n || n < 1) b.invalid('recompute', s.argSource('ac_config.block_interval', intervalArg));
    else if (n === 1) b.set('recompute', 'full', s.argSource('ac_config.block_interval', intervalArg));
    else if (layers && layers % n === 0) {
      // Blocks 0, n, 2n, … are wrapped (ceil(L/n)); with n | L that is the L/n of 'every'.
      b.set('recompute', 'full', s.argSource('ac_config.block_interval', intervalArg));
      b.layout.recomputeMethod = 'every';
      b.layout.recomputeLayers = n;
    } else
      b.unmodelled(
        s.argSource('ac_config.block_interval', intervalArg),
        `block_interval ${n} ${layers ? `does not divide the ${layers} layers` : 'on a model whose layer count is unknown'} (blocks 0, n, 2n, … are checkpointed)`,
      );
  } else if (mode === 'selected_ops') {
    if (moe)
      b.unmodelled(
        at,
        "op-level selective checkpointing of MoE blocks (the grouped expert matmuls are not in the policy's mm count)",
      );
    else b.set('recompute', 'selective-op', at);
  } else if (mode === 'selected_modules')
    b.unmodelled(at, 'checkpointing selected modules (ac_config.modules) is not modelled');
  else if (mode === 'budget')
    b.unmodelled(at, 'compiler-chosen recomputation under an activation_memory_budget is not modelled');
  else b.unmodelled(at, 'not a TransformerActivationCheckpointingMode Scaling Lens can read');
}

/** Optimizer configs by class (allenai/OLMo-core@fa6c5014 src/olmo_core/optim). */
const OPTIMIZERS: Record<string, OptimizerId> = {
  // torch.optim.AdamW / Adam: exp_avg and exp_avg_sq zeros_like(param), fp32 FSDP2 shards.
  AdamWConfig: 'adamw',
  AdamConfig: 'adamw',
  // SkipStepAdamW: zeros_like(p, dtype=self.dtype), dtype default None (the parameter's).
  SkipStepAdamWConfig: 'adamw',
  // Lion / SkipStepLion: one exp_avg zeros_like(p).
  LionConfig: 'lion',
  SkipStepLionConfig: 'lion',
};

function readOptimizer(
  s: OlmoCoreScript,
  b: LayoutBuilder,
  optimArg: PyArg | undefined,
  callSource: FieldSource,
): void {
  if (!optimArg) {
    b.unmodelled(callSource, 'optim (a required field) is not given');
    return;
  }
  const at = s.argSource('optim', optimArg);
  const optim = s.configCall(optimArg);
  if (!optim || optim === 'none') {
    b.unmodelled(at, 'not an optimizer config Scaling Lens can read');
    return;
  }
  const cls = calleeClass(optim);
  const id = OPTIMIZERS[cls];
  if (!id) {
    const why = /Muon|Dion/.test(cls)
      ? `${cls}: one momentum for matrices but AdamW (two moments) for the embeddings, LM head and vectors (MuonConfig.default_group_overrides); the split is not modelled`
      : `${cls} is not an optimizer Scaling Lens models`;
    b.unmodelled(at, why);
    return;
  }
  if (cls === 'SkipStepAdamWConfig') {
    const dtypeArg = argOf(optim, 'dtype');
    const dtype = dtypeArg ? s.enumMember(dtypeArg, /^DType$/) : undefined;
    if (dtypeArg && s.valueText(dtypeArg) !== 'None' && dtype !== 'float32') {
      if (dtype === 'bfloat16') b.set('optimizer', 'adamw-bf16', s.argSource('optim.dtype', dtypeArg));
      else
        b.unmodelled(
          s.argSource('optim.dtype', dtypeArg),
          'optimizer states in a dtype other than float32 or bfloat16',
        );
      return;
    }
  }
  b.set('optimizer', id, at);
}

/** The global batch in tokens (build_config or a data loader's `global_batch_size=`), when one constant. */
function globalBatchTokens(s: OlmoCoreScript): { value: number; source: FieldSource } | undefined {
  const found: { value: number; source: FieldSource }[] = [];
  for (const a of s.script.keywordArgs('global_batch_size')) {
    const t = s.valueText(a);
    if (t === 'common.global_batch_size' || t === 'global_batch_size') continue;
    const value = s.int(a);
    if (!value || value < 1) return undefined;
    found.push({ value, source: s.argSource('global_batch_size', a) });
  }
  return found.length && new Set(found.map((f) => f.value)).size === 1 ? found[0] : undefined;
}

/**
 * OLMo-core's layout defaults (allenai/OLMo-core@fa6c5014): TransformerTrainModuleConfig leaves
 * ac_config None (no checkpointing); the model is built in float32 (TransformerConfig.dtype); the
 * LM head's default loss is `logits.float()` + F.cross_entropy (nn/functional/cross_entropy_loss.py);
 * attention is SDPA by default (fused); dropout 0. Sharding and precision are always read from the
 * file (dp_config), so the FSDP2 values here only stand in when a script gives none of them.
 */
export const olmoCoreLayoutDefaults: LayoutDefaults = {
  ...GENERIC_LAYOUT_DEFAULTS,
  sharding: 'zero3',
  recompute: 'none',
  precision: 'fsdp2-mixed' satisfies PrecisionRecipeId,
  optimizer: 'adamw',
  flashAttention: true,
  dropout: false,
  logitsBytesPerElement: 14,
  source:
    'allenai/OLMo-core@fa6c5014 train/train_module/transformer/config.py TransformerTrainModuleConfig (ac_config None), nn/transformer/model.py apply_fsdp (FSDP2 MixedPrecisionPolicy), nn/transformer/config.py dtype float32, nn/functional/cross_entropy_loss.py logits.float()',
};

/** The registry's layout hook for OLMo-core launch scripts (the reader passes its architecture). */
export const olmoCoreLayout: FrameworkLayout = {
  read: (text, { gpus, parsed }) => readOlmoCoreLayout(text, gpus, architectureOf(parsed), sharedOf(parsed)),
  defaults: olmoCoreLayoutDefaults,
  edits: (text, layout) => olmoCoreEdits(text, layout),
};

function architectureOf(parsed: unknown): Pick<ArchitectureSpec, 'nLayers' | 'moe'> | undefined {
  const arch = (parsed as { olmoCoreArchitecture?: ArchitectureSpec } | undefined)?.olmoCoreArchitecture;
  return arch && typeof arch.nLayers === 'number' ? arch : undefined;
}

/** The reader's PyScript and LineIndex of the same text (`ReadResult.parsed`), to scan it once. */
function sharedOf(parsed: unknown): ConstructorParameters<typeof OlmoCoreScript>[1] {
  const p = parsed as { script?: unknown; lines?: unknown } | undefined;
  return p?.script instanceof PyScript && p.lines instanceof LineIndex
    ? { script: p.script, lines: p.lines }
    : undefined;
}
