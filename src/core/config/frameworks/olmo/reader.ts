import type {
  ArchitectureSpec,
  MoeSpec,
  ReadContext,
  ReadResult,
  RunSpec,
  SourceRange,
} from '../../../types';
import type { FrameworkReader } from '../../reader';
import { olmoSchedule } from './schedule';
import { olmoLayout } from './layout';
import { neverThrowing } from '../../readerPolicy';
import { keysAt, parseYaml, topLevelKeys } from '../../yamlSource';
import { parseNumberLiteral } from '../../values';
import { SpecBuilder, formatInt, omegaConfResolver } from '../../specBuilder';
import { inventoryEntry, yamlWrittenKeys, type WrittenKey } from '../../inventory';
import { OLMO_INVENTORY } from './inventory';

/**
 * The OLMo trainer's YAML (allenai/OLMo `configs/official-*`, `configs/tiny`).
 *
 * N: `model:` fields with olmo/config.py ModelConfig defaults (include_bias true, weight_tying true,
 * LayerNorm with affine, learned positions unless rope/alibi). `mlp_hidden_size` (or
 * mlp_ratio × d_model) is the fused SwiGLU width, so the per-branch width is half; `embedding_size`
 * (padded) is what is allocated. OLMo-2 adds QK norms over the full q and k projections.
 * D: `max_duration` — bare number = steps, `…T` = tokens, `…ep` = epochs — capped by `stop_at`
 * steps; × global_train_batch_size × max_sequence_length. scheduler.t_max is not the run length.
 */

/** olmo/config.py ModelConfig defaults used when a key is absent. */
const MODEL_DEFAULTS = {
  mlp_ratio: 4,
  include_bias: true,
  weight_tying: true,
  layer_norm_with_affine: true,
  attention_layer_norm: false,
  attention_layer_norm_with_affine: true,
  layer_norm_type: 'default',
  block_type: 'sequential',
  activation_type: 'swiglu',
  max_sequence_length: 1024,
  vocab_size: 50257,
  embedding_size: 50304,
  alibi: false,
  rope: false,
} as const;

/** Activations and whether OLMo's MLP is gated (output_multiplier 0.5 halves the fused width). */
const ACTIVATIONS: Readonly<Record<string, { gated: boolean }>> = {
  swiglu: { gated: true },
  gelu: { gated: false },
  relu: { gated: false },
};

/**
 * block_type values: sequential and llama (olmo/model.py), moe (Muennighoff/MoE OLMoEBlock) and the
 * 2023 parallel block (one shared norm, fused projections with the same tensors' worth of biases).
 */
const BLOCK_TYPES = ['sequential', 'llama', 'moe', 'parallel'] as const;

/** Norm layers per block: attn_norm + ff_norm, or the parallel block's single norm. */
const NORMS_PER_BLOCK: Readonly<Record<(typeof BLOCK_TYPES)[number], number>> = {
  sequential: 2,
  llama: 2,
  moe: 2,
  parallel: 1,
};

/** LayerNormType values whose modules share LayerNormBase's weight/bias layout. */
const LAYER_NORM_TYPES = ['default', 'low_precision', 'rms', 'amd_compatible'];

/** Muennighoff/MoE olmo/config.py ModelConfig MoE defaults. */
const MOE_DEFAULTS = {
  moe_num_experts: 8,
  moe_top_k: 2,
  moe_dropless: true,
  moe_shared_expert: false,
} as const;

/** `max_duration` units (olmo/train.py Trainer.max_steps / max_tokens / max_epochs). */
const DURATION_UNITS: Readonly<Record<string, 'steps' | 'tokens' | 'epochs'>> = {
  '': 'steps',
  T: 'tokens',
  ep: 'epochs',
};

/** TrainConfig.global_train_batch_size default (olmo/config.py). */
const DEFAULT_GLOBAL_TRAIN_BATCH_SIZE = 512;

/** TrainConfig.max_duration default (olmo/config.py). */
const DEFAULT_MAX_DURATION_STEPS = 10000;

/** Keys only the OLMo ModelConfig has (llm-foundry's MPT uses d_model/n_heads too). */
const OLMO_MODEL_SIGNATURE = [
  'mlp_ratio',
  'mlp_hidden_size',
  'block_type',
  'layer_norm_type',
  'layer_norm_with_affine',
  'weight_tying',
  'embedding_size',
  'include_bias',
  'init_fn',
  'activation_type',
  'attention_layer_norm',
  'max_sequence_length',
];
const OLMO_TOP_SIGNATURE = [
  'run_name',
  'max_duration',
  'global_train_batch_size',
  'device_train_microbatch_size',
  'fsdp',
  'evaluators',
  'data',
  'tokenizer',
  'save_folder',
  'stop_at',
  'scheduler',
  'optimizer',
];

