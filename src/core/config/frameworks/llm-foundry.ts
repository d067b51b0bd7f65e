import type { ArchField, ArchitectureSpec, ReadContext, ReadResult } from '../../types';
import type { FrameworkReader } from '../reader';
import { keysAt, parseYaml, topLevelKeys, type YamlSource } from '../yamlSource';
import { parseNumberLiteral } from '../values';
import { SpecBuilder, formatInt, omegaConfResolver } from '../specBuilder';
import { HF_OVERRIDE_KEYS, findHfModel } from './llm-foundry.hf-models';

/**
 * MosaicML llm-foundry (Composer) training YAML: `scripts/train/yamls/pretrain/*.yaml` and mcli run
 * files that wrap the same config under `parameters:`. Values may be OmegaConf interpolations
 * (`${variables.max_seq_len}`, `${max_seq_len}` in mcli files), resolved within the file.
 *
 * N: `model.name: mpt_causal_lm` reads MPTConfig fields with configuration_mpt.py defaults
 * (biases, LayerNorm w+b, learned positions unless alibi/rope, tied); `hf_causal_lm` takes the
 * architecture of the named HF model, modified by `config_overrides`.
 * D: Composer `max_duration` (`ba` × global_train_batch_size × max_seq_len, `tok`, `sp` × seq,
 * `ep` × dataset size).
 */

/** MPTConfig defaults (llmfoundry/models/mpt/configuration_mpt.py). */
const MPT_DEFAULTS = {
  d_model: 2048,
  n_heads: 16,
  n_layers: 24,
  expansion_ratio: 4,
  max_seq_len: 2048,
  vocab_size: 50368,
  no_bias: false,
  learned_pos_emb: true,
  tie_word_embeddings: true,
  norm_type: 'low_precision_layernorm',
  attn_type: 'multihead_attention',
  kv_n_heads: 1,
  ffn_type: 'mptmlp',
} as const;

/** MPT norm classes (llmfoundry/layers_registry norms): which carry a bias. */
const MPT_NORMS: Readonly<Record<string, { bias: boolean }>> = {
  layernorm: { bias: true },
  low_precision_layernorm: { bias: true },
  rmsnorm: { bias: false },
  low_precision_rmsnorm: { bias: false },
  triton_rmsnorm: { bias: false },
};

/** MPT attention classes (llmfoundry/layers_registry attention_classes). */
const MPT_ATTN_TYPES = ['multihead_attention', 'multiquery_attention', 'grouped_query_attention'];

/** MPT FFN types: gated (GLU, 3 matrices) or MoE (megablocks). */
const MPT_FFN_TYPES: Readonly<Record<string, { gated: boolean; moe: boolean }>> = {
  mptmlp: { gated: false, moe: false },
  mptglu: { gated: true, moe: false },
  te_ln_mlp: { gated: false, moe: false },
  mb_moe: { gated: false, moe: true },
  mb_dmoe: { gated: false, moe: true },
};

/** Composer time-string units (composer/core/time.py TimeUnit). */
const COMPOSER_UNITS: Readonly<Record<string, 'steps' | 'tokens' | 'samples' | 'epochs' | 'fraction'>> = {
  ba: 'steps',
  tok: 'tokens',
  sp: 'samples',
  ep: 'epochs',
  dur: 'fraction',
};

/** Model classes llm-foundry registers; their presence identifies the file. */
const MODEL_NAMES = new Set(['mpt_causal_lm', 'hf_causal_lm', 'hf_t5', 'hf_prefix_lm']);

const TOP_SIGNATURE = [
  'max_duration',
  'global_train_batch_size',
  'device_train_microbatch_size',
  'fsdp_config',
  'train_loader',
  'eval_loader',
  'precision',
  'variables',
  'max_seq_len',
  'tokenizer',
  'algorithms',
  'callbacks',
];

/** The key path of the training config: `parameters` in mcli run files, else the document root. */
function configRoot(yaml: YamlSource): string[] {
  return keysAt(yaml, ['parameters']).has('model') ? ['parameters'] : [];
}

