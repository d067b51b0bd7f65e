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
  /** Parameter-free L2Norm on q and k; it replaces the `--qk-layernorm` norms (gpt_layer_specs.py). */
  qkL2Norm: ['--qk-l2-norm'],
  /** Older Megatron-LM: build megatron/legacy/model instead of Megatron-core (removed after fd443f26). */
  useLegacyModels: ['--use-legacy-models'],
  /** Older Megatron-LM: the megatron/training/tokenizer system (removed in 3257093930). */
  legacyTokenizer: ['--legacy-tokenizer'],
  numExperts: ['--num-experts'],
  routerTopk: ['--moe-router-topk'],
  /** Megatron-DeepSpeed MoE top-k. */
  dsTopk: ['--topk'],
  moeFfnSize: ['--moe-ffn-hidden-size'],
  moeSharedExpertSize: ['--moe-shared-expert-intermediate-size'],
  moeLayerFreq: ['--moe-layer-freq'],
  mtpNumLayers: ['--mtp-num-layers'],
  mtpUseRepeatedLayer: ['--mtp-use-repeated-layer'],
  vocabSize: ['--vocab-size'],
  /** Megatron-LM TokenizerConfig.padded_vocab_size: the embedding rows, used as given (no padding). */
  paddedVocabSize: ['--padded-vocab-size'],
  /**
   * BigScience Megatron-DeepSpeed (the BLOOM fork): `--pad-vocab-size-to` sets the rows outright
   * (megatron/tokenizer/tokenizer.py _vocab_size_with_padding), `--embed-layernorm` adds a LayerNorm
   * after the embedding, `--glu-activation` makes the MLP gated (2 × ffn out of dense_h_to_4h), and
   * `--tokenizer-name-or-path` names the HF tokenizer of `--tokenizer-type PretrainedFromHF`.
   */
  padVocabSizeTo: ['--pad-vocab-size-to'],
  embedLayernorm: ['--embed-layernorm'],
  gluActivation: ['--glu-activation'],
  tokenizerNameOrPath: ['--tokenizer-name-or-path'],
  /** Megatron-core shared-expert sigmoid gate (TransformerConfig.moe_shared_expert_gate). */
  moeSharedExpertGate: ['--moe-shared-expert-gate'],
  /** Megatron-DeepSpeed: MoE in every `--expert-interval`-th layer (default 2). */
  dsExpertInterval: ['--expert-interval'],
  /** Megatron-DeepSpeed MoE MLP kind: standard or residual (PR-MoE). */
  dsMlpType: ['--mlp-type'],
  /** Megatron-core DeepSeek multi-latent attention and its widths (_add_mla_args). */
  multiLatentAttention: ['--multi-latent-attention'],
  qLoraRank: ['--q-lora-rank'],
  kvLoraRank: ['--kv-lora-rank'],
  qkHeadDim: ['--qk-head-dim'],
  qkPosEmbHeadDim: ['--qk-pos-emb-head-dim'],
  vHeadDim: ['--v-head-dim'],
  divisibleBy: ['--make-vocab-size-divisible-by'],
  tokenizerType: ['--tokenizer-type'],
  tokenizerModel: ['--tokenizer-model'],
  vocabFile: ['--vocab-file'],
  mergeFile: ['--merge-file'],
  tensorParallel: ['--tensor-model-parallel-size'],
  pipelineParallel: ['--pipeline-model-parallel-size'],
  contextParallel: ['--context-parallel-size'],
  /** Megatron-DeepSpeed Ulysses sequence parallelism: divides the data-parallel size. */
  dsSequenceParallel: ['--ds-sequence-parallel-size'],
  tensorParallelWeightShards: ['--tensor-parallel-num-weight-shards'],
  microBatch: ['--micro-batch-size'],
  globalBatch: ['--global-batch-size'],
  trainIters: ['--train-iters'],
  trainSamples: ['--train-samples'],
  /** Megatron-DeepSpeed: the loop stops once this many tokens were consumed. */
  trainTokens: ['--train-tokens'],
  rampupBatchSize: ['--rampup-batch-size'],
  /** torchrun / torch.distributed.launch process counts (the GPU count when no batch is given). */
  launcherProcsPerNode: ['--nproc_per_node', '--nproc-per-node'],
  launcherNodes: ['--nnodes'],
  /** The deepspeed launcher's GPU and node counts. */
  // Only the underscore spellings: `ray start --num-gpus` is not a process count.
  deepspeedGpus: ['--num_gpus'],
  deepspeedNodes: ['--num_nodes'],
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

/**
 * Megatron's parallelism and recompute flags (megatron/training/arguments.py
 * _add_distributed_args / _add_training_args): a launcher that sources its model arguments passes
 * these itself (THUDM/slime@624b824a scripts/run-deepseek-r1.sh: TP, SP, PP, CP, EP, ETP, recompute,
 * but no batch or length flag).
 */
export const MEGATRON_PARALLEL_FLAGS = [
  '--sequence-parallel',
  '--context-parallel-size',
  '--expert-model-parallel-size',
  '--expert-tensor-parallel-size',
  '--virtual-pipeline-model-parallel-size',
  '--num-layers-per-virtual-pipeline-stage',
  '--decoder-first-pipeline-num-layers',
  '--decoder-last-pipeline-num-layers',
  '--recompute-granularity',
  '--recompute-method',
  '--use-distributed-optimizer',
];

