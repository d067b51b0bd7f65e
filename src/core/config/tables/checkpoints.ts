import type { ArchitectureSpec } from '../../types';
import { gpt2Architecture, llamaArchitecture } from '../../model/params';
import {
  LIT_MODEL_ROWS,
  LITGPT_SOURCE,
  hfTiedEmbeddings,
  litConfigToArchitecture,
} from '../frameworks/litgpt/models';
import { readHfConfigObject } from '../frameworks/hf-config/reader';
import { HF_CONFIG_CHECKPOINTS } from './hf-config-checkpoints';

/**
 * Open checkpoints that configs name (`pretrained_model_name_or_path`, `base_model`,
 * `checkpoint_dir`, Levanter `use_hf_model_config`, torchtune `_component_` builders), each with the
 * architecture its config.json describes and the source of every number. One table for every
 * reader; `findCheckpoint` accepts a hub id, a local path ending in one, any case.
 *
 * Most rows come from LitGPT's config.py (generated, see tables/litgpt-configs.generated.ts): LitGPT
 * loads the HF weights into those shapes with a strict state dict, so its shapes are the
 * checkpoint's; tying comes from `HF_TIED_EMBEDDINGS`. Families LitGPT lacks are written by hand
 * below, each with the config.json values it mirrors; checkpoints whose config.json text a public
 * repository vendors are kept verbatim in tables/hf-config-checkpoints.ts and counted by the
 * config.json reader.
 */
export interface CheckpointRow {
  /** Hub id as published, e.g. `meta-llama/Llama-3.1-8B`. */
  id: string;
  /** HF `model_type` of its config.json. */
  modelType: string;
  architecture: ArchitectureSpec;
  /** Where the shape was read (the config.json, or a framework table at a commit). */
  source: string;
}

const rows = new Map<string, CheckpointRow>();
/** Rows by the name after the org (`llama-2-7b-hf`); null when two orgs share a name. */
const byName = new Map<string, CheckpointRow | null>();

/** Add rows to the table (generated and hand-written tables register here). */
export function registerCheckpoints(list: readonly CheckpointRow[]): void {
  for (const row of list) {
    const key = normalize(row.id);
    rows.set(key, row);
    const name = key.split('/').pop()!;
    if (name !== key) byName.set(name, byName.has(name) && byName.get(name)?.id !== row.id ? null : row);
  }
}

