import type { ArchitectureSpec, ReadContext, ReadResult } from '../../../types';
import { gptNeoxLayout } from './layout';
import { roundUpToMultiple } from '../../../model/params';
import type { FrameworkReader } from '../../reader';
import { gptNeoxSchedule } from './schedule';
import { parseYaml, topLevelKeys, type YamlSource } from '../../yamlSource';
import { yamlWrittenKeys } from '../../inventory';
import { findTokenizer } from '../../tables/tokenizers';
import { gptNeoxInventory } from './inventory';
import { SpecBuilder, formatInt, optionGpus, type Sourced } from '../../specBuilder';
import { neverThrowing, epochsOverDataset, padVocab } from '../../readerPolicy';
import {
  NEOX_ACTIVATIONS,
  NEOX_ARCH_KEY_PATTERN,
  NEOX_ARCH_KEYS,
  NEOX_ATTENTION_TYPES,
  NEOX_GATED_ACTIVATIONS,
  NEOX_LEGACY_MOE_KEYS,
  NEOX_MOE_KEYS,
  NEOX_POS_EMBS,
  NEOX_GPU_COMMENT_PATTERNS,
  NEOX_NORMS,
  TE_MLP_ACTIVATIONS,
  NEOX_TOKENIZER_TYPE_SIZES,
  NEOX_VOCAB_FILE_SIZES,
} from './tables';

/**
 * GPT-NeoX (and the Pythia suite's) `.yml` configs: a JSON-like YAML flow mapping with `#` comments,
 * Python `True`, trailing commas, and keys in which '-' and '_' are interchangeable.
 *
 * N: NeoX defaults (LayerNorm w+b, biases, GELU 4h MLP, learned positions, tied) changed by
 * `norm`, `use_bias_in_*`, `activation`/`intermediate_size` (3× convention when gated), `pos_emb`,
 * `no_weight_tying`, `num_kv_heads`; vocab = tokenizer size padded to
 * make_vocab_size_divisible_by × model_parallel_size.
 * D: train_iters × global batch × seq_length; global batch = train_batch_size, else
 * micro × grad-accum × DP with DP = GPUs / (MP·PP). GPUs come from a comment or the user's setting.
 */

/** The three keys every NeoX model config has (hyphen-insensitive). */
const MODEL_KEYS = ['num_layers', 'hidden_size', 'num_attention_heads'];

/** Keys that only NeoX configs use; each adds confidence. */
const SIGNATURE_KEYS = [
  'seq_length',
  'max_position_embeddings',
  'pos_emb',
  'rotary_pct',
  'no_weight_tying',
  'gpt_j_residual',
  'pipe_parallel_size',
  'model_parallel_size',
  'train_micro_batch_size_per_gpu',
  'train_iters',
  'lr_decay_iters',
  'tokenizer_type',
  'vocab_file',
  'make_vocab_size_divisible_by',
  'output_layer_parallelism',
  'attention_config',
  'scaled_upper_triang_masked_softmax_fusion',
  'bias_gelu_fusion',
  'init_method',
  'output_layer_init_method',
  'gas',
  'data_impl',
  'checkpoint_activations',
  'partition_activations',
  'synchronize_each_layer',
];

/** Keys that mark another framework's file (HF config.json) even if NeoX-like names appear. */
const FOREIGN_KEYS = ['model_type', 'architectures', 'num_hidden_layers'];

const HYPHEN = true;

/** Parse once per text; detect() and read() see the same text in a row. */

/**
 * Python sources are not NeoX configs, though the YAML parser recovers from them: NeoX's own
 * megatron/neox_arguments/neox_args.py (docstrings of `num_layers:` …) and Megatron's
 * transformer_config.py read as NeoX files, every lens "unknown".
 */
const PYTHON_SOURCE = /^(import\s+[\w.]+|from\s+[\w.]+\s+import\b|def\s+\w+\s*\(|class\s+\w+\s*[(:])/m;

function detect(text: string, path?: string): number {
  if ((path && /\.py$/i.test(path)) || PYTHON_SOURCE.test(text)) return 0;
  // Cheap pre-check so large YAML files of other frameworks are not parsed twice.
  if (!/num[-_]layers["']?\s*:/.test(text) || !/hidden[-_]size["']?\s*:/.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const keys = topLevelKeys(yaml, HYPHEN);
  if (FOREIGN_KEYS.some((key) => keys.has(key))) return 0;
  if (!MODEL_KEYS.every((key) => keys.has(key))) return 0;
  const signature = SIGNATURE_KEYS.filter((key) => keys.has(key)).length;
  // The three model keys alone are shared by other Megatron-derived YAMLs (NeMo's
  // megatron_model_base_config.yaml is an encoder–decoder fragment): NeoX needs a key of its own.
  if (signature === 0) return 0;
  return Math.min(0.95, 0.6 + 0.05 * signature);
}

/** Comment lines of the file with their offsets (text after a '#' outside double quotes). */
function comments(text: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  let lineStart = 0;
  for (const line of text.split('\n')) {
    let inString = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '"' && line[i - 1] !== '\\') inString = !inString;
      else if (ch === '#' && !inString) {
        out.push({ text: line.slice(i + 1), start: lineStart + i, end: lineStart + line.length });
        break;
      }
    }
    lineStart += line.length + 1;
  }
  return out;
}

/** A GPU count stated in a comment ("trained on 64 gpus", "96x 40GB A100"), with its source. */
function gpusFromComments(yaml: YamlSource): Sourced<number> | undefined {
  for (const comment of comments(yaml.lines.text)) {
    for (const pattern of NEOX_GPU_COMMENT_PATTERNS) {
      const match = pattern.exec(comment.text);
      const gpus = match ? Number(match[1]) : NaN;
      if (Number.isInteger(gpus) && gpus > 0) {
        const range = yaml.lines.range(comment.start, comment.end);
        return {
          value: gpus,
          source: { key: 'comment', keyRange: range, valueRange: range, raw: comment.text.trim() },
        };
      }
    }
  }
  return undefined;
}

function read(text: string, context: ReadContext): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'gpt-neox',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as YAML.' }],
    };
  }
  const b = new SpecBuilder('gpt-neox', yaml, { hyphenInsensitive: HYPHEN });
  b.phase = 'architecture';
  const architecture = readArchitecture(b);
  if (architecture) b.spec.architecture = architecture;
  b.phase = 'training';
  readTraining(b, context);
  b.phase = 'other';
  const first = b.spec.archSources.nLayers ?? b.spec.archSources.dModel;
  if (first) b.spec.modelSectionRange = { start: first.keyRange.start, end: first.valueRange.end };
  return { kind: 'run-config', spec: b.finish(), written: yamlWrittenKeys(yaml) };
}

