/**
 * Hugging Face transformers model families the `config.json` reader understands, as data: the
 * keys each family uses, the defaults of its `PretrainedConfig` subclass (applied when a key is
 * absent, exactly as `from_pretrained` does) and the structural switches its modeling code fixes
 * (biases, norms, gating) that the config does not state.
 *
 * Read from huggingface/transformers `src/transformers/models/<type>/configuration_<type>.py` and
 * `modeling_<type>.py`; the commits of the files read are listed in ./hf-config.inventory.ts.
 * A family without a default for a key needs that key written: the count is then unknown, never a
 * guessed default.
 */

/** How a family lays out its blocks. */
export type HfLayout = 'decoder' | 't5';

/**
 * How a family's MoE keys are spelled and laid out:
 * - `mixtral`: `num_local_experts` experts of width `intermediate_size` in every layer (Mixtral,
 *   GraniteMoE, PhiMoE);
 * - `olmoe`: `num_experts` of width `intermediate_size` in every layer;
 * - `qwen-moe`: `num_experts` of width `moe_intermediate_size`, sparse layers chosen by
 *   `decoder_sparse_step` and `mlp_only_layers`, optional shared expert with a sigmoid gate;
 * - `deepseek`: `n_routed_experts` of width `moe_intermediate_size`, `n_shared_experts` shared
 *   experts fused into one MLP, the first `first_k_dense_replace` layers dense;
 * - `llama4`: `num_local_experts` experts of `intermediate_size` plus one shared expert of
 *   `intermediate_size`, in the layers `moe_layers` lists (else every `interleave_moe_layer_step`-th
 *   layer); the other layers are dense MLPs of `intermediate_size_mlp`;
 * - `ernie`: `moe_num_experts` of `moe_intermediate_size` plus `moe_num_shared_experts` fused
 *   shared experts, in the layers i with (i + 1) % `moe_layer_interval` == 0 between
 *   `moe_layer_start_index` and `moe_layer_end_index`;
 * - `dbrx`: `ffn_config.moe_num_experts` gated experts of `ffn_config.ffn_hidden_size` in every
 *   layer, `ffn_config.moe_top_k` per token, router without bias.
 */
export type HfMoeStyle =
  'mixtral' | 'olmoe' | 'qwen-moe' | 'deepseek-v2' | 'deepseek-v3' | 'llama4' | 'ernie' | 'dbrx';

/** Families whose layout needs code beyond the switches below. */
export type HfSpecial = 'falcon' | 'opt' | 'mpt' | 'bigcode' | 'phi-msft' | 'mamba2' | 'nemotron_h';

/** A structural switch: fixed by the modeling code, or read from a boolean config key. */
export type HfSwitch = boolean | { key: string; invert?: boolean };

/** One transformers model family. */
export interface HfFamily {
  /** Family id (the canonical `model_type`); inventory keys are prefixed with it. */
  id: string;
  layout: HfLayout;
  /** Key aliases, first present wins. */
  keys: {
    nLayers: readonly string[];
    dModel: readonly string[];
    nHeads: readonly string[];
    nKvHeads?: readonly string[];
    ffnSize: readonly string[];
    headDim?: readonly string[];
    maxPositions: readonly string[];
  };
  /** Config-class defaults for absent keys (by the key names used in `keys` and below). */
  defaults: Readonly<Record<string, number | boolean | string | null>>;
  /** `tie_word_embeddings` when absent: the config class default. */
  tiedDefault: boolean;
  /**
   * Keys (`num_key_value_heads`, `head_dim`) whose written `null` the config class replaces by the
   * derived value (num_attention_heads; hidden_size // num_attention_heads), e.g. LlamaConfig's
   * `__post_init__`. A key not listed here has a typed default (GemmaConfig `num_key_value_heads:
   * int = 16`) or is not a config field at all, so a written null either fails validation or
   * leaves `None` in the module shapes: the count is unknown, never the class default.
   */
  nullDerives?: readonly string[];
  /**
   * Keys the config class stores as given with a None default that the modeling code cannot build
   * with (NemotronConfig `num_key_value_heads=None`, then `num_heads // None` in NemotronAttention):
   * an absent key is unknown, not derived.
   */
  requiredKeys?: readonly string[];
  /**
   * Keys the config class ignores that state the head width the checkpoint was exported with
   * (NeMo's `kv_channels` in Nemotron files): a written value other than the head_dim the modeling
   * code builds means the checkpoint is not that model, so the count is unknown.
   */
  headDimWitnesses?: readonly string[];
  /**
   * The attention output projection has been `hidden → hidden` in some versions of the modeling
   * code and `heads·head_dim → hidden` in others (GlmAttention): when the two differ the count
   * depends on the transformers version, so it is unknown.
   */
  outProjVersionDependent?: boolean;
  /**
   * Other spellings of the expert-count key the config class maps onto it (`attribute_map`), e.g.
   * MixtralConfig `{"num_experts": "num_local_experts"}`; read when the main key is absent, and two
   * different written values make the count unknown.
   */
  expertAliases?: readonly string[];
  /**
   * The config class's `attribute_map` for shape keys (alias → canonical attribute): a config.json
   * that writes `hidden_size` to a GPT-2 sets `n_embd`. The alias is read when the canonical key is
   * absent; both written with different values make the count unknown.
   */
  attributeMap?: Readonly<Record<string, string>>;
  gatedMlp: boolean;
  /**
   * 'layernorm' = weight + bias; 'rmsnorm' = weight only (also LayerNorm without bias, which has
   * the same parameters); 'none' = non-parametric (OLMo-1 `OlmoLayerNorm`).
   */
  norm: 'layernorm' | 'rmsnorm' | 'none';
  /** Norm layers per block; a key switch chooses `parallel` (true) or `sequential` (false) counts. */
  normsPerLayer: number | { key: string; whenTrue: number; whenFalse: number };
  qkvBias: HfSwitch;
  attnOutBias: HfSwitch;
  mlpBias: HfSwitch;
  lmHeadBias?: HfSwitch;
  /** QK norm: fixed, or enabled by a boolean key. */
  qkNorm: 'none' | 'head' | 'full' | { key: string; kind: 'head' | 'full'; bias: boolean };
  /** Learned absolute positions: rows = the maxPositions key plus this offset (OPT adds 2). */
  learnedPositions?: { offset: number };
  /** When the FFN key is null/absent, FFN = this × d (GPT-2 `n_inner: null` → 4d). */
  ffnMultipleOfD?: number;
  /** A norm right after the token embedding (BLOOM). */
  embeddingNorm?: boolean;
  moe?: HfMoeStyle;
  /**
   * The router carries a per-expert bias parameter: DeepSeek-V3 `e_score_correction_bias`, gpt-oss
   * `GptOssTopKRouter.bias` (a Linear bias).
   */
  routerBias?: boolean;
  /**
   * Experts carry biases although the family has no dense MLP bias switch: gpt-oss
   * `GptOssExperts.gate_up_proj_bias` (E×2f) and `down_proj_bias` (E×d), i.e. the biases of a gated
   * MLP (transformers@00d4b3d2 gpt_oss/modeling_gpt_oss.py).
   */
  expertBias?: boolean;
  /**
   * The width key of an ungated-router shared MLP beside `mixtral`-style experts in every MoE layer
   * (GraniteMoeShared `shared_intermediate_size`, 0 = none); its default sits in `defaults`.
   */
  sharedExpertKey?: string;
  /** One learned sink logit per head and layer (gpt-oss `GptOssAttention.sinks`). */
  attentionSinks?: boolean;
  /** Multi-head latent attention (DeepSeek-V2/V3). */
  mla?: boolean;
  special?: HfSpecial;
  /**
   * Head-class stems other than the family id that name this family's model in `architectures`
   * (lower case, without `_`/`-` and the LM-head suffix): Gemma3ForCausalLM for `gemma3_text`.
   */
  classStems?: readonly string[];
  /** Citation for the switches above (file in huggingface/transformers). */
  source: string;
}