function detect(text: string): number {
  if (!/\bmodel\s*:/.test(text) || !/\bname\s*:/.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const root = configRoot(yaml);
  const model = keysAt(yaml, [...root, 'model']);
  if (!model.has('name')) return 0;
  const b = new SpecBuilder('llm-foundry', yaml, { root });
  const name = b.string(['model', 'name'])?.value;
  const top = root.length ? keysAt(yaml, root) : topLevelKeys(yaml);
  const signature = TOP_SIGNATURE.filter((key) => top.has(key)).length;
  if (name && MODEL_NAMES.has(name)) return Math.min(0.95, 0.75 + 0.03 * signature);
  // An unknown model class still looks like llm-foundry when Composer's training keys are there.
  return signature >= 4 ? 0.55 : 0;
}

function read(text: string, context: ReadContext): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'llm-foundry',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const root = configRoot(yaml);
  const b = new SpecBuilder('llm-foundry', yaml, { root });
  // mcli run files resolve `${x}` against `parameters:`; fall back to the document root.
  b.resolve = omegaConfResolver(yaml, b.spec.diagnostics, root.length ? [root, []] : [[]]);
  if (root.length) b.assume('mcli run file: the training config is the `parameters:` block');
  const name = b.string(['model', 'name'], { arch: 'modelName' });
  const seq = readSeqLen(b);
  let architecture: ArchitectureSpec | undefined;
  b.phase = 'architecture';
  if (name?.value === 'mpt_causal_lm') architecture = readMpt(b);
  else if (name?.value === 'hf_causal_lm') architecture = readHf(b, seq);
  else {
    b.diagnose(
      'warning',
      'unknown-model',
      `model.name \`${name?.value ?? '(missing)'}\` is not one Scaling Lens can count (mpt_causal_lm, hf_causal_lm).`,
      name?.source.valueRange,
    );
  }
  if (architecture) b.spec.architecture = architecture;
  b.phase = 'other';
  b.spec.modelName = b.string(['model', 'pretrained_model_name_or_path'])?.value ?? name?.value;
  b.phase = 'training';
  readTraining(b, context, seq);
  b.phase = 'other';
  b.spec.modelSectionRange = b.sectionRange(['model']);
  return { kind: 'run-config', spec: b.finish() };
}

/** Training sequence length: top-level max_seq_len, else the train loader's, else the model's. */
function readSeqLen(b: SpecBuilder): number | undefined {
  const seq =
    b.int(['max_seq_len'], { training: 'seqLen' }) ??
    b.int(['train_loader', 'dataset', 'max_seq_len'], { training: 'seqLen' }) ??
    b.int(['model', 'max_seq_len'], { training: 'seqLen' });
  return seq?.value;
}

