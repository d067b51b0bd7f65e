import { isMap, isScalar, type Node, type Pair } from 'yaml';
import type {
  ArchField,
  ArchitectureSpec,
  CoreDiagnostic,
  FieldSource,
  ReadContext,
  ReadResult,
  RunSpec,
  TrainingSpec,
} from '../../types';
import type { FrameworkReader } from '../reader';
import { parseNumberLiteral } from '../values';
import { getNode, keysAt, lookup, pairSource, parseYaml, topLevelKeys, type YamlSource } from '../yamlSource';
import { LIT_CONFIG_DEFAULTS, findLitModel, type LitConfig } from './litgpt.models';

/**
 * LitGPT `config_hub` reader: pretrain YAMLs (`model_name` or inline `model_config`, length in
 * `train.max_tokens`) and finetune YAMLs (`checkpoint_dir`, length in epochs over a dataset the file
 * does not size). Architectures come from LitGPT's model table (litgpt.models.ts).
 */

/** Keys of LitGPT's `TrainArgs`; a `train:` block with several of them is LitGPT's. */
const TRAIN_ARGS = new Set([
  'save_interval',
  'log_interval',
  'global_batch_size',
  'micro_batch_size',
  'lr_warmup_steps',
  'lr_warmup_fraction',
  'epochs',
  'max_tokens',
  'max_steps',
  'max_seq_length',
  'tie_embeddings',
  'max_norm',
  'min_lr',
]);

/** LoRA switches and their LitGPT defaults (litgpt/finetune/lora.py setup()). */
const LORA_TARGETS = [
  ['lora_query', true],
  ['lora_key', false],
  ['lora_value', true],
  ['lora_projection', false],
  ['lora_mlp', false],
  ['lora_head', false],
] as const;

function detect(text: string, path: string | undefined): number {
  if (!/^(model_name|model_config|checkpoint_dir|initial_checkpoint_dir)\s*:/m.test(text)) return 0;
  if (!/^train\s*:/m.test(text)) return 0;
  const source = parseYaml(text);
  if (!source) return 0;
  const top = topLevelKeys(source);
  if (!top.has('model_name') && !top.has('model_config') && !top.has('checkpoint_dir')) return 0;
  let trainArgs = 0;
  for (const key of keysAt(source, ['train'])) if (TRAIN_ARGS.has(key)) trainArgs++;
  if (trainArgs < 2) return 0;
  let score = 0.85;
  if (top.has('out_dir') || top.has('precision')) score += 0.05;
  if (path && /\.ya?ml$/i.test(path)) score += 0.03;
  return score;
}

/** Numeric YAML value: YAML 1.1 reads `1e8` (no dot) as a string, so parse strings too. */
function numberOf(value: unknown): number | undefined {
  return parseNumberLiteral(value);
}

/** Join POSIX-ish paths without node:path (the core stays platform-free). */
function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/+/g, '/');
}

function parentDirs(path: string | undefined, levels: number): string[] {
  if (!path) return [];
  const dirs: string[] = [];
  let current = path.replace(/[\\/][^\\/]*$/, '');
  for (let i = 0; i < levels && current; i++) {
    dirs.push(current);
    const next = current.replace(/[\\/][^\\/]*$/, '');
    if (next === current) break;
    current = next;
  }
  return dirs;
}

/** Parameters a LoRA config trains (r·(in+out) per adapted matrix). */
function loraTrainableParams(arch: ArchitectureSpec, rank: number, enabled: Record<string, boolean>): number {
  const d = arch.dModel;
  const qWidth = arch.nHeads * arch.headDim;
  const kvWidth = arch.nKvHeads * arch.headDim;
  let perLayer = 0;
  if (enabled.lora_query) perLayer += rank * (d + qWidth);
  if (enabled.lora_key) perLayer += rank * (d + kvWidth);
  if (enabled.lora_value) perLayer += rank * (d + kvWidth);
  if (enabled.lora_projection) perLayer += rank * (qWidth + d);
  if (enabled.lora_mlp) perLayer += (arch.gatedMlp ? 3 : 2) * rank * (d + arch.ffnSize);
  const head = enabled.lora_head ? rank * (d + arch.vocabSize) : 0;
  return arch.nLayers * perLayer + head;
}

