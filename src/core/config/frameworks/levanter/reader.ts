import { isMap, isSeq, type Node } from 'yaml';
import type { ArchitectureSpec, FieldSource, ReadContext, ReadResult } from '../../../types';
import type { FrameworkReader } from '../../reader';
import { levanterSchedule } from './schedule';
import { levanterEvaluationKey, levanterLayout } from './layout';
import { neverThrowing } from '../../readerPolicy';
import { inventoryEntry, yamlWrittenKeys } from '../../inventory';
import { findCheckpoint } from '../../tables/checkpoints';
import { findTokenizer } from '../../tables/tokenizers';
import { keysAt, lookup, nodeValue, parseYaml, topLevelKeys, type YamlSource } from '../../yamlSource';
import { parseNumberLiteral } from '../../values';
import { SpecBuilder, formatInt, nodeTag, resolveSiblingPath, type Sourced } from '../../specBuilder';
import {
  LEVANTER_DEFAULT_TOKENIZER,
  LEVANTER_MODEL_DEFAULTS,
  LEVANTER_TOKENIZER_SIZES,
  LEVANTER_TRAINER_DEFAULTS,
  type LevanterModelDefaults,
} from './tables';
import { LEVANTER_INVENTORY } from './inventory';

/**
 * Levanter (draccus) training YAML: `data:` (possibly `!include data/x.yaml`), `model:` selected by
 * `type:`, `trainer:`, `optimizer:`.
 *
 * N: model fields over the dataclass defaults of the type (tables in ./tables.ts), or the
 * HF config of the checkpoint with `initialize_from_hf` + `use_hf_model_config`; vocab is
 * len(tokenizer) of `data.tokenizer` (train_lm.py; rounded only when vocab is a tensor-parallel
 * axis, which is reported as unknown).
 * D: sum over steps of the train batch (an int or a `{start, value}` schedule) ×
 * `model.seq_len`, for `trainer.num_train_steps` steps (default 400,000).
 */

const TRAINER_SIGNATURE = [
  'num_train_steps',
  'train_batch_size',
  'mp',
  'tensor_parallel_axes',
  'fsdp_axis',
  'batch_axis',
  'tracker',
  'model_axis_size',
  'per_device_parallelism',
  'steps_per_eval',
  'checkpointer',
];

function detect(text: string): number {
  if (!/^model\s*:/m.test(text) || !/^trainer\s*:/m.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const top = topLevelKeys(yaml);
  if (!top.has('model') || !top.has('trainer')) return 0;
  const model = keysAt(yaml, ['model']);
  const trainer = keysAt(yaml, ['trainer']);
  const signature = TRAINER_SIGNATURE.filter((key) => trainer.has(key)).length;
  if (!model.has('type') && signature < 2) return 0;
  return Math.min(0.95, (model.has('type') ? 0.7 : 0.5) + 0.04 * signature + (top.has('data') ? 0.05 : 0));
}

function read(text: string, context: ReadContext): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'levanter',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const b = new SpecBuilder('levanter', yaml);
  const hasModel = b.has(['model']);
  const typeKey = b.string(['model', 'type'], { arch: 'modelName' });
  // A `type:` that is written but unusable must not become a default.
  const typeUnusable = !typeKey && b.has(['model', 'type']) && b.find(['model', 'type'])?.value != null;
  let typeName: string | undefined = typeKey?.value;
  // `model: mpt` (levanter's config/mpt_7b_continued.yaml before 2023-06-26): LmConfig is a draccus
  // choice registry, and decode_choice_class (dlwh/draccus@13dd58f draccus/parsers/decoding.py)
  // rejects anything but a mapping ("Expected a dict for a choice class"). Not the default model.
  const modelFound = hasModel ? lookup(yaml, ['model']) : undefined;
  const modelScalar =
    modelFound !== undefined &&
    modelFound.value !== null &&
    modelFound.value !== undefined &&
    !isMap(modelFound.node) &&
    nodeTag(modelFound.node) !== '!include';
  if (modelScalar) {
    b.diagnose(
      'warning',
      'unknown-model',
      `unknown: \`model: ${String(modelFound!.value).slice(0, 40)}\` is not a mapping — Levanter's model config is a draccus choice registry that needs \`type:\` and the fields under \`model:\` (draccus decode_choice_class rejects a bare name), so N is not shown.`,
      modelFound!.source.valueRange,
    );
  } else if (!typeKey && !typeUnusable) {
    if (hasModel && keysAt(yaml, ['model']).size > 0) {
      // LmConfig is a draccus registry without a default choice: the type must be named.
      b.diagnose(
        'warning',
        'unknown-model',
        'unknown: `model` has no `type:`; Levanter needs it to pick the model config, so N is not shown.',
        b.sectionRange(['model']),
      );
    } else {
      // TrainLmConfig.model defaults to LlamaConfig (train_lm.py).
      typeName = 'llama';
      b.assume("model section absent: TrainLmConfig's default LlamaConfig");
    }
  }
  const defaults = typeName ? LEVANTER_MODEL_DEFAULTS[typeName] : undefined;
  b.spec.modelName = typeName ?? 'levanter';
  let seqLen: number | undefined;
  // levanter/main/sft.py SFTConfig: top-level tokenizer, model_name_or_path and max_seq_len.
  const top = topLevelKeys(yaml);
  const sftEntry = sftEntryOf(top);
  const sft = sftEntry !== undefined;
  if (sftEntry) b.assume(`supervised fine-tuning config (${sftEntry.source})`);
  const hf = readHfModelConfig(b, defaults, sftEntry);
  if (typeName && !defaults) {
    b.diagnose(
      'warning',
      'unknown-model',
      `Levanter model type \`${typeName}\` is not one Scaling Lens knows (${Object.keys(LEVANTER_MODEL_DEFAULTS).join(', ')}).`,
      typeKey?.source.valueRange,
    );
  }
  if (hf) {
    // use_hf_model_config replaces the whole model section (train_lm.py), seq_len included; sft.py
    // takes the HF config and sets seq_len = max_seq_len.
    const vocab = readVocab(b, context, sftEntry);
    if (hf !== 'unknown' && vocab !== undefined) {
      b.phase = 'architecture';
      const architecture = hfArchitecture(b, hf.defaults, hf, vocab);
      if (architecture) b.spec.architecture = architecture;
    }
    if (hf !== 'unknown') b.spec.modelName = hf.id;
    if (sft) {
      const max = b.int(['max_seq_len'], { training: 'seqLen' });
      seqLen = max?.value ?? SFT_DEFAULT_MAX_SEQ_LEN;
      if (!max) b.assume(`max_seq_len absent: ${sftEntry!.config} default ${SFT_DEFAULT_MAX_SEQ_LEN}`);
    }
  } else if (!defaults) {
    seqLen = b.int(['model', 'seq_len'], { training: 'seqLen' })?.value;
  } else {
    const seq = b.int(['model', 'seq_len'], { arch: 'maxPositions', training: 'seqLen' });
    seqLen = seq?.value ?? defaults.seq_len;
    if (!seq) b.assume(`model.seq_len absent: ${defaults.source} default ${defaults.seq_len}`);
    const fieldsOk = checkModelFields(b, typeName!, defaults);
    const vocab = readVocab(b, context, sftEntry);
    if (vocab !== undefined && fieldsOk) {
      b.phase = 'architecture';
      const architecture = readArchitecture(b, defaults, seqLen, vocab);
      if (architecture) b.spec.architecture = architecture;
    }
  }
  b.phase = 'training';
  readTraining(b, seqLen, hf && hf !== 'unknown' ? hf.id : undefined);
  if (sftEntry && !hf && !levanterEvaluationKey(top)) readSftWithoutInitialization(b, sftEntry, top);
  const init = b.find(['initialize_from_hf'])?.value;
  if (init !== undefined && init !== null && init !== false && init !== '') b.spec.training.finetune = true;
  readEvaluationEntry(b, top);
  b.phase = 'other';
  b.spec.modelSectionRange = b.sectionRange(['model']);
  return { kind: 'run-config', spec: b.finish(), written: yamlWrittenKeys(yaml) };
}