const LLAMA_KEYS = {
  nLayers: ['num_hidden_layers'],
  dModel: ['hidden_size'],
  nHeads: ['num_attention_heads'],
  nKvHeads: ['num_key_value_heads'],
  ffnSize: ['intermediate_size'],
  headDim: ['head_dim'],
  maxPositions: ['max_position_embeddings'],
} as const;

const GPT2_KEYS = {
  nLayers: ['n_layer'],
  dModel: ['n_embd'],
  nHeads: ['n_head'],
  ffnSize: ['n_inner'],
  maxPositions: ['n_positions'],
} as const;

/** GPT2Config / GPTJConfig / GPTBigCodeConfig `attribute_map`. */
const GPT2_ATTRIBUTE_MAP = {
  hidden_size: 'n_embd',
  max_position_embeddings: 'n_positions',
  num_attention_heads: 'n_head',
  num_hidden_layers: 'n_layer',
} as const;

const LLAMA_LIKE = {
  layout: 'decoder',
  keys: LLAMA_KEYS,
  tiedDefault: false,
  gatedMlp: true,
  norm: 'rmsnorm',
  normsPerLayer: 2,
  qkvBias: false,
  attnOutBias: false,
  mlpBias: false,
  qkNorm: 'none',
} as const;

const ATTENTION_BIAS = {
  qkvBias: { key: 'attention_bias' },
  attnOutBias: { key: 'attention_bias' },
} as const;

