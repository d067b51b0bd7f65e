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
} from '../../../types';
import type { FrameworkReader } from '../../reader';
import { litgptSchedule } from './schedule';
import { litgptLayout } from './layout';
import { yamlWrittenKeys } from '../../inventory';
import { parseNumberLiteral } from '../../values';
import {
  neverThrowing,
  EXPECTED,
  UnusableValues,
  asBool,
  asIntAtLeast,
  asPositiveInt,
  epochsOverDataset,
  invalidValue,
  quoted,
  typeWritten,
  unknownWord,
} from '../../readerPolicy';
import {
  getNode,
  keysAt,
  lookup,
  pairSource,
  parseYaml,
  topLevelKeys,
  type YamlSource,
} from '../../yamlSource';
import { hfConfigToArchitecture } from '../hf-config/reader';
import { LITGPT_INVENTORY } from './inventory';
import {
  LIT_CONFIG_DEFAULTS,
  LIT_UNMODELLED_FIELDS,
  findLitModel,
  hfTiedEmbeddings,
  litConfigRefusal,
  litConfigToArchitecture,
  type LitConfig,
} from './models';
import { joinPath, parentDirs } from '../../paths';

/**
 * LitGPT `config_hub` reader: pretrain YAMLs (`model_name` or inline `model_config`, length in
 * `train.max_tokens`) and finetune YAMLs (`checkpoint_dir`, length in epochs over a dataset the file
 * does not size). Architectures come from LitGPT's model table (models.ts).
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

/**
 * Parameters a LoRA config trains (litgpt/lora.py): every adapted Linear(in, out) gains lora_A
 * (r × in) and lora_B (out × r); the fused qkv gains r·(number of enabled of q, k, v) × d and
 * (enabled widths) × r, the same sum. With lora_mlp a LLaMAMoE adapts its router and every
 * expert. Undefined where lora.py's modules differ from the base model (shared experts and
 * first-k dense layers of an MoE are not LoRA modules there).
 */