/**
 * A file for an evaluation entry point trains nothing: no D (the TrainerConfig defaults it carries
 * are not a run). With `checkpoint_is_hf: true` or `hf_checkpoint`, the model is the HF
 * checkpoint's (eval_harness.py `converter.load_pretrained(model_type, ref=checkpoint_path)`; the
 * model section only picks the converter), so the model section's count is not its N.
 */
function readEvaluationEntry(b: SpecBuilder, top: Set<string>): void {
  const key = levanterEvaluationKey(top);
  if (!key) return;
  const source = b.find([key])?.source;
  delete b.spec.training.tokens;
  delete b.spec.training.formula;
  b.spec.training.missing = [`no training: \`${key}\` makes this a Levanter evaluation/inference config`];
  b.diagnose(
    'info',
    'no-training',
    `\`${key}\`: this file configures one of Levanter's evaluation, sampling or export entry points (eval_harness.py, main/eval_lm.py, sample_lm.py, viz_logprobs.py), which train nothing: no tokens, FLOPs or loss are shown.`,
    source?.keyRange,
  );
  const hfFlag = b.find(['checkpoint_is_hf'])?.value;
  const hfCheckpoint = b.find(['hf_checkpoint'])?.value;
  const fromHf =
    hfFlag === true || (hfCheckpoint !== undefined && hfCheckpoint !== null && hfCheckpoint !== '');
  if (fromHf && b.spec.architecture) {
    delete b.spec.architecture;
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'the HF config of the evaluated checkpoint'];
    const at = b.find([hfFlag === true ? 'checkpoint_is_hf' : 'hf_checkpoint'])?.source;
    b.diagnose(
      'warning',
      'architecture-unknown',
      'unknown: the evaluated model is the HF checkpoint (its own config.json sets the shape; the model section only picks the converter), so N is not shown.',
      at?.keyRange,
    );
  }
}

/**
 * Top-level keys of levanter/main/sft.py's SFTConfig and sft_mixture.py's SFTMixtureConfig that
 * TrainLmConfig does not have.
 */
const SFT_KEYS = [
  'model_name_or_path',
  'supervised_data',
  'chat_train_urls',
  'max_seq_len',
  'messages_field',
  'tokenizer',
];
/** Top-level keys only SFTMixtureConfig (levanter/main/sft_mixture.py) has. */
const SFT_MIXTURE_KEYS = ['mixture_weights', 'mixture_block_size', 'stop_strategy'];
/** max_seq_len default of both SFTConfig and SFTMixtureConfig. */
const SFT_DEFAULT_MAX_SEQ_LEN = 2048;

/** The supervised fine-tuning entry point a file configures, with its dataclass defaults. */
interface SftEntry {
  config: 'SFTConfig' | 'SFTMixtureConfig';
  source: string;
  defaultModel: string;
  defaultTokenizer: string;
}

/**
 * stanford-crfm/levanter@9263f81e: sft.py SFTConfig defaults model_name_or_path and tokenizer to
 * NousResearch/Llama-2-7b-hf; sft_mixture.py SFTMixtureConfig (the entry point of a file with
 * mixture_weights) to marin-community/marin-8b-base.
 */
