import type { ArchField, ArchitectureSpec, ReadContext, ReadResult } from '../../../types';
import type { FrameworkReader } from '../../reader';
import { llmFoundrySchedule } from './schedule';
import { llmFoundryLayout } from './layout';
import { keysAt, lookup, parseYaml, topLevelKeys, type YamlSource } from '../../yamlSource';
import { yamlWrittenKeys } from '../../inventory';
import { findCheckpoint } from '../../tables/checkpoints';
import { HF_HARMLESS_OVERRIDES, HF_OVERRIDE_KEYS, llmFoundryInventory } from './inventory';
import { parseNumberLiteral } from '../../values';
import { SpecBuilder, formatInt, omegaConfResolver } from '../../specBuilder';
import { neverThrowing, epochsOverDataset } from '../../readerPolicy';
import { hfLinearNames, LLAMA_LIKE_TYPES, loraCount } from '../axolotl/reader';

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

/**
 * The QK-norm class when attn_config names none: GroupedQueryAttention's `norm_type` default
 * (llmfoundry/models/layers/attention.py), whatever the model's norm_type.
 */
const MPT_QK_NORM_DEFAULT = 'low_precision_layernorm';

/** Keys build_torch_dmoe (llmfoundry/models/layers/ffn.py) pops from ffn_config without a default. */
const TORCH_DMOE_REQUIRED = [
  'moe_num_experts',
  'moe_top_k',
  'mlp_type',
  'moe_jitter_eps',
  'moe_normalize_expert_weights',
  'uniform_expert_assignment',
] as const;

/** Every ffn_config key build_torch_dmoe takes (ffn.py signature, its pops and MPTBlock's fc_type). */
const TORCH_DMOE_ACCEPTED: ReadonlySet<string> = new Set<string>([
  ...TORCH_DMOE_REQUIRED,
  'ffn_type',
  'fc_type',
  'ffn_hidden_size',
  'ffn_act_fn',
  'device',
  'bias',
]);

/**
 * A registry name read as llm-foundry reads it: exactly as written (its registries do not fold
 * case). Returns the name, undefined when the key is absent and null when the value is not a
 * registered name (diagnosed; N becomes unknown).
 */
function registryName(b: SpecBuilder, path: string[], known: readonly string[]): string | null | undefined {
  const found = b.string(path);
  // Absent, empty or of the wrong type (string() diagnoses and rejects that one).
  if (!found) return undefined;
  if (known.includes(found.value)) return found.value;
  b.refuse(
    found.source,
    `\`${found.source.key}\` is \`${found.value.slice(0, 40)}\`, which is not one of ${known.join(', ')} (llm-foundry's registry names are case-sensitive).`,
    { code: 'unknown-value' },
  );
  return null;
}

/** MPT attn_impl values: configuration_mpt.py @8c8dd48f accepts torch and flash; older releases also triton. */
const MPT_ATTN_IMPLS = ['torch', 'flash', 'triton'];

/** MPT attention classes (llmfoundry/layers_registry attention_classes). */
const MPT_ATTN_TYPES = ['multihead_attention', 'multiquery_attention', 'grouped_query_attention'];

/**
 * MPT FFN types (llmfoundry/models/layers/ffn.py registry at 8c8dd48): gated (GLU, 3 matrices) or
 * MoE. MoE experts never carry biases; `mlpType` says whether the expert honours
 * `ffn_config.mlp_type` (megablocks `MoE` always builds the two-matrix `mlp.MLP`), `outputBias`
 * whether the layer owns megablocks' d-wide output bias (`ParallelMLP.bias`, created when
 * `args.bias`, which mb_setup_args sets to `not no_bias`; torch_dmoe has none).
 */
const MPT_FFN_TYPES: Readonly<
  Record<string, { gated: boolean; moe: boolean; mlpType?: boolean; outputBias?: boolean }>
