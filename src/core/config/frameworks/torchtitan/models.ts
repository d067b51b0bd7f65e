/**
 * torchtitan model families as code over the generated flavor tables (flavors.ts, from
 * scripts/gen-torchtitan-flavors.mjs). A TOML names only `[model] name` + `flavor`; the generated
 * table gives that flavor's constructor arguments, and one builder per arguments class turns them
 * into an {@link ArchitectureSpec} the way that family's `model.py` builds its modules. Citations
 * are to pytorch/torchtitan at the commit of the era (`TITAN_SOURCES`).
 */
import type { ArchitectureSpec } from '../../../types';
import { llamaArchitecture } from '../../../model/params';
import {
  TITAN_ALIASES,
  TITAN_FLAVORS,
  TITAN_SOURCES,
  type TitanEra,
  type TitanFlavorArgs,
  type TitanFlavorTable,
} from './flavors';

export { TITAN_ALIASES, TITAN_FLAVORS, TITAN_SOURCES, type TitanEra };

/**
 * torchtitan's SwiGLU width rule (`FeedForward.__init__`, later `compute_ffn_hidden_dim`):
 * hidden = int(2·4·dim/3); hidden = int(multiplier·hidden) if set; round up to multiple_of.
 */
export function titanFfnHiddenDim(dim: number, multipleOf: number, ffnDimMultiplier?: number | null): number {
  let hidden = Math.trunc((2 * 4 * dim) / 3);
  if (ffnDimMultiplier !== undefined && ffnDimMultiplier !== null) {
    hidden = Math.trunc(ffnDimMultiplier * hidden);
  }
  return multipleOf * Math.ceil(hidden / multipleOf);
}

/** Legacy `[model] norm_type` values (torchtitan/models/norms.py `build_norm` @6a6f755d). */
export const TITAN_NORM_TYPES: Readonly<Record<string, { weight: boolean }>> = {
  rmsnorm: { weight: true },
  fused_rmsnorm: { weight: true },
  layernorm: { weight: true }, // nn.LayerNorm(dim, bias=False)
  np_layernorm: { weight: false }, // elementwise_affine=False, bias=False
};

/**
 * Dec 2024: `vocab_size = -1  # defined later by tokenizer`; the tokenizer kind follows the model
 * name (`model_name_to_tokenizer` in torchtitan/models/__init__.py @6a6f755d) and the vocab is its
 * `n_words`: Llama-2 sentencepiece 32000; Llama-3 tiktoken 128000 BPE + 256 reserved special tokens.
 */
export const TITAN_LEGACY_TOKENIZER_WORDS: Readonly<Record<string, { words: number; tokenizer: string }>> = {
  llama2: { words: 32000, tokenizer: 'Llama-2 sentencepiece tokenizer.model' },
  llama3: { words: 128256, tokenizer: 'Llama-3 tiktoken tokenizer.model' },
};

/** What a flavor resolves to: an architecture, or why there is none. */
export type TitanBuild =
  | { architecture: ArchitectureSpec; facts: string; flavorKey: string; source: string }
  | { unknown: string; flavorKey?: string };

/** Options a TOML adds to the flavor (legacy norm type, vocab from the tokenizer). */
export interface TitanBuildOptions {
  /** Legacy `[model] norm_type`. */
  normType?: string;
  /**
   * The flavor's arguments as the repository's own flavor table gives them (repoFlavors.ts), in
   * place of the upstream table's.
   */
  args?: TitanFlavorArgs;
  /** Where `args` came from, for the source text. */
  argsSource?: string;
}

const num = (args: TitanFlavorArgs, key: string): number => {
  const value = args[key];
  if (typeof value !== 'number') throw new Error(`torchtitan flavor field ${key} is not a number`);
  return value;
};
const optNum = (args: TitanFlavorArgs, key: string): number | undefined => {
  const value = args[key];
  return typeof value === 'number' ? value : undefined;
};
const moeArgs = (args: TitanFlavorArgs): Readonly<Record<string, number | string | boolean | null>> => {
  const value = args.moe_args;
  if (!value || typeof value !== 'object') throw new Error('torchtitan flavor has no moe_args');
  return value;
};