function sftEntryOf(top: ReadonlySet<string>): SftEntry | undefined {
  // Neither has a `data` field; TrainLmConfig does, and from levanter@43268e0e (2024-09) it also had
  // `supervised_data` (validation sets) — a file with both is a train_lm config whose vocab is
  // data.tokenizer's (bltnynk/levanter config/gpt2_small_fast_eval.yaml).
  if (top.has('data')) return undefined;
  if (SFT_MIXTURE_KEYS.some((key) => top.has(key)))
    return {
      config: 'SFTMixtureConfig',
      source: 'levanter/main/sft_mixture.py SFTMixtureConfig',
      defaultModel: 'marin-community/marin-8b-base',
      defaultTokenizer: 'marin-community/marin-8b-base',
    };
  if (SFT_KEYS.some((key) => top.has(key)))
    return {
      config: 'SFTConfig',
      source: 'levanter/main/sft.py SFTConfig',
      defaultModel: 'NousResearch/Llama-2-7b-hf',
      defaultTokenizer: 'NousResearch/Llama-2-7b-hf',
    };
  return undefined;
}

/**
 * sft.py / sft_mixture.py train(): without `initialize_from_hf` the run needs
 * `trainer.initialize_from` ("Must specify either --initialize_from_hf or --initialize_from", a
 * ValueError), and the model section is the model. A file with SFT data (`supervised_data`,
 * `chat_train_urls`) is taken to get it on the command line (an assumption); one with neither data
 * nor initialization — only a top-level `tokenizer` beside model and trainer, which TrainLmConfig
 * rejects — is no training run as written (levanter's config/convert_llama3_1b.yaml, for
 * export_hf_to_lm.py): no D. The model section's N stays.
 */
function readSftWithoutInitialization(b: SpecBuilder, entry: SftEntry, top: ReadonlySet<string>): void {
  const from = b.find(['trainer', 'initialize_from'])?.value;
  if (typeof from === 'string' && from.trim() !== '') return;
  if (top.has('supervised_data') || top.has('chat_train_urls')) {
    b.assume(
      `neither initialize_from_hf nor trainer.initialize_from: ${entry.config} needs one (given on the command line); the model section is the model`,
    );
    return;
  }
  const training = b.spec.training;
  delete training.tokens;
  delete training.formula;
  training.missing = [
    ...(training.missing ?? []),
    'a training entry point: `initialize_from_hf` or `trainer.initialize_from`',
  ];
  b.diagnose(
    'warning',
    'no-training',
    `unknown: this file has ${entry.config}'s top-level keys but neither \`initialize_from_hf\` nor \`trainer.initialize_from\` — ${entry.config === 'SFTConfig' ? 'sft.py' : 'sft_mixture.py'} raises without one and train_lm.py rejects those keys, so it may configure an export or sampling entry point; no tokens are shown.`,
    b.sectionRange(['trainer']),
  );
}

/** A checkpoint whose HF config replaces the model section. */
interface HfModel {
  id: string;
  architecture: ArchitectureSpec;
  source: FieldSource;
  /** The Levanter model config that converts it. */
  defaults: LevanterModelDefaults;
}

/**
 * `initialize_from_hf` + `use_hf_model_config: true` (train_lm.py): the model config becomes
 * `converter.config_from_hf_config(converter.default_hf_config)` of the named checkpoint (or of the
 * type's reference checkpoint for `initialize_from_hf: true`). Undefined when the file does not do
 * this; 'unknown' (diagnosed) when the checkpoint's shape is not known.
 */
function readHfModelConfig(
  b: SpecBuilder,
  defaults: LevanterModelDefaults | undefined,
  sft: SftEntry | undefined,
): HfModel | 'unknown' | undefined {
  if (sft) return readSftHfModel(b, sft);
  const use = b.bool(['use_hf_model_config']);
  // Written but not a boolean (diagnosed by bool()): either reading of the model could be wrong.
  if (!use && b.has(['use_hf_model_config'])) {
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'a usable `use_hf_model_config`'];
    return 'unknown';
  }
  if (!use?.value) return undefined;
  const init = b.find(['initialize_from_hf']);
  const initValue = init?.value;
  if (!init || initValue === false || initValue === null || initValue === '') {
    b.diagnose(
      'info',
      'ignored-key',
      '`use_hf_model_config` only applies with `initialize_from_hf` (train_lm.py); the model section is used.',
      use.source.keyRange,
    );
    return undefined;
  }
  const unknown = (message: string, source: FieldSource): 'unknown' => {
    b.diagnose('warning', 'architecture-unknown', `unknown: ${message}; N is not shown.`, source.valueRange);
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'the HF config of the checkpoint'];
    return 'unknown';
  };
  if (!defaults)
    return unknown('the model type is not known, so its HF conversion is not either', init.source);
  let name: string | undefined;
  let source = init.source;
  if (typeof initValue === 'string') name = initValue.trim();
  else if (initValue === true) {
    const reference = defaults.referenceField ? b.string(['model', 'reference_checkpoint']) : undefined;
    name = reference?.value ?? defaults.reference_checkpoint;
    if (reference) source = reference.source;
    else b.assume(`initialize_from_hf: true loads ${name} (${defaults.dataclass}.hf_checkpoint_converter)`);
  }
  if (!name) return unknown('`initialize_from_hf` should be a checkpoint name or true', init.source);
  const row = findCheckpoint(name);
  if (!row) {
    return unknown(
      `use_hf_model_config takes the model from the HF config of \`${name.slice(0, 60)}\`, which is not in Scaling Lens's checkpoint table`,
      source,
    );
  }
  if (!defaults.hfModelTypes.includes(row.modelType)) {
    return unknown(
      `\`${name.slice(0, 60)}\` is a ${row.modelType} checkpoint, which ${defaults.dataclass}.from_hf_config does not convert`,
      source,
    );
  }
  for (const key of keysAt(b.yaml, ['model'])) {
    if (key === 'type' || inventoryEntry(LEVANTER_INVENTORY, `model.${key}`)?.status !== 'modelled') continue;
    const pair = lookup(b.yaml, ['model', key]);
    if (pair) {
      b.diagnose(
        'info',
        'ignored-key',
        `model.${key} is ignored: use_hf_model_config replaces the model section by the HF config of ${row.id}.`,
        pair.source.keyRange,
      );
    }
  }
  b.record(source, { arch: 'modelName' });
  b.assume(`use_hf_model_config: architecture of ${row.id} (${row.source})`);
  return { id: row.id, architecture: row.architecture, source, defaults };
}