function detect(text: string): number {
  if (!/^model\s*:/m.test(text) || !/^\s+d_model\s*:/m.test(text) || !/^\s+n_layers\s*:/m.test(text))
    return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const model = keysAt(yaml, ['model']);
  if (!model.has('d_model') || !model.has('n_layers')) return 0;
  // llm-foundry names its model class; OLMo's ModelConfig has no `name`.
  if (model.has('name')) return 0;
  const modelSignature = OLMO_MODEL_SIGNATURE.filter((key) => model.has(key)).length;
  if (modelSignature === 0) return 0;
  const top = topLevelKeys(yaml);
  const topSignature = OLMO_TOP_SIGNATURE.filter((key) => top.has(key)).length;
  return Math.min(0.95, 0.5 + 0.05 * modelSignature + 0.03 * topSignature);
}

function read(text: string, context: ReadContext): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'olmo',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const b = new SpecBuilder('olmo', yaml);
  b.resolve = omegaConfResolver(yaml, b.spec.diagnostics);
  b.spec.modelName = b.string(['run_name'], { arch: 'modelName' })?.value;
  b.phase = 'architecture';
  const architecture = readArchitecture(b);
  if (architecture) b.spec.architecture = architecture;
  b.phase = 'training';
  readTraining(b, context);
  b.phase = 'other';
  b.spec.modelSectionRange = b.sectionRange(['model']);
  const written = yamlWrittenKeys(yaml);
  const spec = b.finish();
  rejectUnknownModelKeys(spec, written);
  return { kind: 'run-config', spec, written };
}

/**
 * OLMo's structured ModelConfig rejects fields it does not define, so a `model:` key the inventory
 * does not list comes from a fork whose meaning is unknown: N becomes unknown, naming the key.
 */
function rejectUnknownModelKeys(spec: RunSpec, written: readonly WrittenKey[]): void {
  const unknown = written.filter(
    // `<<` is a YAML merge key, not a field.
    (item) =>
      /^model\.[^.]+$/.test(item.key) &&
      !/^model\.(<<|Symbol\(<<\))$/.test(item.key) &&
      !inventoryEntry(OLMO_INVENTORY, item.key),
  );
  if (unknown.length === 0) return;
  for (const item of unknown.slice(0, 5)) {
    spec.diagnostics.push({
      severity: 'warning',
      code: 'not-modelled-key',
      message: `unknown: ${item.key} is not a field of OLMo's ModelConfig (allenai/OLMo main or the MoE branch); N not shown.`,
      range: item.source.keyRange,
    });
  }
  delete spec.architecture;
  spec.paramsMissing = [
    ...(spec.paramsMissing ?? []),
    ...unknown.slice(0, 5).map((u) => `a model of \`${u.key}\``),
  ];
}

