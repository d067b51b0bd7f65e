import type { ArchitectureSpec } from '../../types';
import { gpt2Architecture, llamaArchitecture } from '../../model/params';

/**
 * Hugging Face models that llm-foundry's `hf_causal_lm` recipes name in
 * `pretrained_model_name_or_path`, with the architecture their config.json describes. Rows are keyed
 * by hub id (case-insensitive; the `openai-community/` alias is accepted for GPT-2).
 */
export interface HfModelRow {
  /** HF `model_type`, which decides how `config_overrides` keys map onto the architecture. */
  modelType: 'gpt2' | 'llama' | 'mistral';
  architecture: ArchitectureSpec;
  source: string;
}

const gpt2 = (nLayers: number, dModel: number, nHeads: number, source: string): HfModelRow => ({
  modelType: 'gpt2',
  architecture: gpt2Architecture({ nLayers, dModel, nHeads, vocabSize: 50257, learnedPositions: 1024 }),
  source,
});

/** Known HF models (config.json on the hub). */
export const HF_MODELS: Readonly<Record<string, HfModelRow>> = {
  // huggingface.co/gpt2/blob/main/config.json: n_layer 12, n_embd 768, n_head 12, n_positions 1024, vocab 50257.
  gpt2: gpt2(12, 768, 12, 'gpt2 config.json (124,439,808 params)'),
  'gpt2-medium': gpt2(24, 1024, 16, 'gpt2-medium config.json (354,823,168 params)'),
  'gpt2-large': gpt2(36, 1280, 20, 'gpt2-large config.json (774,030,080 params)'),
  'gpt2-xl': gpt2(48, 1600, 25, 'gpt2-xl config.json (1,557,611,200 params)'),
  // meta-llama/Llama-2-7b-hf config.json: 32 layers, 4096, 32 heads, 11008, vocab 32000 (6,738,415,616).
  'meta-llama/llama-2-7b-hf': {
    modelType: 'llama',
    architecture: llamaArchitecture({
      nLayers: 32,
      dModel: 4096,
      nHeads: 32,
      ffnSize: 11008,
      vocabSize: 32000,
    }),
    source: 'meta-llama/Llama-2-7b-hf config.json',
  },
  // meta-llama/Llama-2-13b-hf config.json: 40 layers, 5120, 40 heads, 13824, vocab 32000.
  'meta-llama/llama-2-13b-hf': {
    modelType: 'llama',
    architecture: llamaArchitecture({
      nLayers: 40,
      dModel: 5120,
      nHeads: 40,
      ffnSize: 13824,
      vocabSize: 32000,
    }),
    source: 'meta-llama/Llama-2-13b-hf config.json',
  },
  // meta-llama/Meta-Llama-3-8B config.json: 32 layers, 4096, 32/8 heads, 14336, vocab 128256 (8,030,261,248).
  'meta-llama/meta-llama-3-8b': {
    modelType: 'llama',
    architecture: llamaArchitecture({
      nLayers: 32,
      dModel: 4096,
      nHeads: 32,
      nKvHeads: 8,
      ffnSize: 14336,
      vocabSize: 128256,
    }),
    source: 'meta-llama/Meta-Llama-3-8B config.json',
  },
  // mistralai/Mistral-7B-v0.1 config.json: 32 layers, 4096, 32/8 heads, 14336, vocab 32000 (7,241,732,096).
  'mistralai/mistral-7b-v0.1': {
    modelType: 'mistral',
    architecture: llamaArchitecture({
      nLayers: 32,
      dModel: 4096,
      nHeads: 32,
      nKvHeads: 8,
      ffnSize: 14336,
      vocabSize: 32000,
    }),
    source: 'mistralai/Mistral-7B-v0.1 config.json',
  },
};

/** The row for a hub id, accepting the `openai-community/` prefix GPT-2 moved to. */
export function findHfModel(name: string): HfModelRow | undefined {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/^openai-community\//, '');
  return HF_MODELS[key];
}

/**
 * `config_overrides` keys by model_type and the architecture field they set (HF config names).
 * Position keys resize the learned table only for models that have one.
 */
export const HF_OVERRIDE_KEYS: Readonly<
  Record<HfModelRow['modelType'], Readonly<Record<string, keyof ArchitectureSpec>>>
> = {
  gpt2: {
    n_positions: 'learnedPositions',
    max_position_embeddings: 'learnedPositions',
    n_layer: 'nLayers',
    n_embd: 'dModel',
    n_head: 'nHeads',
    n_inner: 'ffnSize',
    vocab_size: 'vocabSize',
    tie_word_embeddings: 'tiedEmbeddings',
  },
  llama: {
    num_hidden_layers: 'nLayers',
    hidden_size: 'dModel',
    num_attention_heads: 'nHeads',
    num_key_value_heads: 'nKvHeads',
    intermediate_size: 'ffnSize',
    vocab_size: 'vocabSize',
    tie_word_embeddings: 'tiedEmbeddings',
  },
  mistral: {
    num_hidden_layers: 'nLayers',
    hidden_size: 'dModel',
    num_attention_heads: 'nHeads',
    num_key_value_heads: 'nKvHeads',
    intermediate_size: 'ffnSize',
    vocab_size: 'vocabSize',
    tie_word_embeddings: 'tiedEmbeddings',
  },
};