> = {
  mptmlp: { gated: false, moe: false },
  mptglu: { gated: true, moe: false },
  te_ln_mlp: { gated: false, moe: false },
  mb_moe: { gated: false, moe: true, mlpType: false, outputBias: true },
  mb_dmoe: { gated: false, moe: true, mlpType: true, outputBias: true },
  torch_dmoe: { gated: false, moe: true, mlpType: true, outputBias: false },
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
  return { kind: 'run-config', spec: b.finish(), written: yamlWrittenKeys(yaml, root) };
}

/**
 * Training sequence length: the train loader's `dataset.max_seq_len` (what StreamingTextDataset and the
 * finetuning collator cut samples to, llmfoundry/data/text_data.py), else top-level max_seq_len (which
 * train.py only uses for ICL eval), else the model's.
 */
function readSeqLen(b: SpecBuilder): number | undefined {
  const seq =
    b.int(['train_loader', 'dataset', 'max_seq_len'], { training: 'seqLen' }) ??
    b.int(['max_seq_len'], { training: 'seqLen' }) ??
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
  // MPTConfig requires d_model % n_heads == 0 even when head_dim sets the head width.
  const explicitHeadDim = b.int(['model', 'head_dim'])?.value;
  const headDim = explicitHeadDim ?? dModel / nHeads;
  if (
    b.headDim(dModel, nHeads, ['d_model', 'n_heads'], b.spec.archSources.nHeads?.valueRange) === undefined
  ) {
    return undefined;
  }

  // MPTConfig._validate_config raises on an attn_impl other than torch / flash (configuration_mpt.py
  // @8c8dd48f); 'triton' is the older releases' Triton kernel over the same modules. Any other name is
  // a fork's attention, whose parameters are not llm-foundry's.
  const impl = b.string(['model', 'attn_config', 'attn_impl']);
  if (impl && !MPT_ATTN_IMPLS.includes(impl.value)) {
    b.refuse(
      impl.source,
      `unknown: attn_config.attn_impl = \`${impl.value.slice(0, 40)}\` is not one of ${MPT_ATTN_IMPLS.join(', ')} (MPTConfig raises "Unknown attn_impl", configuration_mpt.py @8c8dd48f): a fork's attention, whose parameters Scaling Lens does not model; N not shown.`,
      { code: 'unknown-value' },
    );
    return undefined;
  }
  // build_attention_layer looks attn_type up in the registry as written (no lower()).
  const attnTypeName = registryName(b, ['model', 'attn_config', 'attn_type'], MPT_ATTN_TYPES);
  if (attnTypeName === null) return undefined;
  const attnType = attnTypeName ?? MPT_DEFAULTS.attn_type;
  const kvKey = b.int(['model', 'attn_config', 'kv_n_heads'], { arch: 'nKvHeads' });
  if (kvKey && attnType !== 'grouped_query_attention') {
    // MultiheadAttention / MultiQueryAttention.__init__ (attention.py) take no kv_n_heads: the
    // attn_config subset is passed as keyword arguments, so llm-foundry raises a TypeError.
    b.refuse(
      kvKey.source,
      `attn_config.kv_n_heads is only accepted by grouped_query_attention; ${attnType} refuses it (llm-foundry raises).`,
      { severity: 'error', range: kvKey.source.keyRange, recordAs: { arch: 'nKvHeads' } },
    );
    return undefined;
  }
  const kvSetting = kvKey?.value ?? MPT_DEFAULTS.kv_n_heads;
  const nKvHeads =
    attnType === 'multiquery_attention' ? 1 : attnType === 'grouped_query_attention' ? kvSetting : nHeads;
  if (attnType === 'grouped_query_attention' && (!kvKey || nKvHeads > nHeads || nHeads % nKvHeads !== 0)) {
    // GroupedQueryAttention takes kv_n_heads without a default and needs it to divide n_heads.
    b.diagnose(
      'error',
      'invalid-value',
      kvKey
        ? `attn_config.kv_n_heads ${nKvHeads} must divide n_heads ${nHeads} (llm-foundry refuses it).`
        : 'grouped_query_attention needs attn_config.kv_n_heads.',
      (kvKey ?? b.find(['model', 'attn_config', 'attn_type']))?.source.valueRange,
    );
    return undefined;
  }
  const alibi = b.bool(['model', 'attn_config', 'alibi'])?.value ?? false;
  const rope = b.bool(['model', 'attn_config', 'rope'])?.value ?? false;
  const qkLn = b.bool(['model', 'attn_config', 'qk_ln'])?.value ?? false;
  // qk_gn: one norm over head_dim for q and one for k (attention.py GroupedQueryAttention).
  const qkGn = b.bool(['model', 'attn_config', 'qk_gn'])?.value ?? false;

  const expansion =
    b.number(['model', 'expansion_ratio'], { arch: 'ffnSize' })?.value ?? MPT_DEFAULTS.expansion_ratio;
  const explicitFfn = b.int(['model', 'ffn_config', 'ffn_hidden_size'], { arch: 'ffnSize' });
  // resolve_ffn_hidden_size (ffn.py): int(d_model × expansion_ratio), which must be exact.
  if (!explicitFfn && !Number.isInteger(dModel * expansion)) {
    const source = b.spec.archSources.ffnSize;
    b.diagnose(
      'error',
      'invalid-value',
      `d_model × expansion_ratio (${dModel} × ${expansion}) must be an integer; llm-foundry refuses it.`,
      source?.valueRange,
    );
    if (source) b.reject(source);
    return undefined;
  }
  const ffnSize = explicitFfn?.value ?? dModel * expansion;
  // build_ffn looks ffn_type up in the registry as written (layer_builders.py, no lower()).
  const ffnTypeWritten = registryName(b, ['model', 'ffn_config', 'ffn_type'], Object.keys(MPT_FFN_TYPES));
  if (ffnTypeWritten === null) return undefined;
  const ffnTypeName = ffnTypeWritten ?? MPT_DEFAULTS.ffn_type;
  const ffnType = MPT_FFN_TYPES[ffnTypeName];
  // Expert MLP classes by exact name: megablocks dmlp_registry.py `_REGISTRY[args.mlp_type]`,
  // llm-foundry dmoe.py DroplessMLP `mlp_type == 'mlp' / 'glu'`.
  const mlpTypeName = ffnType.moe
    ? registryName(b, ['model', 'ffn_config', 'mlp_type'], ['mlp', 'glu'])
    : undefined;
  if (mlpTypeName === null) return undefined;
  const mlpTypeKey = mlpTypeName === undefined ? undefined : b.find(['model', 'ffn_config', 'mlp_type']);
  const expertGated = ffnType.mlpType === true && mlpTypeName === 'glu';
  if (ffnType.moe && ffnTypeName !== 'torch_dmoe' && explicitFfn && !Number.isInteger(dModel * expansion)) {
    // config_megablocks_moe_args (config_moe_args.py) calls resolve_ffn_hidden_size(d_model,
    // expansion_ratio) before it reads ffn_hidden_size, so the product must be whole anyway.
    b.diagnose(
      'error',
      'invalid-value',
      `d_model × expansion_ratio (${dModel} × ${expansion}) must be an integer for megablocks MoE, even with ffn_hidden_size; llm-foundry refuses it.`,
      b.find(['model', 'expansion_ratio'])?.source.valueRange,
    );
    return undefined;
  }

  const noBias = b.bool(['model', 'no_bias'])?.value ?? MPT_DEFAULTS.no_bias;
  // attention_bias (default: not no_bias) sets the Wqkv bias only; out_proj follows no_bias.
  const qkvBias = b.bool(['model', 'attention_bias'])?.value ?? !noBias;
  // MPTModel / MPTBlock build norms with `name=norm_type.lower()` (modeling_mpt.py, blocks.py).
  const normType = (
    b.oneOf(['model', 'norm_type'], Object.keys(MPT_NORMS))?.value ?? MPT_DEFAULTS.norm_type
  ).toLowerCase();
  const norm = MPT_NORMS[normType];
  // The QK norms are not built with the model's norm_type: MPTBlock passes no norm_type to the
  // attention class (blocks.py attn_kwargs), so GroupedQueryAttention uses its own default
  // 'low_precision_layernorm' (weight + bias) unless attn_config.norm_type names another
  // (attention.py `build_norm(name=norm_type.lower(), ...)`).
  const qkNormType = (
    b.oneOf(['model', 'attn_config', 'norm_type'], Object.keys(MPT_NORMS))?.value ?? MPT_QK_NORM_DEFAULT
  ).toLowerCase();
  const qkNormClass = MPT_NORMS[qkNormType];
  // fc_type is a name or a mapping with `name` (configuration_mpt.py).
  const fcType = b.find(['model', 'fc_type'])?.value;
  const fcTe =
    fcType === 'te' ||
    (typeof fcType === 'object' && fcType !== null && (fcType as { name?: unknown }).name === 'te');
  if (fcTe && noBias && qkvBias) {
    // no_bias strips the `bias` parameter of every module that is not a torch nn.Linear
    // (modeling_mpt.py MPTModel.__init__); a TransformerEngine te.Linear Wqkv built with
    // attention_bias is not one, and TransformerEngine's parameter layout is not read here.
    b.diagnose(
      'warning',
      'not-modelled-key',
      'unknown: attention_bias with no_bias and fc_type te — MPT strips the bias of every non-torch Linear, and whether the TransformerEngine Wqkv keeps one is not modelled; N not shown.',
      b.find(['model', 'attention_bias'])?.source.keyRange,
    );
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'a model of `attention_bias` with `fc_type` te'];
    return undefined;
  }
  if (ffnTypeName === 'te_ln_mlp' && (noBias || !norm.bias)) {
    // te.LayerNormMLP brings its own LayerNorm (weight + bias), which no_bias does not strip.
    const source = b.spec.archSources.ffnSize ?? b.find(['model', 'ffn_config', 'ffn_type'])?.source;
    b.diagnose(
      'warning',
      'not-modelled-key',
      'unknown: ffn_type te_ln_mlp with no_bias or an RMS norm uses TransformerEngine LayerNormMLP, whose norm Scaling Lens does not model; N not shown.',
      source?.valueRange,
    );
    b.spec.paramsMissing = [
      ...(b.spec.paramsMissing ?? []),
      'a model of `ffn_type` te_ln_mlp without biases',
    ];
    return undefined;
  }
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
    gatedMlp: ffnType.moe ? expertGated : ffnType.gated,
    vocabSize,
    tiedEmbeddings: tied,
    learnedPositions: learned ? maxSeq : 0,
    qkvBias,
    attnOutBias: !noBias,
    mlpBias: !noBias && !ffnType.moe,
    normsPerLayer: 2,
    normWeight: true,
    // no_bias strips every bias parameter, norms included.
    normBias: norm.bias && !noBias,
    finalNorm: true,
    qkNorm: qkLn ? 'full' : qkGn ? 'head' : 'none',
    // no_bias removes the bias of every non-Linear module, QK norms included (modeling_mpt.py).
    qkNormBias: (qkLn || qkGn) && qkNormClass.bias && !noBias,
  };
  if (qkLn && qkGn) {
    b.diagnose(
      'error',
      'invalid-value',
      'Only one of qk_ln and qk_gn can be set (llm-foundry refuses both).',
    );
    return undefined;
  }
  if (ffnType.moe) {
    const nExpertsKey = b.int(['model', 'ffn_config', 'moe_num_experts'], { arch: 'nExperts' });
    const topKKey = b.int(['model', 'ffn_config', 'moe_top_k'], { arch: 'expertsPerToken' });
    const torchDmoeMissing = TORCH_DMOE_REQUIRED.filter((key) => !b.has(['model', 'ffn_config', key]));
    const torchDmoeExtra =
      ffnTypeName === 'torch_dmoe'
        ? [...keysAt(b.yaml, [...(b.options.root ?? []), 'model', 'ffn_config'])].filter(
            (key) => !TORCH_DMOE_ACCEPTED.has(key),
          )
        : [];
    if (torchDmoeExtra.length) {
      // build_torch_dmoe raises `Invalid arguments to torch dmoe` for any key it does not take.
      b.diagnose(
        'error',
        'invalid-value',
        `ffn_type torch_dmoe does not take ffn_config.${torchDmoeExtra.slice(0, 5).join(', ')} (llm-foundry raises).`,
        b.sectionRange(['model', 'ffn_config']),
      );
      return undefined;
    }
    if (
      ffnTypeName === 'torch_dmoe' &&
      (!nExpertsKey || !topKKey || !mlpTypeKey || torchDmoeMissing.length)
    ) {
      // build_torch_dmoe (ffn.py) pops these keys without defaults: a missing one is a KeyError.
      b.diagnose(
        'error',
        'missing-architecture',
        `ffn_type torch_dmoe needs ffn_config.${TORCH_DMOE_REQUIRED.join(', ')}${torchDmoeMissing.length ? ` (missing: ${torchDmoeMissing.join(', ')})` : ''}.`,
        b.sectionRange(['model', 'ffn_config']),
      );
      return undefined;
    }
    if (ffnTypeName !== 'torch_dmoe' && !b.has(['model', 'ffn_config', 'moe_world_size'])) {
      // config_megablocks_moe_args (config_moe_args.py) pops moe_world_size without a default.
      b.diagnose(
        'error',
        'missing-architecture',
        `ffn_type ${ffnTypeName} needs ffn_config.moe_world_size (llm-foundry pops it without a default).`,
        b.sectionRange(['model', 'ffn_config']),
      );
      return undefined;
    }
    // megablocks Arguments defaults (megablocks/layers/arguments.py): one expert, top-1.
    const nExperts = nExpertsKey?.value ?? 1;
    const topK = topKKey?.value ?? 1;
    if (topK > nExperts) {
      b.diagnose('error', 'invalid-value', `moe_top_k ${topK} exceeds moe_num_experts ${nExperts}.`);
      return undefined;
    }
    // A written ffn_config.bias reaches megablocks Arguments and replaces `not no_bias` in build_ffn's
    // kwargs (layer_builders.py spreads ffn_config after bias); no_bias still strips the
    // ParallelMLP bias afterwards, as ParallelMLP is not an nn.Linear (modeling_mpt.py).
    const megablocksBias = b.bool(['model', 'ffn_config', 'bias'])?.value ?? true;
    const outputBias = ffnType.outputBias === true && !noBias && megablocksBias;
    architecture.moe = {
      nExperts,
      expertsPerToken: topK,
      expertFfnSize: ffnSize,
      expertBias: false,
      ...(outputBias ? { outputBias } : {}),
    };
    b.assume(
      `${ffnTypeName}: ${nExperts} bias-free ${expertGated ? 'GLU' : 'two-matrix'} experts of width ${ffnSize}, top-${topK}, bias-free router${outputBias ? ', one d-wide output bias per layer (megablocks ParallelMLP.bias)' : ''}`,
    );
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
  const row = findCheckpoint(name.value);
  if (!row) {
    b.diagnose(
      'info',
      'unknown-model',
      `The architecture of \`${name.value}\` is not in Scaling Lens's table of checkpoints; open its config.json to count parameters.`,
      name.source.valueRange,
    );
    b.spec.paramsMissing = [
      ...(b.spec.paramsMissing ?? []),
      `the architecture of \`${name.value.slice(0, 80)}\``,
    ];
    return undefined;
  }
  // pretrained: false builds the same architecture from the checkpoint's config (random init).
  b.bool(['model', 'pretrained']);
  b.assume(`architecture of ${name.value} from ${row.source}`);
  const architecture: ArchitectureSpec = { ...row.architecture };
  if (!readOverrides(b, row.modelType, architecture)) return undefined;
  readPeft(b, row.modelType, architecture);
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

/**
 * LoraConfig fields that leave the trainable set as r, target_modules and use_dora make it
 * (peft@5d602fdb src/peft/tuners/lora/config.py): scaling, dropout, init, the two keys
 * hf_base.py get_peft_config requires, and bookkeeping.
 */
const PEFT_LORA_HARMLESS: ReadonlySet<string> = new Set([
  'peft_type',
  'task_type',
  'r',
  'target_modules',
  'use_dora',
  'lora_alpha',
  'alpha_pattern',
  'lora_dropout',
  'use_rslora',
  'fan_in_fan_out',
  'init_lora_weights',
  'inference_mode',
  'base_model_name_or_path',
  'revision',
]);

/**
 * `model.peft_config` (hf_base.py BaseHuggingFaceModel: get_peft_config builds `LoraConfig(**peft_config)`
 * — only peft_type LORA, task_type CAUSAL_LM — and Composer's HuggingFaceModel wraps the model with
 * get_peft_model, which freezes the base): only the adapters train. Counted as peft's LoraLayer
 * (lora_A r×in + lora_B out×r, DoRA's magnitude out) on the listed Llama-style linears or
 * 'all-linear' (every linear but the output embedding, tuners_utils.py _maybe_include_all_linear_layers).
 * `pretrained_lora_id_or_path` (PeftModelForCausalLM.from_pretrained(…, is_trainable=True)) trains
 * an adapter whose shape is not in the file.
 */
function readPeft(b: SpecBuilder, modelType: string, arch: ArchitectureSpec): void {
  const config = b.find(['model', 'peft_config']);
  const loaded = b.find(['model', 'pretrained_lora_id_or_path']);
  const source = config?.value !== null && config?.value !== undefined ? config : loaded;
  if (!source || source.value === null || source.value === undefined) return;
  const unknown = (why: string) =>
    b.diagnose(
      'info',
      'lora-unknown',
      `Only the LoRA adapters train over a frozen base (hf_base.py, llm-foundry@8c8dd48f); their count is not shown: ${why}.`,
      source.source.keyRange,
    );
  if (source === loaded)
    return unknown('`pretrained_lora_id_or_path` loads an adapter whose shape is not in the file');
  const value = config!.value;
  if (typeof value !== 'object' || Array.isArray(value)) return unknown('`peft_config` is not a mapping');
  const fields = value as Record<string, unknown>;
  // A null field is LoraConfig's default; bias 'none' and lora_bias false are too (no trainable biases).
  const other = Object.keys(fields).find(
    (k) =>
      fields[k] !== null &&
      !PEFT_LORA_HARMLESS.has(k) &&
      !(k === 'bias' && fields[k] === 'none') &&
      !(k === 'lora_bias' && fields[k] === false),
  );
  if (other) return unknown(`\`peft_config.${other.slice(0, 40)}\` changes which parameters train`);
  const peftType = b.string(['model', 'peft_config', 'peft_type'])?.value ?? '';
  if (peftType.toUpperCase() !== 'LORA')
    return unknown(`peft_type \`${peftType}\` (get_peft_config accepts LORA only)`);
  if (!LLAMA_LIKE_TYPES.has(modelType) || arch.moe || arch.mla)
    return unknown(`the linear layer names of a \`${modelType}\` model are not modelled`);
  const rField = b.find(['model', 'peft_config', 'r']);
  const rank = rField ? b.int(['model', 'peft_config', 'r'])?.value : 8; // LoraConfig r default 8
  if (rank === undefined) return unknown('`peft_config.r` is not a positive integer');
  const dora = b.bool(['model', 'peft_config', 'use_dora'])?.value ?? false;
  const targets = b.find(['model', 'peft_config', 'target_modules'])?.value;
  const all = hfLinearNames(arch);
  let modules: string[];
  if (typeof targets === 'string' && targets.toLowerCase() === 'all-linear') modules = all;
  else if (typeof targets === 'string')
    return unknown('`peft_config.target_modules` is a regex over module names');
  else if (Array.isArray(targets) && targets.length) modules = [...new Set(targets.map((m) => String(m)))];
  else return unknown('`peft_config.target_modules` is not set (peft picks a per-model default)');
  const outside = modules.find((m) => !all.includes(m));
  if (outside) return unknown(`target \`${outside.slice(0, 40)}\` is not one of ${all.join(', ')}`);
  const count = loraCount(arch, modules, rank, dora);
  if (count === undefined || !Number.isSafeInteger(count)) return unknown(`r ${rank} gives no count`);
  b.spec.trainableParams = { count, method: `${dora ? 'DoRA' : 'LoRA'} rank ${rank}` };
}

/**
 * Apply `model.config_overrides` (hf_base.py: set on the HF config before the model is built) to a
 * checkpoint's architecture. Keys outside the model type's table that can change the count make N
 * unknown; returns false then.
 */
function readOverrides(b: SpecBuilder, modelType: string, architecture: ArchitectureSpec): boolean {
  const written = keysAt(b.yaml, [...(b.options.root ?? []), 'model', 'config_overrides']);
  if (!written.size) return true;
  const keys = HF_OVERRIDE_KEYS[modelType] ?? {};
  const original = {
    dModel: architecture.dModel,
    nHeads: architecture.nHeads,
    headDim: architecture.headDim,
  };
  for (const key of [...written].slice(0, 256)) {
    const field = Object.hasOwn(keys, key) ? keys[key] : undefined;
    if (field === 'harmless') continue;
    if (!field) {
      if (HF_HARMLESS_OVERRIDES.has(key)) continue;
      const located = lookup(b.yaml, [...(b.options.root ?? []), 'model', 'config_overrides', key]);
      b.diagnose(
        'warning',
        'not-modelled-key',
        `unknown: config_overrides.${key} — Scaling Lens does not model this override of a \`${modelType}\` checkpoint, which may change the parameter count; N not shown.`,
        located?.source.keyRange,
      );
      b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), `a model of \`config_overrides.${key}\``];
      return false;
    }
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
    }
  }
  // GPT-2 and OPT derive the head width from hidden size / heads when the model is built. Llama and
  // Mistral configs of recent transformers (llm-foundry setup.py pins >=4.51,<4.52) store head_dim
  // when the config is made, and set_config_overrides (llmfoundry/utils/config_utils.py) sets the
  // overrides on that finished config with setattr, so head_dim may keep the checkpoint's value:
  // whether it does depends on a transformers source not read here, so the width is unknown.
  const derivedHeadDim =
    original.headDim * original.nHeads === original.dModel && !HF_CONFIG_STORES_HEAD_DIM.has(modelType);
  if (architecture.dModel !== original.dModel || architecture.nHeads !== original.nHeads) {
    if (!derivedHeadDim) {
      b.diagnose(
        'warning',
        'not-modelled-key',
        `unknown: config_overrides change the width or heads of a \`${modelType}\` checkpoint, whose head_dim the override may not follow; N not shown.`,
      );
      b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'the head width after config_overrides'];
      return false;
    }
    const headDim = architecture.dModel / architecture.nHeads;
    if (!Number.isInteger(headDim)) {
      b.diagnose('error', 'invalid-value', `config_overrides give a hidden size not divisible by the heads.`);
      return false;
    }
    architecture.headDim = headDim;
  }
  if (modelType === 'gpt2' && architecture.dModel !== original.dModel && !written.has('n_inner')) {
    // GPT-2's n_inner null means 4 × n_embd.
    architecture.ffnSize = 4 * architecture.dModel;
  }
  // GPT-2 and OPT have no GQA: k/v heads follow the heads.
  if (modelType === 'gpt2' || modelType === 'opt') architecture.nKvHeads = architecture.nHeads;
  return true;
}