/**
 * Convert a LitGPT `Config` (table row or inline block) into an architecture, applying the
 * dataclass defaults and `__post_init__` derivations (head_size, padded vocab, query groups).
 */
export function litConfigToArchitecture(config: LitConfig, tiedEmbeddings: boolean): ArchitectureSpec {
  const c = { ...LIT_CONFIG_DEFAULTS, ...stripNulls(config) };
  const headDim = c.head_size ?? c.n_embd / c.n_head;
  const paddedVocab =
    c.padded_vocab_size ?? Math.ceil(c.vocab_size / c.padding_multiple) * c.padding_multiple;
  const gated = c.mlp_class_name !== 'GptNeoxMLP';
  const ffnSize = c.intermediate_size ?? 4 * c.n_embd;
  // Block: norm_1 (unless disabled), norm_2 unless the attention norm is shared (Phi, Falcon-7B),
  // plus Gemma-2/OLMo-2 post norms.
  const normsPerLayer =
    (c.norm_1 ? 1 : 0) +
    (!c.shared_attention_norm && c.norm_2 ? 1 : 0) +
    (c.post_attention_norm ? 1 : 0) +
    (c.post_mlp_norm ? 1 : 0);
  const architecture: ArchitectureSpec = {
    nLayers: c.n_layer,
    dModel: c.n_embd,
    nHeads: c.n_head,
    nKvHeads: c.n_query_groups ?? c.n_head,
    headDim,
    ffnSize,
    gatedMlp: gated,
    vocabSize: paddedVocab,
    tiedEmbeddings,
    learnedPositions: 0,
    // CausalSelfAttention: qkv Linear bias = bias or attn_bias; proj bias = bias.
    qkvBias: c.bias || c.attn_bias,
    attnOutBias: c.bias,
    mlpBias: c.bias,
    lmHeadBias: c.lm_head_bias,
    normsPerLayer,
    normWeight: true,
    normBias: c.norm_class_name === 'LayerNorm',
    finalNorm: true,
    qkNorm: c.norm_qk ? (c.norm_qk_type === 'olmo2' ? 'full' : 'head') : 'none',
    qkNormBias: c.norm_qk && c.norm_class_name === 'LayerNorm',
  };
  if (c.mlp_class_name === 'LLaMAMoE' && c.n_expert > 0) {
    architecture.moe = {
      nExperts: c.n_expert,
      expertsPerToken: c.n_expert_per_token,
      expertFfnSize: c.moe_intermediate_size ?? ffnSize,
    };
  }
  return architecture;
}

function stripNulls<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== null && v !== undefined),
  ) as Partial<T>;
}

/** Integer fields of an inline `model_config:` that we validate. */
const INLINE_INT_FIELDS = [
  'block_size',
  'n_layer',
  'n_embd',
  'n_head',
  'n_query_groups',
  'head_size',
  'vocab_size',
  'padding_multiple',
  'padded_vocab_size',
  'intermediate_size',
  'moe_intermediate_size',
  'n_expert',
  'n_expert_per_token',
] as const;

const INLINE_FIELD_TO_ARCH: Partial<Record<string, ArchField>> = {
  n_layer: 'nLayers',
  n_embd: 'dModel',
  n_head: 'nHeads',
  n_query_groups: 'nKvHeads',
  head_size: 'headDim',
  intermediate_size: 'ffnSize',
  padded_vocab_size: 'vocabSize',
  vocab_size: 'vocabSize',
  block_size: 'maxPositions',
  n_expert: 'nExperts',
  n_expert_per_token: 'expertsPerToken',
  name: 'modelName',
};

/** Fields of litgpt.Config whose value is a class name; anything else cannot be counted. */
const INLINE_ENUM_FIELDS: Record<string, readonly string[]> = {
  mlp_class_name: ['GptNeoxMLP', 'LLaMAMLP', 'GemmaMLP', 'LLaMAMoE'],
  norm_class_name: ['LayerNorm', 'RMSNorm'],
};

/** Boolean fields of litgpt.Config (their defaults are booleans). */
const INLINE_BOOL_FIELDS = new Set(
  Object.entries(LIT_CONFIG_DEFAULTS)
    .filter(([, value]) => typeof value === 'boolean')
    .map(([key]) => key),
);

