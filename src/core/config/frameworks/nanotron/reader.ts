import type { ArchitectureSpec, ReadResult } from '../../../types';
import { nanotronLayout } from './layout';
import { gpt2Architecture, llamaArchitecture } from '../../../model/params';
import type { FrameworkReader } from '../../reader';
import { nanotronSchedule } from './schedule';
import { neverThrowing, padVocab } from '../../readerPolicy';
import { yamlWrittenKeys } from '../../inventory';
import { findPair, keysAt, lookup, pairSource, parseYaml, topLevelKeys } from '../../yamlSource';
import { isMap, isScalar, isSeq } from 'yaml';
import { SpecBuilder, formatInt } from '../../specBuilder';
import {
  NANOTRON_ACTIVATIONS,
  NANOTRON_CONFIG_FIELDS,
  NANOTRON_DEFAULTS,
  NANOTRON_MOE_DEFAULTS,
  NANOTRON_SOURCE,
  NANOTRON_STARCODER2_DEFAULTS,
  nanotronInventory,
} from './inventory';

/**
 * nanotron YAML configs (huggingface/nanotron `examples/*.yaml`, huggingface/smollm): the model is
 * `model.model_config` (a LlamaConfig, or a Qwen2Config with `is_qwen2_config`), its vocabulary padded
 * to a multiple of make_vocab_size_divisible_by × tp (trainer.py init_model). D:
 * tokens.train_steps × micro_batch_size × batch_accumulation_per_replica × parallelism.dp ×
 * sequence_length (trainer.py: global_batch_size = micro_batch_size × n_micro_batches × dp).
 */

const MODEL = ['model', 'model_config'] as const;

function detect(text: string): number {
  if (!/^model\s*:/m.test(text) || !/model_config\s*:/.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const model = keysAt(yaml, [...MODEL]);
  if (!model.has('hidden_size') || !model.has('num_hidden_layers')) return 0;
  const top = topLevelKeys(yaml);
  const signature = ['tokens', 'parallelism', 'general', 'checkpoints', 'data_stages', 'optimizer'].filter(
    (key) => top.has(key),
  ).length;
  const flagged = ['is_llama_config', 'is_qwen2_config', 'is_starcoder2_config'].some((key) =>
    model.has(key),
  );
  if (signature < 2 && !flagged) return 0;
  return Math.min(0.95, 0.6 + 0.05 * signature);
}

function read(text: string): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'nanotron',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const b = new SpecBuilder('nanotron', yaml);
  b.spec.modelName = b.string(['general', 'run'], { arch: 'modelName' })?.value;
  b.phase = 'architecture';
  const architecture = readArchitecture(b);
  if (architecture) b.spec.architecture = architecture;
  b.phase = 'training';
  readTraining(b);
  b.phase = 'other';
  b.spec.modelSectionRange = b.sectionRange(['model']);
  return { kind: 'run-config', spec: b.finish(), written: yamlWrittenKeys(yaml) };
}

/**
 * The top-level sections nanotron's Config has (huggingface/nanotron@2411b022 config.py l. 442-457), plus
 * `data` (Config.data: DataArgs before data_stages, e.g. nanotron@20211db3) and `doremi`
 * (examples/doremi DoReMiConfig: domain weights only). get_config_from_dict builds Config with dacite
 * `strict=True`, so any other section is refused upstream: the file is a fork's, whose model may differ
 * (RRaAy-H/nanotron-infini@f9b55099 `infini_attention:` adds per-head balance_factors to every attention).
 */
const CONFIG_SECTIONS = new Set([
  'general',
  'parallelism',
  'model',
  'tokenizer',
  'checkpoints',
  'logging',
  'metrics_logging',
  'tokens',
  'optimizer',
  'data_stages',
  'profiler',
  'lighteval',
  's3_upload',
  'data',
  'doremi',
]);