/** Dense Llama block of `TransformerModelArgs` / legacy `ModelArgs` (llama3/model/model.py). */
function llamaDense(args: TitanFlavorArgs, vocabSize: number, normWeight = true): ArchitectureSpec {
  const dim = num(args, 'dim');
  const nHeads = num(args, 'n_heads');
  return llamaArchitecture({
    nLayers: num(args, 'n_layers'),
    dModel: dim,
    nHeads,
    // n_kv_heads None → n_heads (Attention.__init__).
    nKvHeads: optNum(args, 'n_kv_heads') ?? nHeads,
    headDim: dim / nHeads,
    // TransformerBlock: FeedForward(hidden_dim=4*dim, multiple_of, ffn_dim_multiplier).
    ffnSize: titanFfnHiddenDim(dim, num(args, 'multiple_of'), optNum(args, 'ffn_dim_multiplier')),
    vocabSize,
    tiedEmbeddings: args.enable_weight_tying === true,
    normWeight,
  });
}

/**
 * Llama 4 (llama4/model/model.py @238fa995): layer i is MoE when (i+1) % interleave_moe_layer_step
 * == 0, so ⌊n_layers/step⌋ MoE layers. The MoE hidden width is int(2·4·dim/3), times
 * ffn_dim_multiplier, divided by top_k + num_shared_experts when auto_scale_hidden_dim, rounded up to
 * multiple_of; the shared expert is one FeedForward of hidden·num_shared_experts (moe/moe.py MoE).
 */
function llama4(args: TitanFlavorArgs): ArchitectureSpec {
  const architecture = llamaDense(args, num(args, 'vocab_size'));
  const moe = moeArgs(args);
  const topK = moe.top_k as number;
  const shared = moe.num_shared_experts as number;
  let hidden = Math.trunc((2 * 4 * architecture.dModel) / 3);
  const multiplier = optNum(args, 'ffn_dim_multiplier');
  if (multiplier !== undefined) hidden = Math.trunc(multiplier * hidden);
  if (args.auto_scale_hidden_dim === true) hidden = Math.trunc(hidden / (topK + shared));
  const multipleOf = num(args, 'multiple_of');
  hidden = multipleOf * Math.ceil(hidden / multipleOf);
  architecture.moe = {
    nExperts: moe.num_experts as number,
    expertsPerToken: topK,
    expertFfnSize: hidden,
    sharedExpertFfnSize: hidden * shared,
    routerBias: moe.gate_bias === true,
    moeLayers: Math.floor(architecture.nLayers / num(args, 'interleave_moe_layer_step')),
  };
  return architecture;
}

/**
 * Qwen3 (qwen3/model/model.py @238fa995): head_dim independent of dim, RMSNorm over head_dim on q
 * and k when qk_norm, weight tying by flag; with moe_enabled every layer is an MoE of moe_inter_dim
 * experts (shared experts hidden moe_inter_dim·num_shared_experts), otherwise a FeedForward of
 * hidden_dim.
 */
function qwen3(args: TitanFlavorArgs): ArchitectureSpec {
  const architecture = llamaArchitecture({
    nLayers: num(args, 'n_layers'),
    dModel: num(args, 'dim'),
    nHeads: num(args, 'n_heads'),
    nKvHeads: num(args, 'n_kv_heads'),
    headDim: num(args, 'head_dim'),
    ffnSize: num(args, 'hidden_dim'),
    vocabSize: num(args, 'vocab_size'),
    tiedEmbeddings: args.enable_weight_tying === true,
    qkNorm: args.qk_norm === true ? 'head' : 'none',
  });
  if (args.moe_enabled === true) {
    const moe = moeArgs(args);
    const hidden = num(args, 'moe_inter_dim');
    architecture.moe = {
      nExperts: moe.num_experts as number,
      expertsPerToken: moe.top_k as number,
      expertFfnSize: hidden,
      sharedExpertFfnSize: hidden * (moe.num_shared_experts as number),
      routerBias: moe.gate_bias === true,
    };
  }
  return architecture;
}

/**
 * DeepSeek-V3 (deepseek_v3/model/model.py @238fa995): MLA attention (wq or wq_a/q_norm/wq_b,
 * wkv_a, kv_norm, wkv_b, wo, no biases); the first n_dense_layers use FeedForward(inter_dim), the
 * rest MoE(moe_inter_dim) with shared experts of moe_inter_dim·num_shared_experts; the router gate
 * has a bias only with gate_bias; `expert_bias` (load balancing) is a buffer, not a parameter.
 */