function readMpt(b: SpecBuilder): ArchitectureSpec | undefined {
  const int = (key: string, fallback: number, arch?: ArchField) => {
    const found = b.int(['model', key], arch ? { arch } : {});
    if (!found) b.assume(`model.${key} absent: MPT default ${fallback}`);
    return found?.value ?? fallback;
  };
  const dModel = int('d_model', MPT_DEFAULTS.d_model, 'dModel');
  const nHeads = int('n_heads', MPT_DEFAULTS.n_heads, 'nHeads');
  const nLayers = int('n_layers', MPT_DEFAULTS.n_layers, 'nLayers');
  const vocabSize = int('vocab_size', MPT_DEFAULTS.vocab_size, 'vocabSize');
  const maxSeq = b.int(['model', 'max_seq_len'], { arch: 'maxPositions' })?.value ?? MPT_DEFAULTS.max_seq_len;
  const headDim = dModel / nHeads;
  if (!Number.isInteger(headDim)) {
    b.diagnose(
      'error',
      'invalid-value',
      `d_model ${dModel} is not divisible by n_heads ${nHeads}.`,
      b.spec.archSources.nHeads?.valueRange,
    );
    return undefined;
  }

  const attnType =
    b.oneOf(['model', 'attn_config', 'attn_type'], MPT_ATTN_TYPES)?.value ?? MPT_DEFAULTS.attn_type;
  const kvSetting =
    b.int(['model', 'attn_config', 'kv_n_heads'], { arch: 'nKvHeads' })?.value ?? MPT_DEFAULTS.kv_n_heads;
  const nKvHeads =
    attnType === 'multiquery_attention' ? 1 : attnType === 'grouped_query_attention' ? kvSetting : nHeads;
  const alibi = b.bool(['model', 'attn_config', 'alibi'])?.value ?? false;
  const rope = b.bool(['model', 'attn_config', 'rope'])?.value ?? false;
  const qkLn = b.bool(['model', 'attn_config', 'qk_ln'])?.value ?? false;

  const expansion =
    b.number(['model', 'expansion_ratio'], { arch: 'ffnSize' })?.value ?? MPT_DEFAULTS.expansion_ratio;
  const explicitFfn = b.int(['model', 'ffn_config', 'ffn_hidden_size'], { arch: 'ffnSize' });
  const ffnSize = explicitFfn?.value ?? Math.floor(dModel * expansion);
  const ffnTypeName =
    b.oneOf(['model', 'ffn_config', 'ffn_type'], Object.keys(MPT_FFN_TYPES))?.value ?? MPT_DEFAULTS.ffn_type;
  const ffnType = MPT_FFN_TYPES[ffnTypeName] ?? MPT_FFN_TYPES.mptmlp;
  const moeGated = (b.string(['model', 'ffn_config', 'mlp_type'])?.value ?? 'mlp') === 'glu';

  const noBias = b.bool(['model', 'no_bias'])?.value ?? MPT_DEFAULTS.no_bias;
  const normType = b.oneOf(['model', 'norm_type'], Object.keys(MPT_NORMS))?.value ?? MPT_DEFAULTS.norm_type;
  const norm = MPT_NORMS[normType] ?? MPT_NORMS.low_precision_layernorm;
  const tied =
    b.bool(['model', 'tie_word_embeddings'], { arch: 'tiedEmbeddings' })?.value ??
    MPT_DEFAULTS.tie_word_embeddings;
  // MPTConfig forces learned_pos_emb off when alibi or rope is on (configuration_mpt.py _validate_config).
  const learnedSetting = b.bool(['model', 'learned_pos_emb'])?.value ?? MPT_DEFAULTS.learned_pos_emb;
  const learned = learnedSetting && !alibi && !rope;
  if (learned)
    b.assume(`learned position table with max_seq_len ${maxSeq} rows (MPT learned_pos_emb default true)`);
  if (!b.spec.archSources.tiedEmbeddings) b.assume('tie_word_embeddings absent: MPT ties the head (default)');

  const architecture: ArchitectureSpec = {
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize,
    gatedMlp: ffnType.moe ? moeGated : ffnType.gated,
    vocabSize,
    tiedEmbeddings: tied,
    learnedPositions: learned ? maxSeq : 0,
    qkvBias: !noBias,
    attnOutBias: !noBias,
    mlpBias: !noBias && !ffnType.moe,
    normsPerLayer: 2,
    normWeight: true,
    // no_bias strips every bias parameter, norms included.
    normBias: norm.bias && !noBias,
    finalNorm: true,
    qkNorm: qkLn ? 'full' : 'none',
    qkNormBias: qkLn && norm.bias && !noBias,
  };
  if (ffnType.moe) {
    const nExperts = b.int(['model', 'ffn_config', 'moe_num_experts'], { arch: 'nExperts' })?.value ?? 1;
    const topK = b.int(['model', 'ffn_config', 'moe_top_k'], { arch: 'expertsPerToken' })?.value ?? 1;
    architecture.moe = { nExperts, expertsPerToken: topK, expertFfnSize: ffnSize };
  }
  return architecture;
}

function readHf(b: SpecBuilder, seq: number | undefined): ArchitectureSpec | undefined {
  const name = b.string(['model', 'pretrained_model_name_or_path'], { arch: 'modelName' });
  if (!name) {
    b.diagnose(
      'warning',
      'missing-architecture',
      'hf_causal_lm needs model.pretrained_model_name_or_path.',
      b.sectionRange(['model']),
    );
    return undefined;
  }
  const row = findHfModel(name.value);
  if (!row) {
    b.diagnose(
      'info',
      'unknown-model',
      `The architecture of \`${name.value}\` is not in Scaling Lens's table of HF models; open its config.json to count parameters.`,
      name.source.valueRange,
    );
    return undefined;
  }
  b.assume(`architecture of ${name.value} from ${row.source}`);
  const architecture: ArchitectureSpec = { ...row.architecture };
  const keys = HF_OVERRIDE_KEYS[row.modelType];
  let ffnOverridden = false;
  for (const [key, field] of Object.entries(keys)) {
    if (field === 'tiedEmbeddings') {
      const value = b.bool(['model', 'config_overrides', key], { arch: 'tiedEmbeddings' });
      if (value) architecture.tiedEmbeddings = value.value;
      continue;
    }
    const value = b.int(['model', 'config_overrides', key]);
    if (!value) continue;
    if (field === 'learnedPositions') {
      if (architecture.learnedPositions > 0) architecture.learnedPositions = value.value;
      b.record(value.source, { arch: 'maxPositions' });
      b.assume(`config_overrides.${key} = ${value.value} resizes the position table`);
    } else {
      (architecture[field] as number) = value.value;
      b.record(value.source, { arch: field as 'nLayers' });
      if (field === 'ffnSize') ffnOverridden = true;
    }
  }
  architecture.headDim = architecture.dModel / architecture.nHeads;
  if (row.modelType === 'gpt2') {
    architecture.nKvHeads = architecture.nHeads;
    // GPT-2's n_inner null means 4 × n_embd.
    if (!ffnOverridden) architecture.ffnSize = 4 * architecture.dModel;
  }
  if (seq && architecture.learnedPositions > 0 && seq > architecture.learnedPositions) {
    b.diagnose(
      'warning',
      'seq-exceeds-positions',
      `max_seq_len ${seq} exceeds the model's ${architecture.learnedPositions} positions.`,
      b.spec.trainingSources.seqLen?.valueRange,
    );
  }
  return architecture;
}

