import type { ArchitectureSpec } from '../../../types';
import { LITGPT_CONFIGS, LITGPT_SOURCE } from '../../tables/litgpt-configs.generated';

/**
 * LitGPT `litgpt/config.py` as data: the `Config` dataclass defaults and derivations, and every named
 * model row (generated from the vendored config.py by scripts/gen-litgpt-models.mjs into
 * tables/litgpt-configs.generated.ts), in LitGPT's own field names so inline `model_config:` blocks,
 * `model_config.yaml` files and table rows go through one conversion.
 * Source: Lightning-AI/litgpt litgpt/config.py and litgpt/model.py @ 26857050fe3ff627cd714fe92f5838f51a3d5efa.
 */

/** The LitGPT `Config` fields that change parameter counts (other fields pass through). */
export interface LitConfig {
  name?: string;
  hf_config?: { org: string; name: string };
  block_size?: number;
  n_layer?: number;
  n_embd?: number;
  n_head?: number;
  n_query_groups?: number | null;
  head_size?: number | null;
  vocab_size?: number;
  padding_multiple?: number;
  padded_vocab_size?: number | null;
  intermediate_size?: number | null;
  moe_intermediate_size?: number | null;
  bias?: boolean;
  attn_bias?: boolean;
  lm_head_bias?: boolean;
  norm_class_name?: 'LayerNorm' | 'RMSNorm';
  mlp_class_name?: 'GptNeoxMLP' | 'LLaMAMLP' | 'GemmaMLP' | 'LLaMAMoE';
  parallel_residual?: boolean;
  shared_attention_norm?: boolean;
  norm_1?: boolean;
  norm_2?: boolean;
  post_attention_norm?: boolean;
  post_mlp_norm?: boolean;
  norm_qk?: boolean;
  norm_qk_type?: 'default' | 'olmo2';
  n_expert?: number;
  n_expert_per_token?: number;
  n_shared_expert?: number | null;
  first_k_dense_replace?: number | null;
  n_expert_groups?: number | null;
  latent_attention?: unknown;
  rotary_percentage?: number;
  /** Fields that do not change N (rope, eps, softcapping, sliding windows...). */
  readonly [field: string]: unknown;
}

/** A generated row: every one has a name and its HF checkpoint. */
export type LitModelRow = LitConfig & { name: string; hf_config: { org: string; name: string } };

/** The fields every config has once the dataclass defaults apply. */
type DefaultedField =
  | 'block_size'
  | 'n_layer'
  | 'n_embd'
  | 'n_head'
  | 'vocab_size'
  | 'padding_multiple'
  | 'bias'
  | 'attn_bias'
  | 'lm_head_bias'
  | 'norm_class_name'
  | 'mlp_class_name'
  | 'parallel_residual'
  | 'shared_attention_norm'
  | 'norm_1'
  | 'norm_2'
  | 'post_attention_norm'
  | 'post_mlp_norm'
  | 'norm_qk'
  | 'norm_qk_type'
  | 'n_expert'
  | 'n_expert_per_token';

/** `litgpt.Config` dataclass defaults (litgpt/config.py `class Config`). */
export const LIT_CONFIG_DEFAULTS: Readonly<Required<Pick<LitConfig, DefaultedField>>> = {
  block_size: 4096,
  n_layer: 16,
  n_embd: 4096,
  n_head: 32,
  vocab_size: 50254,
  padding_multiple: 512,
  bias: true,
  attn_bias: false,
  lm_head_bias: false,
  norm_class_name: 'LayerNorm',
  mlp_class_name: 'GptNeoxMLP',
  parallel_residual: true,
  shared_attention_norm: false,
  norm_1: true,
  norm_2: true,
  post_attention_norm: false,
  post_mlp_norm: false,
  norm_qk: false,
  norm_qk_type: 'default',
  n_expert: 0,
  n_expert_per_token: 0,
};

/** Every named LitGPT config (generated, config.py order). */
export const LIT_MODEL_ROWS = LITGPT_CONFIGS as readonly LitModelRow[];

export { LITGPT_SOURCE };