function loraTrainableParams(
  arch: ArchitectureSpec,
  rank: number,
  enabled: Record<string, boolean>,
): number | undefined {
  const d = arch.dModel;
  const qWidth = arch.nHeads * arch.headDim;
  const kvWidth = arch.nKvHeads * arch.headDim;
  let perLayer = 0;
  if (enabled.lora_query) perLayer += rank * (d + qWidth);
  if (enabled.lora_key) perLayer += rank * (d + kvWidth);
  if (enabled.lora_value) perLayer += rank * (d + kvWidth);
  if (enabled.lora_projection) perLayer += rank * (qWidth + d);
  if (enabled.lora_mlp) {
    const matrices = arch.gatedMlp ? 3 : 2;
    const moe = arch.moe;
    if (moe) {
      if (moe.sharedExpertFfnSize || (moe.moeLayers ?? arch.nLayers) !== arch.nLayers) return undefined;
      perLayer += rank * (d + moe.nExperts) + moe.nExperts * 3 * rank * (d + moe.expertFfnSize);
    } else {
      perLayer += matrices * rank * (d + arch.ffnSize);
    }
  }
  const head = enabled.lora_head ? rank * (d + arch.vocabSize) : 0;
  return arch.nLayers * perLayer + head;
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

/** Integer fields of litgpt.Config for which 0 is meaningful (none shared, no dense layers). */
const INLINE_COUNT_FIELDS = ['n_shared_expert', 'first_k_dense_replace', 'n_expert_groups'] as const;

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

/**
 * Every field of the `Config` dataclass (Lightning-AI/litgpt@26857050fe3ff627cd714fe92f5838f51a3d5efa
 * litgpt/config.py, `class Config` up to `__post_init__`).
 */
const LIT_CONFIG_FIELDS: ReadonlySet<string> = new Set(
  (
    'name hf_config block_size n_layer n_embd vocab_size padding_multiple padded_vocab_size ' +
    'norm_class_name norm_eps norm_qk norm_qk_type post_attention_norm post_mlp_norm parallel_residual ' +
    'shared_attention_norm n_head head_size n_query_groups attn_bias attention_scores_scalar ' +
    'sliding_window_size sliding_window_indices attention_logit_softcapping rope_base rotary_percentage ' +
    'rope_condense_ratio rope_adjustments rope_interleave intermediate_size moe_intermediate_size bias ' +
    'mlp_class_name gelu_approximate n_expert n_shared_expert n_expert_groups n_topk_groups ' +
    'n_topk_scores_per_group n_expert_per_token first_k_dense_replace routed_scaling_factor ' +
    'norm_topk_prob scale_embeddings lm_head_bias final_logit_softcapping norm_1 norm_2 ' +
    'latent_attention rope_local_base_freq rope_indices'
  ).split(' '),
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
    if (key === 'hf_config' && isMap(item.value)) {
      // {org, name}: names the HF checkpoint (its tying is looked up by it).
      const hf: Record<string, string> = {};
      for (const sub of item.value.items as Pair<Node, Node>[]) {
        if (isScalar(sub.key) && isScalar(sub.value) && typeof sub.value.value === 'string') {
          hf[String(sub.key.value)] = sub.value.value;
        }
      }
      if (hf.org && hf.name) config.hf_config = { org: hf.org, name: hf.name };
      continue;
    }
    if (!LIT_CONFIG_FIELDS.has(key)) {
      // Config is a dataclass: LitGPT's CLI (jsonargparse) and Config(**yaml) reject any other key, and
      // a fork that accepts it has its own Config, whose model the upstream fields do not describe.
      diagnostics.push({
        severity: 'warning',
        code: 'not-modelled-key',
        message: `unknown: model_config.${key}${file ? ` in ${file}` : ''} — not a field of litgpt.Config (Lightning-AI/litgpt@26857050 litgpt/config.py): LitGPT rejects it, and a fork's Config that takes it may build another model; N not shown.`,
        ...(file ? {} : { range: fieldSource.keyRange }),
      });
      valid = false;
      continue;
    }
    const value = isScalar(item.value) ? item.value.value : item.value ? item.value : undefined;
    // The one policy (../../readerPolicy.ts): absent → default, interpolation or wrong type → rejected.
    const typed = <T>(convert: (value: unknown) => T | undefined, expected: string): T | undefined => {
      const result = typeWritten(value, convert, expected, { ...fieldSource, key: `model_config.${key}` });
      if (result.kind === 'value') return result.value;
      if (result.kind === 'rejected') {
        diagnostics.push(result.diagnostic);
        valid = false;
      }
      return undefined;
    };
    if ((INLINE_INT_FIELDS as readonly string[]).includes(key)) {
      const number = typed(asPositiveInt, EXPECTED.positiveInt);
      if (number === undefined) continue;
      config[key] = number;
    } else if ((INLINE_COUNT_FIELDS as readonly string[]).includes(key)) {
      const number = typed((v) => asIntAtLeast(v, 0), EXPECTED.intAtLeast(0));
      if (number === undefined) continue;
      config[key] = number;
    } else if ((LIT_UNMODELLED_FIELDS as readonly string[]).includes(key)) {
      // Inline blocks are checked by the inventory; a model_config.yaml beside a checkpoint is not.
      if (file && value !== null && value !== undefined) {
        diagnostics.push({
          severity: 'warning',
          code: 'not-modelled-key',
          message: `unknown: ${key} in ${file} — Scaling Lens does not model LitGPT's multi-head latent attention; N not shown.`,
        });
        valid = false;
      }
      continue;
    } else if (INLINE_BOOL_FIELDS.has(key) && value !== null && value !== undefined) {
      // A wrong type here would otherwise be truthy and flip a bias or a norm on.
      const flag = typed(asBool, EXPECTED.bool);
      if (flag === undefined) continue;
      config[key] = flag;
    } else if (
      INLINE_ENUM_FIELDS[key] &&
      value !== null &&
      !INLINE_ENUM_FIELDS[key].includes(String(value))
    ) {
      // A name outside the set: unknown-value, as every reader reports an unknown word.
      diagnostics.push(
        unknownWord(`model_config.${key}`, String(value), INLINE_ENUM_FIELDS[key], fieldSource.valueRange),
      );
      valid = false;
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

/** What a finetune's `checkpoint_dir` resolved to. */
interface CheckpointModel {
  /** A LitGPT Config (model_config.yaml or a config.py row) with the checkpoint's tying. */
  config?: LitConfig;
  /** An architecture read from the checkpoint's HF config.json. */
  architecture?: ArchitectureSpec;
  tied?: boolean;
  modelName: string;
  assumption: string;
  /** The table was used (the fields point at checkpoint_dir). */
  fromTable?: boolean;
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
  const paramsMissing: string[] = [];
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
  let checkpointModel: CheckpointModel | undefined;
  let modelName: string | undefined;
  let modelSectionRange =
    modelConfigPair?.value && isMap(modelConfigPair.value)
      ? source.lines.range((modelConfigPair.key as Node).range![0], (modelConfigPair.value as Node).range![1])
      : undefined;
  const tableFields = ['nLayers', 'dModel', 'nHeads', 'nKvHeads', 'ffnSize', 'vocabSize'] as const;

  if (isMap(modelConfigPair?.value)) {
    // pretrain.py: model_config overrides model_name.
    config = readInlineConfig(source, ['model_config'], diagnostics, archSources, usedKeys);
    modelName =
      (config?.name as string | undefined) ??
      (typeof modelNameFound?.value === 'string' ? modelNameFound.value : undefined);
    assumptions.push('architecture from the inline model_config (litgpt.Config defaults for absent fields)');
    if (!config) paramsMissing.push('a usable model_config');
  } else if (modelNameFound) {
    const name = String(modelNameFound.value ?? '');
    modelName = name;
    modelSectionRange = modelNameFound.source.keyRange;
    archSources.modelName = modelNameFound.source;
    const row = findLitModel(name);
    if (row) {
      config = row;
      assumptions.push(`architecture of '${row.name}' from litgpt/config.py`);
      for (const field of tableFields) archSources[field] = modelNameFound.source;
    } else {
      paramsMissing.push(`the architecture of model_name '${name}'`);
      diagnostics.push({
        severity: 'warning',
        code: 'unknown-model',
        message: `model_name '${name}' is not in LitGPT's config.py (as of the table's commit); no parameter count.`,
        range: modelNameFound.source.valueRange,
      });
    }
  } else if (checkpointFound) {
    const checkpointDir = String(checkpointFound.value ?? '').replace(/[\\/]+$/, '');
    modelSectionRange = checkpointFound.source.keyRange;
    archSources.modelName = checkpointFound.source;
    checkpointModel = resolveCheckpoint(checkpointDir, context, diagnostics, archSources, usedKeys);
    if (checkpointModel) {
      modelName = checkpointModel.modelName;
      assumptions.push(checkpointModel.assumption);
      if (checkpointModel.fromTable)
        for (const field of tableFields) archSources[field] = checkpointFound.source;
    } else {
      paramsMissing.push(`the architecture of checkpoint_dir '${checkpointDir}'`);
    }
  }

  const tieFound = use<unknown>(['train', 'tie_embeddings']);
  let architecture: ArchitectureSpec | undefined;
  const tieUnusable =
    tieFound !== undefined && tieFound.value !== null && typeof tieFound.value !== 'boolean';
  if (tieUnusable) {
    diagnostics.push(
      invalidValue(
        'train.tie_embeddings',
        EXPECTED.bool,
        quoted(tieFound.source.raw),
        tieFound.source.valueRange,
      ),
    );
    paramsMissing.push('a usable train.tie_embeddings');
  } else if (checkpointModel) {
    // Finetunes count the checkpoint's own tensors (a tied HF head once); the finetune scripts
    // reject train.tie_embeddings.
    if (typeof tieFound?.value === 'boolean') {
      diagnostics.push({
        severity: 'warning',
        code: 'unsupported-key',
        message: 'LitGPT finetuning rejects train.tie_embeddings (finetune validate_args).',
        range: tieFound.source.keyRange,
      });
    }
    architecture =
      checkpointModel.architecture ??
      (checkpointModel.config
        ? buildArchitecture(checkpointModel.config, checkpointModel.tied ?? false, diagnostics, paramsMissing)
        : undefined);
  } else if (config) {
    // pretrain.py builds its own GPT: wte and lm_head are separate unless train.tie_embeddings
    // (setup() default TrainArgs(tie_embeddings=False)).
    let tied = false;
    if (typeof tieFound?.value === 'boolean') {
      tied = tieFound.value;
      archSources.tiedEmbeddings = tieFound.source;
    } else {
      assumptions.push('train.tie_embeddings not set: pretrain.py default false (separate lm_head)');
    }
    architecture = buildArchitecture(config, tied, diagnostics, paramsMissing);
  }

  // --- Training length -----------------------------------------------------------------------
  // Keys written with an unusable value: D must not fall back to a default (or block_size) for them.
  const unusable = new UnusableValues();
  const intAt = (path: string[], min = 1): { value: number; source: FieldSource } | undefined => {
    const found = use<unknown>(path);
    if (!found) return undefined;
    const typed = typeWritten(found.value, (v) => asIntAtLeast(v, min), EXPECTED.intAtLeast(min), {
      ...found.source,
      key: path.join('.'),
    });
    if (typed.kind === 'absent') return undefined;
    if (typed.kind === 'value') return { value: typed.value, source: found.source };
    diagnostics.push(typed.diagnostic);
    if (path[0] === 'train')
      unusable.note({ key: found.source.key, range: found.source.valueRange }, ['training']);
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

  const modelConfig = config ?? checkpointModel?.config;
  const blockSize = modelConfig ? (modelConfig.block_size ?? LIT_CONFIG_DEFAULTS.block_size) : undefined;
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

  // validate_args of pretrain.py / finetune/*.py raise ValueError for a length key the script does
  // not support (litgpt@26857050 pretrain.py validate_args `unsupported = [(train, ["epochs"]), …]`,
  // finetune/lora.py validate_args `unsupported = [(train, ["max_tokens", …])]`): no run, no D.
  const refusedLength = !isFinetune ? epochs : maxTokens;
  // pretrain.py (litgpt@26857050 l. 223) loads `initial_checkpoint_dir/lit_model.pth` into the model
  // it builds: a continued pretraining of a model that already saw other tokens, so D counts this run
  // only (like a finetune). With `resume` as well, validate_args raises "Can't provide both".
  const initialCheckpoint = !isFinetune ? use<unknown>(['initial_checkpoint_dir']) : undefined;
  const resumeFound = !isFinetune ? lookup<unknown>(source, ['resume']) : undefined;
  let refusedResume = false;
  if (initialCheckpoint && initialCheckpoint.value !== null && initialCheckpoint.value !== '') {
    const resumes = resumeFound !== undefined && resumeFound.value !== null && resumeFound.value !== false;
    if (resumes) {
      refusedResume = true;
      diagnostics.push({
        severity: 'error',
        code: 'unsupported-key',
        message:
          'unknown: resume with initial_checkpoint_dir — LitGPT pretrain.py validate_args raises ValueError ("Can\'t provide both `--resume` and `--initial_checkpoint_dir`"); the run does not start, so D is not shown.',
        range: resumeFound.source.keyRange,
      });
    } else {
      training.finetune = true;
      assumptions.push(
        'initial_checkpoint_dir: continued pretraining from those weights; D counts this run’s tokens only',
      );
    }
  }
  if (!isFinetune) {
    if (epochs) {
      diagnostics.push({
        severity: 'error',
        code: 'unsupported-key',
        message:
          'unknown: train.epochs — LitGPT pretrain.py validate_args raises ValueError for train.epochs (pretraining runs to train.max_tokens); the run does not start, so D is not shown.',
        range: epochs.source.keyRange,
      });
    }
    if (maxSteps) {
      // pretrain.py validate_args only warns about max_steps; the loop runs to max_tokens.
      trainingSources.steps = maxSteps.source;
      assumptions.push('train.max_steps is ignored by pretrain.py (it trains to train.max_tokens)');
    }
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
    } else if (!maxTokensFound) {
      // pretrain.py setup(): TrainArgs(max_tokens=int(3e12)) when the key is absent.
      training.tokens = 3e12;
      training.formula = 'train.max_tokens absent: LitGPT pretrain default 3,000,000,000,000 tokens';
      training.durationUnit = { kind: 'tokens', tokensPerUnit: 1, suffix: '' };
      assumptions.push('train.max_tokens not set: pretrain default 3e12 tokens');
    } else {
      missing.push('training length (train.max_tokens)');
      diagnostics.push({
        severity: 'warning',
        code: 'missing-duration',
        message:
          'Pretraining needs train.max_tokens (pretrain.py validate_args requires it; max_steps only warns); the run length is unknown.',
        range: maxTokensFound.source.keyRange,
      });
    }
  } else {
    if (maxTokens) {
      diagnostics.push({
        severity: 'warning',
        code: 'unsupported-key',
        message:
          'unknown: train.max_tokens — LitGPT finetuning rejects train.max_tokens (finetune validate_args raises ValueError); use epochs or max_steps. D is not shown.',
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
    const run = epochs ? epochsOverDataset(epochs.value, datasetTokens) : undefined;
    if (run) {
      training.tokens = upperBound !== undefined ? Math.min(run.tokens, upperBound) : run.tokens;
      training.formula =
        run.formula +
        (upperBound !== undefined ? `, capped by max_steps at ≤ ${fmt(upperBound)}` : '') +
        ` = ${fmt(training.tokens)} tokens`;
      assumptions.push(`dataset size ${fmt(datasetTokens!)} tokens from settings`);
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
  if (refusedLength) {
    delete training.tokens;
    delete training.formula;
    delete training.steps;
    missing.push(`unknown: train.${refusedLength.source.key} (the script's validate_args refuses it)`);
  }
  if (refusedResume) {
    delete training.tokens;
    delete training.formula;
    delete training.steps;
    missing.push("unknown: resume with initial_checkpoint_dir (pretrain.py's validate_args refuses both)");
  }
  if (missing.length) training.missing = missing;

  // LoRA: report what trains; the forward/backward still runs the full model (6·N·D uses N).
  let trainableParams: RunSpec['trainableParams'];
  let loraRank = intAt(['lora_r']);
  // finetune/lora.py setup(lora_r=8): a LoRA file that leaves the rank out trains rank 8.
  const loraAnchor = [...LORA_TARGETS.map(([key]) => key), 'lora_alpha', 'lora_dropout']
    .map((key) => lookup<unknown>(source, [key]))
    .find((found) => found !== undefined);
  if (!lookup<unknown>(source, ['lora_r']) && loraAnchor && checkpointFound) {
    loraRank = { value: 8, source: loraAnchor.source };
    assumptions.push('lora_r not set: finetune/lora.py default 8');
  }
  if (loraRank && architecture) {
    const enabled: Record<string, boolean> = {};
    for (const [key, fallback] of LORA_TARGETS) {
      const found = use<unknown>([key]);
      enabled[key] = typeof found?.value === 'boolean' ? found.value : fallback;
    }
    const quantize = use<unknown>(['quantize']);
    const trainable = loraTrainableParams(architecture, loraRank.value, enabled);
    const targets = LORA_TARGETS.filter(([key]) => enabled[key]).map(([key]) => key.replace('lora_', ''));
    const method = `${typeof quantize?.value === 'string' && quantize.value ? 'QLoRA' : 'LoRA'} r=${loraRank.value} on ${targets.join(', ') || 'nothing'}`;
    if (trainable !== undefined && Number.isSafeInteger(trainable)) {
      trainableParams = { count: trainable, method };
      assumptions.push(`${method}: ${fmt(trainable)} trainable parameters`);
    } else {
      diagnostics.push({
        severity: 'info',
        code: 'trainable-unknown',
        message:
          trainable === undefined
            ? `${method}: the trainable count is not computed for this MoE (litgpt/lora.py adapts only routed experts).`
            : `${method}: lora_r is too large to count the trainable parameters exactly.`,
        range: loraRank.source.keyRange,
      });
    }
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
  unusable.finish(spec, (diagnostic) => diagnostics.push(diagnostic));
  if (!architecture && paramsMissing.length) spec.paramsMissing = paramsMissing;
  if (trainableParams) spec.trainableParams = trainableParams;
  return { kind: 'run-config', spec, written: yamlWrittenKeys(source) };
}

/** Candidate paths of `<checkpoint_dir>/<file>`: absolute, or relative to the config's folders. */
function checkpointFiles(checkpointDir: string, file: string, context: ReadContext): string[] {
  if (!context.readFile || !checkpointDir) return [];
  return checkpointDir.startsWith('/')
    ? [joinPath(checkpointDir, file)]
    : parentDirs(context.path, 5).map((dir) => joinPath(dir, checkpointDir, file));
}

/**
 * The model a finetune's `checkpoint_dir` holds, as litgpt's Config.from_checkpoint finds it:
 * `model_config.yaml` in the directory (written by `litgpt download`), else the HF `config.json`
 * beside it, else the config.py row whose HF `org/name` (or LitGPT name) matches the path.
 */
function resolveCheckpoint(
  checkpointDir: string,
  context: ReadContext,
  diagnostics: CoreDiagnostic[],
  archSources: RunSpec['archSources'],
  usedKeys: FieldSource[],
): CheckpointModel | undefined {
  const hfJson = readJsonBeside(checkpointDir, context);
  const fromFile = readCheckpointConfig(checkpointDir, context, diagnostics, archSources, usedKeys);
  // A model_config.yaml that cannot be counted decides: LitGPT would build that model.
  if (fromFile === 'unusable') return undefined;
  const jsonTie =
    hfJson && typeof hfJson.json.tie_word_embeddings === 'boolean'
      ? hfJson.json.tie_word_embeddings
      : undefined;
  if (fromFile) {
    const hf = fromFile.config.hf_config as { org?: string; name?: string } | undefined;
    const hubId = hf?.org && hf.name ? `${hf.org}/${hf.name}` : undefined;
    const named = typeof fromFile.config.name === 'string' ? findLitModel(fromFile.config.name) : undefined;
    const tableId = hubId ?? (named ? `${named.hf_config.org}/${named.hf_config.name}` : undefined);
    const tie =
      jsonTie !== undefined
        ? { tied: jsonTie, source: `${hfJson!.path} tie_word_embeddings` }
        : tableId
          ? hfTiedEmbeddings(tableId)
          : undefined;
    if (!tie) return unknownTying(tableId ?? checkpointDir, diagnostics);
    return {
      config: fromFile.config,
      tied: tie.tied,
      modelName: (fromFile.config.name as string | undefined) ?? checkpointDir,
      assumption: `architecture from ${fromFile.path}${tie.tied ? '; the checkpoint ties wte and lm_head (counted once)' : ''}`,
    };
  }
  if (hfJson) {
    const architecture = hfConfigToArchitecture(hfJson.json);
    if (architecture) {
      return {
        architecture,
        modelName: checkpointDir,
        assumption: `architecture from ${hfJson.path} (the checkpoint's HF config.json)`,
      };
    }
    diagnostics.push({
      severity: 'info',
      code: 'unknown-model',
      message: `${hfJson.path} could not be counted exactly; trying LitGPT's model table.`,
    });
  }
  const segments = checkpointDir.split(/[\\/]/).filter(Boolean);
  const row = findLitModel(segments.slice(-2).join('/')) ?? findLitModel(segments[segments.length - 1] ?? '');
  if (!row) {
    diagnostics.push({
      severity: 'warning',
      code: 'unknown-model',
      message: `checkpoint_dir '${checkpointDir}' does not match a LitGPT config.py model (and no model_config.yaml or config.json was found beside it); no parameter count.`,
    });
    return undefined;
  }
  const hubId = `${row.hf_config.org}/${row.hf_config.name}`;
  const tie = hfTiedEmbeddings(hubId);
  if (!tie) return unknownTying(hubId, diagnostics);
  return {
    config: row,
    tied: tie.tied,
    modelName: hubId,
    fromTable: true,
    assumption:
      `architecture of '${row.name}' (hf ${hubId}) from litgpt/config.py, matched by checkpoint_dir` +
      (tie.tied ? '; the checkpoint ties wte and lm_head (counted once)' : ''),
  };
}

function unknownTying(hubId: string, diagnostics: CoreDiagnostic[]): undefined {
  diagnostics.push({
    severity: 'warning',
    code: 'unknown-model',
    message: `unknown: whether ${hubId} ties wte and lm_head (its config.json tie_word_embeddings) is not in Scaling Lens's table; N not shown. Put the checkpoint's config.json beside it.`,
  });
  return undefined;
}

/** `<checkpoint_dir>/config.json` parsed, when the workspace has it. */
function readJsonBeside(
  checkpointDir: string,
  context: ReadContext,
): { json: Record<string, unknown>; path: string } | undefined {
  for (const candidate of checkpointFiles(checkpointDir, 'config.json', context)) {
    const text = context.readFile!(candidate);
    if (text === undefined) continue;
    try {
      const json: unknown = JSON.parse(text);
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        return { json: json as Record<string, unknown>, path: candidate };
      }
    } catch {
      // Not JSON: ignore, as LitGPT would never read it.
    }
  }
  return undefined;
}

/** `<checkpoint_dir>/model_config.yaml` relative to the config's folder and its parents. */
function readCheckpointConfig(
  checkpointDir: string,
  context: ReadContext,
  diagnostics: CoreDiagnostic[],
  archSources: RunSpec['archSources'],
  usedKeys: FieldSource[],
): { config: LitConfig; path: string } | 'unusable' | undefined {
  for (const candidate of checkpointFiles(checkpointDir, 'model_config.yaml', context)) {
    const text = context.readFile!(candidate);
    if (text === undefined) continue;
    const yaml = parseYaml(text);
    if (!yaml) continue;
    const config = readInlineConfig(yaml, [], diagnostics, archSources, usedKeys, candidate);
    return config ? { config, path: candidate } : 'unusable';
  }
  return undefined;
}

/** The architecture LitGPT would build, or an error naming why LitGPT refuses the Config. */
function buildArchitecture(
  config: LitConfig,
  tied: boolean,
  diagnostics: CoreDiagnostic[],
  paramsMissing: string[],
): ArchitectureSpec | undefined {
  const refusal = litConfigRefusal(config);
  if (refusal === undefined) return litConfigToArchitecture(config, tied);
  diagnostics.push({
    severity: 'error',
    code: 'invalid-value',
    message: `LitGPT refuses this model config: ${refusal}; N not shown.`,
  });
  paramsMissing.push('a model config LitGPT can build');
  return undefined;
}

function fmt(value: number): string {
  return value.toLocaleString('en-US');
}

/** The LitGPT config_hub reader. */
export const litgptReader: FrameworkReader<'litgpt'> = neverThrowing({
  id: 'litgpt',
  label: 'LitGPT',
  detect,
  read,
  inventory: LITGPT_INVENTORY,
  schedule: litgptSchedule,
  layout: litgptLayout,
});