const families: HfFamily[] = [
  {
    id: 'gpt2',
    layout: 'decoder',
    keys: GPT2_KEYS,
    attributeMap: GPT2_ATTRIBUTE_MAP,
    defaults: { n_layer: 12, n_embd: 768, n_head: 12, n_inner: null, n_positions: 1024, vocab_size: 50257 },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'layernorm',
    normsPerLayer: 2,
    qkvBias: true,
    attnOutBias: true,
    mlpBias: true,
    qkNorm: 'none',
    learnedPositions: { offset: 0 },
    ffnMultipleOfD: 4,
    source: 'gpt2/modeling_gpt2.py (Conv1D with bias, LayerNorm, wpe)',
  },
  {
    id: 'gpt_neo',
    layout: 'decoder',
    // GPTNeoConfig.attribute_map.
    attributeMap: { num_attention_heads: 'num_heads', num_hidden_layers: 'num_layers' },
    keys: {
      nLayers: ['num_layers'],
      dModel: ['hidden_size'],
      nHeads: ['num_heads'],
      ffnSize: ['intermediate_size'],
      maxPositions: ['max_position_embeddings'],
    },
    defaults: {
      num_layers: 24,
      hidden_size: 2048,
      num_heads: 16,
      intermediate_size: null,
      max_position_embeddings: 2048,
      vocab_size: 50257,
    },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'layernorm',
    normsPerLayer: 2,
    // GPTNeoSelfAttention: q/k/v_proj bias=False, out_proj bias=True; GPTNeoMLP c_fc/c_proj biased.
    qkvBias: false,
    attnOutBias: true,
    mlpBias: true,
    qkNorm: 'none',
    learnedPositions: { offset: 0 },
    ffnMultipleOfD: 4,
    source: 'gpt_neo/modeling_gpt_neo.py (q/k/v without bias, out_proj with bias, wpe)',
  },
  {
    id: 'gptj',
    layout: 'decoder',
    keys: GPT2_KEYS,
    attributeMap: GPT2_ATTRIBUTE_MAP,
    defaults: { n_layer: 28, n_embd: 4096, n_head: 16, n_inner: null, n_positions: 2048, vocab_size: 50400 },
    tiedDefault: false,
    gatedMlp: false,
    norm: 'layernorm',
    // GPTJBlock: one ln_1 feeds attention and MLP in parallel.
    normsPerLayer: 1,
    qkvBias: false,
    attnOutBias: false,
    mlpBias: true,
    // GPTJForCausalLM: lm_head = nn.Linear(n_embd, vocab_size) (bias on).
    lmHeadBias: true,
    qkNorm: 'none',
    ffnMultipleOfD: 4,
    source: 'gptj/modeling_gptj.py (rotary, parallel block, lm_head with bias)',
  },
  {
    id: 'gpt_bigcode',
    layout: 'decoder',
    keys: GPT2_KEYS,
    attributeMap: GPT2_ATTRIBUTE_MAP,
    defaults: { n_layer: 12, n_embd: 768, n_head: 12, n_inner: null, n_positions: 1024, vocab_size: 50257 },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'layernorm',
    normsPerLayer: 2,
    qkvBias: true,
    attnOutBias: true,
    mlpBias: true,
    qkNorm: 'none',
    learnedPositions: { offset: 0 },
    ffnMultipleOfD: 4,
    special: 'bigcode',
    source: 'gpt_bigcode/modeling_gpt_bigcode.py (c_attn d→d+2·head_dim when multi_query)',
  },
  {
    id: 'gpt_neox',
    layout: 'decoder',
    keys: { ...LLAMA_KEYS, nKvHeads: [], headDim: [] },
    defaults: {
      num_hidden_layers: 44,
      hidden_size: 6144,
      num_attention_heads: 64,
      intermediate_size: 24576,
      max_position_embeddings: 2048,
      vocab_size: 50432,
      attention_bias: true,
    },
    tiedDefault: false,
    gatedMlp: false,
    norm: 'layernorm',
    // Parallel or not, GPTNeoXLayer keeps input_layernorm and post_attention_layernorm.
    normsPerLayer: 2,
    ...ATTENTION_BIAS,
    mlpBias: true,
    qkNorm: 'none',
    source: 'gpt_neox/modeling_gpt_neox.py (fused qkv with bias, two LayerNorms)',
  },
  {
    id: 'bloom',
    layout: 'decoder',
    // BloomConfig.attribute_map (configuration_bloom.py): both spellings with different values are unknown.
    attributeMap: { num_hidden_layers: 'n_layer', num_attention_heads: 'n_head' },
    keys: {
      nLayers: ['n_layer', 'num_hidden_layers'],
      // BloomConfig / FalconConfig.__init__: `hidden_size if n_embed is None else n_embed`, so a
      // written n_embed wins over hidden_size (configuration_bloom.py, configuration_falcon.py
      // @055855363e97).
      dModel: ['n_embed', 'hidden_size'],
      nHeads: ['n_head', 'num_attention_heads'],
      ffnSize: [],
      maxPositions: [],
    },
    defaults: { n_layer: 2, hidden_size: 64, n_head: 8, vocab_size: 250880 },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'layernorm',
    normsPerLayer: 2,
    qkvBias: true,
    attnOutBias: true,
    mlpBias: true,
    qkNorm: 'none',
    // BloomMLP: dense_h_to_4h is 4·hidden, no config key.
    ffnMultipleOfD: 4,
    embeddingNorm: true,
    source: 'bloom/modeling_bloom.py (word_embeddings_layernorm, ALiBi, 4h MLP, biases)',
  },
  {
    id: 'falcon',
    layout: 'decoder',
    // FalconConfig.attribute_map (configuration_falcon.py @055855363e97): both spellings with different values are unknown.
    attributeMap: { num_hidden_layers: 'n_layer', num_attention_heads: 'n_head' },
    keys: {
      nLayers: ['num_hidden_layers', 'n_layer'],
      // BloomConfig / FalconConfig.__init__: `hidden_size if n_embed is None else n_embed`, so a
      // written n_embed wins over hidden_size (configuration_bloom.py, configuration_falcon.py
      // @055855363e97).
      dModel: ['n_embed', 'hidden_size'],
      nHeads: ['num_attention_heads', 'n_head'],
      ffnSize: ['ffn_hidden_size'],
      maxPositions: ['max_position_embeddings'],
    },
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4544,
      num_attention_heads: 71,
      ffn_hidden_size: null,
      vocab_size: 65024,
      bias: false,
      multi_query: true,
      parallel_attn: true,
      new_decoder_architecture: false,
      num_ln_in_parallel_attn: null,
    },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'layernorm',
    normsPerLayer: 2, // decided in code (falcon special)
    qkvBias: { key: 'bias' },
    attnOutBias: { key: 'bias' },
    mlpBias: { key: 'bias' },
    qkNorm: 'none',
    ffnMultipleOfD: 4,
    special: 'falcon',
    // RWForCausalLM: the remote-code name of the same Falcon model (tiiuae's first revisions).
    classStems: ['rw'],
    source: 'falcon/modeling_falcon.py (FalconAttention qkv width, FalconDecoderLayer norms)',
  },
  {
    id: 'mpt',
    layout: 'decoder',
    // MptConfig.attribute_map.
    attributeMap: { num_attention_heads: 'n_heads', hidden_size: 'd_model', num_hidden_layers: 'n_layers' },
    keys: {
      nLayers: ['n_layers'],
      dModel: ['d_model'],
      nHeads: ['n_heads'],
      ffnSize: [],
      maxPositions: ['max_seq_len'],
    },
    defaults: { n_layers: 24, d_model: 2048, n_heads: 16, expansion_ratio: 4, vocab_size: 50368 },
    tiedDefault: true,
    gatedMlp: false,
    // MptBlock: LayerNorm with `.bias = None`, Linear(bias=False) everywhere, whatever `no_bias`.
    norm: 'rmsnorm',
    normsPerLayer: 2,
    qkvBias: false,
    attnOutBias: false,
    mlpBias: false,
    qkNorm: 'none',
    special: 'mpt',
    source: 'mpt/modeling_mpt.py (ALiBi only, no biases, LayerNorm weight only)',
  },
  {
    id: 'opt',
    layout: 'decoder',
    keys: { ...LLAMA_KEYS, nKvHeads: [], headDim: [], ffnSize: ['ffn_dim'] },
    defaults: {
      num_hidden_layers: 12,
      hidden_size: 768,
      num_attention_heads: 12,
      ffn_dim: 3072,
      max_position_embeddings: 2048,
      vocab_size: 50272,
      do_layer_norm_before: true,
      enable_bias: true,
      layer_norm_elementwise_affine: true,
      _remove_final_layer_norm: false,
    },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'layernorm',
    normsPerLayer: 2,
    qkvBias: { key: 'enable_bias' },
    attnOutBias: { key: 'enable_bias' },
    mlpBias: { key: 'enable_bias' },
    qkNorm: 'none',
    // OPTLearnedPositionalEmbedding: num_embeddings + 2 rows (offset for the padding convention).
    learnedPositions: { offset: 2 },
    special: 'opt',
    source: 'opt/modeling_opt.py (positions + 2, project_in/out when word_embed_proj_dim ≠ hidden)',
  },
  {
    id: 'llama',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      intermediate_size: 11008,
      max_position_embeddings: 2048,
      vocab_size: 32000,
      attention_bias: false,
      mlp_bias: false,
    },
    // LlamaConfig.__post_init__ (transformers@008e5743 configuration_llama.py): None → derived.
    nullDerives: ['num_key_value_heads', 'head_dim'],
    ...ATTENTION_BIAS,
    mlpBias: { key: 'mlp_bias' },
    source: 'llama/modeling_llama.py',
  },
  {
    id: 'granite',
    ...LLAMA_LIKE,
    defaults: { attention_bias: false, mlp_bias: false },
    // GraniteConfig.__post_init__ (transformers@008e5743): num_key_value_heads None → heads.
    nullDerives: ['num_key_value_heads'],
    ...ATTENTION_BIAS,
    mlpBias: { key: 'mlp_bias' },
    source: 'granite/modeling_granite.py (Llama layout; multipliers only scale activations)',
  },
  {
    id: 'mistral',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      intermediate_size: 14336,
      max_position_embeddings: 131072,
      vocab_size: 32000,
    },
    // MistralConfig.__init__ (transformers@001f85b3): head_dim None → hidden // heads,
    // num_key_value_heads None → heads (the absent default is 8).
    nullDerives: ['num_key_value_heads', 'head_dim'],
    source: 'mistral/modeling_mistral.py',
  },
  {
    id: 'mixtral',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      intermediate_size: 14336,
      max_position_embeddings: 131072,
      vocab_size: 32000,
      num_local_experts: 8,
      num_experts_per_tok: 2,
    },
    // MixtralConfig (transformers@008e5743): num_key_value_heads None → heads; head_dim defaults to
    // None (hidden // heads); attribute_map {"num_experts": "num_local_experts"}.
    nullDerives: ['num_key_value_heads', 'head_dim'],
    expertAliases: ['num_experts'],
    moe: 'mixtral',
    source: 'mixtral/modeling_mixtral.py (router d×E without bias)',
  },
  {
    id: 'granitemoe',
    ...LLAMA_LIKE,
    defaults: { attention_bias: false },
    // GraniteMoeConfig.__init__ (transformers@040e1a7e): num_key_value_heads None → heads.
    nullDerives: ['num_key_value_heads'],
    ...ATTENTION_BIAS,
    moe: 'mixtral',
    source: 'granitemoe/modeling_granitemoe.py (ParallelExperts E×2f×d and E×d×f, router without bias)',
  },
  {
    id: 'granitemoeshared',
    ...LLAMA_LIKE,
    // GraniteMoeSharedConfig.__init__ (transformers@7e84bb6f configuration_granitemoeshared.py):
    // num_key_value_heads None → heads, shared_intermediate_size 0 = no shared MLP.
    defaults: { attention_bias: false, shared_intermediate_size: 0 },
    nullDerives: ['num_key_value_heads'],
    ...ATTENTION_BIAS,
    moe: 'mixtral',
    // GraniteMoeSharedDecoderLayer (transformers@a878fc03 modular_granitemoeshared.py) = the
    // GraniteMoe layer plus shared_mlp = GraniteMoeSharedMLP: input_linear d → 2·shared (gated),
    // output_linear shared → d, no biases, no gate; absent when shared_intermediate_size is 0.
    sharedExpertKey: 'shared_intermediate_size',
    source: 'granitemoeshared/modular_granitemoeshared.py (GraniteMoe experts + gated shared MLP)',
  },
  {
    id: 'phimoe',
    ...LLAMA_LIKE,
    // PhimoeConfig.__init__ (transformers@040e1a7e configuration_phimoe.py): num_key_value_heads=8,
    // None → heads.
    defaults: { attention_bias: false, lm_head_bias: false, num_key_value_heads: 8 },
    nullDerives: ['num_key_value_heads'],
    norm: 'layernorm',
    ...ATTENTION_BIAS,
    lmHeadBias: { key: 'lm_head_bias' },
    moe: 'mixtral',
    source: 'phimoe/modeling_phimoe.py (LayerNorm with bias, attention_bias, lm_head_bias)',
  },
  {
    id: 'qwen2',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      intermediate_size: 22016,
      max_position_embeddings: 32768,
      vocab_size: 151936,
    },
    // Qwen2Config.__post_init__ (transformers@008e5743): num_key_value_heads None → heads (absent: 32).
    nullDerives: ['num_key_value_heads'],
    // Qwen2Attention: q/k/v_proj bias=True, o_proj bias=False; not a config key.
    qkvBias: true,
    source: 'qwen2/modeling_qwen2.py (qkv bias fixed)',
  },
  {
    id: 'qwen2_moe',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 24,
      hidden_size: 2048,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      intermediate_size: 5632,
      max_position_embeddings: 32768,
      vocab_size: 151936,
      num_experts: 60,
      num_experts_per_tok: 4,
      moe_intermediate_size: 1408,
      shared_expert_intermediate_size: 5632,
      decoder_sparse_step: 1,
      qkv_bias: true,
    },
    // Qwen2MoeAttention q/k/v_proj bias=config.qkv_bias (transformers@001f85b3 modular_qwen2_moe.py;
    // Qwen2MoeConfig `qkv_bias: bool = True` @008e5743). Its num_key_value_heads is typed
    // `int | None = 16` with no None handling, so a written null is not counted.
    qkvBias: { key: 'qkv_bias' },
    moe: 'qwen-moe',
    source: 'qwen2_moe/modeling_qwen2_moe.py (shared expert + sigmoid gate d→1)',
  },
  {
    id: 'qwen3',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      head_dim: 128,
      intermediate_size: 22016,
      max_position_embeddings: 32768,
      vocab_size: 151936,
      attention_bias: false,
    },
    // Qwen3Config.__post_init__ (transformers@008e5743): num_key_value_heads None → heads (absent:
    // 32); `head_dim: int = 128` has no None handling.
    nullDerives: ['num_key_value_heads'],
    ...ATTENTION_BIAS,
    // Qwen3Attention: q_norm/k_norm = RMSNorm(head_dim), weight only.
    qkNorm: 'head',
    source: 'qwen3/modeling_qwen3.py (QK RMSNorm over head_dim)',
  },
  {
    id: 'qwen3_moe',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 24,
      hidden_size: 2048,
      num_attention_heads: 32,
      num_key_value_heads: 4,
      // Qwen3MoeConfig (transformers@008e5743) has no head_dim field: an absent head_dim is
      // hidden_size // num_attention_heads (Qwen3MoeAttention's getattr fallback), not 128.
      intermediate_size: 6144,
      max_position_embeddings: 32768,
      vocab_size: 151936,
      attention_bias: false,
      num_experts: 128,
      num_experts_per_tok: 8,
      moe_intermediate_size: 768,
      decoder_sparse_step: 1,
    },
    // attribute_map {"num_experts": "num_local_experts"} (transformers@008e5743).
    expertAliases: ['num_local_experts'],
    ...ATTENTION_BIAS,
    qkNorm: 'head',
    moe: 'qwen-moe',
    source: 'qwen3_moe/modeling_qwen3_moe.py (no shared expert)',
  },
  {
    id: 'phi',
    layout: 'decoder',
    // PhiAttention: head_dim = hidden_size // num_attention_heads (no head_dim key).
    keys: { ...LLAMA_KEYS, headDim: [] },
    defaults: {
      num_hidden_layers: 24,
      hidden_size: 2048,
      num_attention_heads: 32,
      intermediate_size: 8192,
      max_position_embeddings: 2048,
      vocab_size: 51200,
      qk_layernorm: false,
    },
    // PhiConfig.__post_init__ (transformers@008e5743): num_key_value_heads None → heads.
    nullDerives: ['num_key_value_heads'],
    tiedDefault: false,
    gatedMlp: false,
    norm: 'layernorm',
    // PhiDecoderLayer: one input_layernorm feeds attention and MLP in parallel.
    normsPerLayer: 1,
    qkvBias: true,
    attnOutBias: true,
    mlpBias: true,
    lmHeadBias: true,
    // PhiAttention q_layernorm/k_layernorm: LayerNorm(hidden_size // num_heads), weight + bias.
    qkNorm: { key: 'qk_layernorm', kind: 'head', bias: true },
    source: 'phi/modeling_phi.py (parallel block, lm_head bias)',
  },
  {
    // microsoft/phi-1_5 and phi-2 before their port: MixFormer names (trust_remote_code).
    id: 'phi-msft',
    layout: 'decoder',
    keys: {
      nLayers: ['n_layer'],
      dModel: ['n_embd'],
      nHeads: ['n_head'],
      nKvHeads: ['n_head_kv'],
      ffnSize: ['n_inner'],
      maxPositions: ['n_positions'],
    },
    defaults: { pad_vocab_size_multiple: 64 },
    // MixFormer `_find_mha_dims`: `n_head_kv = getattr(config, "n_head_kv", None) or n_head`, so a
    // written null (microsoft/phi-2's pre-port config.json) is multi-head.
    nullDerives: ['n_head_kv'],
    tiedDefault: false,
    gatedMlp: false,
    norm: 'layernorm',
    // ParallelBlock: one ln for mixer and mlp; CausalLMHead has its own ln + linear with bias.
    normsPerLayer: 1,
    qkvBias: true,
    attnOutBias: true,
    mlpBias: true,
    lmHeadBias: true,
    qkNorm: 'none',
    ffnMultipleOfD: 4,
    special: 'phi-msft',
    classStems: ['mixformersequential', 'phi'],
    source: 'microsoft/phi-1_5 modeling_phi.py (MixFormer: Wqkv/out_proj/fc1/fc2 biased, vocab padded)',
  },
  {
    id: 'phi3',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 32,
      hidden_size: 3072,
      num_attention_heads: 32,
      intermediate_size: 8192,
      max_position_embeddings: 4096,
      vocab_size: 32064,
    },
    // Phi3Config.__post_init__ (transformers@008e5743): num_key_value_heads None → heads.
    nullDerives: ['num_key_value_heads'],
    // Phi3Attention qkv_proj / o_proj and Phi3MLP gate_up_proj / down_proj: all bias=False.
    source: 'phi3/modeling_phi3.py (fused qkv and gate_up, no biases)',
  },
  {
    id: 'gemma',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 28,
      hidden_size: 3072,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      head_dim: 256,
      intermediate_size: 24576,
      max_position_embeddings: 8192,
      vocab_size: 256000,
      attention_bias: false,
    },
    tiedDefault: true,
    ...ATTENTION_BIAS,
    source: 'gemma/modeling_gemma.py (GeGLU, tied)',
  },
  {
    id: 'gemma2',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 26,
      hidden_size: 2304,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      head_dim: 256,
      intermediate_size: 9216,
      max_position_embeddings: 8192,
      vocab_size: 256000,
      attention_bias: false,
    },
    tiedDefault: true,
    // Gemma2DecoderLayer: input, post_attention, pre_feedforward and post_feedforward norms.
    normsPerLayer: 4,
    ...ATTENTION_BIAS,
    source: 'gemma2/modeling_gemma2.py (4 norms per layer, tied)',
  },
  {
    id: 'gemma3_text',
    ...LLAMA_LIKE,
    defaults: {
      num_hidden_layers: 26,
      hidden_size: 2304,
      num_attention_heads: 8,
      num_key_value_heads: 4,
      head_dim: 256,
      intermediate_size: 9216,
      max_position_embeddings: 131072,
      vocab_size: 262208,
      attention_bias: false,
    },
    tiedDefault: true,
    normsPerLayer: 4,
    ...ATTENTION_BIAS,
    // Gemma3Attention: q_norm / k_norm = Gemma3RMSNorm(head_dim).
    qkNorm: 'head',
    classStems: ['gemma3'],
    source: 'gemma3/modeling_gemma3.py (Gemma3TextModel: 4 norms, QK RMSNorm, tied)',
  },
  {
    id: 'starcoder2',
    ...LLAMA_LIKE,
    // Starcoder2Config (transformers@008e5743): `num_key_value_heads: int = 2` (no None handling).
    defaults: { use_bias: true, num_key_value_heads: 2 },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'layernorm',
    qkvBias: { key: 'use_bias' },
    attnOutBias: { key: 'use_bias' },
    mlpBias: { key: 'use_bias' },
    source: 'starcoder2/modeling_starcoder2.py (LayerNorm, c_fc/c_proj, use_bias on every linear)',
  },
  {
    id: 'stablelm',
    ...LLAMA_LIKE,
    // StableLmAttention: head_dim = hidden_size // num_heads (no head_dim key).
    keys: { ...LLAMA_KEYS, headDim: [] },
    // StableLmConfig.__init__ (transformers@05cd1ec1): num_key_value_heads=32, stored as given.
    defaults: {
      use_qkv_bias: false,
      qk_layernorm: false,
      use_parallel_residual: false,
      num_key_value_heads: 32,
    },
    norm: 'layernorm',
    normsPerLayer: { key: 'use_parallel_residual', whenTrue: 1, whenFalse: 2 },
    qkvBias: { key: 'use_qkv_bias' },
    // StableLmLayerNormPerHead: one LayerNorm(head_dim, bias=False) per q head and per kv head.
    qkNorm: { key: 'qk_layernorm', kind: 'full', bias: false },
    source: 'stablelm/modeling_stablelm.py (LayerNorm, per-head q/k LayerNorms without bias)',
  },
  {
    id: 'cohere',
    ...LLAMA_LIKE,
    defaults: { attention_bias: false, use_qk_norm: false },
    // CohereConfig.__post_init__ (transformers@008e5743): num_key_value_heads None → heads.
    nullDerives: ['num_key_value_heads'],
    tiedDefault: true,
    // CohereLayerNorm has a weight and no bias; one input_layernorm per parallel block.
    norm: 'rmsnorm',
    normsPerLayer: 1,
    ...ATTENTION_BIAS,
    // q_norm = CohereLayerNorm((num_heads, head_dim)), k_norm = ((num_kv_heads, head_dim)).
    qkNorm: { key: 'use_qk_norm', kind: 'full', bias: false },
    source: 'cohere/modeling_cohere.py (parallel block, LayerNorm without bias, tied)',
  },
  {
    id: 'olmo',
    ...LLAMA_LIKE,
    defaults: { attention_bias: false },
    // OlmoConfig.__post_init__ (transformers@008e5743): num_key_value_heads None → heads.
    nullDerives: ['num_key_value_heads'],
    // OlmoLayerNorm: F.layer_norm without weight or bias.
    norm: 'none',
    ...ATTENTION_BIAS,
    source: 'olmo/modeling_olmo.py (non-parametric LayerNorm)',
  },
  {
    id: 'olmo2',
    ...LLAMA_LIKE,
    defaults: { attention_bias: false },
    // Olmo2Config.__post_init__ (transformers@008e5743): num_key_value_heads None → heads.
    nullDerives: ['num_key_value_heads'],
    // Olmo2DecoderLayer: post_attention_layernorm and post_feedforward_layernorm only.
    ...ATTENTION_BIAS,
    // q_norm = RMSNorm(num_heads·head_dim), k_norm = RMSNorm(num_kv_heads·head_dim).
    qkNorm: 'full',
    source: 'olmo2/modeling_olmo2.py (norm after attention and MLP, full-width QK RMSNorm)',
  },
  {
    id: 'olmoe',
    ...LLAMA_LIKE,
    defaults: { attention_bias: false },
    ...ATTENTION_BIAS,
    qkNorm: 'full',
    // OlmoeConfig (transformers@008e5743): num_key_value_heads None → heads; attribute_map
    // {"num_local_experts": "num_experts"}.
    nullDerives: ['num_key_value_heads'],
    expertAliases: ['num_local_experts'],
    moe: 'olmoe',
    source: 'olmoe/modeling_olmoe.py (full-width QK RMSNorm, experts of intermediate_size)',
  },
  {
    id: 'deepseek_v2',
    ...LLAMA_LIKE,
    // No n_shared_experts default: transformers' DeepseekV2Config (@008e5743) has
    // `n_shared_experts: int = 2`, DeepSeek's remote configuration_deepseek.py None; an absent key is
    // therefore unknown. attribute_map {"num_experts": "n_routed_experts"}.
    defaults: { attention_bias: false, first_k_dense_replace: 0, moe_layer_freq: 1 },
    expertAliases: ['num_experts'],
    mla: true,
    moe: 'deepseek-v2',
    source: 'deepseek_v2/modeling_deepseek_v2.py (MLA, routed + shared experts)',
  },
  {
    id: 'deepseek_v3',
    ...LLAMA_LIKE,
    defaults: {
      vocab_size: 129280,
      hidden_size: 7168,
      intermediate_size: 18432,
      moe_intermediate_size: 2048,
      num_hidden_layers: 61,
      num_attention_heads: 128,
      num_key_value_heads: 128,
      n_shared_experts: 1,
      n_routed_experts: 256,
      kv_lora_rank: 512,
      q_lora_rank: 1536,
      qk_rope_head_dim: 64,
      v_head_dim: 128,
      qk_nope_head_dim: 128,
      num_experts_per_tok: 8,
      first_k_dense_replace: 3,
      attention_bias: false,
    },
    mla: true,
    moe: 'deepseek-v3',
    // DeepSeek's modeling_deepseek.py (the config's auto_map) makes e_score_correction_bias an
    // nn.Parameter and checkpoints store it; transformers' native port registers it as a buffer.
    routerBias: true,
    source: 'deepseek_v3/modeling_deepseek_v3.py (MLA; MoE from layer first_k_dense_replace on)',
  },
  {
    id: 'nemotron',
    ...LLAMA_LIKE,
    // NemotronConfig.__init__ (transformers@ae005ce1 configuration_nemotron.py): head_dim None →
    // hidden // heads; num_key_value_heads stored as given (default None, which NemotronAttention
    // divides by), so it must be written.
    defaults: {
      vocab_size: 256000,
      hidden_size: 6144,
      intermediate_size: 24576,
      num_hidden_layers: 32,
      num_attention_heads: 48,
      max_position_embeddings: 4096,
      attention_bias: false,
      mlp_bias: false,
    },
    nullDerives: ['head_dim'],
    requiredKeys: ['num_key_value_heads'],
    headDimWitnesses: ['kv_channels'],
    // NemotronDecoderLayer (transformers@694aaa7f modeling_nemotron.py): input and post-attention
    // NemotronLayerNorm1P (nn.LayerNorm, weight + bias), final norm likewise; q/k/v/o
    // bias=attention_bias; NemotronMLP up_proj/down_proj only (relu2), bias=mlp_bias; lm_head
    // without bias, untied by default.
    gatedMlp: false,
    norm: 'layernorm',
    ...ATTENTION_BIAS,
    mlpBias: { key: 'mlp_bias' },
    source: 'nemotron/modeling_nemotron.py (LayerNorm1P with bias, two-matrix relu2 MLP)',
  },
  {
    // Mamba2ForCausalLM: every layer Mamba2RMSNorm + Mamba2Mixer (hybrid.ts reads it);
    // Mamba2Config defaults (transformers@f2a39d49 configuration_mamba2.py).
    id: 'mamba2',
    ...LLAMA_LIKE,
    keys: {
      nLayers: ['num_hidden_layers'],
      dModel: ['hidden_size'],
      nHeads: ['num_heads'],
      ffnSize: [],
      headDim: ['head_dim'],
      maxPositions: [],
    },
    defaults: {
      num_heads: 128,
      head_dim: 64,
      vocab_size: 32768,
      hidden_size: 4096,
      state_size: 128,
      num_hidden_layers: 64,
      expand: 2,
      conv_kernel: 4,
      n_groups: 8,
      use_bias: false,
      use_conv_bias: true,
    },
    gatedMlp: false,
    special: 'mamba2',
    source: 'mamba2/modeling_mamba2.py (Mamba2Block: RMSNorm + Mamba2Mixer; see hybrid.ts)',
  },
  {
    // NemotronHForCausalLM: one norm + one mixer (Mamba-2, attention, MLP; MoE not modelled) per
    // layer (hybrid.ts reads it); NemotronHConfig defaults (transformers@cfeb552e).
    id: 'nemotron_h',
    ...LLAMA_LIKE,
    keys: {
      nLayers: ['layers_block_type', 'hybrid_override_pattern'],
      dModel: ['hidden_size'],
      nHeads: ['num_attention_heads'],
      nKvHeads: ['num_key_value_heads'],
      ffnSize: ['intermediate_size'],
      headDim: ['head_dim'],
      maxPositions: ['max_position_embeddings'],
    },
    defaults: {
      vocab_size: 131072,
      hidden_size: 4096,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      head_dim: 128,
      intermediate_size: 21504,
      mlp_bias: false,
      ssm_state_size: 128,
      mamba_num_heads: 128,
      n_groups: 8,
      mamba_head_dim: 64,
      conv_kernel: 4,
      use_conv_bias: true,
      use_bias: false,
    },
    gatedMlp: false,
    special: 'nemotron_h',
    source: 'nemotron_h/modeling_nemotron_h.py (NemotronHBlock: RMSNorm + one mixer; see hybrid.ts)',
  },
  {
    id: 'dbrx',
    ...LLAMA_LIKE,
    // DbrxConfig.attribute_map (transformers@23966c3f configuration_dbrx.py).
    attributeMap: {
      num_attention_heads: 'n_heads',
      hidden_size: 'd_model',
      num_hidden_layers: 'n_layers',
      max_position_embeddings: 'max_seq_len',
    },
    // Nested keys: DbrxAttentionConfig / DbrxFFNConfig, built from the written dicts (absent or
    // null → the sub-config class defaults). DbrxAttention: head_dim = d_model // n_heads, no key.
    keys: {
      nLayers: ['n_layers'],
      dModel: ['d_model'],
      nHeads: ['n_heads'],
      nKvHeads: ['attn_config.kv_n_heads'],
      ffnSize: ['ffn_config.ffn_hidden_size'],
      headDim: [],
      maxPositions: ['max_seq_len'],
    },
    defaults: {
      d_model: 2048,
      n_heads: 16,
      n_layers: 24,
      max_seq_len: 2048,
      vocab_size: 32000,
      'attn_config.kv_n_heads': 1,
      'ffn_config.ffn_hidden_size': 3584,
      'ffn_config.moe_num_experts': 4,
      'ffn_config.moe_top_k': 1,
    },
    // DbrxConfig raises on tie_word_embeddings true ("not supported for DBRX models").
    tiedDefault: false,
    // DbrxBlock (transformers@6bdffed5 modular_dbrx.py): norm_1 / norm_2 = LayerNorm(d, bias=False),
    // Wqkv d → d + 2·kv_n_heads·head_dim and out_proj without bias; DbrxFFN = router Linear(d, E,
    // bias=False) + DbrxExpertGLU w1, v1, w2 of E·ffn_hidden_size × d (gated); norm_f
    // LayerNorm(bias=False); lm_head without bias.
    moe: 'dbrx',
    source: 'dbrx/modular_dbrx.py (fused Wqkv, bias-free LayerNorms, GLU experts in every block)',
  },
  {
    id: 'gpt_oss',
    ...LLAMA_LIKE,
    // GptOssConfig (transformers@02b8f42b configuration_gpt_oss.py): field defaults; __post_init__
    // replaces a None num_key_value_heads by the heads and a None head_dim by hidden // heads;
    // attribute_map {"num_experts": "num_local_experts"}.
    defaults: {
      num_hidden_layers: 36,
      num_local_experts: 128,
      vocab_size: 201088,
      hidden_size: 2880,
      intermediate_size: 2880,
      head_dim: 64,
      num_attention_heads: 64,
      num_key_value_heads: 8,
      max_position_embeddings: 131072,
      num_experts_per_tok: 4,
      attention_bias: true,
    },
    nullDerives: ['num_key_value_heads', 'head_dim'],
    expertAliases: ['num_experts'],
    // GptOssAttention: q/k/v/o_proj bias=config.attention_bias, plus `sinks` (num_attention_heads).
    ...ATTENTION_BIAS,
    attentionSinks: true,
    // GptOssMLP = router (weight E×d + bias E) and experts of intermediate_size with biases, in
    // every layer; no dense MLP.
    moe: 'mixtral',
    routerBias: true,
    expertBias: true,
    source: 'gpt_oss/modeling_gpt_oss.py (sinks, attention biases, expert and router biases)',
  },
  {
    id: 'smollm3',
    ...LLAMA_LIKE,
    // SmolLM3Config (transformers@008e5743 modular_smollm3.py): field defaults, num_key_value_heads
    // None → heads, tie_word_embeddings True; no head_dim field (LlamaAttention's getattr fallback
    // hidden // heads when absent).
    defaults: {
      vocab_size: 128256,
      hidden_size: 2048,
      intermediate_size: 11008,
      num_hidden_layers: 36,
      num_attention_heads: 16,
      num_key_value_heads: 4,
      max_position_embeddings: 32768,
      attention_bias: false,
      mlp_bias: false,
    },
    nullDerives: ['num_key_value_heads'],
    tiedDefault: true,
    ...ATTENTION_BIAS,
    mlpBias: { key: 'mlp_bias' },
    source: 'smollm3/modular_smollm3.py (Llama layout, NoPE layers have no parameters)',
  },
  {
    id: 'arcee',
    ...LLAMA_LIKE,
    // ArceeConfig(LlamaConfig) (transformers@031734d9 modular_arcee.py): Llama None handling.
    defaults: {
      vocab_size: 32000,
      hidden_size: 2560,
      intermediate_size: 18432,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      max_position_embeddings: 4096,
      attention_bias: false,
      mlp_bias: false,
    },
    nullDerives: ['num_key_value_heads', 'head_dim'],
    // ArceeMLP = NemotronMLP: up_proj and down_proj only (ReLU²), bias=config.mlp_bias.
    gatedMlp: false,
    ...ATTENTION_BIAS,
    mlpBias: { key: 'mlp_bias' },
    source: 'arcee/modular_arcee.py (Llama layout with the two-matrix NemotronMLP)',
  },
  {
    id: 'seed_oss',
    ...LLAMA_LIKE,
    // SeedOssConfig (transformers@008e5743 configuration_seed_oss.py): field defaults; None
    // num_key_value_heads → heads, None head_dim → hidden // heads.
    defaults: {
      vocab_size: 155136,
      hidden_size: 4096,
      intermediate_size: 27648,
      num_hidden_layers: 64,
      num_attention_heads: 80,
      num_key_value_heads: 8,
      head_dim: 128,
      max_position_embeddings: 524288,
      attention_bias: true,
      attention_out_bias: false,
      mlp_bias: false,
    },
    nullDerives: ['num_key_value_heads', 'head_dim'],
    // SeedOssAttention (transformers@052b1dcd modular_seed_oss.py): q/k/v bias=attention_bias,
    // o_proj bias=attention_out_bias; SeedOssMLP gate/up/down bias=mlp_bias.
    qkvBias: { key: 'attention_bias' },
    attnOutBias: { key: 'attention_out_bias' },
    mlpBias: { key: 'mlp_bias' },
    source: 'seed_oss/modular_seed_oss.py (q/k/v bias, separate o_proj bias switch)',
  },
  {
    id: 'ernie4_5',
    ...LLAMA_LIKE,
    // Ernie4_5Config (transformers@008e5743 configuration_ernie4_5.py): field defaults; None
    // num_key_value_heads → heads, None head_dim → hidden // heads.
    defaults: {
      vocab_size: 103424,
      hidden_size: 1024,
      intermediate_size: 3072,
      num_hidden_layers: 18,
      num_attention_heads: 16,
      num_key_value_heads: 2,
      head_dim: 128,
      max_position_embeddings: 131072,
      use_bias: false,
    },
    nullDerives: ['num_key_value_heads', 'head_dim'],
    tiedDefault: true,
    // Ernie4_5Attention / Ernie4_5MLP (transformers@016bc8ef modular_ernie4_5.py): every
    // projection bias=config.use_bias; lm_head without bias.
    qkvBias: { key: 'use_bias' },
    attnOutBias: { key: 'use_bias' },
    mlpBias: { key: 'use_bias' },
    source: 'ernie4_5/modular_ernie4_5.py (Llama layout, use_bias on every projection)',
  },
  {
    id: 'glm',
    ...LLAMA_LIKE,
    // GlmConfig.__init__ (transformers@1d2fe0d8 configuration_glm.py): defaults stored as given (no
    // None handling), tie_word_embeddings False.
    defaults: {
      vocab_size: 151552,
      hidden_size: 4096,
      intermediate_size: 13696,
      num_hidden_layers: 40,
      num_attention_heads: 32,
      num_key_value_heads: 2,
      head_dim: 128,
      max_position_embeddings: 131072,
      attention_bias: true,
    },
    // GlmDecoderLayer (transformers@ffd4c83e modular_glm.py): LlamaDecoderLayer with GlmMLP =
    // Phi3MLP (fused gate_up, no bias) and two RMSNorms; GlmAttention q/k/v bias=attention_bias,
    // o_proj without bias (hidden → hidden in that version, heads·head_dim → hidden in the
    // LlamaAttention-based later ones); GemmaForCausalLM head, untied by default.
    qkvBias: { key: 'attention_bias' },
    outProjVersionDependent: true,
    source: 'glm/modular_glm.py (two RMSNorms, fused gate_up, q/k/v bias only)',
  },
  {
    id: 'glm4',
    ...LLAMA_LIKE,
    // Glm4Config (transformers@008e5743 configuration_glm4.py): typed ints without None handling.
    defaults: {
      vocab_size: 151552,
      hidden_size: 4096,
      intermediate_size: 13696,
      num_hidden_layers: 40,
      num_attention_heads: 32,
      num_key_value_heads: 2,
      head_dim: 128,
      max_position_embeddings: 131072,
      attention_bias: true,
    },
    // Glm4DecoderLayer (transformers@08c53278 modular_glm4.py): input, post_self_attn,
    // post_attention and post_mlp RMSNorms; Glm4MLP = Phi3MLP (fused gate_up, no bias);
    // GlmAttention q/k/v bias=attention_bias, o_proj bias=False.
    normsPerLayer: 4,
    qkvBias: { key: 'attention_bias' },
    source: 'glm4/modular_glm4.py (four norms per layer, q/k/v bias only)',
  },
  {
    id: 'glm4_moe',
    ...LLAMA_LIKE,
    // Glm4MoeConfig (transformers@c7ec229a configuration_glm4_moe.py): __init__ defaults, stored
    // as given (no None handling); no head_dim argument, so an absent one is hidden // heads
    // (Glm4MoeAttention's getattr fallback, also @0e97420c modular_glm4_moe.py).
    defaults: {
      vocab_size: 151552,
      hidden_size: 4096,
      intermediate_size: 10944,
      num_hidden_layers: 46,
      num_attention_heads: 96,
      num_key_value_heads: 8,
      max_position_embeddings: 131072,
      attention_bias: false,
      moe_intermediate_size: 1408,
      num_experts_per_tok: 8,
      n_shared_experts: 1,
      n_routed_experts: 128,
      first_k_dense_replace: 1,
      use_qk_norm: false,
    },
    // Glm4MoeAttention (transformers@a0699c97 modeling_glm4_moe.py): q/k/v bias=attention_bias,
    // o_proj bias=False, q_norm/k_norm = RMSNorm(head_dim) when use_qk_norm. Glm4MoeMoE: routed
    // experts of moe_intermediate_size, one shared MLP of moe_intermediate_size·n_shared_experts,
    // router weight E×d; its e_score_correction_bias is a buffer (register_buffer), not a
    // parameter, and no remote code makes it one. Dense layers below first_k_dense_replace.
    qkvBias: { key: 'attention_bias' },
    qkNorm: { key: 'use_qk_norm', kind: 'head', bias: false },
    moe: 'deepseek-v3',
    source: 'glm4_moe/modeling_glm4_moe.py (DeepSeek-V3 MoE layout with GQA, q/k/v bias)',
  },
  {
    id: 'olmo3',
    ...LLAMA_LIKE,
    // Olmo3Config(Olmo2Config) (transformers@02e8340b modular_olmo3.py): num_key_value_heads None →
    // heads; Olmo3DecoderLayer = Olmo2DecoderLayer, Olmo3Attention adds only a sliding window.
    defaults: { attention_bias: false },
    nullDerives: ['num_key_value_heads'],
    ...ATTENTION_BIAS,
    qkNorm: 'full',
    source: 'olmo3/modular_olmo3.py (OLMo-2 layout: post norms, full-width QK RMSNorm)',
  },
  {
    id: 'cohere2',
    ...LLAMA_LIKE,
    // Cohere2Config.__post_init__ (transformers@008e5743 modular_cohere2.py) sets head_dim =
    // hidden_size // num_attention_heads whatever is written, and num_key_value_heads None → heads
    // (the field default is None).
    keys: { ...LLAMA_KEYS, headDim: [] },
    defaults: {
      vocab_size: 256000,
      hidden_size: 8192,
      intermediate_size: 22528,
      num_hidden_layers: 40,
      num_attention_heads: 64,
      max_position_embeddings: 8192,
      attention_bias: false,
    },
    nullDerives: ['num_key_value_heads'],
    tiedDefault: true,
    // Cohere2DecoderLayer: one bias-free CohereLayerNorm per parallel block; Cohere2Attention
    // q/k/v/o bias=attention_bias and no q/k norm.
    normsPerLayer: 1,
    ...ATTENTION_BIAS,
    source: 'cohere2/modular_cohere2.py (parallel block, LayerNorm without bias, no QK norm, tied)',
  },
  {
    id: 'exaone4',
    ...LLAMA_LIKE,
    // Exaone4Config (transformers@008e5743 modular_exaone4.py): `num_key_value_heads: int = 32`
    // without None handling; no head_dim field (Exaone4Attention's getattr fallback hidden // heads).
    defaults: {
      vocab_size: 102400,
      hidden_size: 4096,
      intermediate_size: 16384,
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 32,
      max_position_embeddings: 2048,
    },
    // Exaone4Attention: no biases, q_norm/k_norm = RMSNorm(head_dim); Exaone4DecoderLayer =
    // Olmo2DecoderLayer (post_attention and post_feedforward norms).
    qkNorm: 'head',
    source: 'exaone4/modular_exaone4.py (QK RMSNorm over head_dim, OLMo-2 norm placement)',
  },
  {
    id: 'llama4_text',
    ...LLAMA_LIKE,
    // The dense layers' MLP is intermediate_size_mlp; intermediate_size is the expert (and shared
    // expert) width, read by the llama4 MoE style.
    keys: { ...LLAMA_KEYS, ffnSize: ['intermediate_size_mlp'] },
    // Llama4TextConfig (transformers@008e5743 configuration_llama4.py): field defaults;
    // __post_init__ replaces a None num_key_value_heads by the heads and a None head_dim by
    // hidden // heads, and a None moe_layers by range(step - 1, layers, step).
    defaults: {
      vocab_size: 202048,
      hidden_size: 5120,
      intermediate_size: 8192,
      intermediate_size_mlp: 16384,
      num_hidden_layers: 48,
      num_attention_heads: 40,
      num_key_value_heads: 8,
      head_dim: 128,
      max_position_embeddings: 131072,
      num_experts_per_tok: 1,
      num_local_experts: 16,
      interleave_moe_layer_step: 1,
      attention_bias: false,
    },
    nullDerives: ['num_key_value_heads', 'head_dim'],
    // Llama4TextAttention (transformers@63210d0e modeling_llama4.py): q/k/v/o bias=attention_bias;
    // its qk_norm is Llama4TextL2Norm, without parameters. Llama4TextMoe: Llama4TextExperts
    // gate_up_proj E×d×2f and down_proj E×f×d (no biases), Llama4Router Linear(d, E, bias=False),
    // shared_expert Llama4TextMLP(intermediate_size). Two RMSNorms per layer; untied lm_head.
    ...ATTENTION_BIAS,
    moe: 'llama4',
    classStems: ['llama4'],
    source: 'llama4/modeling_llama4.py (Llama4ForCausalLM: interleaved MoE with a shared expert)',
  },
  {
    id: 'ernie4_5_moe',
    ...LLAMA_LIKE,
    // Ernie4_5_MoeConfig (transformers@001f85b3 configuration_ernie4_5_moe.py): __init__ defaults,
    // stored as given except moe_layer_end_index -1 → num_hidden_layers - 1; attribute_map
    // {"num_experts": "moe_num_experts", "num_experts_per_tok": "moe_k"}. No head_dim argument
    // (LlamaAttention's getattr fallback hidden // heads when absent).
    attributeMap: { num_experts: 'moe_num_experts', num_experts_per_tok: 'moe_k' },
    defaults: {
      vocab_size: 103424,
      hidden_size: 2560,
      intermediate_size: 12288,
      num_hidden_layers: 28,
      num_attention_heads: 20,
      num_key_value_heads: 4,
      max_position_embeddings: 131072,
      use_bias: false,
      moe_intermediate_size: 1536,
      moe_k: 6,
      moe_num_experts: 64,
      moe_num_shared_experts: 2,
      moe_layer_start_index: 1,
      moe_layer_end_index: -1,
      moe_layer_interval: 1,
    },
    tiedDefault: true,
    // Ernie4_5_MoeAttention / Ernie4_5_MoeMLP (experts, shared experts, dense MLP) and the lm_head:
    // bias=config.use_bias (transformers@01187e21 modular_ernie4_5_moe.py). The sparse block's
    // gate is Linear(d, E, bias=False) and its moe_statics.e_score_correction_bias an
    // nn.Parameter of E (requires_grad=False, still a parameter).
    qkvBias: { key: 'use_bias' },
    attnOutBias: { key: 'use_bias' },
    mlpBias: { key: 'use_bias' },
    lmHeadBias: { key: 'use_bias' },
    moe: 'ernie',
    routerBias: true,
    source: 'ernie4_5_moe/modular_ernie4_5_moe.py (MoE from moe_layer_start_index, shared experts, statics)',
  },
  {
    id: 't5',
    layout: 't5',
    // T5Config.attribute_map.
    attributeMap: {
      hidden_size: 'd_model',
      num_attention_heads: 'num_heads',
      num_hidden_layers: 'num_layers',
      head_dim: 'd_kv',
    },
    keys: {
      nLayers: ['num_layers'],
      dModel: ['d_model'],
      nHeads: ['num_heads'],
      ffnSize: ['d_ff'],
      headDim: ['d_kv'],
      maxPositions: ['n_positions'],
    },
    defaults: {
      num_layers: 6,
      d_model: 512,
      num_heads: 8,
      d_ff: 2048,
      d_kv: 64,
      n_positions: 512,
      vocab_size: 32128,
      relative_attention_num_buckets: 32,
      feed_forward_proj: 'relu',
    },
    tiedDefault: true,
    gatedMlp: false,
    norm: 'rmsnorm',
    normsPerLayer: 2,
    qkvBias: false,
    attnOutBias: false,
    mlpBias: false,
    qkNorm: 'none',
    source: 't5/modeling_t5.py (shared embedding, relative bias in layer 0)',
  },
];

/** Other `model_type` spellings of a family (the MixFormer remote code used two). */
const ALIASES: Readonly<Record<string, string>> = {
  'mixformer-sequential': 'phi-msft',
};

/** Families by `model_type`. */
export const HF_FAMILIES: Readonly<Record<string, HfFamily>> = Object.fromEntries([
  ...families.map((family) => [family.id, family] as const),
  ...Object.entries(ALIASES).map(([alias, id]) => [alias, families.find((f) => f.id === id)!] as const),
]);

/** Every family once (for the inventory and docs). */
export const HF_FAMILY_LIST: readonly HfFamily[] = families;