const byName = new Map<string, LitModelRow>();
const byHf = new Map<string, LitModelRow>();
for (const row of LIT_MODEL_ROWS) {
  if (!byName.has(row.name)) byName.set(row.name, row);
  for (const key of [row.hf_config.name, `${row.hf_config.org}/${row.hf_config.name}`]) {
    if (!byHf.has(key)) byHf.set(key, row);
  }
}

/**
 * `Config.from_name`: exact LitGPT name, else the first row whose HF `name` or `org/name` equals it
 * (litgpt/config.py). Case is kept exact, as LitGPT does.
 */
export function findLitModel(name: string): LitModelRow | undefined {
  return byName.get(name) ?? byHf.get(name);
}

/**
 * Whether an HF checkpoint ties wte and lm_head (`tie_word_embeddings` of its config.json). LitGPT
 * always builds a separate lm_head (litgpt/model.py GPT) and copies wte into it when the checkpoint
 * has none (scripts/convert_hf_checkpoint.py), so config.py does not say; the published count of a
 * tied checkpoint counts the matrix once. First match wins; a checkpoint no row matches has
 * unknown tying and is left out of the checkpoint table.
 */
export const HF_TIED_EMBEDDINGS: readonly { pattern: RegExp; tied: boolean; source: string }[] = [
  // Tied: small Llama 3.2, Gemma 1/2/3, Falcon (RW), OLMo-1B, Phi-4-mini, small Qwen2.5/Qwen3, SmolLM2.
  {
    pattern: /^meta-llama\/Llama-3\.2-(1B|3B)/,
    tied: true,
    source: 'Llama-3.2 1B/3B config.json tie_word_embeddings true',
  },
  {
    pattern: /^google\//,
    tied: true,
    source: 'Gemma config.json: tie_word_embeddings true (every Gemma size)',
  },
  {
    pattern: /^tiiuae\/falcon-(7b|40b|180B)/,
    tied: true,
    source: 'Falcon (RW) config.json: tie_word_embeddings default true (falcon-7b 6,921,720,704)',
  },
  {
    pattern: /^allenai\/OLMo-1B-hf$/,
    tied: true,
    source: 'allenai/OLMo-1B-hf config.json tie_word_embeddings true',
  },
  {
    pattern: /^microsoft\/Phi-4-mini/,
    tied: true,
    source: 'Phi-4-mini config.json tie_word_embeddings true (convert_hf_checkpoint.py copies wte for Phi-4)',
  },
  {
    pattern: /^Qwen\/Qwen2\.5-(Coder-|Math-)?(0\.5B|1\.5B|3B)(-|$)/,
    tied: true,
    source: 'Qwen2.5 report Table 1: tie embedding for 0.5B/1.5B/3B',
  },
  {
    pattern: /^Qwen\/Qwen3-(0\.6B|1\.7B|4B)(-|$)/,
    tied: true,
    source: 'Qwen3 report Table 1: tie embedding for 0.6B/1.7B/4B',
  },
  {
    pattern: /^HuggingFaceTB\/SmolLM2-/,
    tied: true,
    source: 'SmolLM2 config.json tie_word_embeddings true (135M: 134,515,008)',
  },
  // Untied.
  {
    pattern: /^(EleutherAI\/pythia|stabilityai\/(stablelm|stablecode|stable-code|FreeWilly2))/,
    tied: false,
    source: 'GPT-NeoX/StableLM config.json tie_word_embeddings false',
  },
  {
    pattern:
      /^(meta-llama|codellama|openlm-research|garage-bAInd|togethercomputer|nvidia|Trelis|TinyLlama|deepseek-ai)\//,
    tied: false,
    source: 'Llama-architecture config.json tie_word_embeddings false',
  },
  {
    pattern: /^allenai\/OLMo-(7B|2-)/,
    tied: false,
    source: 'OLMo-7B / OLMo-2 config.json tie_word_embeddings false',
  },
  {
    pattern: /^microsoft\/(phi-1_5|phi-2|Phi-3|Phi-3\.5|phi-4|Phi-4-reasoning)/,
    tied: false,
    source: 'Phi config.json tie_word_embeddings false (phi-2 2,779,683,840; Phi-3-mini 3,821,079,552)',
  },
  {
    pattern: /^(mistralai|unsloth)\//,
    tied: false,
    source: 'Mistral/Mixtral config.json tie_word_embeddings false',
  },
  {
    pattern: /^Qwen\/(Qwen2\.5|QwQ|Qwen3)/,
    tied: false,
    source: 'Qwen2.5/QwQ/Qwen3 (7B and up, MoE) config.json tie_word_embeddings false',
  },
];