function deepseekV3(args: TitanFlavorArgs): ArchitectureSpec {
  const nHeads = num(args, 'n_heads');
  const qkNope = num(args, 'qk_nope_head_dim');
  const qkRope = num(args, 'qk_rope_head_dim');
  const vHead = num(args, 'v_head_dim');
  const architecture = llamaArchitecture({
    nLayers: num(args, 'n_layers'),
    dModel: num(args, 'dim'),
    nHeads,
    nKvHeads: nHeads,
    // Attention FLOPs: torchtitan counts head dims qk_nope + qk_rope + v where Llama counts 2·head_dim.
    headDim: (qkNope + qkRope + vHead) / 2,
    ffnSize: num(args, 'inter_dim'),
    vocabSize: num(args, 'vocab_size'),
  });
  architecture.mla = {
    qLoraRank: num(args, 'q_lora_rank'),
    kvLoraRank: num(args, 'kv_lora_rank'),
    qkNopeHeadDim: qkNope,
    qkRopeHeadDim: qkRope,
    vHeadDim: vHead,
  };
  const moe = moeArgs(args);
  const hidden = num(args, 'moe_inter_dim');
  architecture.moe = {
    nExperts: moe.num_experts as number,
    expertsPerToken: moe.top_k as number,
    expertFfnSize: hidden,
    sharedExpertFfnSize: hidden * (moe.num_shared_experts as number),
    routerBias: moe.gate_bias === true,
    moeLayers: architecture.nLayers - num(args, 'n_dense_layers'),
  };
  return architecture;
}

/**
 * gpt-oss (gpt_oss/model/model.py, model/moe.py @238fa995): attention q/k/v/o with biases and one
 * sink logit per head; every layer an MoE whose experts carry mlp1 (2·hidden) and mlp2 (dim) biases;
 * router with gate_bias; untied head.
 */
function gptOss(args: TitanFlavorArgs): ArchitectureSpec {
  const moe = moeArgs(args);
  const hidden = num(args, 'moe_inter_dim');
  const architecture = llamaArchitecture({
    nLayers: num(args, 'n_layers'),
    dModel: num(args, 'dim'),
    nHeads: num(args, 'n_heads'),
    nKvHeads: num(args, 'n_kv_heads'),
    headDim: num(args, 'head_dim'),
    ffnSize: hidden,
    vocabSize: num(args, 'vocab_size'),
    qkvBias: true,
    attnOutBias: true,
    mlpBias: true,
  });
  architecture.attentionSinks = true;
  architecture.moe = {
    nExperts: moe.num_experts as number,
    expertsPerToken: moe.top_k as number,
    expertFfnSize: hidden,
    sharedExpertFfnSize: hidden * (moe.num_shared_experts as number),
    routerBias: moe.gate_bias === true,
    // GptOssGroupedExperts: mlp1_bias (2·hidden) and mlp2_bias (dim) per expert.
    expertBias: true,
  };
  return architecture;
}

/** Builders by model package (the `family` of a table). */
const BUILDERS: Readonly<Record<string, (args: TitanFlavorArgs) => ArchitectureSpec>> = {
  llama3: (args) => llamaDense(args, num(args, 'vocab_size')),
  llama4,
  qwen3,
  deepseek_v3: deepseekV3,
  gpt_oss: gptOss,
};

/** Flavor suffixes that select an attention backend only (same parameters as the base flavor). */
const BACKEND_SUFFIXES: readonly RegExp[] = [/_flex(_attn)?$/, /_varlen(_attn)?$/, /_fused_qkv$/, /_irope$/];

/** The flavor key of a table, ignoring attention-backend suffixes the table does not list. */
function findFlavorKey(table: TitanFlavorTable, flavor: string): string | undefined {
  if (table.flavors[flavor]) return flavor;
  for (const suffix of BACKEND_SUFFIXES) {
    const base = flavor.replace(suffix, '');
    if (base !== flavor && table.flavors[base]) return base;
  }
  return undefined;
}