/**
 * sft.py: with `initialize_from_hf`, the model config is HFCheckpointConverter.from_hf(
 * model_name_or_path) (or the checkpoint `initialize_from_hf` names)'s default_config, whatever the
 * model section says; the config class follows the HF model_type.
 */
function readSftHfModel(b: SpecBuilder, entry: SftEntry): HfModel | 'unknown' | undefined {
  const init = b.find(['initialize_from_hf']);
  const initValue = init?.value;
  if (!init || initValue === false || initValue === null || initValue === '') return undefined;
  const nameKey = b.string(['model_name_or_path']);
  // Written but unusable (an unresolved interpolation): the SFTConfig default would be another model.
  if (!nameKey && typeof initValue !== 'string' && b.has(['model_name_or_path'])) {
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'a usable `model_name_or_path`'];
    return 'unknown';
  }
  const name = typeof initValue === 'string' ? initValue.trim() : (nameKey?.value ?? entry.defaultModel);
  const source = typeof initValue === 'string' ? init.source : (nameKey?.source ?? init.source);
  if (!nameKey && typeof initValue !== 'string')
    b.assume(`model_name_or_path absent: ${entry.config} default ${entry.defaultModel}`);
  const unknown = (message: string): 'unknown' => {
    b.diagnose('warning', 'architecture-unknown', `unknown: ${message}; N is not shown.`, source.valueRange);
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'the HF config of the checkpoint'];
    return 'unknown';
  };
  const row = findCheckpoint(name);
  if (!row)
    return unknown(
      `the model is the HF config of \`${name.slice(0, 60)}\`, which is not in Scaling Lens's checkpoint table`,
    );
  const defaults = Object.values(LEVANTER_MODEL_DEFAULTS).find((d) => d.hfModelTypes.includes(row.modelType));
  if (!defaults)
    return unknown(
      `\`${name.slice(0, 60)}\` is a ${row.modelType} checkpoint, which no Levanter model config Scaling Lens knows converts`,
    );
  b.record(source, { arch: 'modelName' });
  b.assume(`initialize_from_hf: architecture of ${row.id} (${row.source})`);
  return { id: row.id, architecture: row.architecture, source, defaults };
}

/** The architecture Levanter builds from an HF config, or undefined (diagnosed) when it would differ. */
function hfArchitecture(
  b: SpecBuilder,
  defaults: LevanterModelDefaults,
  hf: HfModel,
  vocabSize: number,
): ArchitectureSpec | undefined {
  const arch = hf.architecture;
  const problems: string[] = [];
  // Only Qwen3Config.from_hf_config carries head_dim over; every other converter leaves it None (or
  // its attention_config drops it), so the Levanter heads are hidden_dim / num_heads wide.
  if (!defaults.hfHeadDim && arch.headDim * arch.nHeads !== arch.dModel)
    problems.push(`head_dim ${arch.headDim} × ${arch.nHeads} heads ≠ hidden ${arch.dModel}`);
  if (defaults.family !== 'gpt2' && (arch.qkvBias || arch.mlpBias) && !defaults.qwenBias)
    problems.push('biases the Levanter conversion does not carry');
  if (defaults.alwaysUntied && arch.tiedEmbeddings)
    problems.push('a tied head (MistralLMHeadModel is untied)');
  if (arch.moe && !defaults.n_routed_experts) problems.push('experts');
  if (arch.mla || arch.encoderDecoder) problems.push('an attention or stack Levanter does not build');
  if (problems.length) {
    b.diagnose(
      'warning',
      'architecture-unknown',
      `unknown: ${hf.id} has ${problems.join(', ')}; Levanter's ${defaults.dataclass} would build something else, so N is not shown.`,
      hf.source.valueRange,
    );
    return undefined;
  }
  return { ...arch, vocabSize };
}

/** Fields each type's dataclass has (beyond the shared ones), for keys that change N. */
const TYPE_FIELDS: Readonly<Record<LevanterModelDefaults['family'], readonly string[]>> = {
  gpt2: ['mlp_scale'],
  llama: [
    'intermediate_dim',
    'num_kv_heads',
    'head_dim',
    'use_layer_norm_weight',
    'tie_word_embeddings',
    'hybrid_norm',
    'input_embedding_norm',
    'reference_checkpoint',
  ],
  gemma: ['intermediate_dim', 'num_kv_heads', 'head_dim', 'tie_word_embeddings', 'input_embedding_norm'],
};
const SHARED_FIELDS = ['type', 'seq_len', 'hidden_dim', 'num_layers', 'num_heads', 'use_bias'];