/**
 * model_parallel_size as NeoX uses it: calculate_derived replaces a value below 1 (the `0` some forks
 * write beside `pipe_parallel_size: 0`) by 1 before anything reads it ("mp_size = mp_size if mp_size >= 1
 * else 1", megatron/neox_arguments/arguments.py @ EleutherAI/gpt-neox@ea7aefd8), so 0 is one rank.
 */
function modelParallelSize(b: SpecBuilder): number {
  const found = b.number(['model_parallel_size']);
  if (found && Number.isInteger(found.value) && found.value < 1) return 1;
  return b.int(['model_parallel_size'])?.value ?? 1;
}

/**
 * A GPU count the file writes: calculate_derived takes `global_num_gpus` when it is set and only
 * otherwise counts the hostfile's or the node's GPUs (megatron/neox_arguments/arguments.py:892 @
 * EleutherAI/gpt-neox@ea7aefd8), so it decides the data-parallel size over any comment or setting.
 */
function writtenGpus(b: SpecBuilder): Sourced<number> | undefined {
  return b.int(['global_num_gpus'], { training: 'gpus' });
}

/** A name NeoX would reject: diagnosed, and the count becomes unknown (see SpecBuilder.finish). */
function unknownName(b: SpecBuilder, key: Sourced<string>, known: ReadonlySet<string>): void {
  b.refuse(
    key.source,
    `GPT-NeoX does not know ${key.source.key} \`${key.value.slice(0, 40)}\` (known: ${[...known].join(', ')}).`,
    { code: 'unknown-value' },
  );
}

