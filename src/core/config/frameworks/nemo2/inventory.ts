import type { FrameworkInventory } from '../../inventory';
import { NEMO2_COMMIT } from './tables';

/**
 * What a NeMo 2.x recipe script sets that the reader uses (reader.ts applies the rules itself: a
 * recipe edit it does not model makes N or D unknown at the key, so no written keys go through
 * the generic inventory pass). Sources: NVIDIA/NeMo at the commit of tables.ts.
 */
export const NEMO2_INVENTORY: FrameworkInventory = {
  framework: 'nemo2',
  sources: [
    {
      repo: 'NVIDIA/NeMo',
      commit: NEMO2_COMMIT,
      paths: [
        'nemo/collections/llm/recipes/*.py',
        'nemo/collections/llm/gpt/model/{base,llama,mistral,qwen2,qwen3,nemotron,mixtral}.py',
        'nemo/collections/llm/gpt/data/{mock,pre_training}.py',
        'nemo/lightning/base.py',
        'nemo/collections/llm/api.py',
        'nemo/collections/llm/recipes/finetune_default.py',
        'nemo/collections/llm/peft/{__init__,lora,dora,utils}.py',
        'nemo/lightning/resume.py',
      ],
    },
  ],
  entries: [
    { key: 'trainer.max_steps', affects: 'D', status: 'modelled' },
    { key: 'data.seq_length', affects: 'D', status: 'modelled' },
    { key: 'data.global_batch_size', affects: 'D', status: 'modelled' },
    { key: 'data.tokenizer', affects: 'N', status: 'modelled' },
    { key: 'trainer.strategy.tensor_model_parallel_size', affects: 'N', status: 'modelled' },
    { key: 'model.config.num_layers', affects: 'N', status: 'modelled' },
    { key: 'model.config.hidden_size', affects: 'N', status: 'modelled' },
    { key: 'model.config.ffn_hidden_size', affects: 'N', status: 'modelled' },
    { key: 'model.config.num_attention_heads', affects: 'N', status: 'modelled' },
    { key: 'model.config.num_query_groups', affects: 'N', status: 'modelled' },
    { key: 'model.config.kv_channels', affects: 'N', status: 'modelled' },
    { key: 'model.config.vocab_size', affects: 'N', status: 'modelled' },
    { key: 'resume.restore_config.path', affects: 'N', status: 'modelled' },
    { key: 'peft.dim', affects: 'N', status: 'modelled' },
    { key: 'peft.target_modules', affects: 'N', status: 'modelled' },
    { key: 'trainer.callbacks', affects: 'D', status: 'modelled' },
    {
      key: 'trainer.accumulate_grad_batches',
      affects: 'D',
      status: 'not-modelled',
      default: 1,
      example: 4,
      why: 'Lightning accumulation on top of the global batch',
    },
    {
      key: 'data.micro_batch_size',
      affects: 'D',
      status: 'irrelevant',
      why: 'the global batch sets the step',
    },
    { key: 'trainer.num_nodes', affects: 'D', status: 'irrelevant', why: 'GPU count only' },
    { key: 'trainer.devices', affects: 'D', status: 'irrelevant', why: 'GPU count only' },
  ],
};
