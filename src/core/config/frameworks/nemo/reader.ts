import { isMap, isScalar, type Node, type Pair } from 'yaml';
import { nemoLayout } from './layout';
import type { ArchitectureSpec, ReadResult } from '../../../types';
import type { FrameworkReader } from '../../reader';
import { nemoSchedule } from './schedule';
import { neverThrowing, padVocab } from '../../readerPolicy';
import { yamlWrittenKeys } from '../../inventory';
import { keysAt, parseYaml, topLevelKeys, type Located, type YamlSource } from '../../yamlSource';
import { SpecBuilder, formatInt, omegaConfResolver } from '../../specBuilder';
import { findTokenizer } from '../../tables/tokenizers';
import { NEMO_DEFAULTS, NEMO_SOURCE, nemoInventory } from './inventory';

/**
 * NeMo 1.x Megatron GPT Hydra configs (NVIDIA/NeMo `examples/nlp/language_modeling/conf/
 * megatron_gpt_config.yaml` and the configs derived from it). N: `model.*` read like
 * MegatronGPTModel.model_provider_func / build_transformer_config with their `cfg.get` defaults; the
 * vocabulary is the tokenizer's, padded to a multiple of make_vocab_size_divisible_by ×
 * tensor_model_parallel_size (megatron_base_model._vocab_size_with_padding). D: trainer.max_steps ×
 * model.global_batch_size × model.encoder_seq_length. NeMo 2.x recipes are Python (nemo.collections.llm
 * recipes building a `llm.GPTConfig`); they are not read.
 */

const GATED_ACTIVATIONS = ['geglu', 'swiglu', 'reglu', 'fast-geglu', 'fast-swiglu', 'fast-reglu'];
const ACTIVATIONS = ['gelu', 'squared-relu', 'relu', ...GATED_ACTIVATIONS];
const NORMALIZATIONS = ['layernorm', 'layernorm1p', 'rmsnorm'];
const POSITIONS = ['learned_absolute', 'rope', 'alibi', 'none'];

/** Megatron tokenizer types with a fixed vocabulary (tokenizer_utils.megatron_tokenizer_model_map). */
const MEGATRON_TOKENIZERS: Readonly<Record<string, string>> = {
  // megatron-gpt-345m uses the GPT-2 vocabulary (megatron_utils.py: gpt2-vocab.json).
  GPT2BPETokenizer: 'gpt2',
};