function readArchitecture(b: SpecBuilder): ArchitectureSpec | undefined {
  const nLayers = b.int(['num_layers'], { arch: 'nLayers' });
  const dModel = b.int(['hidden_size'], { arch: 'dModel' });
  const nHeads = b.int(['num_attention_heads'], { arch: 'nHeads' });
  if (!nLayers || !dModel || !nHeads) {
    b.diagnose(
      'warning',
      'missing-architecture',
      'num_layers, hidden_size and num_attention_heads are all needed to count parameters.',
    );
    return undefined;
  }
  if (!readForeignModelKeys(b)) return undefined;
  // Layer types first: NeoX skips the hidden_size % heads check for mamba stacks (arguments.py
  // validate_values), so an unmodelled layer type is the reason to give, not the head width.
  if (!readAttentionConfig(b)) return undefined;
  const kvHeads = b.int(['num_kv_heads'], { arch: 'nKvHeads' });
  const nKvHeads = kvHeads?.value ?? nHeads.value;
  if (kvHeads && (kvHeads.value < 1 || nHeads.value % kvHeads.value !== 0)) {
    // arguments.py calculate_derived asserts num_attention_heads % num_kv_heads == 0.
    b.refuse(
      kvHeads.source,
      `num_kv_heads ${kvHeads.value} must divide num_attention_heads ${nHeads.value} (GPT-NeoX asserts it); parameters are not counted.`,
      { severity: 'error' },
    );
    return undefined;
  }
  const headDim = b.headDim(dModel, nHeads, ['hidden_size', 'num_attention_heads']);
  if (headDim === undefined) return undefined;

  // MLP: NeoX's ParallelMLP takes intermediate_size (or expansion_factor × h, else 4h); for gated
  // activations the 3× convention applies: fused width int(x·2/3), per-branch width that // 2,
  // each rounded up to mlp_multiple_of.
  const activationKey = b.string(['activation']);
  const activation = (activationKey?.value ?? 'gelu').toLowerCase();
  if (activationKey && !NEOX_ACTIVATIONS.has(activation)) unknownName(b, activationKey, NEOX_ACTIVATIONS);
  const legacyLlamaMlp = (b.string(['mlp_type'])?.value ?? '').toLowerCase() === 'llama';
  const gatedMlp = legacyLlamaMlp || NEOX_GATED_ACTIVATIONS.has(activation);
  const multipleOf = b.int(['mlp_multiple_of'])?.value ?? (legacyLlamaMlp ? 256 : 1);
  const intermediate = b.int(['intermediate_size'], { arch: 'ffnSize' });
  const expansion = b.number(['expansion_factor']);
  if (intermediate && expansion) {
    // ParallelMLP asserts that at most one of them is set (megatron/model/transformer.py:106 @ ea7aefd).
    b.refuse(
      expansion.source,
      'GPT-NeoX refuses intermediate_size together with expansion_factor (ParallelMLP asserts one of them is None); parameters are not counted.',
      { range: expansion.source.keyRange },
    );
    return undefined;
  }
  let ffnIn =
    intermediate?.value ?? (expansion ? Math.floor(expansion.value * dModel.value) : 4 * dModel.value);
  let ffnSize: number;
  // ParallelMLP rounds linear1's output to 2·mlp_multiple_of and linear2's input to mlp_multiple_of
  // (megatron/model/transformer.py); when the two disagree the model cannot run, so no count.
  let linear1Width: number | undefined;
  if (legacyLlamaMlp && intermediate) {
    // Pre-Sep-2024 LLaMAParallelMLP takes intermediate_size as the per-branch width of w1, w3 and w2,
    // with no 2/3 rule and no rounding ("Allow custom intermediate size, e.g. for Mistral",
    // megatron/model/transformer.py:186 at EleutherAI/gpt-neox@7548a8b76426fbf64e52343ad1846022793de58d,
    // the parent of 0d4bdb96 which removed the class; configs/mistral/7B.yml there writes 14336).
    ffnSize = intermediate.value;
    b.assume(`mlp_type llama: intermediate_size ${ffnSize} is the per-branch width (LLaMAParallelMLP)`);
  } else if (legacyLlamaMlp) {
    // Pre-2024 LLaMAParallelMLP: int(2·4h/3) rounded up to multiple_of (256) per branch.
    ffnSize = roundUpToMultiple(Math.floor((2 * 4 * dModel.value) / 3), multipleOf);
    b.assume(`mlp_type llama: per-branch MLP width int(8h/3) rounded to ${multipleOf} = ${ffnSize}`);
  } else if (gatedMlp) {
    ffnIn = Math.floor((ffnIn * 2) / 3);
    ffnSize = roundUpToMultiple(Math.floor(ffnIn / 2), multipleOf);
    linear1Width = roundUpToMultiple(ffnIn, 2 * multipleOf);
    if (intermediate)
      b.assume(`intermediate_size ${intermediate.value} is NeoX's 3× width: per-branch ${ffnSize}`);
  } else {
    ffnSize = roundUpToMultiple(ffnIn, multipleOf);
    linear1Width = roundUpToMultiple(ffnIn, 2 * multipleOf);
    if (!intermediate && !expansion) b.assume(`MLP width 4 × hidden_size = ${ffnSize} (NeoX default)`);
  }

  const normKey = b.string(['norm']);
  const normName = (normKey?.value ?? 'layernorm').toLowerCase();
  const norm = NEOX_NORMS[normName] ?? NEOX_NORMS.layernorm;
  if (normKey && !NEOX_NORMS[normName]) unknownName(b, normKey, new Set(Object.keys(NEOX_NORMS)));
  // use_bias_in_norms is declared in neox_args.py but no model code reads it (get_norm builds
  // torch LayerNorm with bias, RMSNorm without), so the norm type alone decides.
  const normBias = norm.bias;
  let attnBias = b.bool(['use_bias_in_attn_linear'])?.value ?? true;
  const mlpBiasSetting = b.bool(['use_bias_in_mlp'])?.value;
  // Gated MLPs are the Llama ports, which are meant bias-free (the pre-2024 LLaMAParallelMLP had no
  // biases); current NeoX would add them unless use_bias_in_mlp: false, so say so.
  // LLaMAParallelMLP (mlp_type llama, before 0d4bdb96) builds w1, w3, w2 with bias=False; use_bias_in_mlp
  // only arrived with adbf5d6f, which removed mlp_type.
  let mlpBias = legacyLlamaMlp ? false : (mlpBiasSetting ?? !gatedMlp);
  const transformerEngine = readTransformerEngine(b, {
    gated: gatedMlp,
    legacyLlamaMlp,
    normName,
    activation,
    ffnIn,
    multipleOf,
  });
  if (transformerEngine === null) return undefined;
  if (transformerEngine.attention) attnBias = true;
  if (transformerEngine.mlpWidth !== undefined) {
    ffnSize = transformerEngine.mlpWidth;
    linear1Width = undefined;
    mlpBias = true;
  }
  if (mlpBiasSetting === undefined && gatedMlp && !legacyLlamaMlp && !transformerEngine.mlpWidth) {
    b.assume(
      'gated (Llama-style) MLP counted without biases; current GPT-NeoX adds them unless use_bias_in_mlp: false',
    );
  }

  const tied = !(b.bool(['no_weight_tying'], { arch: 'tiedEmbeddings' })?.value ?? false);
  // train_impl rm with an untied head builds rm_linear (hidden_size → 1) instead of the vocabulary
  // projection (megatron/model/transformer.py ParallelLinear, is_rm @ ea7aefd); tied, the head is the
  // embedding either way.
  const trainImpl = b.string(['train_impl']);
  if (!tied && trainImpl?.value.toLowerCase() === 'rm') {
    b.diagnose(
      'warning',
      'not-modelled-key',
      'unknown: train_impl `rm` with no_weight_tying replaces the output layer by a hidden_size × 1 reward head, which Scaling Lens does not model; N not shown.',
      trainImpl.source.valueRange,
    );
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'a model of the `train_impl: rm` reward head'];
    return undefined;
  }
  const posEmbKey = b.string(['pos_emb']);
  const posEmb = (posEmbKey?.value ?? 'learned').toLowerCase();
  if (posEmbKey && !NEOX_POS_EMBS.has(posEmb)) unknownName(b, posEmbKey, NEOX_POS_EMBS);
  const seqLength = b.int(['seq_length']);
  const maxPositionsKey = b.int(['max_position_embeddings'], { arch: 'maxPositions' });
  const maxPositions = maxPositionsKey?.value ?? seqLength?.value ?? 0;
  const learnedPositions = posEmb === 'learned' ? maxPositions : 0;
  // max_position_embeddings is required (arguments.py validate_values); a file without it is merged
  // with another at launch, so seq_length (which it must be at least) stands in, and says so.
  if (posEmb === 'learned')
    b.assume(
      `learned position table with ${maxPositions} rows (pos_emb learned${maxPositionsKey ? '' : '; max_position_embeddings not in this file, seq_length used'})`,
    );
  // With use_bnb_optimizer the learned position table is a bitsandbytes StableEmbedding
  // (megatron/model/word_embeddings.py:88-101 @ ea7aefd), which adds a torch LayerNorm(hidden_size),
  // weight and bias (bitsandbytes/nn/modules.py StableEmbedding.__init__: self.norm). The word
  // embedding stays a VocabParallelEmbedding.
  const bnbEmbedding = posEmb === 'learned' && (b.bool(['use_bnb_optimizer'])?.value ?? false);
  if (bnbEmbedding && !(norm.weight && norm.bias)) {
    // The counter's embedding norm follows the model's norm type; here it is a LayerNorm whatever `norm` says.
    b.diagnose(
      'warning',
      'not-modelled-key',
      `unknown: use_bnb_optimizer makes the learned position table a bitsandbytes StableEmbedding with its own LayerNorm, which Scaling Lens cannot count next to norm \`${normName}\`; N not shown.`,
      b.find(['use_bnb_optimizer'])?.source.keyRange,
    );
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'a model of `use_bnb_optimizer` with this norm'];
    return undefined;
  }
  if (bnbEmbedding)
    b.assume(
      'use_bnb_optimizer: the learned position table (bitsandbytes StableEmbedding) adds a LayerNorm of 2 × hidden_size',
    );
  b.bool(['gpt_j_residual']); // Parallel residual: NeoX still allocates both LayerNorms.
  b.bool(['gpt_j_tied']); // Ties the two norms in the forward pass only; both are still allocated.

  const vocabSize = readVocab(b, { rmsnorm: normName.includes('rms'), gated: gatedMlp });
  if (vocabSize === undefined) return undefined;
  const moe = readMoe(b, { nLayers: nLayers.value, dModel: dModel.value, intermediate: intermediate?.value });
  if (moe && transformerEngine.mlpWidth !== undefined) {
    // te_layernorm_mlp drops post_attention_layernorm, but MoE layers keep ParallelDroplessMoE,
    // which has no norm of its own: not the layer the counter describes.
    const te = b.find(['te_layernorm_mlp'])!;
    b.refuse(
      te.source,
      'unknown: te_layernorm_mlp with MoE layers: GPT-NeoX drops the post-attention norm but builds its own MoE MLP without one, which Scaling Lens does not model; parameters are not counted.',
      { code: 'not-modelled-key', range: te.source.keyRange },
    );
    return undefined;
  }

  const architecture: ArchitectureSpec = {
    nLayers: nLayers.value,
    dModel: dModel.value,
    nHeads: nHeads.value,
    nKvHeads,
    headDim,
    ffnSize,
    gatedMlp,
    vocabSize,
    tiedEmbeddings: tied,
    learnedPositions,
    qkvBias: attnBias,
    attnOutBias: attnBias,
    mlpBias,
    normsPerLayer: 2,
    normWeight: norm.weight,
    normBias,
    finalNorm: true,
    qkNorm: 'none',
    ...(bnbEmbedding ? { embeddingNorm: true } : {}),
  };
  if (moe === null) return undefined;
  const expectedLinear1 = gatedMlp ? 2 * ffnSize : ffnSize;
  // Only layers with a dense MLP build it (every layer is MoE by default when experts are on).
  const denseLayers = moe ? nLayers.value - (moe.moeLayers ?? nLayers.value) : nLayers.value;
  if (denseLayers > 0 && linear1Width !== undefined && linear1Width !== expectedLinear1) {
    const source = (intermediate ?? expansion ?? b.find(['mlp_multiple_of']))?.source;
    b.diagnose(
      'warning',
      'invalid-value',
      `GPT-NeoX would build an MLP whose first linear (${linear1Width} wide, rounded to 2 × mlp_multiple_of) does not match its second (${ffnSize}${gatedMlp ? ' per branch' : ''}); the model cannot run, so parameters are not counted.`,
      source?.valueRange,
    );
    if (source) b.reject(source);
    return undefined;
  }

  if (moe) architecture.moe = moe;
  return architecture;
}