function readArchitecture(b: SpecBuilder): ArchitectureSpec | undefined {
  const section = [...topLevelKeys(b.yaml)].find((key) => !CONFIG_SECTIONS.has(key));
  if (section !== undefined) {
    b.spec.paramsMissing = [`a model of the nanotron fork that reads \`${section.slice(0, 40)}\``];
    b.diagnose(
      'warning',
      'not-modelled-key',
      `unknown: \`${section.slice(0, 40)}\` is not a section of nanotron's Config (get_config_from_dict refuses it, dacite strict): a fork reads it and may build another model, so N is not shown.`,
      lookup(b.yaml, [section])?.source.keyRange,
    );
    return undefined;
  }
  // Which class the YAML builds: config.py get_config_from_dict runs dacite with strict=True over
  // NanotronConfigs = Union[LlamaConfig, Starcoder2Config, Qwen2Config, Any] (models_config.py), so
  // the first class whose fields hold every written key wins: LlamaConfig when they all are Llama
  // fields, else Starcoder2Config, else Qwen2Config (whatever the is_* flags' values: their
  // presence decides), else another class. trainer.py CONFIG_TO_MODEL_CLASS then builds
  // LlamaForTraining, Starcoder2ForTraining or Qwen2ForTraining from the class name.
  const written = [...keysAt(b.yaml, [...MODEL])];
  const allIn = (fields: readonly string[]) => written.every((key) => fields.includes(key));
  if (!allIn(NANOTRON_CONFIG_FIELDS.llama) && allIn(NANOTRON_CONFIG_FIELDS.starcoder2)) {
    return readStarcoder2(b);
  }
  const d = NANOTRON_DEFAULTS;
  const dModel = b.int([...MODEL, 'hidden_size'], { arch: 'dModel' })?.value ?? d.hidden_size;
  const nLayers = b.int([...MODEL, 'num_hidden_layers'], { arch: 'nLayers' })?.value ?? d.num_hidden_layers;
  const heads = b.int([...MODEL, 'num_attention_heads'], { arch: 'nHeads' });
  const nHeads = heads?.value ?? d.num_attention_heads;
  const kvHeads = b.int([...MODEL, 'num_key_value_heads'], { arch: 'nKvHeads' });
  const nKvHeads = kvHeads?.value ?? nHeads;
  if (kvHeads && (kvHeads.value < 1 || nHeads % kvHeads.value !== 0)) {
    // models/llama.py CausalSelfAttention asserts num_attention_heads % num_key_value_heads == 0;
    // Qwen2Attention repeats kv heads num_attention_heads // num_key_value_heads times.
    b.refuse(
      kvHeads.source,
      `num_key_value_heads ${kvHeads.value} must divide num_attention_heads ${nHeads}; parameters are not counted.`,
      { severity: 'error' },
    );
    return undefined;
  }
  const ffnSize = b.int([...MODEL, 'intermediate_size'], { arch: 'ffnSize' })?.value ?? d.intermediate_size;
  const vocab = b.int([...MODEL, 'vocab_size'], { arch: 'vocabSize' })?.value ?? d.vocab_size;
  const tied =
    b.bool([...MODEL, 'tie_word_embeddings'], { arch: 'tiedEmbeddings' })?.value ?? d.tie_word_embeddings;
  const qwen = !allIn(NANOTRON_CONFIG_FIELDS.llama) && allIn(NANOTRON_CONFIG_FIELDS.qwen2);
  b.bool([...MODEL, 'is_qwen2_config']);
  b.bool([...MODEL, 'is_llama_config']);
  // Qwen2Attention: qkv_proj bias=config.attention_bias, o_proj bias=False (models/qwen.py:178-193).
  // LlamaConfig has the field too, but CausalSelfAttention builds qkv_proj and o_proj with
  // bias=False whatever it says (models/llama.py:388-423).
  const attentionBiasKey = b.bool([...MODEL, 'attention_bias']);
  const attentionBias = qwen ? (attentionBiasKey?.value ?? false) : false;
  if (!qwen && attentionBiasKey?.value === true) {
    b.assume("attention_bias: true is ignored by nanotron's Llama model (qkv_proj and o_proj are bias-free)");
  }
  // A field none of LlamaConfig, Starcoder2Config and Qwen2Config has: another config class.
  // Named: a key none of the three has when there is one, else the first one Qwen2Config lacks.
  const fields: readonly string[] = NANOTRON_CONFIG_FIELDS.qwen2;
  const known = new Set<string>([
    ...NANOTRON_CONFIG_FIELDS.llama,
    ...NANOTRON_CONFIG_FIELDS.starcoder2,
    ...fields,
  ]);
  const foreign = allIn(NANOTRON_CONFIG_FIELDS.llama)
    ? undefined
    : (written.find((key) => !known.has(key)) ?? written.find((key) => !fields.includes(key)));
  if (foreign !== undefined) {
    // Not recorded as used: the key is reported, not read.
    const found = lookup(b.yaml, [...MODEL, foreign]);
    b.spec.paramsMissing = [`a model of the config class with \`${foreign.slice(0, 40)}\``];
    b.diagnose(
      'warning',
      'unknown-config-class',
      `unknown: \`${foreign.slice(0, 40)}\` is a field of none of nanotron's LlamaConfig, Starcoder2Config and Qwen2Config: this model_config is another model class, which Scaling Lens does not count; N not shown.`,
      found?.source.keyRange,
    );
    return undefined;
  }
  // Both models feed gate_up_proj through ACT2FN[hidden_act] (GLU); every ACT2FN entry is
  // parameter-free (nn/activations.py ACT2CLS), so the activation does not change N.
  b.oneOf([...MODEL, 'hidden_act'], NANOTRON_ACTIVATIONS);
  b.number([...MODEL, 'max_position_embeddings'], { arch: 'maxPositions' });
  const headDim = b.headDim(dModel, nHeads, ['hidden_size', 'num_attention_heads'], heads?.source.valueRange);
  if (headDim === undefined) return undefined;
  const divisible = b.int(['model', 'make_vocab_size_divisible_by'])?.value ?? d.make_vocab_size_divisible_by;
  const tp = b.int(['parallelism', 'tp'])?.value ?? 1;
  const { rows: vocabSize, note } = padVocab(vocab, divisible, tp, { tpName: 'tp', sizeName: 'vocab_size' });
  if (note) b.assume(note);
  b.assume(
    `${qwen ? 'Qwen2Config' : 'LlamaConfig'} defaults: huggingface/nanotron src/nanotron/config/models_config.py @ ${NANOTRON_SOURCE.commit.slice(0, 8)}`,
  );
  const moe = qwen ? readQwen2Moe(b, nLayers) : undefined;
  if (moe === null) return undefined;
  const architecture = llamaArchitecture({
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize,
    vocabSize,
    tiedEmbeddings: tied,
    qkvBias: attentionBias,
  });
  if (moe) architecture.moe = moe;
  return architecture;
}