function detect(text: string): number {
  if (!/^trainer\s*:/m.test(text) || !/^model\s*:/m.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const model = keysAt(yaml, ['model']);
  const trainer = keysAt(yaml, ['trainer']);
  if (!model.has('num_layers') || !model.has('hidden_size')) return 0;
  // BERT (mcore_bert, bert_binary_head) and encoder–decoder (T5, BART: model.encoder / model.decoder)
  // configs share the layout but are other model classes.
  if (['mcore_bert', 'bert_binary_head', 'add_pooler', 'encoder', 'decoder'].some((key) => model.has(key)))
    return 0;
  const signature = [
    'encoder_seq_length',
    'ffn_hidden_size',
    'num_attention_heads',
    'make_vocab_size_divisible_by',
    'tensor_model_parallel_size',
    'global_batch_size',
    'tokenizer',
  ].filter((key) => model.has(key)).length;
  if (signature < 3) return 0;
  const top = topLevelKeys(yaml);
  return Math.min(
    0.95,
    0.55 + 0.04 * signature + (top.has('exp_manager') ? 0.05 : 0) + (trainer.has('max_steps') ? 0.03 : 0),
  );
}

/**
 * Paths of every mapping value node (bounded), so a relative interpolation `${.encoder_seq_length}`
 * can be resolved against the mapping that holds it.
 */
function valuePaths(yaml: YamlSource): Map<unknown, string[]> {
  const out = new Map<unknown, string[]>();
  const walk = (node: unknown, path: string[], depth: number) => {
    if (!isMap(node) || depth > 12 || out.size > 50_000) return;
    for (const pair of node.items as Pair<Node, Node>[]) {
      if (!isScalar(pair.key)) continue;
      const childPath = [...path, String(pair.key.value)];
      if (pair.value) out.set(pair.value, childPath);
      walk(pair.value, childPath, depth + 1);
    }
  };
  walk(yaml.doc.contents, [], 0);
  return out;
}

/** OmegaConf resolution with relative references (`${.x}`, `${..x}`) made absolute first. */
function nemoResolver(yaml: YamlSource, b: SpecBuilder): (located: Located) => Located | undefined {
  const absolute = omegaConfResolver(yaml, b.spec.diagnostics);
  let paths: Map<unknown, string[]> | undefined;
  const resolve = (located: Located): Located | undefined => {
    const product = multiplyResolver(located, resolve);
    if (product) return product;
    const relative =
      typeof located.value === 'string' ? /^\s*\$\{(\.+)([A-Za-z_][\w.-]*)\}\s*$/.exec(located.value) : null;
    if (!relative) {
      // NeMo-Framework-Launcher@26e42fa9 conf/config.yaml composes a training file under the
      // `training:` group (`defaults: - training: gpt3/5b`) and hands that subtree to NeMo, so its
      // files write `${training.model.encoder_seq_length}` for their own `model.encoder_seq_length`
      // (conf/training/gpt3/*_16k.yaml `model.data.seq_length`). Only when the file has no top level
      // `training:` of its own.
      const launcher =
        typeof located.value === 'string'
          ? /^\s*\$\{training\.([A-Za-z_][\w.-]*)\}\s*$/.exec(located.value)
          : null;
      if (launcher && !topLevelKeys(yaml).has('training'))
        return absolute({ ...located, value: `\${${launcher[1]}}` });
      return absolute(located);
    }
    paths ??= valuePaths(yaml);
    const own = paths.get(located.node);
    // One dot is the mapping holding the key; each further dot goes one level up.
    const up = relative[1]!.length;
    if (!own || own.length - up < 0) return absolute({ ...located, value: '${unresolvable}' });
    const target = [...own.slice(0, own.length - up), relative[2]!].join('.');
    return absolute({ ...located, value: `\${${target}}` });
  };
  return resolve;
}

/**
 * `${multiply:a, b}`: NeMo registers `OmegaConf.register_new_resolver("multiply", lambda x, y: x * y)`
 * (NVIDIA/NeMo@8cfedd72 nemo/core/config/hydra_runner.py:48, nemo/core/classes/modelPT.py:61; the
 * launcher too, NeMo-Framework-Launcher@26e42fa9 launcher_scripts/main.py:55). Its launcher configs
 * write `ffn_hidden_size: ${multiply:4, ${.hidden_size}}` (conf/training/gpt3/*.yaml). Evaluated for
 * two integer operands (literals or references); anything else stays unresolved (a diagnostic).
 */
function multiplyResolver(
  located: Located,
  resolve: (located: Located) => Located | undefined,
): Located | undefined {
  if (typeof located.value !== 'string') return undefined;
  const call = /^\s*\$\{multiply:(.*)\}\s*$/s.exec(located.value);
  if (!call) return undefined;
  // Split on the comma outside nested `${…}`.
  const body = call[1]!;
  let depth = 0;
  let comma = -1;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}') depth--;
    else if (body[i] === ',' && depth === 0) {
      if (comma !== -1) return undefined;
      comma = i;
    }
  }
  if (comma === -1 || depth !== 0) return undefined;
  const operand = (text: string): number | undefined => {
    const t = text.trim();
    if (/^[+-]?\d+$/.test(t)) return Number(t);
    if (!/^\$\{[^{}]+\}$/.test(t)) return undefined;
    const target = resolve({ ...located, value: t });
    const value = target?.value;
    return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
  };
  const x = operand(body.slice(0, comma));
  const y = operand(body.slice(comma + 1));
  if (x === undefined || y === undefined || !Number.isSafeInteger(x * y)) return undefined;
  return { ...located, value: x * y };
}

function read(text: string): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'nemo',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const b = new SpecBuilder('nemo', yaml);
  b.resolve = nemoResolver(yaml, b);
  b.spec.modelName = b.string(['name'], { arch: 'modelName' })?.value;
  b.phase = 'architecture';
  const architecture = readArchitecture(b);
  if (architecture) b.spec.architecture = architecture;
  b.phase = 'training';
  readTraining(b);
  b.phase = 'other';
  b.spec.modelSectionRange = b.sectionRange(['model']);
  return { kind: 'run-config', spec: b.finish(), written: yamlWrittenKeys(yaml) };
}