/**
 * TransformerEngine blocks (megatron/model/transformer_engine.py, gpt-neox@ea7aefd8 and at
 * 8900d05c, where they arrived; TransformerEngine@d0067d0d layernorm_mlp.py, multi_head_attention.py).
 * `te_mha` / `te_fp8_mha`: te.MultiheadAttention with input_layernorm=False, fused qkv (q + 2 kv
 * heads × h/heads) and proj, always bias=True — the same shapes as NeoX's attention with biases.
 * `te_layernorm_mlp`: te.LayerNormMLP replaces post_attention_layernorm and the MLP: its norm (the
 * model's LayerNorm or RMSNorm), fc1 F×h (2F for a gated activation) and fc2 h×F, both with bias
 * (bias=True). F is intermediate_size, else int(expansion_factor·h), else 4h; from 8900d05c to
 * 21fa24f9 it was rounded up to 2·mlp_multiple_of and, for gated activations, given NeoX's 2/3 rule
 * first. Where those versions build different widths (gated, or F not a multiple of
 * 2·mlp_multiple_of) the file cannot say which, so the count is not shown. Returns null then; the
 * MLP width F when te_layernorm_mlp is on.
 */
function readTransformerEngine(
  b: SpecBuilder,
  x: {
    gated: boolean;
    legacyLlamaMlp: boolean;
    normName: string;
    activation: string;
    ffnIn: number;
    multipleOf: number;
  },
): { attention: boolean; mlpWidth?: number } | null {
  const attention = (b.bool(['te_mha'])?.value ?? false) || (b.bool(['te_fp8_mha'])?.value ?? false);
  if (attention && b.bool(['use_bias_in_attn_linear'])?.value === false)
    b.assume(
      'te_mha: TransformerEngine MultiheadAttention is built with bias=True whatever use_bias_in_attn_linear says',
    );
  const mlp = b.find(['te_layernorm_mlp']);
  if (mlp?.value !== true) return { attention };
  const refuse = (why: string): null => {
    b.refuse(mlp.source, `unknown: te_layernorm_mlp ${why}; parameters are not counted.`, {
      code: 'not-modelled-key',
      range: mlp.source.keyRange,
    });
    return null;
  };
  if (x.legacyLlamaMlp)
    return refuse(
      'with mlp_type llama (removed before TransformerEngine support): no GPT-NeoX version builds it',
    );
  if (!['layernorm', 'te_layernorm', 'rmsnorm', 'te_rmsnorm'].includes(x.normName))
    return refuse(
      `with norm \`${x.normName}\`: GPT-NeoX's TELayerNormMLP raises for anything but LayerNorm and RMSNorm`,
    );
  if (!TE_MLP_ACTIVATIONS.has(x.activation))
    return refuse(`with activation \`${x.activation}\`: GPT-NeoX's TELayerNormMLP raises for it`);
  if (x.gated)
    return refuse(
      `with the gated activation \`${x.activation}\`: its width depends on the GPT-NeoX version (2/3 rule and rounding from 8900d05c until 21fa24f9, none since)`,
    );
  if (x.ffnIn % (2 * x.multipleOf) !== 0)
    return refuse(
      `with an MLP width of ${x.ffnIn}, not a multiple of 2 × mlp_multiple_of: GPT-NeoX versions before 21fa24f9 round it up, later ones do not`,
    );
  b.assume(
    `te_layernorm_mlp: TransformerEngine LayerNormMLP of width ${x.ffnIn} with biases and its own norm`,
  );
  return { attention, mlpWidth: x.ffnIn };
}

