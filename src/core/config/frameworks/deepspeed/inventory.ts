import type { FrameworkInventory } from '../../inventory';

/**
 * The keys of a DeepSpeed JSON config that change N or D (deepspeed/runtime/constants.py,
 * deepspeed/runtime/data_pipeline/constants.py, deepspeed/compression/constants.py). The reader
 * shows neither N nor D for these files (they hold no model and no run length), so the inventory
 * only has to name the keys whose effect the launch script's count would not include.
 */
export const DEEPSPEED_INVENTORY: FrameworkInventory = {
  framework: 'deepspeed',
  sources: [
    {
      repo: 'deepspeedai/DeepSpeed',
      commit: 'edaa7221267243c7be7fb49c5d5f5c4fb97b4641',
      paths: [
        'deepspeed/runtime/constants.py',
        'deepspeed/runtime/data_pipeline/constants.py',
        'deepspeed/compression/constants.py',
      ],
    },
  ],
  entries: [
    { key: 'train_batch_size', affects: 'D', status: 'modelled', why: 'sequences per optimizer step' },
    { key: 'train_micro_batch_size_per_gpu', affects: 'D', status: 'modelled' },
    { key: 'gradient_accumulation_steps', affects: 'D', status: 'modelled' },
    {
      key: 'curriculum_learning.enabled',
      affects: 'D',
      status: 'not-modelled',
      default: false,
      why: 'legacy sequence-length curriculum: early steps train on shorter sequences',
      example: true,
    },
    {
      key: 'data_efficiency.enabled',
      affects: 'D',
      status: 'not-modelled',
      default: false,
      why: 'curriculum data sampling and random layer-token drop',
      example: true,
    },
    {
      key: 'data_efficiency.data_routing.random_ltd.enabled',
      affects: 'D',
      status: 'not-modelled',
      default: false,
      why: 'random layer-token drop: layers see fewer tokens',
      example: true,
    },
    {
      key: 'compression_training.layer_reduction.enabled',
      affects: 'N',
      status: 'not-modelled',
      default: false,
      why: 'layer reduction trains a student with fewer layers',
      example: true,
    },
    {
      key: 'compression_training.head_pruning.shared_parameters.enabled',
      affects: 'N',
      status: 'not-modelled',
      default: false,
      why: 'attention heads pruned',
      example: true,
    },
    {
      key: 'compression_training.row_pruning.shared_parameters.enabled',
      affects: 'N',
      status: 'not-modelled',
      default: false,
      why: 'MLP rows pruned',
      example: true,
    },
    {
      key: 'compression_training.channel_pruning.shared_parameters.enabled',
      affects: 'N',
      status: 'not-modelled',
      default: false,
      why: 'channels pruned',
      example: true,
    },
    {
      key: 'progressive_layer_drop.enabled',
      affects: 'N',
      status: 'irrelevant',
      why: 'skips layers stochastically during training; the parameters stay',
    },
  ],
};