/** Read an inline `model_config` mapping (or a model_config.yaml file) into a LitConfig. */
function readInlineConfig(
  source: YamlSource,
  path: readonly string[],
  diagnostics: CoreDiagnostic[],
  archSources: RunSpec['archSources'],
  usedKeys: FieldSource[],
  file?: string,
): LitConfig | undefined {
  const pair = path.length ? getNode(source, path) : undefined;
  const mapNode = path.length ? pair?.value : source.doc.contents;
  if (!isMap(mapNode)) return undefined;
  const config: Record<string, unknown> = {};
  let valid = true;
  for (const item of mapNode.items as Pair<Node, Node>[]) {
    if (!isScalar(item.key)) continue;
    const key = String(item.key.value);
    const fieldSource = pairSource(source, item, file);
    const value = isScalar(item.value) ? item.value.value : item.value ? item.value : undefined;
    const reject = (expected: string) => {
      diagnostics.push({
        severity: 'error',
        code: 'invalid-value',
        message: `model_config.${key} must be ${expected}; got \`${fieldSource.raw.slice(0, 60)}\`.`,
        range: fieldSource.valueRange,
      });
      valid = false;
    };
    if ((INLINE_INT_FIELDS as readonly string[]).includes(key)) {
      if (value === null || value === undefined) continue;
      const number = numberOf(value);
      if (number === undefined || !Number.isInteger(number) || number <= 0) {
        reject('a positive integer');
        continue;
      }
      config[key] = number;
    } else if (INLINE_BOOL_FIELDS.has(key) && value !== null && typeof value !== 'boolean') {
      // A wrong type here would otherwise be truthy and flip a bias or a norm on.
      reject('true or false');
      continue;
    } else if (
      INLINE_ENUM_FIELDS[key] &&
      value !== null &&
      !INLINE_ENUM_FIELDS[key].includes(String(value))
    ) {
      reject(`one of ${INLINE_ENUM_FIELDS[key].join(', ')}`);
      continue;
    } else if (typeof value === 'boolean' || typeof value === 'string') {
      config[key] = value;
    } else if (value === null) {
      config[key] = null;
    } else {
      continue;
    }
    usedKeys.push(fieldSource);
    const field = INLINE_FIELD_TO_ARCH[key];
    if (field && !archSources[field]) archSources[field] = fieldSource;
  }
  return valid ? (config as LitConfig) : undefined;
}