/**
 * A model-shape key (NEOX_ARCH_KEY_PATTERN) that no GPT-NeoX version defines: the file is for a fork
 * whose model code reads it (lumosity4tpj/Neox-LLM's `num_key_value_heads`, `ffn_dim_multiplier`,
 * `multiple_of`; Stability-AI's `attention_head_type`), so the count would follow NeoX's code, not the
 * fork's. Returns false when the count must not be shown. MoE keys are readMoe's.
 */
function readForeignModelKeys(b: SpecBuilder): boolean {
  const foreign = [...topLevelKeys(b.yaml, HYPHEN)]
    .filter((key) => !/moe|expert/.test(key) && NEOX_ARCH_KEY_PATTERN.test(key) && !NEOX_ARCH_KEYS.has(key))
    .map((key) => b.find([key]))
    .find((found) => found !== undefined);
  if (!foreign) return true;
  b.diagnose(
    'warning',
    'not-modelled-key',
    `unknown: \`${foreign.source.key}\` is not a GPT-NeoX argument (upstream NeoX refuses unknown keys): it is a fork's model option, which Scaling Lens does not model; N not shown.`,
    foreign.source.keyRange,
  );
  b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), `a model of \`${foreign.source.key}\``];
  return false;
}

/**
 * `attention_config`: a list of [[types], repeat] pairs. Attention variants (global, local, flash,
 * DeepSpeed sparse) share the q/k/v/o projections; layer types that replace the block (gmlp, amlp,
 * mamba, rwkv) are not modelled. Returns false when the count must not be shown.
 */
