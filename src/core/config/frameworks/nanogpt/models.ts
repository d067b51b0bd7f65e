/**
 * Data tables for the nanoGPT reader: `train.py` defaults, the OpenAI GPT-2 checkpoints that
 * `init_from` can name, and the vocab sizes of nanoGPT's bundled datasets.
 */

/**
 * `train.py` module-level defaults that `config/*.py` files override (karpathy/nanoGPT @ 3adf61e1,
 * train.py lines 33-75). Note `bias = False` here although `GPTConfig` defaults to True.
 */
export const NANOGPT_TRAIN_DEFAULTS = {
  n_layer: 12,
  n_head: 12,
  n_embd: 768,
  block_size: 1024,
  batch_size: 12,
  gradient_accumulation_steps: 40,
  max_iters: 600000,
  bias: false,
  init_from: 'scratch',
  dataset: 'openwebtext',
  eval_only: false,
} as const;

/**
 * Fallback vocab when `data/<dataset>/meta.pkl` is absent: GPT-2's 50257 padded up to a multiple
 * of 64 (train.py: "defaulting to vocab_size of GPT-2 to 50304 (50257 rounded up for efficiency)").
 */
export const NANOGPT_DEFAULT_VOCAB = 50304;

/** One GPT-2 checkpoint loadable with `init_from`. */
export interface Gpt2Checkpoint {
  nLayers: number;
  nHeads: number;
  dModel: number;
}

/**
 * `GPT.from_pretrained` config_args (model.py): the architecture of each OpenAI checkpoint. All of
 * them force vocab_size=50257, block_size=1024, bias=True.
 */
export const GPT2_CHECKPOINTS: Readonly<Record<string, Gpt2Checkpoint>> = {
  gpt2: { nLayers: 12, nHeads: 12, dModel: 768 }, // 124M params
  'gpt2-medium': { nLayers: 24, nHeads: 16, dModel: 1024 }, // 350M params
  'gpt2-large': { nLayers: 36, nHeads: 20, dModel: 1280 }, // 774M params
  'gpt2-xl': { nLayers: 48, nHeads: 25, dModel: 1600 }, // 1558M params
};

/** What `from_pretrained` forces for every OpenAI checkpoint (model.py). */
export const GPT2_PRETRAINED_FORCED = { vocabSize: 50257, blockSize: 1024, bias: true } as const;

/**
 * Vocab sizes stored in `data/<dataset>/meta.pkl` by nanoGPT's prepare.py scripts. Datasets not
 * listed (openwebtext, shakespeare: GPT-2 BPE) have no meta.pkl, so train.py uses 50304.
 */
export const NANOGPT_DATASET_VOCAB: Readonly<Record<string, number>> = {
  shakespeare_char: 65, // data/shakespeare_char/prepare.py: 65 unique characters
};