/**
 * Every written `model.*` key must be a field of the type's dataclass that Scaling Lens models (or
 * one that cannot change N). Returns false (diagnosed, N unknown) otherwise: draccus rejects
 * unknown fields, and a field of another type means the file is not what we would count.
 */
function checkModelFields(b: SpecBuilder, typeName: string, defaults: LevanterModelDefaults): boolean {
  let ok = true;
  const fields = new Set([...SHARED_FIELDS, ...TYPE_FIELDS[defaults.family]]);
  if (typeName === 'mixtral') {
    for (const key of ['n_routed_experts', 'num_experts_per_tok', 'n_shared_experts']) fields.add(key);
    fields.delete('hybrid_norm');
  }
  if (typeName === 'olmo2') {
    for (const key of ['attention_bias']) fields.add(key);
    for (const key of ['head_dim', 'hybrid_norm', 'input_embedding_norm']) fields.delete(key);
  }
  // QwenDecoderLayer (qwen.py) has no post-attention/post-MLP norms: hybrid_norm would be ignored.
  if (typeName === 'qwen') fields.delete('hybrid_norm');
  if (typeName === 'gemma2' || typeName === 'gemma3') fields.add('use_qk_norm');
  for (const key of keysAt(b.yaml, ['model'])) {
    const entry = inventoryEntry(LEVANTER_INVENTORY, `model.${key}`);
    if (entry && entry.status !== 'modelled') continue;
    if (entry && fields.has(key)) continue;
    const located = lookup(b.yaml, ['model', key]);
    // An ignored field at its default value is harmless.
    if (entry && located && (located.value === false || located.value === null)) continue;
    b.diagnose(
      'warning',
      'not-modelled-key',
      entry
        ? `unknown: model.${key} — Scaling Lens does not model \`${key}\` for ${defaults.dataclass}, so N is not shown.`
        : `unknown: model.${key} — not a field of ${defaults.dataclass} that Scaling Lens knows; N is not shown.`,
      located?.source.keyRange,
    );
    ok = false;
  }
  if (!ok)
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'a model of the model fields named above'];
  return ok;
}

/** The tokenizer name from `data.tokenizer`, following `data: !include file.yaml`. */
function readTokenizer(b: SpecBuilder, context: ReadContext): Sourced<string> | undefined {
  const data = b.find(['data']);
  if (data && nodeTag(data.node) === '!include' && typeof data.value === 'string') {
    const includePath = resolveSiblingPath(context.path, data.value.trim());
    const included = context.readFile?.(includePath);
    const includedYaml = included !== undefined ? parseYaml(included) : undefined;
    if (!includedYaml) {
      b.diagnose(
        'warning',
        'include-unreadable',
        `Cannot read the included data config \`${data.value}\`; the tokenizer (and so the vocab) is unknown.`,
        data.source.valueRange,
      );
      return undefined;
    }
    const found = lookup(includedYaml, ['tokenizer']);
    if (!found || typeof found.value !== 'string') return undefined;
    const source: FieldSource = { ...found.source, file: includePath };
    b.record(source, { arch: 'vocabSize' });
    b.assume(`data config from !include ${data.value}`);
    return { value: found.value, source };
  }
  if (data && data.value !== null && typeof data.value !== 'object') {
    // `data: some/path.yaml` without !include: the tokenizer is elsewhere, not Levanter's default.
    b.diagnose(
      'warning',
      'include-unreadable',
      `\`data\` is \`${data.source.raw.slice(0, 60)}\`, not a mapping or an !include; the tokenizer (and so the vocab) is unknown.`,
      data.source.valueRange,
    );
    return undefined;
  }
  return b.string(['data', 'tokenizer'], { arch: 'vocabSize' });
}

function readVocab(b: SpecBuilder, context: ReadContext, sft?: SftEntry): number | undefined {
  // sft.py / sft_mixture.py load the top-level `tokenizer` (their own defaults), not data.tokenizer.
  const tokenizer = sft ? b.string(['tokenizer'], { arch: 'vocabSize' }) : readTokenizer(b, context);
  const unreadableInclude = b.spec.diagnostics.some((d) => d.code === 'include-unreadable');
  if (!tokenizer && unreadableInclude) return undefined;
  const fallback = sft ? sft.defaultTokenizer : LEVANTER_DEFAULT_TOKENIZER;
  const name = tokenizer?.value ?? fallback;
  if (!tokenizer)
    b.assume(
      sft
        ? `tokenizer absent: ${sft.config} default ${fallback}`
        : `data.tokenizer absent: Levanter's default tokenizer ${fallback}`,
    );
  const own = LEVANTER_TOKENIZER_SIZES.find((entry) => entry.pattern.test(name.trim()));
  const shared = own ? undefined : findTokenizer(name);
  const size = own?.tokens ?? shared?.size;
  if (size === undefined) {
    b.diagnose(
      'warning',
      'unknown-tokenizer',
      `The size of tokenizer \`${name}\` is not in Scaling Lens's table; the vocab (and so N) is unknown.`,
      tokenizer?.source.valueRange,
    );
    return undefined;
  }
  const rounding = vocabRounding(b);
  if (rounding) {
    b.diagnose(
      'warning',
      'not-modelled-key',
      `unknown: ${rounding.key} maps vocab to the ${rounding.resource} mesh axis${rounding.size ? ` (size ${rounding.size})` : ''} — Levanter rounds the vocab for partitioning (train_lm.py round_axis_for_partitioning), which Scaling Lens does not model; N is not shown.`,
      rounding.range,
    );
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'the vocab rounding for partitioning'];
    return undefined;
  }
  b.assume(`vocab = len(${name}) = ${size} (${own?.source ?? shared!.source})`);
  return size;
}

