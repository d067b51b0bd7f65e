import type { FrameworkInventory, InventoryEntry } from '../../inventory';

/**
 * The flags of Megatron-LM and Megatron-DeepSpeed that change N or D, read from each fork's
 * argument code. Megatron-LM generates most model flags from dataclass fields
 * (megatron/training/argument_utils.py ArgumentGroupFactory: `--field-name`, booleans that default to
 * True become `--no-…`/`--disable-…`), so TransformerConfig (megatron/core/transformer/
 * transformer_config.py) and TrainingConfig/TokenizerConfig (megatron/training/config/
 * training_config.py) are part of the source. Flags are compared as written (`--num-layers`).
 */

const modelled = (key: string, affects: InventoryEntry['affects'], why?: string): InventoryEntry => ({
  key,
  affects,
  status: 'modelled',
  ...(why ? { why } : {}),
});

const irrelevant = (key: string, affects: InventoryEntry['affects'], why: string): InventoryEntry => ({
  key,
  affects,
  status: 'irrelevant',
  why,
});

/** A flag whose effect is not counted; written with a value other than `default`, N or D is unknown. */
const notModelled = (
  key: string,
  affects: InventoryEntry['affects'],
  why: string,
  example: InventoryEntry['example'],
  defaultValue: InventoryEntry['default'] = false,
  alsoHarmless?: InventoryEntry['alsoHarmless'],
): InventoryEntry => ({
  key,
  affects,
  status: 'not-modelled',
  default: defaultValue,
  ...(alsoHarmless ? { alsoHarmless } : {}),
  why,
  example,
});