/**
 * A Starcoder2Config (models_config.py @ NANOTRON_SOURCE.commit) as models/starcoder2.py builds it:
 * GPTBlock = TritonLayerNorm (nn.LayerNorm: weight and bias) → attention → TritonLayerNorm → MLP
 * (c_fc d→d_ff and c_proj d_ff→d, both with bias; d_ff = intermediate_size or 4·hidden_size);
 * attention with biases on every projection: CausalSelfMQA (q d→heads·hd, one shared kv d→2·hd, o
 * d→d) under multi_query — which __post_init__ switches on when neither multi_query nor grouped_query
 * is set — or CausalSelfGQA (query_key_value d→(heads + 2·num_kv_heads)·hd, dense d→d) under
 * grouped_query; hd = hidden_size // num_attention_heads. A final TritonLayerNorm, a token embedding
 * only (use_position_embeddings is read nowhere), and an lm_head without bias that is always tied to
 * the embedding (Starcoder2ForTraining.get_embeddings_lm_head_tied_names; trainer.py
 * mark_tied_parameters; parallel/tied_parameters.py tie_parameters makes them one Parameter).
 */
function readStarcoder2(b: SpecBuilder): ArchitectureSpec | undefined {
  const s = NANOTRON_STARCODER2_DEFAULTS;
  b.bool([...MODEL, 'is_starcoder2_config']);
  const dModel = b.int([...MODEL, 'hidden_size'], { arch: 'dModel' })?.value ?? s.hidden_size;
  const nLayers = b.int([...MODEL, 'num_hidden_layers'], { arch: 'nLayers' })?.value ?? s.num_hidden_layers;
  const heads = b.int([...MODEL, 'num_attention_heads'], { arch: 'nHeads' });
  const nHeads = heads?.value ?? s.num_attention_heads;
  const multiQuery = b.bool([...MODEL, 'multi_query'], { arch: 'nKvHeads' });
  const groupedQuery = b.bool([...MODEL, 'grouped_query'], { arch: 'nKvHeads' });
  const kvHeads = b.int([...MODEL, 'num_kv_heads'], { arch: 'nKvHeads' });
  let nKvHeads = 1;
  if (groupedQuery?.value === true) {
    // Starcoder2Config.__post_init__ asserts num_kv_heads is set and multi_query is not.
    if (multiQuery?.value === true) {
      b.refuse(
        multiQuery.source,
        'multi_query and grouped_query cannot both be true (Starcoder2Config asserts); parameters are not counted.',
        { severity: 'error' },
      );
      return undefined;
    }
    if (!kvHeads || nHeads % kvHeads.value !== 0) {
      b.refuse(
        (kvHeads ?? groupedQuery).source,
        `grouped_query needs num_kv_heads dividing num_attention_heads ${nHeads}; parameters are not counted.`,
        { severity: 'error' },
      );
      return undefined;
    }
    nKvHeads = kvHeads.value;
  }
  const headDim = b.headDim(dModel, nHeads, ['hidden_size', 'num_attention_heads'], heads?.source.valueRange);
  if (headDim === undefined) return undefined;
  const ffnSize = b.int([...MODEL, 'intermediate_size'], { arch: 'ffnSize' })?.value ?? 4 * dModel;
  const vocab = b.int([...MODEL, 'vocab_size'], { arch: 'vocabSize' })?.value ?? s.vocab_size;
  // MLP act = ACT2FN[activation_function] (nn/activations.py): parameter-free, but a name ACT2FN
  // lacks fails to build.
  b.oneOf([...MODEL, 'activation_function'], NANOTRON_ACTIVATIONS, { arch: 'ffnSize' });
  b.number([...MODEL, 'max_position_embeddings'], { arch: 'maxPositions' });
  const divisible =
    b.int(['model', 'make_vocab_size_divisible_by'])?.value ?? NANOTRON_DEFAULTS.make_vocab_size_divisible_by;
  const tp = b.int(['parallelism', 'tp'])?.value ?? 1;
  const { rows: vocabSize, note } = padVocab(vocab, divisible, tp, { tpName: 'tp', sizeName: 'vocab_size' });
  if (note) b.assume(note);
  b.assume(
    `Starcoder2Config defaults: huggingface/nanotron src/nanotron/config/models_config.py @ ${NANOTRON_SOURCE.commit.slice(0, 8)}; lm_head tied to the token embedding (models/starcoder2.py)`,
  );
  return gpt2Architecture({
    nLayers,
    dModel,
    nHeads,
    nKvHeads,
    headDim,
    ffnSize,
    vocabSize,
    learnedPositions: 0,
    tiedEmbeddings: true,
  });
}