/** Tying of an HF checkpoint `org/name`, or undefined when no row says. */
export function hfTiedEmbeddings(hubId: string): { tied: boolean; source: string } | undefined {
  return HF_TIED_EMBEDDINGS.find((row) => row.pattern.test(hubId));
}

/** LitGPT `Config` fields whose structure the conversion below does not count. */
export const LIT_UNMODELLED_FIELDS = ['latent_attention'] as const;

/**
 * Why LitGPT itself refuses to build this Config, or undefined. Each check is the assertion or
 * raise at Lightning-AI/litgpt@26857050 (litgpt/config.py `Config.__post_init__`, litgpt/model.py
 * `Block.__init__`); without them the conversion below would produce a fractional head width or a
 * model LitGPT never builds.
 */
export function litConfigRefusal(config: LitConfig): string | undefined {
  const c = { ...LIT_CONFIG_DEFAULTS, ...stripNulls(config) } as LitConfig &
    Required<Pick<LitConfig, DefaultedField>>;
  // __post_init__: `assert self.n_embd % self.n_head == 0` when head_size is None.
  if (c.head_size === undefined && c.n_embd % c.n_head !== 0)
    return `n_embd ${c.n_embd} is not a multiple of n_head ${c.n_head} and head_size is not set (config.py asserts n_embd % n_head == 0)`;
  // __post_init__: `assert self.n_head % self.n_query_groups == 0`.
  const groups = c.n_query_groups as number | undefined;
  if (groups !== undefined && c.n_head % groups !== 0)
    return `n_head ${c.n_head} is not a multiple of n_query_groups ${groups} (config.py asserts it)`;
  // __post_init__: LLaMAMLP with intermediate_size None raises ValueError (only LLaMAMLP; the
  // others default to 4·n_embd).
  if (c.intermediate_size === undefined && c.mlp_class_name === 'LLaMAMLP')
    return 'mlp_class_name LLaMAMLP needs intermediate_size (config.py raises ValueError)';
  // Block.__init__: non-parallel residual with a shared attention norm raises NotImplementedError.
  if (!c.parallel_residual && c.shared_attention_norm)
    return 'parallel_residual false with shared_attention_norm true (model.py Block raises NotImplementedError)';
  // first_k_dense_replace: `assert self.mlp_class_name == "LLaMAMoE"`.
  if (c.first_k_dense_replace !== undefined && c.mlp_class_name !== 'LLaMAMoE')
    return 'first_k_dense_replace needs mlp_class_name LLaMAMoE (config.py asserts it)';
  // LLaMAMoE with n_expert 0 builds an empty expert list and a 0-wide router: no MLP at all, and
  // its forward's topk over 0 experts fails; not a model to count.
  if (c.mlp_class_name === 'LLaMAMoE' && c.n_expert <= 0)
    return 'mlp_class_name LLaMAMoE with n_expert 0 (an MoE with no experts)';
  // LLaMAMoE: shared_experts width is moe_intermediate_size * n_shared_expert (None * int raises).
  if (
    c.mlp_class_name === 'LLaMAMoE' &&
    (c.n_shared_expert ?? 0) > 0 &&
    c.moe_intermediate_size === undefined
  )
    return 'n_shared_expert needs moe_intermediate_size (model.py LLaMAMoE multiplies them)';
  return undefined;
}

/** Config.__post_init__: `if not self.name: self.name = self.hf_config.get("name", self.name)`. */
function effectiveName(config: LitConfig): string {
  return String(config.name || config.hf_config?.name || '');
}

/**
 * Convert a LitGPT `Config` (table row or inline block) into an architecture, applying the
 * dataclass defaults and `__post_init__` derivations (head_size, padded vocab, query groups,
 * intermediate size) and the module structure of litgpt/model.py. `tiedEmbeddings` counts wte and
 * lm_head once (LitGPT itself keeps two tensors unless `train.tie_embeddings`).
 */
