import type { ArchitectureSpec, ReadContext, ReadResult } from '../../types';
import type { FrameworkReader } from '../reader';
import { keysAt, parseYaml, topLevelKeys } from '../yamlSource';
import { parseNumberLiteral } from '../values';
import { SpecBuilder, formatInt, omegaConfResolver } from '../specBuilder';

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
  alibi: false,
  rope: false,
} as const;

/** Activations and whether OLMo's MLP is gated (output_multiplier 0.5 halves the fused width). */
const ACTIVATIONS: Readonly<Record<string, { gated: boolean }>> = {
  swiglu: { gated: true },
  gelu: { gated: false },
  relu: { gated: false },
};

/** Norm layers per block by block_type (olmo/model.py: sequential/llama have attn_norm + ff_norm). */
const NORMS_PER_BLOCK: Readonly<Record<string, number>> = { sequential: 2, llama: 2, parallel: 1 };

/** `max_duration` units (olmo/train.py Trainer.max_steps / max_tokens / max_epochs). */
const DURATION_UNITS: Readonly<Record<string, 'steps' | 'tokens' | 'epochs'>> = {
  '': 'steps',
  T: 'tokens',
  ep: 'epochs',
};

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
  return { kind: 'run-config', spec: b.finish() };
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
  const multiQuery = b.bool(['model', 'multi_query_attention'])?.value ?? false;
  const nKvHeads =
    b.int(['model', 'n_kv_heads'], { arch: 'nKvHeads' })?.value ?? (multiQuery ? 1 : nHeads.value);

  const activationName = (
    b.oneOf(['model', 'activation_type'], Object.keys(ACTIVATIONS))?.value ?? MODEL_DEFAULTS.activation_type
  ).toLowerCase();
  const activation = ACTIVATIONS[activationName] ?? { gated: false };
  const hidden = b.int(['model', 'mlp_hidden_size'], { arch: 'ffnSize' });
  const ratio = hidden ? undefined : b.number(['model', 'mlp_ratio'], { arch: 'ffnSize' });
  const fusedWidth = hidden?.value ?? Math.floor((ratio?.value ?? MODEL_DEFAULTS.mlp_ratio) * dModel.value);
  // The fused ff_proj holds both SwiGLU branches; ff_out reads half of it.
  const ffnSize = activation.gated ? Math.floor(fusedWidth / 2) : fusedWidth;
  if (activation.gated) b.assume(`fused SwiGLU width ${fusedWidth} → per-branch MLP width ${ffnSize}`);

  const includeBias = b.bool(['model', 'include_bias'])?.value ?? MODEL_DEFAULTS.include_bias;
  const affine = b.bool(['model', 'layer_norm_with_affine'])?.value ?? MODEL_DEFAULTS.layer_norm_with_affine;
  const normBias = b.bool(['model', 'bias_for_layer_norm'])?.value ?? includeBias;
  b.string(['model', 'layer_norm_type']); // default / rms / low_precision all share the weight/bias layout.
  if (!affine) b.assume('layer_norm_with_affine: false → LayerNorms have no parameters');
  const qkNormOn = b.bool(['model', 'attention_layer_norm'])?.value ?? MODEL_DEFAULTS.attention_layer_norm;
  const qkAffine =
    b.bool(['model', 'attention_layer_norm_with_affine'])?.value ??
    MODEL_DEFAULTS.attention_layer_norm_with_affine;
  const blockType = (b.string(['model', 'block_type'])?.value ?? MODEL_DEFAULTS.block_type).toLowerCase();

  const tied =
    b.bool(['model', 'weight_tying'], { arch: 'tiedEmbeddings' })?.value ?? MODEL_DEFAULTS.weight_tying;
  const vocab = b.int(['model', 'vocab_size']);
  const embedding = b.int(['model', 'embedding_size'], { arch: 'vocabSize' });
  if (!embedding && vocab) b.record(vocab.source, { arch: 'vocabSize' });
  const vocabSize = embedding?.value ?? vocab?.value ?? MODEL_DEFAULTS.vocab_size;
  if (embedding && vocab && embedding.value !== vocab.value) {
    b.assume(`embedding_size ${embedding.value} (padded) is allocated, not vocab_size ${vocab.value}`);
  }

  const rope = b.bool(['model', 'rope'])?.value ?? MODEL_DEFAULTS.rope;
  const alibi = b.bool(['model', 'alibi'])?.value ?? MODEL_DEFAULTS.alibi;
  const maxSeq =
    b.int(['model', 'max_sequence_length'], { arch: 'maxPositions' })?.value ??
    MODEL_DEFAULTS.max_sequence_length;
  const learnedPositions = rope || alibi ? 0 : maxSeq;
  if (learnedPositions) b.assume(`neither rope nor alibi: learned position table with ${maxSeq} rows`);

  return {
    nLayers: nLayers.value,
    dModel: dModel.value,
    nHeads: nHeads.value,
    nKvHeads,
    headDim,
    ffnSize,
    gatedMlp: activation.gated,
    vocabSize,
    tiedEmbeddings: tied,
    learnedPositions,
    qkvBias: includeBias,
    attnOutBias: includeBias,
    mlpBias: includeBias,
    // The untied ff_out is nn.Linear(d, vocab, bias=include_bias).
    lmHeadBias: !tied && includeBias,
    normsPerLayer: NORMS_PER_BLOCK[blockType] ?? 2,
    normWeight: affine,
    normBias: affine && normBias,
    finalNorm: true,
    // q_norm spans d_model and k_norm kv_heads·head_dim; without affine they hold no parameters.
    qkNorm: qkNormOn && qkAffine ? 'full' : 'none',
    qkNormBias: qkNormOn && qkAffine && normBias,
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
  return { amount, unit, suffix: match[2] };
}