/** MoEConfig fields (src/nanotron/config/models_config.py @ NANOTRON_SOURCE.commit); dacite rejects others. */
const MOE_FIELDS = [
  'num_experts',
  'top_k',
  'moe_intermediate_size',
  'shared_expert_intermediate_size',
  'router_aux_loss_coef',
  'layers',
  'enable_shared_expert',
  'token_dispatcher_type',
];

/**
 * Qwen2Config.moe_config (models_config.py MoEConfig defaults @ NANOTRON_SOURCE.commit). A layer whose
 * index is in `layers` ([-1], the default, means every layer: Qwen2Config.__post_init__) gets a
 * Qwen2MoELayer instead of Qwen2MLP (models/qwen.py Qwen2DecoderLayer); src/nanotron/nn/moe.py builds
 * Router.weight E×d (no bias), GroupedMLP merged_gate_up_proj E×d×2m and merged_down_proj E×m×d
 * (m = moe_intermediate_size, no biases), and with enable_shared_expert a Qwen2MLP of width
 * shared_expert_intermediate_size plus shared_expert_gate d→1 without bias. Returns undefined for a
 * dense model, null when no count may be shown.
 */
function readQwen2Moe(b: SpecBuilder, nLayers: number): ArchitectureSpec['moe'] | null | undefined {
  const path = [...MODEL, 'moe_config'];
  const located = b.find(path);
  if (!located || located.value === null || located.value === undefined) return undefined;
  const foreign = [...keysAt(b.yaml, path)].find((key) => !MOE_FIELDS.includes(key));
  if (typeof located.value !== 'object' || Array.isArray(located.value) || foreign !== undefined) {
    b.refuse(
      located.source,
      foreign !== undefined
        ? `\`${foreign.slice(0, 40)}\` is not a field of nanotron's MoEConfig, which refuses it; parameters are not counted.`
        : 'moe_config must be a mapping of MoEConfig fields; parameters are not counted.',
      { range: located.source.keyRange },
    );
    return null;
  }
  const m = NANOTRON_MOE_DEFAULTS;
  const experts = b.int([...path, 'num_experts'], { arch: 'nExperts' })?.value ?? m.num_experts;
  const topK = b.int([...path, 'top_k'], { arch: 'expertsPerToken' })?.value ?? m.top_k;
  const expertWidth = b.int([...path, 'moe_intermediate_size'])?.value ?? m.moe_intermediate_size;
  const sharedWidth =
    b.int([...path, 'shared_expert_intermediate_size'])?.value ?? m.shared_expert_intermediate_size;
  const shared = b.bool([...path, 'enable_shared_expert'])?.value ?? m.enable_shared_expert;
  b.oneOf([...path, 'token_dispatcher_type'], ['alltoall', 'allgather']);
  if (topK > experts) {
    // MoEConfig.__post_init__ raises.
    b.diagnose('error', 'invalid-value', `moe_config.top_k ${topK} exceeds num_experts ${experts}.`);
    return null;
  }
  const layersKey = b.find([...path, 'layers']);
  let moeLayers = nLayers;
  if (layersKey && layersKey.value !== undefined) {
    const list = layersKey.value;
    if (!Array.isArray(list) || !list.every((i) => Number.isInteger(i))) {
      b.refuse(layersKey.source, 'moe_config.layers must be a list of layer indices.');
      return null;
    }
    // Exactly [-1] means every layer; otherwise a layer is MoE when its index is listed.
    const indices = list as number[];
    moeLayers =
      indices.length === 1 && indices[0] === -1
        ? nLayers
        : new Set(indices.filter((i) => i >= 0 && i < nLayers)).size;
  }
  if (moeLayers === 0) return undefined;
  b.assume(
    `Qwen2 MoE: ${moeLayers} of ${nLayers} layers, ${experts} experts of width ${expertWidth} (gated, bias-free), top-${topK}${shared ? `, shared expert ${sharedWidth} with its gate` : ''}`,
  );
  return {
    nExperts: experts,
    expertsPerToken: topK,
    expertFfnSize: expertWidth,
    moeLayers,
    ...(shared ? { sharedExpertFfnSize: sharedWidth, sharedExpertGate: true } : {}),
  };
}