/**
 * Flags only Megatron's model arguments take (megatron/training/arguments.py, TransformerConfig
 * fields): with enough of them a `MODEL_ARGS=( ... )` fragment with no pretrain_gpt.py line is
 * still a Megatron model description.
 */
export const MEGATRON_MODEL_FLAGS = [
  '--num-layers',
  '--hidden-size',
  '--num-attention-heads',
  '--ffn-hidden-size',
  '--kv-channels',
  '--group-query-attention',
  '--num-query-groups',
  '--swiglu',
  '--disable-bias-linear',
  '--add-qkv-bias',
  '--normalization',
  '--untie-embeddings-and-output-weights',
  '--use-rotary-position-embeddings',
  '--position-embedding-type',
  '--make-vocab-size-divisible-by',
  '--padded-vocab-size',
  '--tokenizer-type',
  '--qk-layernorm',
  '--max-position-embeddings',
  '--seq-length',
  '--num-experts',
  '--moe-router-topk',
  '--moe-ffn-hidden-size',
  '--multi-latent-attention',
];

/**
 * Flags only the Megatron-DeepSpeed fork defines (deepspeedai/Megatron-DeepSpeed
 * megatron/arguments.py); their presence decides how `--num-experts` is laid out.
 */
export const DEEPSPEED_FORK_FLAGS = [
  '--deepspeed',
  '--deepspeed_config',
  '--topk',
  '--expert-interval',
  '--mlp-type',
  '--num-key-value-heads',
  '--train-tokens',
  '--moe-expert-parallel-size',
  '--zero-stage',
];

/** Flags only Megatron-LM's Megatron-core MoE defines (megatron/core/transformer/transformer_config.py). */
export const MEGATRON_CORE_MOE_FLAGS = [
  '--moe-router-topk',
  '--moe-ffn-hidden-size',
  '--moe-layer-freq',
  '--moe-shared-expert-intermediate-size',
  '--moe-grouped-gemm',
  '--moe-token-dispatcher-type',
  '--moe-router-load-balancing-type',
  '--moe-aux-loss-coeff',
  '--moe-router-score-function',
  '--moe-router-dtype',
  '--expert-model-parallel-size',
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
  /** Megatron-DeepSpeed `--expert-interval` default (megatron/arguments.py). */
  dsExpertInterval: 2,
  /** Megatron-LM `_add_mla_args` defaults: q-lora-rank None (q projected directly), kv-lora-rank 32. */
  kvLoraRank: 32,
  qkHeadDim: 128,
  qkPosEmbHeadDim: 64,
  vHeadDim: 128,
  /** GPT-2 BPE (gpt2-vocab.json): the tokenizer of Megatron's GPT examples. */
  gpt2Vocab: 50257,
} as const;

/**
 * The `--tokenizer-type`s whose size `--vocab-size` sets: build_tokenizer.py passes `args.vocab_size`
 * to NullTokenizer, NullMultimodalTokenizer and TikTokenizer only; every other tokenizer ignores it
 * and reports its own size (NVIDIA/Megatron-LM@d98e8a64 megatron/core/tokenizers/utils/build_tokenizer.py).
 */
export const VOCAB_SIZE_TOKENIZERS = ['NullTokenizer', 'NullMultimodalTokenizer', 'TikTokenizer'] as const;

/** Tokenizer vocabulary sizes by `--tokenizer-type` (before padding). */
export const TOKENIZER_TYPE_VOCAB: Record<string, { vocab: number; source: string; assumed?: string }> = {
  // megatron/training/tokenizer: GPT-2 BPE vocab file gpt2-vocab.json (50257 entries).
  GPT2BPETokenizer: { vocab: 50257, source: 'GPT-2 BPE (gpt2-vocab.json)' },
  // Llama-2 SentencePiece tokenizer.model: 32000 pieces (HF meta-llama/Llama-2-7b-hf config).
  Llama2Tokenizer: { vocab: 32000, source: 'Llama-2 SentencePiece tokenizer.model' },
  // TikTokenizer without --vocab-size: vocab_size DEFAULT_TIKTOKEN_MAX_VOCAB = 2**17, special tokens
  // included (NVIDIA/Megatron-LM@d98e8a64 megatron/core/tokenizers/text/libraries/tiktoken_tokenizer.py).
  TikTokenizer: { vocab: 131072, source: 'TikTokenizer default vocab_size 2**17' },
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
 * learned_absolute, rope, yarn, mrope, relative, none; yarn and mrope are rotary, without parameters). `relative` (T5-style bias tables) is left out:
 * its parameters are not counted, so a file using it gets a diagnostic instead of a wrong number.
 */
export const POSITION_EMBEDDING_TYPES = [
  'learned_absolute',
  'rope',
  'yarn',
  'mrope',
  'none',
  // BigScience fork PositionEmbeddingType (megatron/enums.py): absolute is the learned table; rotary
  // and alibi have no parameters.
  'absolute',
  'rotary',
  'alibi',
] as const;

/** BigScience fork `--glu-activation` choices (megatron/model/glu_activations.py GLU_ACTIVATIONS). */
export const GLU_ACTIVATIONS = ['geglu', 'liglu', 'reglu', 'swiglu'] as const;
