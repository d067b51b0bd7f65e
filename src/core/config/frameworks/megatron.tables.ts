/**
 * Data for the Megatron-LM / Megatron-DeepSpeed reader: flag spellings, tokenizer vocabulary sizes
 * and argument defaults. Each row cites where the number comes from.
 */

/** Flag spellings per fact; later entries are older or DeepSpeed-fork spellings. */
export const MEGATRON_FLAGS = {
  nLayers: ['--num-layers'],
  dModel: ['--hidden-size'],
  nHeads: ['--num-attention-heads'],
  ffnSize: ['--ffn-hidden-size'],
  /** Per-head width; defaults to hidden / heads (megatron/training/arguments.py). */
  kvChannels: ['--kv-channels'],
  /** Megatron-LM GQA switch; `--num-query-groups` only counts when it is present. */
  groupQueryAttention: ['--group-query-attention'],
  numQueryGroups: ['--num-query-groups'],
  /** Megatron-DeepSpeed spelling of the KV head count. */
  numKeyValueHeads: ['--num-key-value-heads'],
  seqLen: ['--seq-length'],
  maxPositions: ['--max-position-embeddings'],
  positionType: ['--position-embedding-type'],
  rotary: ['--use-rotary-position-embeddings'],
  noPositionEmbedding: ['--no-position-embedding'],
  untie: ['--untie-embeddings-and-output-weights'],
  normalization: ['--normalization'],
  disableBiasLinear: ['--disable-bias-linear'],
  addQkvBias: ['--add-qkv-bias'],
  swiglu: ['--swiglu'],
  qkLayernorm: ['--qk-layernorm'],
  numExperts: ['--num-experts'],
  routerTopk: ['--moe-router-topk'],
  /** Megatron-DeepSpeed MoE top-k. */
  dsTopk: ['--topk'],
  moeFfnSize: ['--moe-ffn-hidden-size'],
  moeSharedExpertSize: ['--moe-shared-expert-intermediate-size'],
  moeLayerFreq: ['--moe-layer-freq'],
  vocabSize: ['--vocab-size'],
  divisibleBy: ['--make-vocab-size-divisible-by'],
  tokenizerType: ['--tokenizer-type'],
  tokenizerModel: ['--tokenizer-model'],
  vocabFile: ['--vocab-file'],
  mergeFile: ['--merge-file'],
  tensorParallel: ['--tensor-model-parallel-size'],
  pipelineParallel: ['--pipeline-model-parallel-size'],
  contextParallel: ['--context-parallel-size'],
  microBatch: ['--micro-batch-size'],
  globalBatch: ['--global-batch-size'],
  trainIters: ['--train-iters'],
  trainSamples: ['--train-samples'],
  /** Megatron-DeepSpeed: the loop stops once this many tokens were consumed. */
  trainTokens: ['--train-tokens'],
  rampupBatchSize: ['--rampup-batch-size'],
  stepBatchSchedule: ['--step-batch-size-schedule'],
} as const;

/** Flags that only Megatron's pretrain scripts take together; used for recognition. */
export const MEGATRON_SIGNATURE_FLAGS = [
  '--num-layers',
  '--hidden-size',
  '--num-attention-heads',
  '--seq-length',
  '--max-position-embeddings',
  '--micro-batch-size',
  '--global-batch-size',
  '--train-iters',
  '--train-samples',
  '--train-tokens',
  '--tensor-model-parallel-size',
  '--pipeline-model-parallel-size',
];

/** Argument defaults (megatron/training/arguments.py; Megatron-DeepSpeed megatron/arguments.py). */
export const MEGATRON_DEFAULTS = {
  /** `--make-vocab-size-divisible-by` default; the padding multiple is this × TP. */
  makeVocabSizeDivisibleBy: 128,
  tensorParallel: 1,
  pipelineParallel: 1,
  contextParallel: 1,
  microBatch: 1,
  /** Megatron-LM `--num-query-groups` default when `--group-query-attention` is given alone. */
  numQueryGroups: 1,
  /** Megatron-LM `--moe-router-topk` default. */
  moeRouterTopk: 2,
  /** Megatron-DeepSpeed `--topk` default. */
  dsTopk: 1,
  /** GPT-2 BPE (gpt2-vocab.json): the tokenizer of Megatron's GPT examples. */
  gpt2Vocab: 50257,
} as const;

/** Tokenizer vocabulary sizes by `--tokenizer-type` (before padding). */
export const TOKENIZER_TYPE_VOCAB: Record<string, { vocab: number; source: string; assumed?: string }> = {
  // megatron/training/tokenizer: GPT-2 BPE vocab file gpt2-vocab.json (50257 entries).
  GPT2BPETokenizer: { vocab: 50257, source: 'GPT-2 BPE (gpt2-vocab.json)' },
  // Llama-2 SentencePiece tokenizer.model: 32000 pieces (HF meta-llama/Llama-2-7b-hf config).
  Llama2Tokenizer: { vocab: 32000, source: 'Llama-2 SentencePiece tokenizer.model' },
  // Megatron-DeepSpeed llama examples pass the official Llama tokenizer.model (32000 pieces).
  GPTSentencePieceTokenizer: {
    vocab: 32000,
    source: 'SentencePiece tokenizer.model',
    assumed: 'the SentencePiece model is the Llama/Llama-2 tokenizer.model (32000 pieces)',
  },
};

/**
 * Vocabulary sizes of HF tokenizers named by `--tokenizer-model` (HuggingFaceTokenizer), matched by
 * substring of the model id, first match wins. Sizes are len(tokenizer) from each model's config.
 */
export const HF_TOKENIZER_VOCAB: { pattern: RegExp; vocab: number; source: string }[] = [
  // meta-llama/Meta-Llama-3-8B, Llama-3.1/3.2/3.3: vocab_size 128256.
  { pattern: /llama-?3/i, vocab: 128256, source: 'Llama-3 tokenizer (128256)' },
  // meta-llama/Llama-2-7b-hf: vocab_size 32000.
  { pattern: /llama-?2/i, vocab: 32000, source: 'Llama-2 tokenizer (32000)' },
  // mistralai/Mistral-7B-v0.1 and Mixtral-8x7B-v0.1: vocab_size 32000.
  { pattern: /mi[sx]tral/i, vocab: 32000, source: 'Mistral/Mixtral tokenizer (32000)' },
  // openai-community/gpt2: vocab_size 50257.
  { pattern: /(^|\/)gpt2$/i, vocab: 50257, source: 'GPT-2 BPE (50257)' },
];

/**
 * `--normalization` choices (megatron/training/arguments.py: LayerNorm, RMSNorm; compared
 * lower-cased). Anything else is refused by argparse.
 */
export const NORMALIZATIONS = ['layernorm', 'rmsnorm'] as const;

/**
 * `--position-embedding-type` values the count covers (megatron/training/arguments.py choices
 * learned_absolute, rope, mrope, relative, none). `relative` (T5-style bias tables) is left out:
 * its parameters are not counted, so a file using it gets a diagnostic instead of a wrong number.
 */
export const POSITION_EMBEDDING_TYPES = ['learned_absolute', 'rope', 'mrope', 'none'] as const;