function readTraining(b: SpecBuilder, context: ReadContext): void {
  const training = b.spec.training;
  const missing: string[] = [];
  const batch = b.int(['global_train_batch_size'], { training: 'globalBatch' });
  const seq = b.int(['model', 'max_sequence_length'], { training: 'seqLen' });
  const seqLen = seq?.value ?? MODEL_DEFAULTS.max_sequence_length;
  training.seqLen = seqLen;
  if (batch) {
    training.globalBatchSeqs = batch.value;
    training.tokensPerStep = batch.value * seqLen;
  } else missing.push('global batch size (global_train_batch_size)');
  const tokensPerStep = training.tokensPerStep;

  const durationKey = b.find(['max_duration'], { training: 'duration' });
  const stopAt = b.int(['stop_at'], { training: 'steps' });
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
      formula = `${formatInt(duration.amount)} steps × ${batch!.value} seqs × ${seqLen} tokens`;
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
        `max_duration is in epochs; the number of tokens per epoch is not in the file${capTokens ? ` (stop_at caps the run at ${formatInt(capTokens)} tokens)` : ''}. Set the dataset size to compute D.`,
        durationKey?.source.keyRange,
      );
      formula = capTokens
        ? `at most stop_at ${formatInt(stopAt!.value)} steps × ${batch!.value} seqs × ${seqLen} tokens = ${formatInt(capTokens)}`
        : '';
    }
    const horizon = b.find(['scheduler', 't_max']);
    if (horizon) b.assume('scheduler.t_max is the LR schedule horizon, not the run length');
  }
  if (tokens !== undefined && capTokens !== undefined && capTokens < tokens) {
    formula = `stop_at ${formatInt(stopAt!.value)} steps × ${batch!.value} seqs × ${seqLen} tokens (caps ${formula})`;
    tokens = capTokens;
    training.steps = stopAt!.value;
  }
  if (tokens !== undefined) training.tokens = tokens;
  if (formula) training.formula = formula;
  if (tokens === undefined && missing.length) training.missing = missing;
}

/** Reader for OLMo trainer YAML run configs. */
export const olmoReader: FrameworkReader = {
  id: 'olmo',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
};