function readTraining(b: SpecBuilder): void {
  const training = b.spec.training;
  const steps = b.int(['tokens', 'train_steps'], { training: 'steps' });
  const micro = b.int(['tokens', 'micro_batch_size'], { training: 'microBatch' });
  const accum = b.int(['tokens', 'batch_accumulation_per_replica'], { training: 'gradAccum' });
  const seq = b.int(['tokens', 'sequence_length'], { training: 'seqLen' });
  const dp = b.int(['parallelism', 'dp'], { training: 'dataParallel' });
  const missing: string[] = [];
  if (!steps) missing.push('tokens.train_steps');
  if (!micro) missing.push('tokens.micro_batch_size');
  if (!accum) missing.push('tokens.batch_accumulation_per_replica');
  if (!seq) missing.push('tokens.sequence_length');
  // parallelism.dp is required by ParallelismArgs; a settings GPU count does not replace it.
  if (!dp) missing.push('parallelism.dp');
  if (seq) training.seqLen = seq.value;
  // A data stage's own sequence_length (DatasetStageArgs, None → tokens.sequence_length in
  // Config.__post_init__) must equal tokens.sequence_length: DistributedTrainer.train asserts
  // "Sequence length mismatch between the current stage and the global sequence length" on the first
  // step of that stage (huggingface/nanotron@2411b022 src/nanotron/trainer.py:588). Such a run stops.
  const stages = lookup(b.yaml, ['data_stages']);
  if (seq && stages && isSeq(stages.node)) {
    for (const [index, item] of stages.node.items.entries()) {
      if (!isMap(item)) continue;
      const pair = findPair(b.yaml, item, ['sequence_length']);
      if (!pair || !isScalar(pair.value) || pair.value.value === null) continue;
      const stageSeq = pair.value.value;
      if (stageSeq === seq.value) continue;
      b.refuse(
        { ...pairSource(b.yaml, pair), key: `data_stages[${index}].sequence_length` },
        `unknown: data_stages[].sequence_length = ${String(stageSeq)} differs from tokens.sequence_length ${seq.value}; nanotron's trainer asserts they are equal (trainer.py "Sequence length mismatch"), so the run stops at that stage and D is not shown.`,
        { recordAs: { training: 'seqLen' } },
      );
    }
  }
  if (steps) {
    training.steps = steps.value;
    training.durationUnit = { kind: 'steps', suffix: '' };
  }
  if (missing.length || !steps || !micro || !accum || !seq || !dp) {
    training.missing = missing;
    return;
  }
  const globalBatch = micro.value * accum.value * dp.value;
  training.globalBatchSeqs = globalBatch;
  training.tokensPerStep = globalBatch * seq.value;
  training.durationUnit = { kind: 'steps', suffix: '', tokensPerUnit: training.tokensPerStep };
  training.tokens = steps.value * training.tokensPerStep;
  training.formula = `${formatInt(steps.value)} steps × dp ${dp.value} × micro_batch_size ${micro.value} × batch_accumulation_per_replica ${accum.value} × ${seq.value} tokens`;
  readContinuation(b);
}