/** HF `model_type` of the checkpoints LitGPT rows load, by hub id (first match wins). */
const LITGPT_MODEL_TYPES: readonly [RegExp, string][] = [
  [/^EleutherAI\/pythia-|^stabilityai\/(stablelm-(base|tuned)-alpha|stablecode-)/, 'gpt_neox'],
  [/^stabilityai\/(stablelm-3b-4e1t|stablelm-zephyr-3b|stable-code-3b)$/, 'stablelm'],
  [/^tiiuae\/falcon-/, 'falcon'],
  [/^allenai\/OLMo-(1B|7B)/, 'olmo'],
  [/^allenai\/OLMo-2-/, 'olmo2'],
  [/^google\/(gemma-(2b|7b)|codegemma-)/, 'gemma'],
  [/^google\/gemma-2-/, 'gemma2'],
  [/^google\/gemma-3-1b/, 'gemma3_text'],
  [/^microsoft\/phi-(1_5|2)$/, 'phi'],
  [/^microsoft\/(Phi-3|Phi-3\.5|phi-4|Phi-4)/, 'phi3'],
  [/^mistralai\/Mixtral-/, 'mixtral'],
  [/^(mistralai|unsloth)\//, 'mistral'],
  [/^Qwen\/(Qwen2\.5|QwQ)/, 'qwen2'],
  [/^Qwen\/Qwen3-\d+(\.\d+)?B-A\d+B/, 'qwen3_moe'],
  [/^Qwen\/Qwen3-/, 'qwen3'],
  [
    /^(meta-llama|codellama|openlm-research|garage-bAInd|togethercomputer|nvidia|Trelis|TinyLlama|deepseek-ai|HuggingFaceTB|stabilityai\/FreeWilly2|tiiuae\/Falcon3)/,
    'llama',
  ],
];

/**
 * LitGPT rows that are not the checkpoint's real shape: Gemma-3 4B/12B/27B are multimodal
 * checkpoints (LitGPT loads the text model only), and the Platypus2-70B row omits the GQA
 * n_query_groups=8 of its Llama-2-70B base.
 */
const NOT_CHECKPOINT_SHAPES = /^google\/gemma-3-(4b|12b|27b)|^garage-bAInd\/Platypus2-70B$/;

const litSource = `${LITGPT_SOURCE.repo} ${LITGPT_SOURCE.path}@${LITGPT_SOURCE.commit.slice(0, 12)}`;

/** Checkpoint rows from LitGPT's config.py (only those whose tying and model_type are known). */
function litgptCheckpoints(): CheckpointRow[] {
  const out: CheckpointRow[] = [];
  for (const row of LIT_MODEL_ROWS) {
    const id = `${row.hf_config.org}/${row.hf_config.name}`;
    if (NOT_CHECKPOINT_SHAPES.test(id)) continue;
    const tie = hfTiedEmbeddings(id);
    const modelType = LITGPT_MODEL_TYPES.find(([pattern]) => pattern.test(id))?.[1];
    if (!tie || !modelType) continue;
    out.push({
      id,
      modelType,
      architecture: litConfigToArchitecture(row, tie.tied),
      source: `${litSource} '${row.name}'; ${tie.source}`,
    });
  }
  return out;
}

const gpt2 = (id: string, nLayers: number, dModel: number, nHeads: number, count: string): CheckpointRow => ({
  id,
  modelType: 'gpt2',
  architecture: gpt2Architecture({ nLayers, dModel, nHeads, vocabSize: 50257, learnedPositions: 1024 }),
  source: `${id} config.json: n_layer ${nLayers}, n_embd ${dModel}, n_head ${nHeads}, n_positions 1024, vocab 50257, tied (${count})`,
});

/**
 * OPT (facebook/opt-*): ReLU fc1/fc2 with biases, LayerNorm w+b, pre-LN with a final norm
 * (do_layer_norm_before; opt-350m differs and is left out), tied, learned positions with OPT's
 * offset of 2 (OPTLearnedPositionalEmbedding: max_position_embeddings 2048 + 2 rows), vocab 50272.
 */
const opt = (size: string, nLayers: number, dModel: number, nHeads: number, ffn: number): CheckpointRow => ({
  id: `facebook/opt-${size}`,
  modelType: 'opt',
  architecture: gpt2Architecture({
    nLayers,
    dModel,
    nHeads,
    ffnSize: ffn,
    vocabSize: 50272,
    learnedPositions: 2050,
  }),
  source: `facebook/opt-${size} config.json: num_hidden_layers ${nLayers}, hidden_size ${dModel}, heads ${nHeads}, ffn_dim ${ffn}, vocab 50272, max_position_embeddings 2048 (+2 offset), tied`,
});

/** Families LitGPT does not ship, from their config.json. */
const HAND_WRITTEN: readonly CheckpointRow[] = [
  gpt2('gpt2', 12, 768, 12, '124,439,808 params'),
  gpt2('gpt2-medium', 24, 1024, 16, '354,823,168 params'),
  gpt2('gpt2-large', 36, 1280, 20, '774,030,080 params'),
  gpt2('gpt2-xl', 48, 1600, 25, '1,557,611,200 params'),
  opt('125m', 12, 768, 12, 3072),
  opt('1.3b', 24, 2048, 32, 8192),
  opt('2.7b', 32, 2560, 32, 10240),
  opt('6.7b', 32, 4096, 32, 16384),
  opt('13b', 40, 5120, 40, 20480),
  {
    // mosaicml/mpt-7b config.json: n_layers 32, d_model 4096, n_heads 32, expansion_ratio 4,
    // vocab_size 50432, no_bias true (no linear or LayerNorm biases), ALiBi, tied wte.
    id: 'mosaicml/mpt-7b',
    modelType: 'mpt',
    architecture: llamaArchitecture({
      nLayers: 32,
      dModel: 4096,
      nHeads: 32,
      ffnSize: 16384,
      gatedMlp: false,
      vocabSize: 50432,
      tiedEmbeddings: true,
    }),
    source:
      'mosaicml/mpt-7b config.json: 32 layers, d 4096, 32 heads, expansion 4, vocab 50432, no_bias, tied',
  },
  {
    // EleutherAI/gpt-neox-20b config.json: 44 layers, hidden 6144, 64 heads, intermediate 24576,
    // vocab 50432, untied embed_out, biases, LayerNorm w+b, parallel residual (two norms).
    id: 'EleutherAI/gpt-neox-20b',
    modelType: 'gpt_neox',
    architecture: litConfigToArchitecture(
      { name: 'gpt-neox-20b', n_layer: 44, n_embd: 6144, n_head: 64, padded_vocab_size: 50432 },
      false,
    ),
    source: 'EleutherAI/gpt-neox-20b config.json: 44 layers, 6144, 64 heads, 24576, vocab 50432, untied',
  },
  {
    // deepseek-ai/deepseek-llm-7b-base config.json (LlamaForCausalLM): 30 layers, 4096, 32 heads,
    // intermediate 11008, vocab 102400, untied.
    id: 'deepseek-ai/deepseek-llm-7b-base',
    modelType: 'llama',
    architecture: llamaArchitecture({
      nLayers: 30,
      dModel: 4096,
      nHeads: 32,
      ffnSize: 11008,
      vocabSize: 102400,
    }),
    source: 'deepseek-ai/deepseek-llm-7b-base config.json: 30 layers, 4096, 32 heads, 11008, vocab 102400',
  },
  {
    // deepseek-ai/DeepSeek-V2-Lite config.json: 27 layers, hidden 2048, 16 heads, MLA with
    // q_lora_rank null, kv_lora_rank 512, qk_nope 128, qk_rope 64, v 128; 64 routed experts (top 6)
    // of moe_intermediate_size 1408, n_shared_experts 2, first_k_dense_replace 1 (dense 10944),
    // vocab 102400, untied.
    id: 'deepseek-ai/DeepSeek-V2-Lite',
    modelType: 'deepseek_v2',
    architecture: {
      ...llamaArchitecture({ nLayers: 27, dModel: 2048, nHeads: 16, ffnSize: 10944, vocabSize: 102400 }),
      headDim: 192,
      mla: { qLoraRank: 0, kvLoraRank: 512, qkNopeHeadDim: 128, qkRopeHeadDim: 64, vHeadDim: 128 },
      moe: {
        nExperts: 64,
        expertsPerToken: 6,
        expertFfnSize: 1408,
        sharedExpertFfnSize: 2816,
        moeLayers: 26,
      },
    },
    source:
      'deepseek-ai/DeepSeek-V2-Lite config.json (MLA kv_lora 512, 64 experts top-6, 2 shared, first dense 1)',
  },
  {
    // allenai/OLMoE-1B-7B-0924 config.json: 16 layers, 2048, 16 heads, 64 experts (top 8) of 1024,
    // q_norm/k_norm RMSNorm over the full q and k widths, vocab 50304, untied.
    id: 'allenai/OLMoE-1B-7B-0924',
    modelType: 'olmoe',
    architecture: {
      ...llamaArchitecture({ nLayers: 16, dModel: 2048, nHeads: 16, ffnSize: 1024, vocabSize: 50304 }),
      qkNorm: 'full',
      moe: { nExperts: 64, expertsPerToken: 8, expertFfnSize: 1024 },
    },
    source:
      'allenai/OLMoE-1B-7B-0924 config.json: 16 layers, 2048, 16 heads, 64 experts top-8 of 1024, qk-norm, vocab 50304',
  },
  {
    // allenai/OLMo-2-0425-1B config.json: 16 layers, 2048, 16 heads, 8192, vocab 100352, untied,
    // qk-norm over full widths, post-attention and post-feedforward norms only.
    id: 'allenai/OLMo-2-0425-1B',
    modelType: 'olmo2',
    architecture: {
      ...llamaArchitecture({ nLayers: 16, dModel: 2048, nHeads: 16, ffnSize: 8192, vocabSize: 100352 }),
      qkNorm: 'full',
    },
    source:
      'allenai/OLMo-2-0425-1B config.json: 16 layers, 2048, 16 heads, 8192, vocab 100352 (1,484,916,736)',
  },
  // Qwen2 has Qwen2.5's config.json dimensions size for size (q/k/v biases, SwiGLU, RMSNorm).
  ...(
    [
      ['Qwen2-0.5B', 24, 896, 14, 2, 4864, 151936, true],
      ['Qwen2-1.5B', 28, 1536, 12, 2, 8960, 151936, true],
      ['Qwen2-7B', 28, 3584, 28, 4, 18944, 152064, false],
      ['Qwen2-72B', 80, 8192, 64, 8, 29568, 152064, false],
    ] as const
  ).map(([name, nLayers, dModel, nHeads, nKvHeads, ffnSize, vocabSize, tied]) => ({
    id: `Qwen/${name}`,
    modelType: 'qwen2',
    architecture: llamaArchitecture({
      nLayers,
      dModel,
      nHeads,
      nKvHeads,
      ffnSize,
      vocabSize,
      qkvBias: true,
      tiedEmbeddings: tied,
    }),
    source: `Qwen/${name} config.json: ${nLayers} layers, ${dModel}, ${nHeads}/${nKvHeads} heads, ${ffnSize}, vocab ${vocabSize}, tie ${tied}`,
  })),
  // SmolLM (v1) has SmolLM2's config.json dimensions size for size (tied, vocab 49152).
  ...(
    [
      ['SmolLM-135M', 30, 576, 9, 3, 1536],
      ['SmolLM-360M', 32, 960, 15, 5, 2560],
      ['SmolLM-1.7B', 24, 2048, 32, 32, 8192],
    ] as const
  ).map(([name, nLayers, dModel, nHeads, nKvHeads, ffnSize]) => ({
    id: `HuggingFaceTB/${name}`,
    modelType: 'llama',
    architecture: llamaArchitecture({
      nLayers,
      dModel,
      nHeads,
      nKvHeads,
      ffnSize,
      vocabSize: 49152,
      tiedEmbeddings: true,
    }),
    source: `HuggingFaceTB/${name} config.json: ${nLayers} layers, ${dModel}, ${nHeads}/${nKvHeads} heads, ${ffnSize}, vocab 49152, tied`,
  })),
];

/**
 * Rows from vendored config.json texts: the architecture the config.json reader gives for the file;
 * one it cannot count exactly (a key it does not model, a missing value) is left out, so the
 * checkpoint stays unknown.
 */
function hfConfigCheckpoints(): CheckpointRow[] {
  return HF_CONFIG_CHECKPOINTS.flatMap(({ id, source, config }) => {
    const spec = readHfConfigObject(config);
    const modelType = config.model_type;
    if (!spec?.architecture || spec.paramsMissing?.length || typeof modelType !== 'string') return [];
    return [
      {
        id,
        modelType,
        architecture: spec.architecture,
        source: `${id} config.json as vendored at ${source.repo}@${source.commit.slice(0, 12)} ${source.path}`,
      },
    ];
  });
}

registerCheckpoints(litgptCheckpoints());
registerCheckpoints(HAND_WRITTEN);
registerCheckpoints(hfConfigCheckpoints());

/**
 * Hub ids renamed by their publisher: the same repository (the old id redirects), so the same
 * config.json. Meta renamed `meta-llama/Meta-Llama-3.1-*` to `meta-llama/Llama-3.1-*`; the new
 * ids are the ones current configs name (axolotl-ai-cloud/axolotl@HEAD
 * `examples/alst/llama3-8b-deepspeed-alst.yaml` `base_model: meta-llama/Llama-3.1-8B`, torchtitan
 * README "the official meta-llama/Llama-3.1-8B repository"), while LitGPT's table keeps the old ones.
 */
const RENAMED: readonly [newId: string, oldId: string][] = ['8B', '70B', '405B'].flatMap((size) =>
  ['', '-Instruct'].map(
    (suffix) =>
      [`meta-llama/Llama-3.1-${size}${suffix}`, `meta-llama/Meta-Llama-3.1-${size}${suffix}`] as [
        string,
        string,
      ],
  ),
);
registerCheckpoints(
  RENAMED.flatMap(([newId, oldId]) => {
    const row = rows.get(normalize(oldId));
    return row ? [{ ...row, id: newId, source: `${row.source}; ${newId} is the renamed ${oldId}` }] : [];
  }),
);

function normalize(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/\/+$/, '')
    .replace(/^openai-community\//, '');
}

/**
 * The checkpoint a hub id or a path refers to: the whole string, else its last two path segments
 * (`checkpoints/tiiuae/falcon-7b` → `tiiuae/falcon-7b`), else its last segment (`gpt2`, or a
 * name only one org publishes, `Llama-2-7b-hf`).
 */
export function findCheckpoint(nameOrPath: string): CheckpointRow | undefined {
  const key = normalize(nameOrPath);
  if (!key) return undefined;
  const direct = rows.get(key);
  if (direct) return direct;
  const parts = key.split('/').filter(Boolean);
  if (parts.length >= 2) {
    const lastTwo = rows.get(parts.slice(-2).join('/'));
    if (lastTwo) return lastTwo;
  }
  if (!parts.length) return undefined;
  const last = parts[parts.length - 1]!;
  // A bare name (`checkpoints/Llama-2-7b-hf`) matches when only one org publishes it.
  return rows.get(last) ?? byName.get(last) ?? undefined;
}

/** Every row (for tests and the README table). */
export function allCheckpoints(): readonly CheckpointRow[] {
  return [...rows.values()];
}