/**
 * Where the vocab axis of the parameters goes, as TrainerConfig builds parameter_axis_mapping
 * (trainer.py): axis_resources, then tensor_parallel_axes → model, then parameter_axis_resources,
 * then fsdp_axis → data. train_lm.py rounds the vocab up to a multiple of that mesh axis
 * (round_axis_for_partitioning). Returns the deciding key when the axis may be larger than one:
 * model when model_axis_size > 1, any other axis always (its size follows the device count).
 */
function vocabRounding(
  b: SpecBuilder,
): { key: string; resource: string; size?: number; range?: FieldSource['valueRange'] } | undefined {
  let mapped: { key: string; resource: unknown; source: FieldSource } | undefined;
  const axisResources = b.find(['trainer', 'axis_resources']);
  const vocabResource = (path: string[]) => {
    const located = b.find(path);
    return located ? { key: path.join('.'), resource: located.value, source: located.source } : undefined;
  };
  if (axisResources) mapped = vocabResource(['trainer', 'axis_resources', 'vocab']) ?? mapped;
  const tpAxes = b.find(['trainer', 'tensor_parallel_axes']);
  if (tpAxes && Array.isArray(tpAxes.value) && (tpAxes.value as unknown[]).includes('vocab'))
    mapped = { key: 'trainer.tensor_parallel_axes', resource: 'model', source: tpAxes.source };
  mapped = vocabResource(['trainer', 'parameter_axis_resources', 'vocab']) ?? mapped;
  const fsdp = b.find(['trainer', 'fsdp_axis']);
  const fsdpAxes = fsdp ? (Array.isArray(fsdp.value) ? (fsdp.value as unknown[]) : [fsdp.value]) : ['embed'];
  if (fsdp && fsdpAxes.includes('vocab'))
    mapped = { key: 'trainer.fsdp_axis', resource: 'data', source: fsdp.source };
  if (!mapped || mapped.resource === null) return undefined;
  if (mapped.resource === 'model') {
    const modelAxis = b.int(['trainer', 'model_axis_size']);
    const size = modelAxis?.value ?? 1;
    // A mesh axis of size one rounds nothing.
    if (size <= 1) return undefined;
    return { key: mapped.key, resource: 'model', size, range: (modelAxis ?? mapped).source.keyRange };
  }
  const resource = typeof mapped.resource === 'string' ? mapped.resource : JSON.stringify(mapped.resource);
  return { key: mapped.key, resource: resource.slice(0, 40), range: mapped.source.keyRange };
}