/** `Name dim 4096, 32 layers, ...` for hovers and assumptions. */
function describe(architecture: ArchitectureSpec): string {
  const parts = [
    `dim ${architecture.dModel}`,
    `${architecture.nLayers} layers`,
    `${architecture.nHeads} heads (${architecture.nKvHeads} kv)`,
    `FFN ${architecture.ffnSize}`,
    `vocab ${architecture.vocabSize}`,
  ];
  const moe = architecture.moe;
  if (moe) {
    parts.push(
      `${moe.moeLayers ?? architecture.nLayers} MoE layers of ${moe.nExperts} experts × ${moe.expertFfnSize} (top-${moe.expertsPerToken}` +
        `${moe.sharedExpertFfnSize ? `, shared ${moe.sharedExpertFfnSize}` : ''})`,
    );
  }
  if (architecture.mla) parts.push(`MLA kv_lora_rank ${architecture.mla.kvLoraRank}`);
  if (architecture.tiedEmbeddings) parts.push('tied embeddings');
  return parts.join(', ');
}

/**
 * `[model] name` in the era's registry: its flavor table and the alias it went through. Own keys
 * only, so a name such as `constructor` is not found on Object.prototype.
 */
function registryEntry(era: TitanEra, modelName: string) {
  const alias = Object.hasOwn(TITAN_ALIASES[era], modelName) ? TITAN_ALIASES[era][modelName] : undefined;
  const model = alias?.model ?? modelName;
  const table = Object.hasOwn(TITAN_FLAVORS[era], model) ? TITAN_FLAVORS[era][model] : undefined;
  return { alias, table };
}

/** The flavor table `[model] name` uses in the era's registry (through an alias). */
export function titanFlavorTable(era: TitanEra, modelName: string): TitanFlavorTable | undefined {
  return registryEntry(era, modelName).table;
}

/** Whether `[model] name` is a model (or alias) of the era's registry. */
export function titanKnownModel(era: TitanEra, modelName: string): boolean {
  return registryEntry(era, modelName).table !== undefined;
}

/**
 * The architecture of `[model] name` + `flavor` in a registry era, from the generated tables.
 * Unknown names and flavors come back as `unknown` with the reason, never as a guess.
 */
export function titanArchitecture(
  era: TitanEra,
  modelName: string,
  flavor: string,
  options: TitanBuildOptions = {},
): TitanBuild {
  const { alias, table } = registryEntry(era, modelName);
  const where = `pytorch/torchtitan@${TITAN_SOURCES[era].commit.slice(0, 8)}`;
  if (!table) {
    const known = [...Object.keys(TITAN_FLAVORS[era]), ...Object.keys(TITAN_ALIASES[era])].join(', ');
    return { unknown: `torchtitan model \`${modelName}\` is not in the ${era} registry (${known})` };
  }
  const flavorKey = findFlavorKey(table, flavor);
  if (!flavorKey) {
    return { unknown: `torchtitan ${modelName} has no flavor \`${flavor}\` at ${where} (${table.path})` };
  }
  const args = options.args ?? table.flavors[flavorKey]!;
  const via = alias ? `, via ${alias.via}` : '';
  const source = options.argsSource
    ? `${options.argsSource} (${alias?.model ?? modelName} "${flavor}", read with the model code of ${where})`
    : `${where} ${table.path} (${alias?.model ?? modelName} "${flavorKey}"${via})`;
  let architecture: ArchitectureSpec;
  if (era === '2024-12') {
    const tokenizer = TITAN_LEGACY_TOKENIZER_WORDS[modelName];
    if (!tokenizer)
      return { unknown: `no tokenizer known for legacy torchtitan model ${modelName}`, flavorKey };
    const normType = options.normType?.toLowerCase() ?? String(args.norm_type);
    const norm = TITAN_NORM_TYPES[normType];
    if (!norm)
      return {
        unknown: `torchtitan norm_type \`${options.normType}\` is not one build_norm knows`,
        flavorKey,
      };
    architecture = llamaDense(args, tokenizer.words, norm.weight);
  } else {
    const family = table.family ?? alias?.model ?? modelName;
    const builder = BUILDERS[family];
    if (!builder) return { unknown: `torchtitan model family ${family} is not modelled`, flavorKey };
    architecture = builder(args);
  }
  return { architecture, facts: describe(architecture), flavorKey, source };
}