function read(text: string, context: ReadContext): ReadResult {
  const source = parseYaml(text);
  if (!source) {
    return {
      kind: 'unreadable',
      framework: 'litgpt',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'YAML could not be parsed.' }],
    };
  }
  const diagnostics: CoreDiagnostic[] = [...source.diagnostics];
  const assumptions: string[] = [];
  const usedKeys: FieldSource[] = [];
  const archSources: RunSpec['archSources'] = {};
  const trainingSources: RunSpec['trainingSources'] = {};
  const use = <T>(path: string[]) => {
    const found = lookup<T>(source, path);
    if (found) usedKeys.push(found.source);
    return found;
  };

  // --- Architecture ------------------------------------------------------------------------
  const modelConfigPair = getNode(source, ['model_config']);
  const modelNameFound = use<unknown>(['model_name']);
  const checkpointFound = use<unknown>(['checkpoint_dir']);
  const isFinetune = Boolean(checkpointFound) && !modelNameFound && !isMap(modelConfigPair?.value);
  let config: LitConfig | undefined;
  let modelName: string | undefined;
  let modelSectionRange =
    modelConfigPair?.value && isMap(modelConfigPair.value)
      ? source.lines.range((modelConfigPair.key as Node).range![0], (modelConfigPair.value as Node).range![1])
      : undefined;

  if (isMap(modelConfigPair?.value)) {
    config = readInlineConfig(source, ['model_config'], diagnostics, archSources, usedKeys);
    modelName =
      (config?.name as string | undefined) ??
      (typeof modelNameFound?.value === 'string' ? modelNameFound.value : undefined);
    assumptions.push('architecture from the inline model_config (litgpt.Config defaults for absent fields)');
  } else if (modelNameFound) {
    const name = String(modelNameFound.value ?? '');
    modelName = name;
    modelSectionRange = modelNameFound.source.keyRange;
    archSources.modelName = modelNameFound.source;
    const row = findLitModel(name);
    if (row) {
      config = row;
      assumptions.push(`architecture of '${row.name}' from litgpt/config.py`);
      for (const field of ['nLayers', 'dModel', 'nHeads', 'nKvHeads', 'ffnSize', 'vocabSize'] as const) {
        archSources[field] = modelNameFound.source;
      }
    } else {
      diagnostics.push({
        severity: 'warning',
        code: 'unknown-model',
        message: `model_name '${name}' is not in Scaling Lens's LitGPT model table; no parameter count.`,
        range: modelNameFound.source.valueRange,
      });
    }
  } else if (checkpointFound) {
    const checkpointDir = String(checkpointFound.value ?? '').replace(/[\\/]+$/, '');
    modelSectionRange = checkpointFound.source.keyRange;
    archSources.modelName = checkpointFound.source;
    // `litgpt download` writes model_config.yaml into the checkpoint; use it when reachable.
    const fromFile = readCheckpointConfig(checkpointDir, context, diagnostics, archSources, usedKeys);
    if (fromFile) {
      config = fromFile.config;
      modelName = fromFile.config.name ?? checkpointDir;
      assumptions.push(`architecture from ${fromFile.path}`);
    } else {
      // Otherwise map checkpoints/<org>/<name> to the table row whose hf_config matches.
      const segments = checkpointDir.split(/[\\/]/).filter(Boolean);
      const hubId = segments.slice(-2).join('/');
      const row = findLitModel(hubId) ?? findLitModel(segments[segments.length - 1] ?? '');
      if (row) {
        config = row;
        modelName = `${row.hf_config.org}/${row.hf_config.name}`;
        assumptions.push(
          `architecture of '${row.name}' (hf ${modelName}) from litgpt/config.py, matched by checkpoint_dir`,
        );
        for (const field of ['nLayers', 'dModel', 'nHeads', 'nKvHeads', 'ffnSize', 'vocabSize'] as const) {
          archSources[field] = checkpointFound.source;
        }
      } else {
        diagnostics.push({
          severity: 'warning',
          code: 'unknown-model',
          message: `checkpoint_dir '${checkpointDir}' does not match a known LitGPT model; no parameter count.`,
          range: checkpointFound.source.valueRange,
        });
      }
    }
  }

  const tieFound = use<unknown>(['train', 'tie_embeddings']);
  let architecture: ArchitectureSpec | undefined;
  const tieUnusable =
    tieFound !== undefined && tieFound.value !== null && typeof tieFound.value !== 'boolean';
  if (tieUnusable) {
    diagnostics.push({
      severity: 'error',
      code: 'invalid-value',
      message: `train.tie_embeddings must be true or false; got \`${tieFound.source.raw.slice(0, 60)}\`: parameters are not counted.`,
      range: tieFound.source.valueRange,
    });
  }
  if (config && !tieUnusable) {
    let tied = false;
    if (typeof tieFound?.value === 'boolean') {
      tied = tieFound.value;
      archSources.tiedEmbeddings = tieFound.source;
    } else if (config.hf_tied) {
      tied = true;
      assumptions.push(
        'HF checkpoint ties embeddings: counted once (LitGPT materializes a separate lm_head, +vocab×d in memory)',
      );
    }
    architecture = litConfigToArchitecture(config, tied);
  }

  // --- Training length -----------------------------------------------------------------------
  // Keys written with an unusable value: D must not fall back to a default (or block_size) for them.
  const unusableTraining: FieldSource[] = [];
  const intAt = (path: string[], min = 1): { value: number; source: FieldSource } | undefined => {
    const found = use<unknown>(path);
    if (!found || found.value === null || found.value === undefined) return undefined;
    const number = numberOf(found.value);
    if (number !== undefined && Number.isInteger(number) && number >= min)
      return { value: number, source: found.source };
    diagnostics.push({
      severity: 'error',
      code: 'invalid-value',
      message: `${path.join('.')} must be an integer ≥ ${min}; got \`${found.source.raw.slice(0, 60)}\`.`,
      range: found.source.valueRange,
    });
    if (path[0] === 'train') unusableTraining.push(found.source);
    return undefined;
  };
  const globalBatch = intAt(['train', 'global_batch_size']);
  const microBatch = intAt(['train', 'micro_batch_size']);
  const maxTokensFound = use<unknown>(['train', 'max_tokens']);
  const maxTokens = intAt(['train', 'max_tokens']);
  const maxSteps = intAt(['train', 'max_steps']);
  const epochs = intAt(['train', 'epochs']);
  const maxSeq = intAt(['train', 'max_seq_length']);
  const devices = use<unknown>(['devices']);
  const nodes = intAt(['num_nodes']);
  if (globalBatch) trainingSources.globalBatch = globalBatch.source;
  if (microBatch) trainingSources.microBatch = microBatch.source;
  if (maxSeq) trainingSources.seqLen = maxSeq.source;

  const blockSize = config ? (config.block_size ?? LIT_CONFIG_DEFAULTS.block_size) : undefined;
  const seqLen = maxSeq?.value ?? blockSize;
  if (!maxSeq && blockSize !== undefined) {
    assumptions.push(`train.max_seq_length not set: the model's block_size ${blockSize} is used`);
  }
  const training: TrainingSpec = { seqLen, finetune: isFinetune || undefined };
  const deviceCount = numberOf(devices?.value);
  if (deviceCount !== undefined && Number.isInteger(deviceCount) && deviceCount > 0) {
    training.gpus = deviceCount * (nodes?.value ?? 1);
    if (devices) trainingSources.gpus = devices.source;
  }
  if (globalBatch) {
    training.globalBatchSeqs = globalBatch.value;
    if (seqLen !== undefined) training.tokensPerStep = globalBatch.value * seqLen;
  }
  const missing: string[] = [];

  if (!isFinetune) {
    if (maxTokens) {
      // Nominal: LitGPT runs (max_tokens // world_size) // (micro_batch × seq) micro-steps per device.
      training.tokens = maxTokens.value;
      training.formula = `train.max_tokens = ${fmt(maxTokens.value)} tokens`;
      if (training.tokensPerStep) {
        training.steps = Math.floor(maxTokens.value / training.tokensPerStep);
        training.formula += ` (≈ ${fmt(training.steps)} steps of ${fmt(training.tokensPerStep)} tokens)`;
      }
      training.durationUnit = { kind: 'tokens', tokensPerUnit: 1, suffix: '' };
      trainingSources.duration = maxTokens.source;
      trainingSources.tokens = maxTokens.source;
    } else if (maxSteps && training.tokensPerStep) {
      training.steps = maxSteps.value;
      training.tokens = maxSteps.value * training.tokensPerStep;
      training.formula = `train.max_steps(${maxSteps.value}) × global_batch_size(${globalBatch!.value}) × seq(${seqLen}) = ${fmt(training.tokens)} tokens`;
      training.durationUnit = { kind: 'steps', tokensPerUnit: training.tokensPerStep, suffix: '' };
      trainingSources.duration = maxSteps.source;
      trainingSources.steps = maxSteps.source;
    } else if (!maxTokensFound) {
      // pretrain.py setup(): TrainArgs(max_tokens=int(3e12)) when the key is absent.
      training.tokens = 3e12;
      training.formula = 'train.max_tokens absent: LitGPT pretrain default 3,000,000,000,000 tokens';
      training.durationUnit = { kind: 'tokens', tokensPerUnit: 1, suffix: '' };
      assumptions.push('train.max_tokens not set: pretrain default 3e12 tokens');
    } else {
      missing.push('training length (train.max_tokens or train.max_steps)');
      diagnostics.push({
        severity: 'warning',
        code: 'missing-duration',
        message: 'Pretraining needs train.max_tokens (or train.max_steps); the run length is unknown.',
        range: maxTokensFound.source.keyRange,
      });
    }
  } else {
    if (maxTokens) {
      diagnostics.push({
        severity: 'warning',
        code: 'unsupported-key',
        message: 'LitGPT finetuning rejects train.max_tokens; use epochs or max_steps.',
        range: maxTokens.source.keyRange,
      });
    }
    const datasetTokens = context.options?.datasetTokens;
    const upperBound =
      maxSteps && training.tokensPerStep ? maxSteps.value * training.tokensPerStep : undefined;
    if (epochs) {
      trainingSources.duration = epochs.source;
      training.durationUnit = { kind: 'epochs', suffix: '' };
    } else if (maxSteps) {
      trainingSources.duration = maxSteps.source;
      training.durationUnit = { kind: 'steps', tokensPerUnit: training.tokensPerStep, suffix: '' };
    }
    if (maxSteps) {
      training.steps = maxSteps.value;
      trainingSources.steps = maxSteps.source;
    }
    if (datasetTokens !== undefined && epochs) {
      const epochTokens = epochs.value * datasetTokens;
      training.tokens = upperBound !== undefined ? Math.min(epochTokens, upperBound) : epochTokens;
      training.formula =
        `epochs(${epochs.value}) × dataset ${fmt(datasetTokens)} tokens (from settings)` +
        (upperBound !== undefined ? `, capped by max_steps at ≤ ${fmt(upperBound)}` : '') +
        ` = ${fmt(training.tokens)} tokens`;
      assumptions.push(`dataset size ${fmt(datasetTokens)} tokens from settings`);
    } else {
      missing.push('dataset size');
      const parts: string[] = [];
      if (epochs) parts.push(`epochs(${epochs.value}) × dataset tokens`);
      if (upperBound !== undefined) {
        parts.push(
          `at most max_steps(${maxSteps!.value}) × global_batch_size(${globalBatch!.value}) × max_seq_length(${seqLen}) = ${fmt(upperBound)} tokens (upper bound)`,
        );
      }
      training.formula = parts.length
        ? `finetune: ${parts.join('; ')}`
        : 'finetune: length depends on the dataset';
      diagnostics.push({
        severity: 'info',
        code: 'missing-dataset-size',
        message:
          'Finetuning tokens depend on the dataset size' +
          (upperBound !== undefined ? ` (upper bound ${fmt(upperBound)} tokens from max_steps)` : '') +
          '. Set the dataset size to compute D.',
        range: (epochs ?? maxSteps)?.source.keyRange,
      });
    }
  }
  if (missing.length) training.missing = missing;
  const [badTraining] = unusableTraining;
  if (badTraining && training.tokens !== undefined) {
    delete training.tokens;
    delete training.formula;
    training.missing = [`a usable \`${badTraining.key}\``];
    diagnostics.push({
      severity: 'warning',
      code: 'tokens-unknown',
      message: `Training tokens are not computed: \`${badTraining.key}\` is written but cannot be used.`,
      range: badTraining.valueRange,
    });
  }

  // LoRA: report what trains; the forward/backward still runs the full model (6·N·D uses N).
  const loraRank = intAt(['lora_r']);
  if (loraRank && architecture) {
    const enabled: Record<string, boolean> = {};
    for (const [key, fallback] of LORA_TARGETS) {
      const found = use<unknown>([key]);
      enabled[key] = typeof found?.value === 'boolean' ? found.value : fallback;
    }
    const trainable = loraTrainableParams(architecture, loraRank.value, enabled);
    const targets = LORA_TARGETS.filter(([key]) => enabled[key]).map(([key]) => key.replace('lora_', ''));
    assumptions.push(
      `LoRA r=${loraRank.value} on ${targets.join(', ')}: ${fmt(trainable)} trainable parameters`,
    );
  }

  const spec: RunSpec = {
    framework: 'litgpt',
    modelName,
    architecture,
    training,
    archSources,
    trainingSources,
    usedKeys,
    assumptions,
    diagnostics,
    modelSectionRange,
  };
  return { kind: 'run-config', spec };
}

/** Try `<checkpoint_dir>/model_config.yaml` relative to the config's folder and its parents. */
function readCheckpointConfig(
  checkpointDir: string,
  context: ReadContext,
  diagnostics: CoreDiagnostic[],
  archSources: RunSpec['archSources'],
  usedKeys: FieldSource[],
): { config: LitConfig; path: string } | undefined {
  if (!context.readFile || !checkpointDir) return undefined;
  const candidates = checkpointDir.startsWith('/')
    ? [joinPath(checkpointDir, 'model_config.yaml')]
    : parentDirs(context.path, 5).map((dir) => joinPath(dir, checkpointDir, 'model_config.yaml'));
  for (const candidate of candidates) {
    const text = context.readFile(candidate);
    if (text === undefined) continue;
    const yaml = parseYaml(text);
    if (!yaml) continue;
    const config = readInlineConfig(yaml, [], diagnostics, archSources, usedKeys, candidate);
    if (config) return { config, path: candidate };
  }
  return undefined;
}

function fmt(value: number): string {
  return value.toLocaleString('en-US');
}

/** The LitGPT config_hub reader. */
export const litgptReader: FrameworkReader = {
  id: 'litgpt',
  detect,
  read,
};