function readArchitecture(b: SpecBuilder): ArchitectureSpec | undefined {
  const dModel = b.int(['model', 'd_model'], { arch: 'dModel' });
  const nHeads = b.int(['model', 'n_heads'], { arch: 'nHeads' });
  const nLayers = b.int(['model', 'n_layers'], { arch: 'nLayers' });
  if (!dModel || !nHeads || !nLayers) {
    b.diagnose(
      'warning',
      'missing-architecture',
      'model.d_model, model.n_heads and model.n_layers are needed to count parameters.',
    );
    return undefined;
  }
  const headDim = b.headDim(dModel, nHeads, ['d_model', 'n_heads']);
  if (headDim === undefined) return undefined;
  /** A configuration OLMo itself refuses (or one whose shapes are inconsistent): no count. */
  const refuse = (message: string, source?: { valueRange: SourceRange }) => {
    b.diagnose('error', 'invalid-value', message, source?.valueRange);
    return undefined;
  };

  const blockType = (
    b.oneOf(['model', 'block_type'], BLOCK_TYPES)?.value ?? MODEL_DEFAULTS.block_type
  ).toLowerCase() as (typeof BLOCK_TYPES)[number];

  // ModelConfig.effective_n_kv_heads: multi_query_attention (deprecated) and n_kv_heads must agree.
  const multiQuery = b.bool(['model', 'multi_query_attention']);
  const kvHeadsKey = b.int(['model', 'n_kv_heads'], { arch: 'nKvHeads' });
  let nKvHeads = kvHeadsKey?.value ?? (multiQuery?.value ? 1 : nHeads.value);
  if (kvHeadsKey && multiQuery && kvHeadsKey.value !== (multiQuery.value ? 1 : nHeads.value)) {
    return refuse(
      "You can't set `multi_query_attention` and `n_kv_heads` at the same time.",
      kvHeadsKey.source,
    );
  }
  if (nHeads.value % nKvHeads !== 0) {
    return refuse(`n_heads ${nHeads.value} is not a multiple of n_kv_heads ${nKvHeads}.`, kvHeadsKey?.source);
  }
  // OLMoLlamaBlock (and the 2023 parallel block) size k/v by multi_query_attention only.
  if (blockType === 'llama' || blockType === 'parallel') {
    const projected = multiQuery?.value ? 1 : nHeads.value;
    if (nKvHeads !== projected) {
      return refuse(
        `block_type ${blockType} projects k and v to ${projected === 1 ? 'one head' : 'd_model'} whatever n_kv_heads says; n_kv_heads ${nKvHeads} does not match.`,
        kvHeadsKey?.source,
      );
    }
    nKvHeads = projected;
  }

  const activationName = (
    b.oneOf(['model', 'activation_type'], Object.keys(ACTIVATIONS))?.value ?? MODEL_DEFAULTS.activation_type
  ).toLowerCase();
  const activation = ACTIVATIONS[activationName] ?? { gated: false };
  const hidden = b.int(['model', 'mlp_hidden_size'], { arch: 'ffnSize' });
  const ratio = hidden ? undefined : b.number(['model', 'mlp_ratio'], { arch: 'ffnSize' });
  // ModelConfig declares `mlp_ratio: int` (olmo/config.py@59a53e3f:270), so OmegaConf refuses 2.5;
  // flooring 2.5·d_model would count a model OLMo never builds.
  if (ratio && !Number.isInteger(ratio.value)) {
    return refuse(
      `mlp_ratio ${ratio.value} is not an integer (OLMo's ModelConfig declares it int).`,
      ratio.source,
    );
  }
  const fusedWidth = hidden?.value ?? Math.floor((ratio?.value ?? MODEL_DEFAULTS.mlp_ratio) * dModel.value);
  // The fused ff_proj holds both SwiGLU branches; ff_out reads half of it (SwiGLU.output_multiplier).
  const ffnSize = activation.gated ? Math.floor(fusedWidth / 2) : fusedWidth;
  if (activation.gated && fusedWidth % 2 !== 0) {
    return refuse(
      `The SwiGLU MLP width ${fusedWidth} must be even (OLMo asserts it).`,
      (hidden ?? ratio)?.source,
    );
  }
  if (activation.gated) b.assume(`fused SwiGLU width ${fusedWidth} → per-branch MLP width ${ffnSize}`);

  const includeBias = b.bool(['model', 'include_bias'])?.value ?? MODEL_DEFAULTS.include_bias;
  const affine = b.bool(['model', 'layer_norm_with_affine'])?.value ?? MODEL_DEFAULTS.layer_norm_with_affine;
  // LayerNormBase: bias_for_layer_norm, or include_bias when it is null.
  const normBias = b.bool(['model', 'bias_for_layer_norm'])?.value ?? includeBias;
  b.oneOf(['model', 'layer_norm_type'], LAYER_NORM_TYPES);
  if (!affine) b.assume('layer_norm_with_affine: false → LayerNorms have no parameters');
  const qkNormOn = b.bool(['model', 'attention_layer_norm'])?.value ?? MODEL_DEFAULTS.attention_layer_norm;
  // q_norm/k_norm pass elementwise_affine explicitly, so layer_norm_with_affine does not reach them.
  const qkAffine =
    b.bool(['model', 'attention_layer_norm_with_affine'])?.value ??
    MODEL_DEFAULTS.attention_layer_norm_with_affine;
  const embeddingNorm = b.bool(['model', 'embedding_layer_norm'])?.value ?? false;

  const tied =
    b.bool(['model', 'weight_tying'], { arch: 'tiedEmbeddings' })?.value ?? MODEL_DEFAULTS.weight_tying;
  const vocab = b.int(['model', 'vocab_size']);
  const vocabSize = vocab?.value ?? MODEL_DEFAULTS.vocab_size;
  // embedding_size defaults to 50304 (not to vocab_size); only an explicit null means vocab_size.
  const embeddingWritten = b.has(['model', 'embedding_size']);
  const embedding = b.int(['model', 'embedding_size'], { arch: 'vocabSize' });
  let rows: number;
  if (embedding) rows = embedding.value;
  else if (embeddingWritten) {
    rows = vocabSize;
    if (vocab) b.record(vocab.source, { arch: 'vocabSize' });
  } else {
    rows = MODEL_DEFAULTS.embedding_size;
    b.assume(`embedding_size absent: OLMo's default ${MODEL_DEFAULTS.embedding_size} embedding rows`);
  }
  if (rows < vocabSize) {
    return refuse(
      `embedding size ${rows} is smaller than vocab_size ${vocabSize} (OLMo refuses this).`,
      (embedding ?? vocab)?.source,
    );
  }
  if (rows !== vocabSize)
    b.assume(`embedding_size ${rows} (padded) is allocated, not vocab_size ${vocabSize}`);

  const ropeKey = b.bool(['model', 'rope']);
  const alibiKey = b.bool(['model', 'alibi']);
  const rope = ropeKey?.value ?? MODEL_DEFAULTS.rope;
  const alibi = alibiKey?.value ?? MODEL_DEFAULTS.alibi;
  // OLMo.__init__ (olmo/model.py@59a53e3f:1080-1081) raises before building anything.
  if (rope && alibi)
    return refuse('ALiBi and RoPE are mutually exclusive (OLMo refuses both).', alibiKey?.source);
  // OLMo.__init__ (olmo/model.py@59a53e3f:1095-1100): block groups must tile the layers.
  const groupSize = b.int(['model', 'block_group_size']);
  if (groupSize && (groupSize.value > nLayers.value || nLayers.value % groupSize.value !== 0)) {
    return refuse(
      `n_layers ${nLayers.value} must be divisible by block_group_size ${groupSize.value} (OLMo refuses this).`,
      groupSize.source,
    );
  }
  const maxSeq =
    b.int(['model', 'max_sequence_length'], { arch: 'maxPositions' })?.value ??
    MODEL_DEFAULTS.max_sequence_length;
  const learnedPositions = rope || alibi ? 0 : maxSeq;
  if (learnedPositions) b.assume(`neither rope nor alibi: learned position table with ${maxSeq} rows`);

  const architecture: ArchitectureSpec = {
    nLayers: nLayers.value,
    dModel: dModel.value,
    nHeads: nHeads.value,
    nKvHeads,
    headDim,
    ffnSize,
    gatedMlp: activation.gated,
    vocabSize: rows,
    tiedEmbeddings: tied,
    learnedPositions,
    qkvBias: includeBias,
    attnOutBias: includeBias,
    mlpBias: includeBias,
    // The untied ff_out is nn.Linear(d, embedding rows, bias=include_bias).
    lmHeadBias: !tied && includeBias,
    normsPerLayer: NORMS_PER_BLOCK[blockType],
    normWeight: affine,
    normBias: affine && normBias,
    finalNorm: true,
    // q_norm spans d_model and k_norm kv_heads·head_dim; without affine they hold no parameters.
    qkNorm: qkNormOn && qkAffine ? 'full' : 'none',
    qkNormBias: qkNormOn && qkAffine && normBias,
    ...(embeddingNorm ? { embeddingNorm: true } : {}),
  };
  if (blockType === 'moe') {
    const moe = readMoe(b, activationName, ffnSize, includeBias);
    if (!moe) return undefined;
    architecture.moe = moe;
  }
  return architecture;
}