/** The tokenizer's vocabulary size, or undefined with paramsMissing set. */
function tokenizerVocab(b: SpecBuilder): number | undefined {
  const override = b.int(['model', 'override_vocab_size'], { arch: 'vocabSize' });
  if (override) return override.value;
  const library = b.string(['model', 'tokenizer', 'library'])?.value ?? 'megatron';
  const type = b.string(['model', 'tokenizer', 'type']);
  const model = b.string(['model', 'tokenizer', 'model']);
  const vocabFile = b.string(['model', 'tokenizer', 'vocab_file']);
  let name: string | undefined;
  if (library === 'megatron' && type && Object.hasOwn(MEGATRON_TOKENIZERS, type.value) && !vocabFile) {
    name = MEGATRON_TOKENIZERS[type.value];
  } else if (library === 'huggingface' && type && !vocabFile) {
    name = type.value;
  } else if ((library === 'sentencepiece' || type?.value === 'GPTSentencePieceTokenizer') && model) {
    name = model.value;
  }
  const row = name ? findTokenizer(name) : undefined;
  if (!row) {
    const what = `the size of the tokenizer (library ${library}${type ? `, type ${type.value}` : ''}${model ? `, model ${model.value}` : ''}${vocabFile ? `, vocab_file ${vocabFile.value}` : ''})`;
    b.spec.paramsMissing = [what];
    b.diagnose(
      'info',
      'missing-vocab',
      `The vocabulary comes from the tokenizer, which Scaling Lens does not know: ${what}. Set model.override_vocab_size to count parameters.`,
      (type ?? model)?.source.valueRange,
    );
    return undefined;
  }
  b.assume(`tokenizer ${row.name}: ${row.size} tokens (${row.source})`);
  return row.size;
}

function readArchitecture(b: SpecBuilder): ArchitectureSpec | undefined {
  const d = NEMO_DEFAULTS;
  const nLayers = b.int(['model', 'num_layers'], { arch: 'nLayers' });
  const dModel = b.int(['model', 'hidden_size'], { arch: 'dModel' });
  const nHeads = b.int(['model', 'num_attention_heads'], { arch: 'nHeads' });
  const ffn = b.int(['model', 'ffn_hidden_size'], { arch: 'ffnSize' });
  if (!nLayers || !dModel || !nHeads || !ffn) {
    // MegatronGPTModel reads cfg.num_layers, hidden_size, num_attention_heads, ffn_hidden_size directly.
    b.spec.paramsMissing = ['model.num_layers, hidden_size, num_attention_heads and ffn_hidden_size'];
    return undefined;
  }
  const kvChannels = b.int(['model', 'kv_channels'], { arch: 'headDim' });
  let headDim = kvChannels?.value;
  if (headDim === undefined) {
    headDim = b.headDim(dModel, nHeads, ['hidden_size', 'num_attention_heads']);
    if (headDim === undefined) return undefined;
  }
  const groups = b.int(['model', 'num_query_groups'], { arch: 'nKvHeads' });
  const nKvHeads = groups?.value ?? nHeads.value;
  const bias = b.bool(['model', 'bias'])?.value ?? d.bias;
  const mcore = b.bool(['model', 'mcore_gpt'])?.value ?? d.mcore_gpt;
  if (!mcore && groups && nKvHeads !== nHeads.value) {
    // megatron_gpt_model.model_provider_func asserts num_query_groups is None or the head count on
    // the legacy GPTModel ("Group Query Attention is only supported in Megatron Core"): no such model.
    b.spec.paramsMissing = ['model.mcore_gpt: True (grouped-query attention needs Megatron-core)'];
    b.diagnose(
      'warning',
      'invalid-value',
      `model.num_query_groups ${nKvHeads} needs model.mcore_gpt: True: NeMo's legacy GPTModel refuses grouped-query attention, so parameters are not counted.`,
      groups.source.valueRange,
    );
    return undefined;
  }
  // add_qkv_bias exists on the Megatron-core path only (megatron_base_model.build_transformer_config).
  const qkvBias = bias || (mcore && (b.bool(['model', 'qkv_bias'])?.value ?? false));
  const activation = (b.oneOf(['model', 'activation'], ACTIVATIONS)?.value ?? d.activation).toLowerCase();
  const gated = activation.endsWith('glu');
  const normalization = (
    b.oneOf(['model', 'normalization'], NORMALIZATIONS)?.value ?? d.normalization
  ).toLowerCase();
  const rms = normalization === 'rmsnorm';
  const position = (
    b.oneOf(['model', 'position_embedding_type'], POSITIONS)?.value ?? d.position_embedding_type
  ).toLowerCase();
  const tied =
    b.bool(['model', 'share_embeddings_and_output_weights'], { arch: 'tiedEmbeddings' })?.value ??
    d.share_embeddings_and_output_weights;
  // Megatron-core GPTModel gets max_sequence_length=encoder_seq_length; the legacy GPTModel gets
  // max_position_embeddings (megatron_gpt_model.model_provider_func).
  const encoderSeq = b.int(['model', 'encoder_seq_length'], { arch: 'maxPositions' });
  const maxPositions = mcore
    ? (encoderSeq?.value ?? d.encoder_seq_length)
    : b.int(['model', 'max_position_embeddings'], { arch: 'maxPositions' })?.value;
  const learned = position === 'learned_absolute';
  if (learned && maxPositions === undefined) {
    b.spec.paramsMissing = ['model.max_position_embeddings (learned absolute positions)'];
    return undefined;
  }
  const vocab = tokenizerVocab(b);
  if (vocab === undefined) return undefined;
  const overridden = b.has(['model', 'override_vocab_size']);
  const divisible = b.int(['model', 'make_vocab_size_divisible_by'])?.value ?? d.make_vocab_size_divisible_by;
  const tp = b.int(['model', 'tensor_model_parallel_size'])?.value ?? 1;
  // override_vocab_size is used as given (NeMo skips the padding then).
  const padded = overridden ? { rows: vocab } : padVocab(vocab, divisible, tp, { tpName: 'TP' });
  const vocabSize = padded.rows;
  if (padded.note) b.assume(padded.note);
  b.assume(`MegatronGPTModel defaults: NVIDIA/NeMo @ ${NEMO_SOURCE.commit.slice(0, 8)}`);
  return {
    nLayers: nLayers.value,
    dModel: dModel.value,
    nHeads: nHeads.value,
    nKvHeads,
    headDim,
    ffnSize: ffn.value,
    gatedMlp: gated,
    vocabSize,
    tiedEmbeddings: tied,
    learnedPositions: learned ? maxPositions! : 0,
    qkvBias,
    attnOutBias: bias,
    mlpBias: bias,
    normsPerLayer: 2,
    normWeight: true,
    // LayerNorm (and layernorm1p, zero-centred gamma) carries a bias; RMSNorm does not.
    normBias: !rms,
    finalNorm: true,
    qkNorm: 'none',
  };
}