/** Parse a Composer time string; bare integers are epochs in Composer. */
export function parseComposerDuration(
  raw: unknown,
):
  | { amount: number; unit: 'steps' | 'tokens' | 'samples' | 'epochs' | 'fraction'; suffix: string }
  | undefined {
  if (typeof raw === 'number')
    return Number.isFinite(raw) ? { amount: raw, unit: 'epochs', suffix: '' } : undefined;
  if (typeof raw !== 'string') return undefined;
  const match = /^\s*([0-9][0-9_]*\.?[0-9]*(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*$/.exec(raw);
  if (!match) return undefined;
  const amount = parseNumberLiteral(match[1]);
  const unit = match[2] === '' ? 'epochs' : COMPOSER_UNITS[match[2]];
  if (amount === undefined || !unit) return undefined;
  return { amount, unit, suffix: match[2] };
}

function readTraining(b: SpecBuilder, context: ReadContext, seq: number | undefined): void {
  const training = b.spec.training;
  const missing: string[] = [];
  if (seq) training.seqLen = seq;
  else missing.push('sequence length (max_seq_len)');
  const batch = b.int(['global_train_batch_size'], { training: 'globalBatch' });
  if (batch) training.globalBatchSeqs = batch.value;
  const tokensPerStep = batch && seq ? batch.value * seq : undefined;
  if (tokensPerStep) training.tokensPerStep = tokensPerStep;

  const durationKey = b.find(['max_duration'], { training: 'duration' });
  if (!durationKey) {
    missing.push('training length (max_duration)');
    training.missing = missing;
    return;
  }
  const duration = parseComposerDuration(durationKey.value);
  const quoted = /^["']/.test(durationKey.source.raw);
  if (!duration || duration.unit === 'fraction') {
    b.diagnose(
      'warning',
      'unknown-unit',
      `max_duration \`${durationKey.source.raw}\` is not a Composer duration in ba, tok, sp or ep.`,
      durationKey.source.valueRange,
    );
    missing.push('training length');
    training.missing = missing;
    return;
  }
  let tokens: number | undefined;
  let formula = '';
  if (duration.unit === 'steps') {
    training.steps = duration.amount;
    training.durationUnit = {
      kind: 'steps',
      suffix: duration.suffix,
      quoted,
      ...(tokensPerStep ? { tokensPerUnit: tokensPerStep } : {}),
    };
    if (!batch) missing.push('global batch size (global_train_batch_size)');
    if (tokensPerStep) {
      tokens = duration.amount * tokensPerStep;
      formula = `${formatInt(duration.amount)} batches × ${batch!.value} seqs × ${seq} tokens`;
    }
  } else if (duration.unit === 'tokens') {
    training.durationUnit = { kind: 'tokens', tokensPerUnit: 1, suffix: duration.suffix, quoted };
    tokens = duration.amount;
    formula = `${formatInt(duration.amount)} tokens`;
    if (tokensPerStep) training.steps = Math.ceil(duration.amount / tokensPerStep);
  } else if (duration.unit === 'samples') {
    training.durationUnit = {
      kind: 'samples',
      suffix: duration.suffix,
      quoted,
      ...(seq ? { tokensPerUnit: seq } : {}),
    };
    if (seq) {
      tokens = duration.amount * seq;
      formula = `${formatInt(duration.amount)} samples × ${seq} tokens`;
    }
  } else {
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
        `max_duration is in epochs${duration.suffix ? '' : ' (a bare number means epochs in Composer)'}; set the dataset size in tokens to compute D.`,
        durationKey.source.keyRange,
      );
    }
  }
  if (tokens !== undefined) {
    training.tokens = tokens;
    training.formula = formula;
  } else if (missing.length) training.missing = missing;
}

/** Reader for llm-foundry (Composer) training YAML, including mcli `parameters:` run files. */
export const llmFoundryReader: FrameworkReader = {
  id: 'llm-foundry',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
};