function readArchitecture(
  b: SpecBuilder,
  defaults: LevanterModelDefaults,
  seqLen: number,
  vocabSize: number,
): ArchitectureSpec | undefined {
  const pick = (
    key: keyof LevanterModelDefaults & string,
    arch?: 'nLayers' | 'dModel' | 'nHeads' | 'nKvHeads' | 'ffnSize',
  ) => {
    const found = b.int(['model', key], arch ? { arch } : {});
    return found?.value ?? (defaults[key] as number);
  };
  const flag = (key: string, fallback: boolean) => b.bool(['model', key])?.value ?? fallback;
  const dModel = pick('hidden_dim', 'dModel');
  const nLayers = pick('num_layers', 'nLayers');
  const nHeads = pick('num_heads', 'nHeads');
  const nKvHeads = defaults.family === 'gpt2' ? nHeads : pick('num_kv_heads', 'nKvHeads');
  if (nHeads % nKvHeads !== 0) {
    b.diagnose(
      'error',
      'invalid-value',
      `num_heads ${nHeads} is not divisible by num_kv_heads ${nKvHeads} (${defaults.dataclass} asserts).`,
      b.spec.archSources.nKvHeads?.valueRange ?? b.spec.archSources.nHeads?.valueRange,
    );
    return undefined;
  }
  const headDimKey = defaults.family === 'gpt2' ? undefined : b.int(['model', 'head_dim']);
  const derivedHeadDim = dModel / nHeads;
  let headDim = derivedHeadDim;
  if (headDimKey && defaults.headDimField) headDim = headDimKey.value;
  else if (headDimKey && headDimKey.value !== derivedHeadDim) {
    // GemmaConfig/MixtralConfig attention_config() does not pass head_dim: the attention heads are
    // hidden_dim / num_heads wide whatever head_dim says.
    b.diagnose(
      'warning',
      'architecture-unknown',
      `unknown: model.head_dim ${headDimKey.value} ≠ hidden_dim / num_heads = ${derivedHeadDim}; ${defaults.dataclass}'s attention ignores head_dim, so the checkpoint and the model disagree; N is not shown.`,
      headDimKey.source.keyRange,
    );
    return undefined;
  }
  if (!Number.isInteger(headDim)) {
    // The derived width is fractional (an explicit head_dim is a whole number): diagnosed once.
    b.headDim(dModel, nHeads, ['hidden_dim', 'num_heads'], b.spec.archSources.nHeads?.valueRange);
    return undefined;
  }
  const useBias = flag('use_bias', defaults.use_bias);
  const explicitKeys = ['hidden_dim', 'num_layers', 'num_heads', 'intermediate_dim', 'seq_len'].filter(
    (key) => keysAt(b.yaml, ['model']).has(key),
  );
  if (explicitKeys.length < 3) b.assume(`dimensions not in the file take ${defaults.source} defaults`);

  if (defaults.family === 'gpt2') {
    const mlpScale = b.int(['model', 'mlp_scale'], { arch: 'ffnSize' })?.value ?? defaults.mlp_scale;
    return {
      nLayers,
      dModel,
      nHeads,
      nKvHeads,
      headDim,
      ffnSize: mlpScale * dModel,
      gatedMlp: false,
      vocabSize,
      tiedEmbeddings: true,
      learnedPositions: seqLen,
      qkvBias: useBias,
      attnOutBias: useBias,
      mlpBias: useBias,
      normsPerLayer: 2,
      normWeight: true,
      normBias: useBias,
      finalNorm: true,
      qkNorm: 'none',
    };
  }
  const ffnSize = pick('intermediate_dim', 'ffnSize');
  const gemma = defaults.family === 'gemma';
  // GemmaRMSNorm always has a weight and never a bias.
  const normWeight = gemma ? true : flag('use_layer_norm_weight', true);
  const normBias = gemma ? false : useBias;
  const tiedWritten = b.bool(['model', 'tie_word_embeddings'], { arch: 'tiedEmbeddings' });
  const tied = defaults.alwaysUntied ? false : (tiedWritten?.value ?? defaults.tie_word_embeddings);
  if (defaults.alwaysUntied && tiedWritten?.value) {
    b.diagnose(
      'info',
      'ignored-key',
      `tie_word_embeddings is ignored: ${defaults.dataclass}'s LM head is always a separate matrix (MistralLMHeadModel).`,
      tiedWritten.source.keyRange,
    );
  }
  const qkNormKey = defaults.family === 'gemma' ? b.bool(['model', 'use_qk_norm']) : undefined;
  if (defaults.qkNormAlways && qkNormKey?.value === false) {
    b.diagnose(
      'info',
      'ignored-key',
      `use_qk_norm: false is ignored: ${defaults.dataclass}.attention_config always builds the q/k norms (gemma.py).`,
      qkNormKey.source.keyRange,
    );
  }
  const qkNorm = qkNormKey && !defaults.qkNormAlways ? (qkNormKey.value ? 'head' : 'none') : defaults.qkNorm;
  if (!normWeight && (qkNorm !== 'none' || defaults.n_routed_experts)) {
    // Olmo2/Qwen3 qk norms and Mixtral's per-layer RmsNorms follow other rules without weights.
    b.diagnose(
      'warning',
      'architecture-unknown',
      `unknown: use_layer_norm_weight: false for ${defaults.dataclass} is not modelled; N is not shown.`,
      b.find(['model', 'use_layer_norm_weight'])?.source.keyRange,
    );
    return undefined;
  }
  if (!normWeight) b.assume('use_layer_norm_weight: false → norms have no parameters');
  const attentionBias = defaults.olmoAttentionBias ? flag('attention_bias', false) : useBias;
  const hybridNorm = defaults.hybridNormField ? flag('hybrid_norm', false) : false;
  const embeddingNorm = defaults.embeddingNormField ? flag('input_embedding_norm', false) : false;
  const architecture: ArchitectureSpec = {
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize,
    gatedMlp: true,
    vocabSize,
    tiedEmbeddings: tied,
    learnedPositions: 0,
    qkvBias: defaults.qwenBias ? true : attentionBias,
    attnOutBias: defaults.qwenBias ? false : attentionBias,
    mlpBias: useBias,
    normsPerLayer: defaults.normsPerLayer + (hybridNorm ? 2 : 0),
    normWeight,
    normBias,
    finalNorm: true,
    qkNorm,
    ...(qkNorm !== 'none' && normBias ? { qkNormBias: true } : {}),
    ...(embeddingNorm ? { embeddingNorm: true } : {}),
  };
  if (defaults.n_routed_experts) {
    const nExperts =
      b.int(['model', 'n_routed_experts'], { arch: 'nExperts' })?.value ?? defaults.n_routed_experts;
    const topK =
      b.int(['model', 'num_experts_per_tok'], { arch: 'expertsPerToken' })?.value ??
      defaults.num_experts_per_tok ??
      2;
    if (topK > nExperts) {
      b.diagnose(
        'error',
        'invalid-value',
        `num_experts_per_tok ${topK} exceeds n_routed_experts ${nExperts} (MixtralConfig asserts).`,
        b.spec.archSources.expertsPerToken?.valueRange,
      );
      return undefined;
    }
    // MixtralSparseMoeBlock: gate Linear(Embed → Experts, use_bias); experts' w1/w2/w3 with use_bias.
    // MixtralDecoderLayer adds one LlamaMlp of intermediate_dim (with use_bias) when
    // n_shared_experts > 0, whatever the count (mixtral.py `if config.n_shared_experts > 0`).
    const sharedKey = b.int(['model', 'n_shared_experts']);
    if (sharedKey && sharedKey.value < 0) {
      b.diagnose(
        'error',
        'invalid-value',
        'n_shared_experts cannot be negative.',
        sharedKey.source.valueRange,
      );
      return undefined;
    }
    const shared = (sharedKey?.value ?? 0) > 0;
    if (shared)
      b.assume(
        `n_shared_experts ${sharedKey!.value}: one always-on shared LlamaMlp of intermediate_dim ${ffnSize} per layer (MixtralDecoderLayer)`,
      );
    architecture.moe = {
      nExperts,
      expertsPerToken: topK,
      expertFfnSize: ffnSize,
      routerBias: useBias,
      ...(shared ? { sharedExpertFfnSize: ffnSize } : {}),
    };
  }
  return architecture;
}

/** One segment of a train_batch_size schedule. */
export interface BatchSegment {
  start: number;
  value: number;
}