function readAttentionConfig(b: SpecBuilder): boolean {
  const located = b.find(['attention_config']);
  if (!located || located.value === null || located.value === undefined) return true;
  // Each item is [[type, ...], repeat] (repeat a count or "all"); bounded for hostile files.
  const types = new Set<string>();
  let wellFormed = Array.isArray(located.value);
  for (const item of Array.isArray(located.value) ? located.value.slice(0, 256) : []) {
    const names = Array.isArray(item) ? item[0] : undefined;
    if (!Array.isArray(names)) {
      wellFormed = false;
      continue;
    }
    for (const name of names.slice(0, 256)) {
      if (typeof name === 'string') types.add(name.toLowerCase());
      else wellFormed = false;
    }
  }
  const unmodelled = [...types].filter((type) => !NEOX_ATTENTION_TYPES.has(type));
  if (!wellFormed || unmodelled.length) {
    b.diagnose(
      'warning',
      'not-modelled-key',
      `unknown: attention_config uses ${unmodelled.length ? unmodelled.map((t) => `\`${t.slice(0, 20)}\``).join(', ') : 'a form Scaling Lens does not read'} layers, whose parameters Scaling Lens does not model; N not shown.`,
      located.source.valueRange,
    );
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), 'a model of `attention_config` layer types'];
    return false;
  }
  return true;
}

/**
 * GPT-NeoX dropless MoE (megatron/model/transformer.py, megatron/model/moe.py, moe_mlp.py at
 * ea7aefd): layer i (0-based) is MoE when i % moe_expert_interval == 0; each MoE layer has a
 * bias-free router d×E and E two-matrix experts (w1, w2: F×d each, no biases, also for gated
 * activations) with F = intermediate_size, else 4h rounded up to 256. Returns null when the count
 * must not be shown, undefined for a dense model.
 */
function readMoe(
  b: SpecBuilder,
  model: { nLayers: number; dModel: number; intermediate: number | undefined },
): ArchitectureSpec['moe'] | null | undefined {
  const experts = b.int(['moe_num_experts'], { arch: 'nExperts' });
  if (!experts || experts.value <= 1) return undefined;
  // A MoE key no NeoX version defines (NeoXArgs(**config) raises on unknown keys, arguments.py
  // from_ymls): a fork's MoE, whose layer placement and expert shapes are its own.
  const foreign = [...topLevelKeys(b.yaml, HYPHEN)]
    .filter((key) => /moe|expert/.test(key) && !NEOX_MOE_KEYS.has(key) && !NEOX_LEGACY_MOE_KEYS.includes(key))
    .map((key) => b.find([key]))
    .find((found) => found !== undefined);
  if (foreign) {
    b.diagnose(
      'warning',
      'not-modelled-key',
      `unknown: \`${foreign.source.key}\` is not a key of GPT-NeoX's MoE (moe_num_experts, moe_top_k, moe_expert_interval, …): the file is for a fork whose MoE layers Scaling Lens does not model; N not shown.`,
      foreign.source.keyRange,
    );
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), `a model of \`${foreign.source.key}\``];
    return null;
  }
  // Before d11df961 (May 2025) NeoX had DeepSpeed/megablocks MoE with residual experts and
  // expert_interval defaulting to 2; such files are not counted.
  const legacy = NEOX_LEGACY_MOE_KEYS.map((key) => b.find([key])).find((found) => found !== undefined);
  if (legacy) {
    b.diagnose(
      'warning',
      'not-modelled-key',
      `unknown: \`${legacy.source.key}\` is a key of GPT-NeoX's MoE before May 2025 (DeepSpeed/megablocks MoE with residual experts, expert_interval default 2), which Scaling Lens does not model; N not shown.`,
      legacy.source.keyRange,
    );
    b.spec.paramsMissing = [...(b.spec.paramsMissing ?? []), `a model of \`${legacy.source.key}\``];
    return null;
  }
  const topK = b.int(['moe_top_k'], { arch: 'expertsPerToken' })?.value ?? 1;
  const interval = b.int(['moe_expert_interval'])?.value ?? 1;
  if (topK > experts.value) {
    b.diagnose('error', 'invalid-value', `moe_top_k ${topK} exceeds moe_num_experts ${experts.value}.`);
    return null;
  }
  const expertFfnSize = model.intermediate ?? roundUpToMultiple(4 * model.dModel, 256);
  const moeLayers = Math.ceil(model.nLayers / interval);
  b.assume(
    `MoE: ${moeLayers} of ${model.nLayers} layers (every ${interval}, from layer 0), ${experts.value} experts of width ${expertFfnSize} (two bias-free matrices), top-${topK}`,
  );
  return {
    nExperts: experts.value,
    expertsPerToken: topK,
    expertFfnSize,
    moeLayers,
    expertGated: false,
    expertBias: false,
  };
}