/**
 * A run that starts from another run's weights with a fresh step count is a continued training (D
 * counts only its own tokens; the checkpoint already saw others). huggingface/nanotron@2411b022
 * trainer.py: `checkpoints.resume_checkpoint_path` loads the weights (`_load_model_checkpoint`,
 * l. 1037) but with `load_lr_scheduler: false` (default true, config.py CheckpointsArgs) the training
 * metadata starts at step 0 (l. 240-260), so `tokens.train_steps` counts this run's steps only; a
 * `model.init_method.path` (ExistingCheckpointInit, l. 1054) loads a pretrained model likewise.
 * E.g. huggingface/smollm@a0417598 continual-pretraining/finemath/*.yaml (Llama-3.2-3B + 60B tokens).
 */
function readContinuation(b: SpecBuilder): void {
  const scalar = (path: string[]): unknown => {
    const found = lookup(b.yaml, path);
    return found && isScalar(found.node) ? found.node.value : undefined;
  };
  const resume = scalar(['checkpoints', 'resume_checkpoint_path']);
  const loadScheduler = scalar(['checkpoints', 'load_lr_scheduler']);
  const initPath = scalar(['model', 'init_method', 'path']);
  const resumes = typeof resume === 'string' && resume !== '' && loadScheduler === false;
  const initialises = typeof initPath === 'string' && initPath !== '';
  if (!resumes && !initialises) return;
  b.spec.training.finetune = true;
  b.spec.assumptions.push(
    resumes
      ? `continued training: weights from checkpoints.resume_checkpoint_path with load_lr_scheduler false (steps count from 0), so D counts this run's tokens only`
      : `continued training: weights from model.init_method.path (ExistingCheckpointInit), so D counts this run's tokens only`,
  );
}

/** Reader for nanotron YAML configs. */
export const nanotronReader: FrameworkReader<'nanotron'> = neverThrowing({
  id: 'nanotron',
  label: 'nanotron',
  detect: (text) => detect(text),
  read: (text) => read(text),
  inventory: nanotronInventory,
  schedule: nanotronSchedule,
  layout: nanotronLayout,
});
