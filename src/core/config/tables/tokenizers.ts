/**
 * Well-known tokenizers and their sizes, one table for every reader (a config that names a
 * tokenizer gives its vocabulary). `size` is `len(tokenizer)` of the HF tokenizer (base vocabulary
 * plus added special tokens), which is what Megatron's HuggingFaceTokenizer, Levanter and
 * torchtitan allocate before their own padding; `source` says where the number was read.
 *
 * Rows are matched against a hub id, a local path ending in one, or a tokenizer file name; the
 * first matching row wins, so specific rows come before family rows.
 */
export interface TokenizerRow {
  /** Matches a hub id (`meta-llama/Meta-Llama-3-8B`), a path ending in one, or a file name. */
  pattern: RegExp;
  /** len(tokenizer). */
  size: number;
  /** Display name of the tokenizer. */
  name: string;
  /** Where the size was read (file and commit, or the hub config's vocab_size). */
  source: string;
}

/** A hub id, optionally after a local path: `(^|/)` then the id, then the end or a slash. */
const hub = (id: string): RegExp => new RegExp(`(^|/)${id}/?$`, 'i');

export const TOKENIZERS: readonly TokenizerRow[] = [
  // --- tokenizer files (they pin the tokenizer exactly) ---
  // EleutherAI 20B tokenizer (Pythia, GPT-NeoX-20B): len(tokenizer) 50277 (gpt-neox/tables.ts).
  {
    pattern: /20B_tokenizer\.json$/i,
    size: 50277,
    name: 'GPT-NeoX-20B',
    source: 'gpt-neox/tables.ts NEOX_VOCAB_FILE_SIZES (Pythia model card: 50277 tokens)',
  },
  // OpenAI GPT-2 BPE vocab file: 50256 merges + <|endoftext|>.
  {
    pattern: /gpt2-vocab\.json$/i,
    size: 50257,
    name: 'GPT-2 BPE',
    source: 'gpt-neox/tables.ts NEOX_VOCAB_FILE_SIZES (gpt2-vocab.json)',
  },
  // --- hub ids ---
  // HF gpt2 tokenizer.json: 50256 merges-based BPE tokens + <|endoftext|> = 50257.
  {
    pattern: hub('(openai-community/)?gpt2(-medium|-large|-xl)?'),
    size: 50257,
    name: 'GPT-2 BPE',
    source: 'openai-community/gpt2 config.json vocab_size 50257',
  },
  // Llama 3, 3.1, 3.2 (text), 3.3 tiktoken BPE: 128000 + 256 reserved specials.
  {
    pattern: hub('(meta-llama/)?(Meta-)?Llama-3(\\.\\d)?-\\d+B(-Instruct)?'),
    size: 128256,
    name: 'Llama-3',
    source:
      'meta-llama/Meta-Llama-3-8B config.json vocab_size 128256 (megatron/tables.ts, levanter/tables.ts)',
  },
  // Llama 2 SentencePiece (also TinyLlama and the NousResearch mirrors): 32000 pieces.
  {
    pattern: hub('(meta-llama|NousResearch)/Llama-2-\\d+b(-chat)?(-hf)?'),
    size: 32000,
    name: 'Llama-2 SentencePiece',
    source: 'meta-llama/Llama-2-7b-hf config.json vocab_size 32000 (levanter/tables.ts)',
  },
  {
    pattern: hub('TinyLlama/TinyLlama[-_.\\w]*'),
    size: 32000,
    name: 'Llama-2 SentencePiece',
    source: 'TinyLlama uses the Llama-2 tokenizer (litgpt/config.py tiny-llama-1.1b vocab_size 32000)',
  },
  // Mistral v0.3 and Mixtral-8x22B extended the SentencePiece vocab to 32768.
  {
    pattern: hub('mistralai/(Mistral-7B(-Instruct)?-v0\\.3|Mixtral-8x22B(-Instruct)?-v0\\.1)'),
    size: 32768,
    name: 'Mistral v3',
    source: 'litgpt/config.py Mistral-7B-v0.3 / Mixtral-8x22B padded_vocab_size 32768 (levanter/tables.ts)',
  },
  {
    pattern: hub('mistralai/(Mistral-7B(-Instruct)?-v0\\.[12]|Mixtral-8x7B(-Instruct)?-v0\\.1)'),
    size: 32000,
    name: 'Mistral v1',
    source: 'mistralai/Mistral-7B-v0.1 config.json vocab_size 32000 (megatron/tables.ts)',
  },
  // Qwen byte-level BPE: 151643 tokens + added specials (tokenizer.json added_tokens from id 151643).
  {
    pattern: hub('Qwen/Qwen3-[\\w.-]+'),
    size: 151669,
    name: 'Qwen3',
    source: 'Qwen3 tokenizer.json: 151643 BPE + 26 added tokens (Qwen2.5 set + think/tool_response)',
  },
  {
    pattern: hub('Qwen/(Qwen2\\.5|QwQ)-[\\w.-]+'),
    size: 151665,
    name: 'Qwen2.5',
    source: 'Qwen2.5 tokenizer.json: 151643 BPE + 22 added tokens (ids 151643-151664)',
  },
  {
    pattern: hub('Qwen/Qwen2-[\\w.-]+'),
    size: 151646,
    name: 'Qwen2',
    source: 'Qwen2 tokenizer.json: 151643 BPE + <|endoftext|>, <|im_start|>, <|im_end|>',
  },
  // Gemma 1 and 2 SentencePiece: 256000 pieces.
  {
    pattern: hub('google/(gemma-(2-)?\\d+b(-it)?|codegemma-\\d+b(-it)?)'),
    size: 256000,
    name: 'Gemma',
    source: 'google/gemma-2b config.json vocab_size 256000 (levanter/tables.ts)',
  },
  // GPT-NeoX-20B tokenizer (Pythia suite): len 50277.
  {
    pattern: hub('EleutherAI/(gpt-neox-20b|pythia-[\\w.-]+)'),
    size: 50277,
    name: 'GPT-NeoX-20B',
    source: 'Pythia model card / levanter/tables.ts: len(tokenizer) 50277',
  },
  // OLMo-1 (gpt-neox-olmo-dolma-v1_5): 50280 tokens.
  {
    pattern: hub('allenai/(OLMo-(1B|7B)[\\w.-]*|gpt-neox-olmo-dolma-v1_5)'),
    size: 50280,
    name: 'OLMo-1 (gpt-neox-olmo-dolma-v1_5)',
    source: 'allenai/OLMo-1B config.json vocab_size 50280 (levanter/tables.ts)',
  },
  // OLMo-2 dolma2 tokenizer (cl100k-based): 100278 tokens.
  {
    pattern: hub('allenai/(OLMo-2-[\\w.-]+|dolma2-tokenizer)'),
    size: 100278,
    name: 'dolma2',
    source: 'OLMo-2 dolma2 tokenizer: 100278 tokens (levanter/tables.ts)',
  },
  // SmolLM / SmolLM2 (cosmo2 tokenizer): 49152.
  {
    pattern: hub('HuggingFaceTB/(SmolLM2?-[\\w.-]+|cosmo2-tokenizer)'),
    size: 49152,
    name: 'SmolLM cosmo2',
    source:
      'HuggingFaceTB/SmolLM2-135M config.json vocab_size 49152 (litgpt/config.py SmolLM2 vocab_size 49152)',
  },
  // Falcon-7B/40B/180B: 65024 tokens.
  {
    pattern: hub('tiiuae/falcon-(7b|40b|180B)(-instruct|-chat)?'),
    size: 65024,
    name: 'Falcon',
    source: 'litgpt/config.py falcon-7b padded_vocab_size 65024 = tiiuae/falcon-7b config.json vocab_size',
  },
];

/** The tokenizer a name or path refers to, if known. */
export function findTokenizer(nameOrPath: string): TokenizerRow | undefined {
  const key = nameOrPath.trim();
  if (!key) return undefined;
  return TOKENIZERS.find((row) => row.pattern.test(key));
}