/** Padded vocab rows: tokenizer size rounded up to make_vocab_size_divisible_by × model_parallel_size. */
function readVocab(b: SpecBuilder, family: { rmsnorm: boolean; gated: boolean }): number | undefined {
  const explicitPadded = b.int(['padded_vocab_size'], { arch: 'vocabSize' });
  let tokens: number | undefined;
  const explicit = b.int(['vocab_size'], { arch: 'vocabSize' });
  const vocabFile = b.string(['vocab_file'], { arch: 'vocabSize' });
  const tokenizerType = b.string(['tokenizer_type']);
  if (explicit) tokens = explicit.value;
  const shared = vocabFile ? findTokenizer(vocabFile.value) : undefined;
  const fileRow = vocabFile
    ? (NEOX_VOCAB_FILE_SIZES.find((row) => row.pattern.test(vocabFile.value)) ??
      (shared ? { tokens: shared.size, source: `${shared.name} (${shared.source})` } : undefined))
    : undefined;
  // NeoX overwrites padded_vocab_size at launch with the tokenizer's size padded to
  // make_vocab_size_divisible_by × model_parallel_size (megatron/tokenizer/tokenizer.py:67
  // build_tokenizer, called by train.py @ ea7aefd). So a written value only stands in for a tokenizer
  // this file does not pin down; a vocab_file whose size is known decides.
  if (explicitPadded && !(fileRow && tokens === undefined)) return explicitPadded.value;
  const typeRow = tokenizerType ? NEOX_TOKENIZER_TYPE_SIZES[tokenizerType.value] : undefined;
  if (tokens === undefined && !fileRow && (vocabFile || (tokenizerType && !typeRow))) {
    // A tokenizer named in the file but not known here: its size decides the embedding rows.
    const named = vocabFile ?? tokenizerType!;
    b.diagnose(
      'info',
      'unknown-tokenizer',
      `The size of the tokenizer \`${named.value.slice(0, 60)}\` is not known to Scaling Lens; set padded_vocab_size (or vocab_size) to count parameters.`,
      named.source.valueRange,
    );
    b.spec.paramsMissing = [
      ...(b.spec.paramsMissing ?? []),
      `the size of tokenizer \`${named.value.slice(0, 60)}\``,
    ];
    return undefined;
  }
  if (tokens === undefined && fileRow) {
    tokens = fileRow.tokens;
    b.assume(`tokenizer: ${fileRow.source}, ${fileRow.tokens} tokens`);
  } else if (tokens === undefined && typeRow) {
    tokens = typeRow.tokens;
    if (tokenizerType) b.spec.archSources.vocabSize ??= tokenizerType.source;
    b.assume(`tokenizer: ${typeRow.source}, ${typeRow.tokens} tokens`);
  } else if (tokens === undefined) {
    // The tokenizer usually lives in a second file merged at launch (configs/local_setup.yml).
    // Llama-style ports (RMSNorm + gated MLP) are launched with Llama's SentencePiece model; the
    // rest with NeoX's default GPT-2 BPE.
    const llamaStyle = family.rmsnorm && family.gated;
    const row = llamaStyle
      ? NEOX_TOKENIZER_TYPE_SIZES.SPMTokenizer
      : NEOX_TOKENIZER_TYPE_SIZES.GPT2BPETokenizer;
    tokens = row.tokens;
    b.assume(
      `no tokenizer in this file (it is merged from another config at launch): assumed ${row.source}, ${row.tokens} tokens`,
    );
  }
  const divisibleBy = b.int(['make_vocab_size_divisible_by'])?.value ?? 128;
  const modelParallel = modelParallelSize(b);
  const { rows, note } = padVocab(tokens, divisibleBy, modelParallel, { tpName: 'model_parallel_size' });
  if (note) b.assume(note);
  if (explicitPadded && explicitPadded.value !== rows) {
    b.diagnose(
      'info',
      'overridden-value',
      `padded_vocab_size ${explicitPadded.value} is replaced at launch: GPT-NeoX sets it from the tokenizer (${tokens} tokens padded to ${divisibleBy} × ${modelParallel} = ${rows} rows), which is what is counted.`,
      explicitPadded.source.valueRange,
    );
  }
  return rows;
}

