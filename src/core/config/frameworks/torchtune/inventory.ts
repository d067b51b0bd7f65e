import type { FrameworkInventory } from '../../inventory';
import { TORCHTUNE_SOURCE } from './tables';

/**
 * Keys of torchtune recipe configs that can change N or D, read from the recipes' `cfg.*` uses and
 * the model builders (pytorch/torchtune @ TORCHTUNE_SOURCE.commit).
 */
export const torchtuneInventory: FrameworkInventory = {
  framework: 'torchtune',
  sources: [
    {
      repo: TORCHTUNE_SOURCE.repo,
      commit: TORCHTUNE_SOURCE.commit,
      paths: [
        'recipes/full_finetune_distributed.py',
        'recipes/lora_finetune_single_device.py',
        'recipes/ppo_full_finetune_single_device.py',
        'recipes/dev/grpo_full_finetune_distributed.py',
        'torchtune/models/*/_model_builders.py',
        'torchtune/models/*/_component_builders.py',
        'torchtune/modules/peft/lora.py',
        'torchtune/modules/peft/dora.py',
      ],
    },
  ],
  entries: [
    // N: the model builder and its LoRA arguments.
    {
      key: 'model._component_',
      affects: 'N',
      status: 'modelled',
      why: 'names the model builder (torchtune/tables.ts)',
    },
    {
      key: 'model.tie_word_embeddings',
      affects: 'N',
      status: 'modelled',
      why: 'llama3_2_* builders pass it through',
    },
    // Component builders (`torchtune.models.llama2.llama2`) take the shape from the config.
    ...[
      'vocab_size',
      'num_layers',
      'num_heads',
      'num_kv_heads',
      'embed_dim',
      'intermediate_dim',
      'head_dim',
    ].map((name) => ({
      key: `model.${name}`,
      affects: 'N' as const,
      status: 'modelled' as const,
      why: 'component-builder argument',
    })),
    ...['q_proj_bias', 'k_proj_bias', 'v_proj_bias', 'q_norm', 'k_norm'].map((name) => ({
      key: `model.${name}`,
      affects: 'N' as const,
      status: 'modelled' as const,
      why: 'qwen2/qwen3 component-builder argument (q, k, v alike)',
    })),
    { key: 'model.max_seq_len', affects: 'N', status: 'irrelevant', why: 'RoPE cache length, no parameters' },
    { key: 'model.attn_dropout', affects: 'N', status: 'irrelevant', why: 'dropout has no parameters' },
    { key: 'model.norm_eps', affects: 'N', status: 'irrelevant', why: 'numerics' },
    { key: 'model.rope_base', affects: 'N', status: 'irrelevant', why: 'RoPE base' },
    { key: 'model.scale_factor', affects: 'N', status: 'irrelevant', why: 'RoPE scaling' },
    {
      key: 'model.lora_attn_modules',
      affects: 'N',
      status: 'modelled',
      why: 'adapted attention linears (trainable count)',
    },
    { key: 'model.lora_rank', affects: 'N', status: 'modelled', default: 8 },
    { key: 'model.apply_lora_to_mlp', affects: 'N', status: 'modelled', default: false },
    { key: 'model.apply_lora_to_output', affects: 'N', status: 'modelled', default: false },
    {
      key: 'model.use_dora',
      affects: 'N',
      status: 'modelled',
      default: false,
      why: 'DoRA magnitude vectors in the trainable count',
    },
    {
      key: 'model.quantize_base',
      affects: 'N',
      status: 'irrelevant',
      why: 'NF4 storage of the frozen base; same parameter count',
    },
    { key: 'model.lora_alpha', affects: 'N', status: 'irrelevant', why: 'a scale on the adapter output' },
    { key: 'model.lora_dropout', affects: 'N', status: 'irrelevant', why: 'dropout has no parameters' },
    {
      key: 'teacher_model',
      affects: 'N',
      status: 'irrelevant',
      why: 'knowledge distillation: a frozen teacher; N and D are those of the student (its forward FLOPs are noted)',
    },
    {
      key: 'teacher_checkpointer',
      affects: 'N',
      status: 'irrelevant',
      why: 'where the teacher weights are loaded from',
    },
    {
      key: 'checkpointer',
      affects: 'N',
      status: 'irrelevant',
      why: 'where weights are loaded from; the builder fixes the shape',
    },
    {
      key: 'checkpointer.model_type',
      affects: 'N',
      status: 'irrelevant',
      why: 'checkpoint key conversion only',
    },
    { key: 'checkpointer.checkpoint_dir', affects: 'N', status: 'irrelevant', why: 'weights location' },
    {
      key: 'resize_token_embeddings',
      affects: 'N',
      status: 'not-modelled',
      default: false,
      example: true,
      why: 'resizes the embedding and output to the tokenizer vocabulary (full_finetune_distributed.py)',
    },
    // D: epochs over the dataset.
    { key: 'epochs', affects: 'D', status: 'modelled' },
    { key: 'batch_size', affects: 'D', status: 'modelled', why: 'per-device samples per micro-step' },
    { key: 'gradient_accumulation_steps', affects: 'D', status: 'modelled' },
    {
      key: 'max_steps_per_epoch',
      affects: 'D',
      status: 'modelled',
      why: 'caps each epoch (D then needs the dataset size)',
    },
    { key: 'tokenizer.max_seq_len', affects: 'D', status: 'modelled', why: 'truncation length' },
    {
      key: 'dataset',
      affects: 'D',
      status: 'modelled',
      why: 'a list of datasets is a ConcatDataset; a sliced split in it leaves D unknown',
    },
    {
      key: 'dataset._component_',
      affects: 'D',
      status: 'modelled',
      why: 'the dataset, whose size the settings give',
    },
    {
      key: 'dataset.packed',
      affects: 'D',
      status: 'modelled',
      why: 'packing changes padding, not the real tokens',
    },
    {
      key: 'dataset.split',
      affects: 'D',
      status: 'modelled',
      why: 'a slice of the dataset: D from a dataset size in the settings is then not computed',
    },
    { key: 'shuffle', affects: 'D', status: 'irrelevant', why: 'order only' },
    { key: 'seed', affects: 'D', status: 'irrelevant', why: 'order only' },
    { key: 'dataset_val', affects: 'D', status: 'irrelevant', why: 'validation data is not trained on' },
    {
      key: 'data_parallel_shard_dim',
      affects: 'D',
      status: 'irrelevant',
      why: 'parallel layout; D is epochs over the dataset',
    },
    {
      key: 'data_parallel_replicate_dim',
      affects: 'D',
      status: 'irrelevant',
      why: 'parallel layout; D is epochs over the dataset',
    },
    { key: 'tensor_parallel_dim', affects: 'D', status: 'irrelevant', why: 'parallel layout' },
    { key: 'context_parallel_dim', affects: 'D', status: 'irrelevant', why: 'parallel layout' },
    { key: 'optimizer_in_bwd', affects: 'D', status: 'irrelevant', why: 'when the optimizer step runs' },
    // RL recipes: the trained tokens are generated completions, and num_steps ends the run.
    {
      key: 'grpo_samples',
      affects: 'D',
      status: 'not-modelled',
      example: 16,
      why: 'GRPO (recipes/dev/grpo_full_finetune_distributed.py): grpo_samples generated completions per prompt, trained ppo_epochs times, until num_steps',
    },
    {
      key: 'ppo_epochs',
      affects: 'D',
      status: 'not-modelled',
      example: 2,
      why: 'PPO / GRPO recipes: optimisation passes over generated trajectories, not over the dataset',
    },
    {
      key: 'num_steps',
      affects: 'D',
      status: 'not-modelled',
      example: 1000,
      why: 'PPO / GRPO recipes stop after num_steps (ppo_full_finetune_single_device.py: num_steps // batch_size steps)',
    },
  ],
};