export function litConfigToArchitecture(config: LitConfig, tiedEmbeddings: boolean): ArchitectureSpec {
  const c = { ...LIT_CONFIG_DEFAULTS, ...stripNulls(config) } as LitConfig &
    Required<Pick<LitConfig, DefaultedField>>;
  const headDim = (c.head_size as number | undefined) ?? c.n_embd / c.n_head;
  // find_multiple(vocab_size, padding_multiple) unless padded_vocab_size is given.
  const paddedVocab =
    (c.padded_vocab_size as number | undefined) ??
    Math.ceil(c.vocab_size / c.padding_multiple) * c.padding_multiple;
  const gated = c.mlp_class_name !== 'GptNeoxMLP';
  const ffnSize = (c.intermediate_size as number | undefined) ?? 4 * c.n_embd;
  // Block: norm_1 (unless disabled), norm_2 unless the attention norm is shared (Phi, Falcon-7B),
  // plus Gemma-2/OLMo-2 post norms.
  const normsPerLayer =
    (c.norm_1 ? 1 : 0) +
    (!c.shared_attention_norm && c.norm_2 ? 1 : 0) +
    (c.post_attention_norm ? 1 : 0) +
    (c.post_mlp_norm ? 1 : 0);
  // Config.norm_class: LayerNorm for a name containing "OLMo" is elementwise_affine=False (no params).
  // The name is the hf_config name when `name` is unset (__post_init__).
  const nonParametric = c.norm_class_name === 'LayerNorm' && effectiveName(c).includes('OLMo');
  const architecture: ArchitectureSpec = {
    nLayers: c.n_layer,
    dModel: c.n_embd,
    nHeads: c.n_head,
    nKvHeads: (c.n_query_groups as number | undefined) ?? c.n_head,
    headDim,
    ffnSize,
    gatedMlp: gated,
    vocabSize: paddedVocab,
    tiedEmbeddings,
    learnedPositions: 0,
    // CausalSelfAttention: qkv Linear bias = bias or attn_bias; proj bias = bias.
    qkvBias: Boolean(c.bias || c.attn_bias),
    attnOutBias: Boolean(c.bias),
    mlpBias: Boolean(c.bias),
    lmHeadBias: Boolean(c.lm_head_bias),
    normsPerLayer,
    normWeight: !nonParametric,
    normBias: c.norm_class_name === 'LayerNorm' && !nonParametric,
    finalNorm: true,
    // model.py CausalSelfAttention: norm_q/norm_k are config.norm_class over head_size, or over the
    // full q / kv widths for norm_qk_type olmo2; a non-parametric LayerNorm has no parameters.
    qkNorm: c.norm_qk && !nonParametric ? (c.norm_qk_type === 'olmo2' ? 'full' : 'head') : 'none',
    qkNormBias: Boolean(c.norm_qk) && c.norm_class_name === 'LayerNorm' && !nonParametric,
  };
  if (c.mlp_class_name === 'LLaMAMoE' && c.n_expert > 0) {
    const expertFfn = (c.moe_intermediate_size as number | undefined) ?? ffnSize;
    const shared = (c.n_shared_expert as number | undefined) ?? 0;
    const firstDense = (c.first_k_dense_replace as number | undefined) ?? 0;
    architecture.moe = {
      nExperts: c.n_expert,
      expertsPerToken: c.n_expert_per_token,
      // LLaMAMoE: experts are LLaMAMLP(moe_intermediate_size); the router is Linear(d, n_expert)
      // (GroupedTopkRouter: an n_expert×d weight plus a buffer, the same count).
      expertFfnSize: expertFfn,
      // model.py LLaMAMoE: shared_experts = LLaMAMLP(moe_intermediate_size × n_shared_expert), gated.
      sharedExpertFfnSize: shared > 0 ? expertFfn * shared : 0,
      // Block: the first `first_k_dense_replace` layers use LLaMAMLP(intermediate_size).
      moeLayers: Math.max(0, c.n_layer - firstDense),
    };
  }
  return architecture;
}

function stripNulls<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== null && v !== undefined),
  ) as Partial<T>;
}