function readTraining(b: SpecBuilder, context: ReadContext): void {
  const training = b.spec.training;
  const missing: string[] = [];
  const iters = b.int(['train_iters'], { training: 'steps' });
  // Both set: build_train_valid_test_data_loaders → validate_train_epochs raises "Cannot specify both
  // train epochs and train iters simultaneously" (EleutherAI/gpt-neox@ea7aefd8
  // megatron/data/data_utils.py:488), so the run never starts: no D.
  const bothEpochs = iters ? b.number(['train_epochs']) : undefined;
  if (iters && bothEpochs && bothEpochs.value !== 0) {
    b.diagnose(
      'error',
      'invalid-value',
      'unknown: train_epochs — GPT-NeoX refuses train_epochs together with train_iters ("Cannot specify both train epochs and train iters simultaneously", megatron/data/data_utils.py validate_train_epochs); D is not shown.',
      bothEpochs.source.keyRange,
    );
    missing.push('unknown: train_epochs (set together with train_iters, which GPT-NeoX refuses)');
  }
  const epochs = iters ? undefined : b.number(['train_epochs']);
  const duration = iters ?? epochs;
  if (duration) b.record(duration.source, { training: 'duration' });
  const seq = b.int(['seq_length'], { training: 'seqLen' });
  if (seq) training.seqLen = seq.value;
  if (iters) training.steps = iters.value;

  // Global batch: DeepSpeed's train_batch_size wins; otherwise micro × grad-accum × DP.
  const explicitBatch = b.int(['train_batch_size'], { training: 'globalBatch' });
  let globalBatch: number | undefined = explicitBatch?.value;
  let batchFormula = explicitBatch ? `${explicitBatch.value} seqs (train_batch_size)` : '';
  if (!explicitBatch) {
    const micro = b.int(['train_micro_batch_size_per_gpu'], { training: 'microBatch' });
    // Only gradient_accumulation_steps is read. NeoX never read `gas`: its calculate_derived overwrote
    // it with gradient_accumulation_steps ("duplicate items", megatron/neox_arguments/arguments.py
    // before EleutherAI/gpt-neox@91c44bc3, which removed the key).
    const gas = b.int(['gradient_accumulation_steps'], { training: 'gradAccum' });
    const modelParallel = modelParallelSize(b);
    // pipe_parallel_size 0 means "no pipeline" (it still occupies one stage).
    const pipeParallel = Math.max(1, b.number(['pipe_parallel_size'])?.value ?? 1);
    const written = writtenGpus(b);
    const fromComment = written ? undefined : gpusFromComments(b.yaml);
    const fromOptions = optionGpus(context);
    const gpus = written?.value ?? fromComment?.value ?? fromOptions;
    if (written) {
      training.gpus = written.value;
      b.assume(
        `GPU count ${written.value} from global_num_gpus (GPT-NeoX uses it instead of counting the GPUs)`,
      );
    } else if (fromComment) {
      b.record(fromComment.source, { training: 'gpus' });
      training.gpus = fromComment.value;
      b.assume(`GPU count ${fromComment.value} taken from the comment "${fromComment.source.raw}"`);
    }
    if (!micro) missing.push('micro batch size (train_micro_batch_size_per_gpu)');
    else if (gpus === undefined) {
      missing.push('GPU count');
      b.diagnose(
        'info',
        'missing-gpus',
        'Training tokens depend on the data-parallel size (GPUs / (model × pipe parallel)); the file does not say how many GPUs. Set the GPU count to compute them.',
        (duration ?? micro).source.keyRange,
      );
    } else {
      const dataParallel = Math.floor(gpus / (modelParallel * pipeParallel));
      if (dataParallel < 1 || gpus % (modelParallel * pipeParallel) !== 0) {
        b.diagnose(
          'warning',
          'invalid-value',
          `${gpus} GPUs are not a multiple of model × pipe parallel (${modelParallel} × ${pipeParallel}).`,
          (written ?? fromComment ?? micro).source.valueRange,
        );
      }
      if (dataParallel >= 1) {
        const gasValue = gas?.value ?? 1;
        globalBatch = micro.value * gasValue * dataParallel;
        const gpuOrigin = written ? 'from global_num_gpus' : fromComment ? 'from comment' : 'from settings';
        batchFormula =
          `${globalBatch} seqs (${micro.value} micro × ${gasValue} grad-accum × ${dataParallel} DP; ` +
          `${gpus} GPUs ${gpuOrigin} / (MP ${modelParallel} × PP ${pipeParallel}))`;
      }
    }
  }
  if (explicitBatch) {
    // check_batch_parameters (megatron/neox_arguments/arguments.py) asserts train_batch_size ==
    // micro × gradient_accumulation_steps (default 1, deepspeed_args.py) × dp once all three are set,
    // dp = global_num_gpus / pipe / model parallel: on a GPU count where that fails the run stops.
    const micro = b.int(['train_micro_batch_size_per_gpu'], { training: 'microBatch' });
    const gas = b.int(['gradient_accumulation_steps'], { training: 'gradAccum' });
    const written = writtenGpus(b);
    if (written) training.gpus = written.value;
    const gpus = written?.value ?? gpusFromComments(b.yaml)?.value ?? optionGpus(context);
    const modelParallel = modelParallelSize(b);
    const pipeParallel = Math.max(1, b.number(['pipe_parallel_size'])?.value ?? 1);
    if (micro && gpus !== undefined && gpus % (modelParallel * pipeParallel) === 0) {
      const dp = gpus / (modelParallel * pipeParallel);
      const product = micro.value * (gas?.value ?? 1) * dp;
      if (product !== explicitBatch.value) {
        b.diagnose(
          'warning',
          'invalid-value',
          `train_batch_size ${explicitBatch.value} ≠ train_micro_batch_size_per_gpu ${micro.value} × gradient_accumulation_steps ${gas?.value ?? 1}${gas ? '' : ' (default)'} × dp ${dp} (${gpus} GPUs / (MP ${modelParallel} × PP ${pipeParallel})) = ${product}: GPT-NeoX check_batch_parameters asserts they are equal, so the run stops on ${gpus} GPUs.`,
          explicitBatch.source.valueRange,
        );
      }
    }
  }
  if (globalBatch !== undefined) training.globalBatchSeqs = globalBatch;
  if (!seq) missing.push('sequence length (seq_length)');
  if (globalBatch !== undefined && seq) training.tokensPerStep = globalBatch * seq.value;

  if (!duration) {
    missing.push('training length (train_iters; NeoX merges it from another config at launch)');
  } else if (epochs) {
    training.durationUnit = { kind: 'epochs', suffix: '' };
    const run = epochsOverDataset(epochs.value, context.options?.datasetTokens);
    if (run) {
      training.tokens = run.tokens;
      training.formula = run.formula;
    } else {
      missing.push('dataset size');
      b.diagnose(
        'info',
        'missing-dataset-size',
        'train_epochs needs the dataset size in tokens.',
        epochs.source.keyRange,
      );
    }
  } else if (iters) {
    training.durationUnit = {
      kind: 'steps',
      suffix: '',
      ...(training.tokensPerStep ? { tokensPerUnit: training.tokensPerStep } : {}),
    };
    if (training.tokensPerStep !== undefined && !(bothEpochs && bothEpochs.value !== 0)) {
      training.tokens = iters.value * training.tokensPerStep;
      training.formula = `${formatInt(iters.value)} steps × ${batchFormula} × ${seq!.value} tokens`;
    }
  }
  if (training.tokens === undefined && missing.length) training.missing = missing;
}

/** Reader for GPT-NeoX / Pythia `.yml` run configs. */
export const gptNeoxReader: FrameworkReader<'gpt-neox'> = neverThrowing({
  id: 'gpt-neox',
  label: 'GPT-NeoX',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
  inventory: gptNeoxInventory,
  schedule: gptNeoxSchedule,
  layout: gptNeoxLayout,
});
