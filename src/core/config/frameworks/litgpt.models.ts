/**
 * LitGPT `litgpt/config.py` as data: the `Config` dataclass defaults and the rows of the named
 * models LitGPT ships (a subset: the families its config_hub uses plus common models), in LitGPT's
 * own field names so inline `model_config:` blocks and table rows go through one conversion.
 * Source: Lightning-AI/litgpt litgpt/config.py (each row cites the HF config it mirrors).
 */

/** The LitGPT `Config` fields that change parameter counts. */
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
  rotary_percentage?: number;
  /**
   * Not a LitGPT field: the HF checkpoint ties wte and lm_head (LitGPT copies them into two
   * tensors; we count unique tensors, the HF convention).
   */
  hf_tied?: boolean;
}

/** `litgpt.Config` dataclass defaults (the GPT-NeoX-style base). */
export const LIT_CONFIG_DEFAULTS: Required<
  Pick<
    LitConfig,
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
    | 'n_expert_per_token'
  >
> = {
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

/** Fields shared by LLaMA-style rows. */
const LLAMA: LitConfig = {
  rotary_percentage: 1.0,
  parallel_residual: false,
  bias: false,
  norm_class_name: 'RMSNorm',
  mlp_class_name: 'LLaMAMLP',
};

/** A row whose `{}` in name/hf name expands to each [litgpt suffix, hf suffix] variant. */
interface RowTemplate {
  row: LitConfig & { name: string; hf_config: { org: string; name: string } };
  variants?: readonly (readonly [string, string])[];
}

const TEMPLATES: readonly RowTemplate[] = [
  // EleutherAI Pythia (hf: EleutherAI/pythia-*): GPT-NeoX blocks, the Config defaults.
  ...(
    [
      ['pythia-14m', { block_size: 512, n_layer: 6, n_embd: 128, n_head: 4, padding_multiple: 128 }],
      ['pythia-31m', { block_size: 1024, n_layer: 6, n_embd: 256, n_head: 8, padding_multiple: 128 }],
      ['pythia-70m', { block_size: 2048, n_layer: 6, n_embd: 512, n_head: 8, padding_multiple: 128 }],
      ['pythia-160m', { block_size: 2048, n_layer: 12, n_embd: 768, n_head: 12, padding_multiple: 128 }],
      ['pythia-410m', { block_size: 2048, n_layer: 24, n_embd: 1024, n_head: 16, padding_multiple: 128 }],
      ['pythia-1b', { block_size: 2048, n_embd: 2048, n_head: 8, padding_multiple: 128 }],
      ['pythia-1.4b', { block_size: 2048, n_layer: 24, n_embd: 2048, n_head: 16, padding_multiple: 128 }],
      ['pythia-2.8b', { block_size: 2048, n_layer: 32, n_embd: 2560, padding_multiple: 128 }],
      ['pythia-6.9b', { block_size: 2048, n_layer: 32, padding_multiple: 256 }],
      ['pythia-12b', { block_size: 2048, n_layer: 36, n_embd: 5120, n_head: 40 }],
    ] as const
  ).map(([name, fields]) => ({
    row: { name: `${name}{}`, hf_config: { org: 'EleutherAI', name: `${name}{}` }, ...fields },
    // pythia-14m and -31m have no deduped variant; harmless to accept the extra names.
    variants: [
      ['', ''],
      ['-deduped', '-deduped'],
    ] as const,
  })),
  // https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json (and 13b, 70b)
  {
    row: {
      ...LLAMA,
      name: 'Llama-2-7b{}-hf',
      hf_config: { org: 'meta-llama', name: 'Llama-2-7b{}-hf' },
      vocab_size: 32000,
      padding_multiple: 64,
      n_layer: 32,
      intermediate_size: 11008,
    },
    variants: [
      ['', ''],
      ['-chat', '-chat'],
    ],
  },
  {
    row: {
      ...LLAMA,
      name: 'Llama-2-13b{}-hf',
      hf_config: { org: 'meta-llama', name: 'Llama-2-13b{}-hf' },
      vocab_size: 32000,
      padding_multiple: 64,
      n_layer: 40,
      n_head: 40,
      n_embd: 5120,
      intermediate_size: 13824,
    },
    variants: [
      ['', ''],
      ['-chat', '-chat'],
    ],
  },
  {
    row: {
      ...LLAMA,
      name: 'Llama-2-70b{}-hf',
      hf_config: { org: 'meta-llama', name: 'Llama-2-70b{}-hf' },
      vocab_size: 32000,
      padding_multiple: 64,
      n_layer: 80,
      n_head: 64,
      n_embd: 8192,
      n_query_groups: 8,
      intermediate_size: 28672,
    },
    variants: [
      ['', ''],
      ['-chat', '-chat'],
    ],
  },
  // https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json (3, 3.1, 3.2 families)
  ...(
    [
      ['Llama-3-8B{}', 'Meta-Llama-3-8B{}', 8192, 32, 4096, 32, 14336, false],
      ['Llama-3.1-8B{}', 'Meta-Llama-3.1-8B{}', 131072, 32, 4096, 32, 14336, false],
      ['Llama-3-70B{}', 'Meta-Llama-3-70B{}', 8192, 80, 8192, 64, 28672, false],
      ['Llama-3.1-70B{}', 'Meta-Llama-3.1-70B{}', 131072, 80, 8192, 64, 28672, false],
      ['Llama-3.1-405B{}', 'Meta-Llama-3.1-405B{}', 131072, 126, 16384, 128, 53248, false],
      // Llama 3.2 ties wte/lm_head in the HF checkpoint.
      ['Llama-3.2-1B{}', 'Llama-3.2-1B{}', 131072, 16, 2048, 32, 8192, true],
      ['Llama-3.2-3B{}', 'Llama-3.2-3B{}', 131072, 28, 3072, 24, 8192, true],
    ] as const
  ).map(([name, hfName, block, layers, embd, heads, ffn, tied]) => ({
    row: {
      ...LLAMA,
      name,
      hf_config: { org: 'meta-llama', name: hfName },
      block_size: block,
      vocab_size: 128000,
      padded_vocab_size: 128256,
      n_layer: layers,
      n_embd: embd,
      n_head: heads,
      n_query_groups: 8,
      intermediate_size: ffn,
      hf_tied: tied,
    },
    variants: [
      ['', ''],
      ['-Instruct', '-Instruct'],
    ] as const,
  })),
  // TinyLlama: https://huggingface.co/TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T
  {
    row: {
      ...LLAMA,
      name: 'tiny-llama-1.1b{}',
      hf_config: { org: 'TinyLlama', name: 'TinyLlama-1.1B{}' },
      block_size: 2048,
      vocab_size: 32000,
      padding_multiple: 64,
      n_layer: 22,
      n_head: 32,
      n_embd: 2048,
      intermediate_size: 5632,
      n_query_groups: 4,
    },
    variants: [
      ['', '-intermediate-step-1431k-3T'],
      ['-chat', '-Chat-v1.0'],
    ],
  },
  // https://huggingface.co/mistralai/Mistral-7B-v0.1/blob/main/config.json
  {
    row: {
      ...LLAMA,
      name: 'Mistral-7B-{}v0.1',
      hf_config: { org: 'mistralai', name: 'Mistral-7B-{}v0.1' },
      padded_vocab_size: 32000,
      block_size: 4096,
      n_layer: 32,
      n_query_groups: 8,
      intermediate_size: 14336,
    },
    variants: [
      ['', ''],
      ['Instruct-', 'Instruct-'],
    ],
  },
  {
    row: {
      ...LLAMA,
      name: 'Mistral-7B-{}v0.3',
      hf_config: { org: 'mistralai', name: 'Mistral-7B-{}v0.3' },
      padded_vocab_size: 32768,
      block_size: 32768,
      n_layer: 32,
      n_query_groups: 8,
      intermediate_size: 14336,
    },
    variants: [
      ['', ''],
      ['Instruct-', 'Instruct-'],
    ],
  },
  // https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json
  {
    row: {
      ...LLAMA,
      name: 'Mixtral-8x7B-{}v0.1',
      hf_config: { org: 'mistralai', name: 'Mixtral-8x7B-{}v0.1' },
      padded_vocab_size: 32000,
      block_size: 32768,
      n_layer: 32,
      n_query_groups: 8,
      mlp_class_name: 'LLaMAMoE',
      intermediate_size: 14336,
      n_expert: 8,
      n_expert_per_token: 2,
    },
    variants: [
      ['', ''],
      ['Instruct-', 'Instruct-'],
    ],
  },
  // https://huggingface.co/microsoft/phi-1_5 and phi-2: parallel block sharing one LayerNorm, lm_head bias.
  {
    row: {
      name: 'phi-1_5',
      hf_config: { org: 'microsoft', name: 'phi-1_5' },
      vocab_size: 50257,
      padded_vocab_size: 51200,
      block_size: 2048,
      n_embd: 2048,
      n_layer: 24,
      rotary_percentage: 0.5,
      shared_attention_norm: true,
      lm_head_bias: true,
    },
  },
  {
    row: {
      name: 'phi-2',
      hf_config: { org: 'microsoft', name: 'phi-2' },
      vocab_size: 50257,
      padded_vocab_size: 51200,
      block_size: 2048,
      n_embd: 2560,
      n_layer: 32,
      rotary_percentage: 0.4,
      shared_attention_norm: true,
      lm_head_bias: true,
    },
  },
  // https://huggingface.co/microsoft/Phi-3-mini-4k-instruct
  {
    row: {
      ...LLAMA,
      name: 'Phi-3-mini-4k-instruct',
      hf_config: { org: 'microsoft', name: 'Phi-3-mini-4k-instruct' },
      vocab_size: 32000,
      padded_vocab_size: 32064,
      block_size: 4096,
      n_embd: 3072,
      n_layer: 32,
      intermediate_size: 8192,
    },
  },
  // https://huggingface.co/google/gemma-2b and gemma-7b: GeGLU, tied in HF.
  {
    row: {
      ...LLAMA,
      name: 'Gemma-2b{}',
      hf_config: { org: 'google', name: 'gemma-2b{}' },
      mlp_class_name: 'GemmaMLP',
      vocab_size: 256000,
      padding_multiple: 64,
      n_embd: 2048,
      n_layer: 18,
      n_head: 8,
      n_query_groups: 1,
      intermediate_size: 16384,
      hf_tied: true,
    },
    variants: [
      ['', ''],
      ['-it', '-it'],
    ],
  },
  {
    row: {
      ...LLAMA,
      name: 'Gemma-7b{}',
      hf_config: { org: 'google', name: 'gemma-7b{}' },
      mlp_class_name: 'GemmaMLP',
      vocab_size: 256000,
      padding_multiple: 64,
      n_embd: 3072,
      n_layer: 28,
      n_head: 16,
      head_size: 256,
      intermediate_size: 24576,
      hf_tied: true,
    },
    variants: [
      ['', ''],
      ['-it', '-it'],
    ],
  },
  // https://huggingface.co/google/gemma-2-2b / 9b: extra post-attention and post-MLP norms.
  {
    row: {
      ...LLAMA,
      name: 'Gemma-2-2b{}',
      hf_config: { org: 'google', name: 'gemma-2-2b{}' },
      mlp_class_name: 'GemmaMLP',
      vocab_size: 256000,
      block_size: 8192,
      intermediate_size: 9216,
      n_embd: 2304,
      n_layer: 26,
      n_head: 8,
      n_query_groups: 4,
      head_size: 256,
      post_attention_norm: true,
      post_mlp_norm: true,
      hf_tied: true,
    },
    variants: [
      ['', ''],
      ['-it', '-it'],
    ],
  },
  {
    row: {
      ...LLAMA,
      name: 'Gemma-2-9b{}',
      hf_config: { org: 'google', name: 'gemma-2-9b{}' },
      mlp_class_name: 'GemmaMLP',
      vocab_size: 256000,
      block_size: 8192,
      intermediate_size: 14336,
      n_embd: 3584,
      n_layer: 42,
      n_head: 16,
      n_query_groups: 8,
      head_size: 256,
      post_attention_norm: true,
      post_mlp_norm: true,
      hf_tied: true,
    },
    variants: [
      ['', ''],
      ['-it', '-it'],
    ],
  },
  // https://huggingface.co/Qwen/Qwen2.5-0.5B ... 7B: q/k/v biases (attn_bias), small ones tied in HF.
  ...(
    [
      ['0.5B', 32768, 151936, 24, 14, 896, 2, 4864, true],
      ['1.5B', 131072, 151936, 28, 12, 1536, 2, 8960, true],
      ['3B', 32768, 151936, 36, 16, 2048, 2, 11008, true],
      ['7B', 131072, 152064, 28, 28, 3584, 4, 18944, false],
      ['14B', 131072, 152064, 48, 40, 5120, 8, 13824, false],
      ['32B', 131072, 152064, 64, 40, 5120, 8, 27648, false],
    ] as const
  ).map(([size, block, padded, layers, heads, embd, groups, ffn, tied]) => ({
    row: {
      ...LLAMA,
      name: `Qwen2.5-${size}{}`,
      hf_config: { org: 'Qwen', name: `Qwen2.5-${size}{}` },
      block_size: block,
      vocab_size: 151643,
      padded_vocab_size: padded,
      n_layer: layers,
      n_head: heads,
      n_embd: embd,
      n_query_groups: groups,
      attn_bias: true,
      intermediate_size: ffn,
      hf_tied: tied,
    },
    variants: [
      ['', ''],
      ['-Instruct', '-Instruct'],
    ] as const,
  })),
];

/** Every named LitGPT config, variants expanded. */
export const LIT_MODEL_ROWS: readonly (LitConfig & {
  name: string;
  hf_config: { org: string; name: string };
})[] = TEMPLATES.flatMap(({ row, variants }) =>
  (variants ?? [['', '']]).map(([litSuffix, hfSuffix]) => ({
    ...row,
    name: row.name.replace('{}', litSuffix),
    hf_config: { org: row.hf_config.org, name: row.hf_config.name.replace('{}', hfSuffix) },
  })),
);

/**
 * `Config.from_name`: exact LitGPT name, else HF `name` or `org/name` (litgpt/config.py). Case
 * is kept exact, as LitGPT does.
 */
export function findLitModel(name: string): (typeof LIT_MODEL_ROWS)[number] | undefined {
  return (
    LIT_MODEL_ROWS.find((row) => row.name === name) ??
    LIT_MODEL_ROWS.find(
      (row) => row.hf_config.name === name || `${row.hf_config.org}/${row.hf_config.name}` === name,
    )
  );
}