function readTraining(b: SpecBuilder): void {
  const training = b.spec.training;
  // max_steps -1 (PTL's "no limit") leaves the run to trainer.max_epochs.
  const maxSteps = b.number(['trainer', 'max_steps'], { training: 'steps' });
  const steps = maxSteps && Number.isInteger(maxSteps.value) && maxSteps.value > 0 ? maxSteps : undefined;
  const batch = b.int(['model', 'global_batch_size'], { training: 'globalBatch' });
  b.int(['model', 'micro_batch_size'], { training: 'microBatch' });
  const dataSeq = b.int(['model', 'data', 'seq_length']);
  const seq = dataSeq ?? b.int(['model', 'encoder_seq_length'], { training: 'seqLen' });
  if (dataSeq) b.record(dataSeq.source, { training: 'seqLen' });
  const seqLen = seq?.value ?? NEMO_DEFAULTS.encoder_seq_length;
  training.seqLen = seqLen;
  const missing: string[] = [];
  // MegatronGPTModel.build_train_valid_test_datasets (NeMo@8cfedd72 megatron_gpt_model.py) builds the
  // pretraining samples with `sequence_length=self.cfg.data.seq_length`: encoder_seq_length is the
  // model's context, not the sample length, and there is no default. Without it the file is not a
  // pretraining run: the SFT models (model.data.train_ds, GPTSFTDataset) pad or pack each batch to
  // the data's own lengths (≤ max_seq_length), so tokens per step follow the dataset.
  if (!dataSeq && !b.has(['model', 'data', 'seq_length'])) {
    const sft = b.has(['model', 'data', 'train_ds']);
    missing.push(
      sft
        ? 'unknown: model.data.train_ds (a fine-tuning dataset: tokens per sample follow the data, up to max_seq_length)'
        : 'unknown: model.data.seq_length (not set: NeMo reads the sample length from it, no default)',
    );
    if (seq) delete training.seqLen;
    if (sft) training.finetune = true;
  }
  if (!batch) missing.push('model.global_batch_size');
  if (batch) {
    training.globalBatchSeqs = batch.value;
    training.tokensPerStep = batch.value * seqLen;
  }
  if (!steps) {
    if (maxSteps) b.record(maxSteps.source, { training: 'duration' });
    missing.push('trainer.max_steps (the run is in epochs: dataset size)');
  } else {
    training.steps = steps.value;
    b.record(steps.source, { training: 'duration' });
    training.durationUnit = {
      kind: 'steps',
      suffix: '',
      ...(training.tokensPerStep ? { tokensPerUnit: training.tokensPerStep } : {}),
    };
  }
  if (missing.length || !steps || !batch) {
    training.missing = missing;
    return;
  }
  training.tokens = steps.value * batch.value * seqLen;
  training.formula = `${formatInt(steps.value)} steps × ${batch.value} seqs × ${seqLen} tokens`;
}

/** Reader for NeMo 1.x Megatron GPT configs. */
export const nemoReader: FrameworkReader<'nemo'> = neverThrowing({
  id: 'nemo',
  label: 'NeMo',
  detect: (text) => detect(text),
  read: (text) => read(text),
  inventory: nemoInventory,
  schedule: nemoSchedule,
  layout: nemoLayout,
});