/**
 * `block_type: moe` (allenai/OLMo branch Muennighoff/MoE, OLMoEBlock): the block has no ff_proj /
 * ff_out; megablocks builds the experts from config_to_moe_args — ffn_hidden_size = the per-branch
 * width, mlp_type glu for swiglu, bias = include_bias.
 * - dMoE (moe_dropless, default) uses SparseGLU/GroupedGLU (w1, v1, w2) for glu, else SparseMLP;
 *   the capacity MoE always uses the two-matrix mlp.MLP (w1, w2). Experts have no biases.
 * - Router: Linear(d, experts, bias=False). ParallelMLP.bias (d) exists when bias is set.
 * - moe_shared_expert: SharedGLU/SharedMLP of the same width with nn.Linear(bias=include_bias).
 */
function readMoe(
  b: SpecBuilder,
  activationName: string,
  ffnSize: number,
  includeBias: boolean,
): MoeSpec | undefined {
  const experts = b.int(['model', 'moe_num_experts'], { arch: 'nExperts' });
  const topK = b.int(['model', 'moe_top_k'], { arch: 'expertsPerToken' });
  const nExperts = experts?.value ?? MOE_DEFAULTS.moe_num_experts;
  const expertsPerToken = topK?.value ?? MOE_DEFAULTS.moe_top_k;
  if (expertsPerToken > nExperts) {
    b.diagnose(
      'error',
      'invalid-value',
      `moe_top_k ${expertsPerToken} is more than moe_num_experts ${nExperts}.`,
      topK?.source.valueRange,
    );
    return undefined;
  }
  b.oneOf(['model', 'moe_mlp_impl'], ['sparse', 'grouped']);
  const dropless = b.bool(['model', 'moe_dropless'])?.value ?? MOE_DEFAULTS.moe_dropless;
  const shared = b.bool(['model', 'moe_shared_expert'])?.value ?? MOE_DEFAULTS.moe_shared_expert;
  const glu = activationName.includes('glu');
  b.assume(
    `block_type moe: ${nExperts} megablocks ${dropless ? 'dMoE' : 'capacity-MoE'} experts of width ${ffnSize}, top-${expertsPerToken}`,
  );
  return {
    nExperts,
    expertsPerToken,
    expertFfnSize: ffnSize,
    expertGated: dropless && glu,
    expertBias: false,
    // The shared expert follows the dense MLP flags (gatedMlp = glu, mlpBias = include_bias).
    ...(shared ? { sharedExpertFfnSize: ffnSize } : {}),
    outputBias: includeBias,
    routerBias: false,
  };
}