/** Parse `train_batch_size` as a list of {start, value}; undefined with a diagnostic when malformed. */
function parseSchedule(
  b: SpecBuilder,
  node: Node | undefined,
  source: FieldSource,
): BatchSegment[] | undefined {
  if (!isSeq(node)) return undefined;
  const segments: BatchSegment[] = [];
  for (const item of node.items) {
    const value = isMap(item) ? (nodeValue(b.yaml, item) as Record<string, unknown>) : undefined;
    const start = parseNumberLiteral(value?.start);
    const batch = parseNumberLiteral(value?.value);
    if (start === undefined || batch === undefined || start < 0 || !(batch > 0)) {
      b.diagnose(
        'warning',
        'invalid-value',
        'train_batch_size schedule entries need integer `start` and `value`.',
        source.valueRange,
      );
      return undefined;
    }
    segments.push({ start, value: batch });
  }
  // Kept in file order: BatchSchedule (levanter/schedule.py) neither sorts nor validates the list.
  return segments;
}

/**
 * Sequences over `steps` steps under levanter/schedule.py BatchSchedule: segment i covers
 * [start_i, start_{i+1}) (the last is open-ended), batch_size_at_step takes the first segment that
 * covers the step in list order, and a step no segment covers (before the first start, or in an
 * unsorted list's gap) falls back to the last segment's value. Returns the constant pieces.
 */
export function levanterBatchScheduleSequences(
  schedule: readonly BatchSegment[],
  steps: number,
): { sequences: number; pieces: { steps: number; value: number }[] } {
  const bounds = new Set<number>([0, steps]);
  for (const segment of schedule) if (segment.start > 0 && segment.start < steps) bounds.add(segment.start);
  const points = [...bounds].sort((x, y) => x - y);
  const at = (step: number): number => {
    for (let i = 0; i < schedule.length; i++) {
      const until = i === schedule.length - 1 ? Infinity : schedule[i + 1].start;
      if (schedule[i].start <= step && step < until) return schedule[i].value;
    }
    return schedule[schedule.length - 1].value;
  };
  const pieces: { steps: number; value: number }[] = [];
  let sequences = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const span = points[i + 1] - points[i];
    const value = at(points[i]);
    sequences += span * value;
    const last = pieces[pieces.length - 1];
    if (last && last.value === value) last.steps += span;
    else pieces.push({ steps: span, value });
  }
  return { sequences, pieces };
}

function readTraining(b: SpecBuilder, seqLen: number | undefined, hfModel?: string): void {
  const training = b.spec.training;
  const stepsKey = b.int(['trainer', 'num_train_steps'], { training: 'steps' });
  if (stepsKey) b.record(stepsKey.source, { training: 'duration' });
  const steps = stepsKey?.value ?? LEVANTER_TRAINER_DEFAULTS.num_train_steps;
  if (!stepsKey) b.assume(`trainer.num_train_steps absent: Levanter default ${formatInt(steps)}`);
  training.steps = steps;
  if (seqLen) training.seqLen = seqLen;

  const batchKey = b.find(['trainer', 'train_batch_size'], { training: 'globalBatch' });
  let sequences: number | undefined;
  let batchFormula = '';
  if (batchKey && isSeq(batchKey.node)) {
    const schedule = parseSchedule(b, batchKey.node, batchKey.source);
    if (schedule && schedule.length === 0) {
      b.diagnose(
        'warning',
        'invalid-value',
        'train_batch_size schedule is empty (BatchSchedule needs at least one step).',
        batchKey.source.valueRange,
      );
    } else if (schedule) {
      const run = levanterBatchScheduleSequences(schedule, steps);
      sequences = run.sequences;
      const parts = run.pieces.map((piece) => `${formatInt(piece.steps)}×${piece.value}`);
      batchFormula = `batch schedule (${parts.join(' + ')} = ${formatInt(sequences)} seqs)`;
      training.globalBatchSeqs =
        run.pieces[run.pieces.length - 1]?.value ?? schedule[schedule.length - 1].value;
      if (schedule[0].start !== 0)
        b.assume(
          `train_batch_size schedule starts at step ${schedule[0].start}: BatchSchedule uses the last entry's batch before it`,
        );
    }
  } else {
    const batch = batchKey ? b.int(['trainer', 'train_batch_size']) : undefined;
    const value = batch?.value ?? LEVANTER_TRAINER_DEFAULTS.train_batch_size;
    if (!batchKey) b.assume(`trainer.train_batch_size absent: Levanter default ${value}`);
    // An invalid value was diagnosed by the builder and poisons D in SpecBuilder.finish().
    training.globalBatchSeqs = value;
    if (seqLen) training.tokensPerStep = value * seqLen;
    sequences = steps * value;
    batchFormula = `${formatInt(steps)} steps × ${value} seqs`;
  }
  training.durationUnit = {
    kind: 'steps',
    suffix: '',
    ...(training.tokensPerStep ? { tokensPerUnit: training.tokensPerStep } : {}),
  };
  if (sequences !== undefined && seqLen) {
    training.tokens = sequences * seqLen;
    training.formula = `${batchFormula} × ${seqLen} tokens`;
  } else {
    training.missing = [
      seqLen
        ? 'batch size'
        : hfModel
          ? `sequence length (max_position_embeddings of ${hfModel}'s HF config)`
          : 'sequence length (model.seq_len)',
    ];
  }
}

/** Reader for Levanter training YAML. */
export const levanterReader: FrameworkReader<'levanter'> = neverThrowing({
  id: 'levanter',
  label: 'Levanter',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
  inventory: LEVANTER_INVENTORY,
  schedule: levanterSchedule,
  layout: levanterLayout,
});