export const MEGATRON_INVENTORY: FrameworkInventory = {
  framework: 'megatron',
  sources: [
    {
      repo: 'NVIDIA/Megatron-LM',
      commit: 'd98e8a64ddf34856e74b24714e3bedb2f5a39553',
      paths: [
        'megatron/training/arguments.py',
        'megatron/training/argument_utils.py',
        'megatron/training/config/training_config.py',
        'megatron/core/transformer/transformer_config.py',
        'megatron/core/tokenizers/utils/build_tokenizer.py',
        'megatron/core/models/gpt/gpt_layer_specs.py',
        'megatron/core/transformer/moe/router.py',
        'megatron/core/transformer/moe/shared_experts.py',
        'megatron/training/training.py',
      ],
    },
    {
      repo: 'deepspeedai/Megatron-DeepSpeed',
      commit: '4efb479d5317ce9b86096b9d8e3e8030b0b5263b',
      paths: ['megatron/arguments.py', 'megatron/model/transformer.py', 'megatron/training.py'],
    },
    {
      // The last Megatron-LM commit with the legacy GPT model (--use-legacy-models), parent of 39ec5ebeb4.
      repo: 'NVIDIA/Megatron-LM',
      commit: 'fd443f26abb03643c6f812a79a020e622054c749',
      paths: ['megatron/legacy/model/transformer.py', 'megatron/training/arguments.py'],
    },
    {
      repo: 'bigscience-workshop/Megatron-DeepSpeed',
      commit: '8387ae17c4704f6579f88a84500b535d19d7fbbf',
      paths: [
        'megatron/arguments.py',
        'megatron/enums.py',
        'megatron/tokenizer/tokenizer.py',
        'megatron/model/transformer.py',
        'megatron/model/glu_activations.py',
      ],
    },
  ],
  entries: [
    // Shape ------------------------------------------------------------------------------------
    modelled('--num-layers', 'N'),
    modelled('--hidden-size', 'N'),
    modelled('--num-attention-heads', 'N'),
    modelled('--ffn-hidden-size', 'N', 'default 4·hidden, or int(4h·2/3/64)·64 with --swiglu'),
    modelled('--kv-channels', 'N', 'per-head width, default hidden / heads'),
    modelled('--group-query-attention', 'N'),
    modelled('--num-query-groups', 'N', 'KV heads, only with --group-query-attention'),
    modelled('--num-key-value-heads', 'N', 'Megatron-DeepSpeed KV heads'),
    modelled('--swiglu', 'N'),
    modelled('--disable-bias-linear', 'N'),
    modelled('--add-qkv-bias', 'N'),
    modelled('--normalization', 'N'),
    modelled('--qk-layernorm', 'N', 'per-head q/k norms of --normalization kind (LayerNorm has a bias)'),
    modelled('--untie-embeddings-and-output-weights', 'N'),
    modelled('--max-position-embeddings', 'N', 'rows of the learned position table'),
    modelled(
      '--position-embedding-type',
      'N',
      'learned_absolute, rope, yarn, mrope, none; relative is refused',
    ),
    modelled('--use-rotary-position-embeddings', 'N'),
    modelled('--no-position-embedding', 'N'),
    // Vocabulary ---------------------------------------------------------------------------------
    modelled(
      '--vocab-size',
      'N',
      'NullTokenizer / TikTokenizer size, padded to make-vocab-size-divisible-by × TP; other tokenizers ignore it',
    ),
    modelled('--padded-vocab-size', 'N', 'embedding rows as given'),
    modelled('--make-vocab-size-divisible-by', 'N'),
    modelled('--tokenizer-type', 'N'),
    modelled('--tokenizer-model', 'N'),
    modelled(
      '--legacy-tokenizer',
      'N',
      'older Megatron-LM tokenizers: NullTokenizer adds an end-of-document id (--vocab-size + 1)',
    ),
    modelled('--vocab-file', 'N', 'GPT-2 BPE vocabulary (50257)'),
    modelled('--merge-file', 'N', 'GPT-2 BPE merges'),
    modelled('--tensor-model-parallel-size', 'N,D', 'vocabulary padding; data-parallel size'),
    // BigScience Megatron-DeepSpeed (BLOOM) flags.
    modelled('--pad-vocab-size-to', 'N', 'BigScience fork: embedding rows as given'),
    modelled('--embed-layernorm', 'N', 'BigScience fork: LayerNorm after the embedding'),
    modelled('--glu-activation', 'N', 'BigScience fork: gated MLP, default width 4h'),
    modelled('--tokenizer-name-or-path', 'N', 'BigScience fork: the HF tokenizer of PretrainedFromHF'),
    irrelevant('--sync-tp-duplicated-parameters', 'N', 'keeps TP copies in sync'),
    notModelled(
      '--no-pad-vocab-size',
      'N',
      'TokenizerConfig.pad_vocab_size off: the tokenizer size is used unpadded',
      true,
    ),
    notModelled('--disable-pad-vocab-size', 'N', 'same as --no-pad-vocab-size', true),
    notModelled('--vocab-extra-ids', 'N', 'extra sentinel tokens added to the tokenizer', 100, 0),
    // TokenizerConfig.special_tokens: HuggingFaceTokenizer add_special_tokens() grows len(tokenizer) by
    // the tokens it did not have (megatron/core/tokenizers/text/libraries/huggingface_tokenizer.py).
    notModelled(
      '--tokenizer-special-tokens',
      'N',
      'special tokens added to the tokenizer, growing its vocabulary',
      '<tool_call>',
      null,
    ),
    // MoE ----------------------------------------------------------------------------------------
    modelled('--num-experts', 'N'),
    modelled('--moe-router-topk', 'N', 'active parameters'),
    modelled('--moe-ffn-hidden-size', 'N'),
    modelled('--moe-shared-expert-intermediate-size', 'N'),
    modelled('--moe-shared-expert-gate', 'N'),
    modelled('--moe-layer-freq', 'N', 'an integer N, or a 0/1 list expression as long as --num-layers'),
    modelled('--topk', 'N', 'Megatron-DeepSpeed top-k, default 1'),
    modelled('--expert-interval', 'N', 'Megatron-DeepSpeed: MoE in every interval-th layer, default 2'),
    {
      key: '--mlp-type',
      affects: 'N',
      status: 'modelled',
      modelledValues: ['standard'],
      why: 'residual (PR-MoE) adds a dense MLP and a coefficient layer beside the experts',
    },
    notModelled(
      '--num-experts-switch',
      'N',
      'Megatron-DeepSpeed SwitchMLP: a router and that many expert MLPs in every layer',
      8,
      null,
    ),
    // MegaBlocks' Megatron-LM fork (stanford-futuredata/Megatron-LM@85f95aef megatron/arguments.py
    // _add_moe_args, model/transformer.py l. 139, 714): a dMoE of `--moe-num-experts` expert MLPs and
    // a router in every layer, default None (dense); `--glu` gates the MLP. Upstream Megatron has
    // neither flag. allenai/OLMoE scripts/megatron_dmoe_46m_8gpu.sh read as its dense 45.6M model.
    notModelled(
      '--moe-num-experts',
      'N',
      "MegaBlocks' Megatron-LM fork: dMoE expert MLPs and a router in every layer",
      64,
      null,
    ),
    notModelled('--glu', 'N', "MegaBlocks' Megatron-LM fork: gated linear units in the MLP", true),
    notModelled(
      '--moe-latent-size',
      'N',
      'MoE latent projection (moe_latent_size) adds down/up projections',
      1024,
      null,
    ),
    irrelevant('--moe-router-enable-expert-bias', 'N', 'expert_bias is a registered buffer, not a parameter'),
    irrelevant('--moe-grouped-gemm', 'N', 'a kernel choice'),
    irrelevant('--moe-router-load-balancing-type', 'N', 'a loss'),
    irrelevant('--moe-aux-loss-coeff', 'N', 'a loss weight'),
    irrelevant('--moe-router-score-function', 'N', 'routing math, no parameters'),
    irrelevant('--moe-token-dispatcher-type', 'N', 'communication'),
    irrelevant('--moe-expert-capacity-factor', 'N', 'token dropping, no parameters'),
    irrelevant('--expert-model-parallel-size', 'N,D', 'experts are sharded inside the data-parallel group'),
    irrelevant(
      '--expert-tensor-parallel-size',
      'N,D',
      'splits each expert over TP ranks; memory only (layout.ts)',
    ),
    irrelevant('--moe-expert-parallel-size', 'N,D', 'Megatron-DeepSpeed expert sharding'),
    // MLA ----------------------------------------------------------------------------------------
    modelled('--multi-latent-attention', 'N', 'with --qk-layernorm, RMSNorm and no linear biases'),
    modelled('--q-lora-rank', 'N'),
    modelled('--kv-lora-rank', 'N'),
    modelled('--qk-head-dim', 'N'),
    modelled('--qk-pos-emb-head-dim', 'N'),
    modelled('--v-head-dim', 'N'),
    // Structures not counted -----------------------------------------------------------------------
    notModelled('--quick-geglu', 'N', 'makes the MLP gated (argument_utils.py gated_linear_unit)', true),
    modelled(
      '--mtp-num-layers',
      'N',
      'multi-token-prediction modules (MtpSpec), counted and trained on every token',
    ),
    modelled(
      '--mtp-use-repeated-layer',
      'N',
      'one MTP module applied --mtp-num-layers times; only 1 is counted',
    ),
    notModelled('--attention-output-gate', 'N', 'a gate projection on the attention output', true),
    notModelled(
      '--softmax-type',
      'N',
      'learnable softmax offsets are per-head parameters',
      'learnable',
      'vanilla',
      ['off-by-one'],
    ),
    notModelled(
      '--experimental-attention-variant',
      'N',
      'gated delta net / DSA attention blocks',
      'gated_delta_net',
      null,
    ),
    notModelled('--linear-attention-freq', 'N', 'linear-attention layers interleaved', 4, null),
    notModelled('--enable-mhc-connections', 'N', 'hyper-connection residual streams', true),
    notModelled(
      '--heterogeneous-layers-config-path',
      'N',
      'per-layer shapes from a JSON file',
      'layers.json',
      null,
    ),
    notModelled(
      '--heterogeneous-layers-config-encoded-json',
      'N',
      'per-layer shapes from a JSON string',
      '{}',
      null,
    ),
    notModelled('--hybrid-layer-pattern', 'N', 'a Mamba/attention hybrid stack', 'M-M-M*-', null),
    notModelled('--hybrid-override-pattern', 'N', 'a Mamba/attention hybrid stack', 'M-M-M*-', null),
    notModelled('--spec', 'N', 'a custom layer spec module', 'my_specs my_layer_spec', null),
    notModelled('--encoder-num-layers', 'N', 'encoder stack of an encoder-decoder model', 12, null),
    notModelled('--decoder-num-layers', 'N', 'decoder stack of an encoder-decoder model', 12, null),
    notModelled('--retro-add-retriever', 'N', 'RETRO retrieval encoder and chunked cross-attention', true),
    irrelevant('--apply-layernorm-1p', 'N', 'zero-centred gamma: same parameters'),
    irrelevant('--apply-residual-connection-post-layernorm', 'N', 'residual order'),
    irrelevant('--squared-relu', 'N', 'activation only'),
    irrelevant('--openai-gelu', 'N', 'activation only'),
    irrelevant('--rotary-percent', 'N', 'rotary has no parameters'),
    irrelevant('--rotary-base', 'N', 'rotary has no parameters'),
    irrelevant('--rotary-position-embeddings-theta', 'N', 'rotary has no parameters'),
    irrelevant('--use-rope-scaling', 'N', 'rotary has no parameters'),
    irrelevant('--window-size', 'N', 'attention mask only'),
    modelled('--qk-l2-norm', 'N', 'parameter-free L2Norm in place of the --qk-layernorm norms'),
    irrelevant('--norm-epsilon', 'N', 'a constant'),
    irrelevant('--layernorm-epsilon', 'N', 'a constant'),
    irrelevant('--transformer-impl', 'N', 'local and Transformer Engine layers hold the same parameters'),
    irrelevant('--use-mcore-models', 'N', 'the same GPT model'),
    modelled(
      '--use-legacy-models',
      'N',
      'legacy GPT (Megatron-LM@fd443f26 megatron/legacy/model): no q/k norms; its experts and MLA are unknown',
    ),
    irrelevant('--embedding-weights-in-fp32', 'N', 'a dtype'),
    // Training length ------------------------------------------------------------------------------
    modelled('--seq-length', 'N,D', 'learned positions fall back to it; tokens per sample'),
    modelled('--micro-batch-size', 'D'),
    modelled('--global-batch-size', 'D'),
    modelled('--train-iters', 'D'),
    modelled('--train-samples', 'D'),
    modelled('--train-tokens', 'D', 'Megatron-DeepSpeed stops after the step that reaches it'),
    modelled('--rampup-batch-size', 'D'),
    modelled('--pipeline-model-parallel-size', 'D', 'data-parallel size'),
    modelled('--context-parallel-size', 'D', 'data-parallel size'),
    modelled('--ds-sequence-parallel-size', 'D', 'Megatron-DeepSpeed Ulysses: data-parallel size'),
    modelled(
      '--tensor-parallel-num-weight-shards',
      'D',
      'Megatron-LM GTP: TP × weight-remat shards divide the world size (data-parallel size)',
    ),
    // Launchers (torchrun, torch.distributed.launch, deepspeed): the GPU count when no global batch is given.
    modelled('--nproc_per_node', 'D', 'torchrun processes per node'),
    modelled('--nproc-per-node', 'D', 'torchrun processes per node'),
    modelled('--nnodes', 'D', 'torchrun nodes'),
    modelled('--num_gpus', 'D', 'deepspeed launcher GPUs per node'),
    modelled('--num_nodes', 'D', 'deepspeed launcher nodes'),
    notModelled(
      '--step-batch-size-schedule',
      'D',
      'a step-wise batch-size schedule',
      '0:768 250B:1536',
      null,
    ),
    notModelled('--decrease-batch-size-if-needed', 'D', 'the batch shrinks when GPUs drop out', true),
    notModelled('--skip-train', 'D', 'no training steps run', true),
    notModelled('--iterations-to-skip', 'D', 'those iterations are not trained on', '100 101', null),
    notModelled(
      '--data-efficiency-curriculum-learning',
      'D',
      'sequence-length curriculum: consumed tokens follow actual_seq_length',
      true,
    ),
    notModelled('--random-ltd', 'D', 'random layer-token drop', true),
    notModelled(
      '--train-data-exact-num-epochs',
      'D',
      'Megatron-DeepSpeed exact epoch count of the data',
      1,
      null,
    ),
    irrelevant('--lr-decay-iters', 'D', 'the LR schedule, not the run length'),
    irrelevant('--lr-decay-samples', 'D', 'the LR schedule, not the run length'),
    irrelevant('--lr-decay-tokens', 'D', 'the LR schedule, not the run length'),
    irrelevant('--lr-warmup-iters', 'D', 'the LR schedule'),
    irrelevant('--lr-warmup-samples', 'D', 'the LR schedule'),
    irrelevant('--lr-warmup-tokens', 'D', 'the LR schedule'),
    irrelevant('--exit-interval', 'D', 'stops this job for a resume; the run length stays as set'),
    irrelevant('--exit-duration-in-mins', 'D', 'a wall-clock limit for one job; the run resumes'),
    irrelevant('--eval-iters', 'D', 'evaluation, not training'),
    irrelevant('--eval-interval', 'D', 'evaluation, not training'),
    modelled(
      '--decoder-seq-length',
      'D',
      'ignored by pretrain_gpt.py; any other entry point (encoder-decoder, multimodal): D unknown',
    ),
  ],
};