/** Parse an OLMo `max_duration` value into amount and unit; undefined for an unknown unit. */
export function parseOlmoDuration(
  raw: unknown,
): { amount: number; unit: 'steps' | 'tokens' | 'epochs'; suffix: string } | undefined {
  if (typeof raw === 'number')
    return Number.isFinite(raw) ? { amount: raw, unit: 'steps', suffix: '' } : undefined;
  if (typeof raw !== 'string') return undefined;
  const match = /^\s*([0-9][0-9_]*\.?[0-9]*(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$/.exec(raw);
  if (!match) return undefined;
  const unit = DURATION_UNITS[match[2]];
  const amount = parseNumberLiteral(match[1]);
  if (!unit || amount === undefined) return undefined;
  // Trainer.max_steps (olmo/train.py) reads '…ep' with int(), so a fractional epoch count fails.
  if (unit === 'epochs' && !Number.isInteger(amount)) return undefined;
  return { amount, unit, suffix: match[2] };
}

function readTraining(b: SpecBuilder, context: ReadContext): void {
  const training = b.spec.training;
  const missing: string[] = [];
  const batch = b.int(['global_train_batch_size'], { training: 'globalBatch' });
  const seq = b.int(['model', 'max_sequence_length'], { training: 'seqLen' });
  const seqLen = seq?.value ?? MODEL_DEFAULTS.max_sequence_length;
  training.seqLen = seqLen;
  // TrainConfig.global_train_batch_size defaults to 512 (olmo/config.py); only an unresolvable
  // value leaves the batch unknown.
  const batchValue =
    batch?.value ?? (b.has(['global_train_batch_size']) ? undefined : DEFAULT_GLOBAL_TRAIN_BATCH_SIZE);
  if (!batch && batchValue) b.assume(`global_train_batch_size absent: OLMo's default ${batchValue}`);
  if (batchValue) {
    training.globalBatchSeqs = batchValue;
    training.tokensPerStep = batchValue * seqLen;
  } else missing.push('global batch size (global_train_batch_size)');
  const tokensPerStep = training.tokensPerStep;

  const durationKey = b.find(['max_duration'], { training: 'duration' });
  // Trainer.fit: stop_at = min(stop_at, global_step + stop_after); a fresh run starts at step 0.
  const stopAtKey = b.int(['stop_at'], { training: 'steps' });
  const stopAfterKey = b.int(['stop_after']);
  const stopAt =
    stopAtKey && stopAfterKey
      ? stopAfterKey.value < stopAtKey.value
        ? stopAfterKey
        : stopAtKey
      : (stopAtKey ?? stopAfterKey);
  const stopName = stopAt === stopAfterKey ? 'stop_after' : 'stop_at';
  let duration = durationKey ? parseOlmoDuration(durationKey.value) : undefined;
  if (durationKey && !duration) {
    b.diagnose(
      'warning',
      'unknown-unit',
      `max_duration \`${durationKey.source.raw}\` is not a step count, '…T' (tokens) or '…ep' (epochs).`,
      durationKey.source.valueRange,
    );
  }
  if (!durationKey && b.has(['max_duration'])) {
    missing.push('training length (max_duration could not be resolved)');
  } else if (!durationKey) {
    duration = { amount: DEFAULT_MAX_DURATION_STEPS, unit: 'steps', suffix: '' };
    b.assume(`max_duration absent: OLMo's default ${DEFAULT_MAX_DURATION_STEPS} steps`);
  }
  const quoted = durationKey ? /^["']/.test(durationKey.source.raw) : false;

  // Tokens the stop_at cap allows (it always counts optimizer steps).
  const capTokens = stopAt && tokensPerStep ? stopAt.value * tokensPerStep : undefined;
  let tokens: number | undefined;
  let formula = '';
  if (duration?.unit === 'steps') {
    training.durationUnit = {
      kind: 'steps',
      suffix: '',
      quoted,
      ...(tokensPerStep ? { tokensPerUnit: tokensPerStep } : {}),
    };
    training.steps = duration.amount;
    if (tokensPerStep) {
      tokens = duration.amount * tokensPerStep;
      formula = `${formatInt(duration.amount)} steps × ${batchValue!} seqs × ${seqLen} tokens`;
    }
  } else if (duration?.unit === 'tokens') {
    training.durationUnit = { kind: 'tokens', tokensPerUnit: 1, suffix: duration.suffix, quoted };
    tokens = duration.amount;
    formula = `max_duration ${durationKey?.source.raw} = ${formatInt(duration.amount)} tokens`;
    if (tokensPerStep) training.steps = Math.ceil(duration.amount / tokensPerStep);
  } else if (duration?.unit === 'epochs') {
    training.durationUnit = { kind: 'epochs', suffix: duration.suffix, quoted };
    const datasetTokens = context.options?.datasetTokens;
    if (datasetTokens && datasetTokens > 0) {
      tokens = duration.amount * datasetTokens;
      formula = `${duration.amount} epochs × ${formatInt(datasetTokens)} dataset tokens (from settings)`;
    } else {
      missing.push('dataset size');
      b.diagnose(
        'info',
        'missing-dataset-size',
        `max_duration is in epochs; the number of tokens per epoch is not in the file${capTokens ? ` (${stopName} caps the run at ${formatInt(capTokens)} tokens)` : ''}. Set the dataset size to compute D.`,
        durationKey?.source.keyRange,
      );
      formula = capTokens
        ? `at most ${stopName} ${formatInt(stopAt!.value)} steps × ${batchValue!} seqs × ${seqLen} tokens = ${formatInt(capTokens)}`
        : '';
    }
    const horizon = b.find(['scheduler', 't_max']);
    if (horizon) b.assume('scheduler.t_max is the LR schedule horizon, not the run length');
  }
  if (tokens !== undefined && capTokens !== undefined && capTokens < tokens) {
    formula = `${stopName} ${formatInt(stopAt!.value)} steps × ${batchValue!} seqs × ${seqLen} tokens (caps ${formula})`;
    tokens = capTokens;
    training.steps = stopAt!.value;
  }
  // Trainer.fit (olmo/train.py) breaks only at stop_at (max_steps + 10 when unset) or when the
  // ceil(max_steps / batches_per_epoch) epochs run out; D counts max_duration's steps.
  if (tokens !== undefined && duration?.unit !== 'epochs' && training.steps !== undefined) {
    const loopStop = stopAt ? stopAt.value : training.steps + 10;
    if (loopStop > training.steps)
      b.assume(
        `D counts max_duration's ${formatInt(training.steps)} steps; OLMo's training loop runs on to ${stopAt ? stopName : 'stop_at = max_steps + 10'} (${formatInt(loopStop)}) while the data lasts`,
      );
  }
  if (tokens !== undefined) training.tokens = tokens;
  if (formula) training.formula = formula;
  if (tokens === undefined && missing.length) training.missing = missing;
}

/** Reader for OLMo trainer YAML run configs. */
export const olmoReader: FrameworkReader<'olmo'> = neverThrowing({
  id: 'olmo',
  label: 'OLMo',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
  inventory: OLMO_INVENTORY,
  schedule: olmoSchedule,
  layout: olmoLayout,
});