/** HF model types whose config object carries head_dim itself (see readOverrides). */
const HF_CONFIG_STORES_HEAD_DIM: ReadonlySet<string> = new Set(['llama', 'mistral']);

/** Parse a Composer time string; bare integers are epochs in Composer. */
export function parseComposerDuration(
  raw: unknown,
):
  | { amount: number; unit: 'steps' | 'tokens' | 'samples' | 'epochs' | 'fraction'; suffix: string }
  | undefined {
  if (typeof raw === 'number')
    return Number.isFinite(raw) ? { amount: raw, unit: 'epochs', suffix: '' } : undefined;
  if (typeof raw !== 'string') return undefined;
  // Time.from_timestring (composer/core/time.py): a string needs a unit (matched case-insensitively,
  // StringEnum._missing_), and every unit but `dur` needs an integer value.
  const match = /^\s*([0-9][0-9_]*\.?[0-9]*(?:[eE][+-]?\d+)?)\s*([A-Za-z]+)\s*$/.exec(raw);
  if (!match) return undefined;
  const amount = parseNumberLiteral(match[1]);
  const unit = COMPOSER_UNITS[match[2].toLowerCase()];
  if (amount === undefined || !unit) return undefined;
  if (unit !== 'fraction' && !Number.isInteger(amount)) return undefined;
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
    // Trainer.fit (composer/trainer/trainer.py) sets State.dataloader_len = train_subset_num_batches,
    // and the dataloader_len setter keeps min(that, len(dataloader)): each epoch ends early.
    const subset = b.int(['train_subset_num_batches']);
    const run = epochsOverDataset(duration.amount, context.options?.datasetTokens);
    if (subset && subset.value > 0) {
      const cap = tokensPerStep ? subset.value * tokensPerStep : undefined;
      if (run && cap) {
        const perEpoch = Math.min(cap, context.options!.datasetTokens!);
        tokens = duration.amount * perEpoch;
        formula =
          perEpoch === cap
            ? `${duration.amount} epochs × train_subset_num_batches ${formatInt(subset.value)} × ${batch!.value} seqs × ${seq} tokens`
            : `${run.formula} (train_subset_num_batches ${formatInt(subset.value)} does not cut the epoch)`;
      } else {
        missing.push(cap ? 'dataset size' : 'global batch size (global_train_batch_size)');
        b.diagnose(
          'info',
          'missing-dataset-size',
          `max_duration is in epochs, each cut to at most train_subset_num_batches ${formatInt(subset.value)} batches${cap ? ` (≤ ${formatInt(duration.amount * cap)} tokens in all)` : ''}; set the dataset size in tokens to compute D.`,
          durationKey.source.keyRange,
        );
      }
    } else if (run) {
      tokens = run.tokens;
      formula = run.formula;
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
  // The finetuning loader (llmfoundry/data/finetuning/dataloader.py) pads each prompt/response
  // sample to max_seq_len (collator.py padding='max_length', or to the batch's longest with
  // pad_to_longest), or bin-packs them with packing_ratio: a batch or a sample is at most, not
  // exactly, max_seq_len tokens. Composer's `tok` counts real tokens (attention_mask, data/utils.py
  // get_tokens_per_batch_func), so only a token max_duration stays exact.
  const loader = b.string(['train_loader', 'name']);
  if (loader?.value === 'finetuning') {
    training.finetune = true;
    if (tokens !== undefined && (duration.unit === 'steps' || duration.unit === 'samples')) {
      const what =
        duration.unit === 'steps'
          ? `${formatInt(duration.amount)} batches`
          : `${formatInt(duration.amount)} samples`;
      missing.push(`the real tokens of ${what} of padded finetuning samples (at most ${formatInt(tokens)})`);
      b.diagnose(
        'info',
        'missing-dataset-size',
        `train_loader \`finetuning\` pads or packs samples up to max_seq_len, so ${what} hold at most ${formatInt(tokens)} tokens; a \`tok\` max_duration gives D exactly.`,
        durationKey.source.valueRange,
      );
      tokens = undefined;
    }
  }
  if (tokens !== undefined) {
    training.tokens = tokens;
    training.formula = formula;
  } else if (missing.length) training.missing = missing;
}

/** Reader for llm-foundry (Composer) training YAML, including mcli `parameters:` run files. */
export const llmFoundryReader: FrameworkReader<'llm-foundry'> = neverThrowing({
  id: 'llm-foundry',
  label: 'LLM Foundry',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
  inventory: llmFoundryInventory,
  schedule: llmFoundrySchedule,
  layout: llmFoundryLayout,
});
