import type { ReadContext, ReadResult } from '../../../types';
import { deepspeedLayout } from './layout';
import type { FrameworkReader } from '../../reader';
import { deepspeedSchedule } from './schedule';
import { neverThrowing } from '../../readerPolicy';
import { parseYaml, topLevelKeys } from '../../yamlSource';
import { yamlWrittenKeys } from '../../inventory';
import { DEEPSPEED_INVENTORY } from './inventory';
import { SpecBuilder } from '../../specBuilder';

/**
 * DeepSpeed JSON configs (`ds_config*.json`, and the `sed` templates of Megatron-DeepSpeed with
 * unquoted placeholders like `GBSIZE`, which only load as a YAML flow mapping). They hold batch,
 * ZeRO and precision settings and never the model, so the run spec carries no architecture and
 * no token count; the launching script has them.
 */

/** Top-level keys of the DeepSpeed config schema (deepspeed/runtime/config.py, docs/config-json). */
const DEEPSPEED_KEYS = new Set([
  'train_batch_size',
  'train_micro_batch_size_per_gpu',
  'gradient_accumulation_steps',
  'optimizer',
  'scheduler',
  'fp16',
  'bf16',
  'bfloat16',
  'amp',
  'zero_optimization',
  'zero_allow_untested_optimizer',
  'zero_force_ds_cpu_optimizer',
  'gradient_clipping',
  'prescale_gradients',
  'gradient_predivide_factor',
  'steps_per_print',
  'wall_clock_breakdown',
  'dump_state',
  'memory_breakdown',
  'activation_checkpointing',
  'flops_profiler',
  'tensorboard',
  'wandb',
  'csv_monitor',
  'comet',
  'comms_logger',
  'aio',
  'communication_data_type',
  'seq_parallel_communication_data_type',
  'sparse_attention',
  'sparse_gradients',
  'data_efficiency',
  'curriculum_learning',
  'compression_training',
  'elasticity',
  'pipeline',
  'autotuning',
  'checkpoint',
  'data_types',
  'fp32_allreduce',
  'disable_allgather',
  'nebula',
  'eigenvalue',
  'progressive_layer_drop',
  'quantize_training',
  'hybrid_engine',
  'torch_autocast',
  'compile',
  'graph_harvesting',
  'use_data_before_expert_parallel_',
  'timers',
  'train_batch_size_per_gpu',
  // Read by DeepSpeedConfig at deepspeedai/DeepSpeed@edaa7221 (runtime/config.py, constants.py).
  'use_data_before_expert_parallelism',
  'tensor_parallel',
  'expert_parallel',
  'sequence_parallel_size',
  'managed_gradient_accumulation',
  'gradient_allreduce_op',
  'dataloader_drop_last',
  'log_level',
]);

/** Keys that must be present for a file to be a DeepSpeed config rather than any JSON. */
const CORE_KEYS = ['train_batch_size', 'train_micro_batch_size_per_gpu', 'zero_optimization'];

function detect(text: string): number {
  if (!/(train_batch_size|train_micro_batch_size_per_gpu|zero_optimization)/.test(text)) return 0;
  const yaml = parseYaml(text);
  if (!yaml) return 0;
  const keys = [...topLevelKeys(yaml)];
  if (!keys.length || !CORE_KEYS.some((key) => keys.includes(key))) return 0;
  // Every key must belong to DeepSpeed's schema: GPT-NeoX, HF and other configs embed some
  // DeepSpeed keys next to their own model/training keys, and those files are not ours.
  const known = keys.filter((key) => DEEPSPEED_KEYS.has(key)).length;
  if (known / keys.length < 0.9) return 0;
  return 0.8;
}

function read(text: string, _context: ReadContext): ReadResult {
  const yaml = parseYaml(text);
  if (!yaml) {
    return {
      kind: 'unreadable',
      framework: 'deepspeed',
      diagnostics: [{ severity: 'error', code: 'yaml-syntax', message: 'Not parseable as JSON or YAML.' }],
    };
  }
  const b = new SpecBuilder('deepspeed', yaml);
  // JSON templates with unquoted placeholders parse fine as YAML flow; only real syntax errors stay.
  const batch = b.find(['train_batch_size'], { training: 'globalBatch' });
  const micro = b.find(['train_micro_batch_size_per_gpu'], { training: 'microBatch' });
  const accumulation = b.find(['gradient_accumulation_steps'], { training: 'gradAccum' });
  const batchValue =
    typeof batch?.value === 'number' && Number.isInteger(batch.value) ? batch.value : undefined;
  const intOf = (found: typeof batch): number | undefined =>
    typeof found?.value === 'number' && Number.isInteger(found.value) && found.value > 0
      ? found.value
      : undefined;
  const microValue = intOf(micro);
  const accumValue = intOf(accumulation);
  // Elastic training replaces train_batch_size with compute_elastic_config's final batch
  // (deepspeedai/DeepSpeed@edaa7221 deepspeed/runtime/config.py DeepSpeedConfig.__init__, "[Elasticity]
  // overriding training_batch_size"), so the file's value is not the run's.
  const elastic = b.find(['elasticity', 'enabled']);
  // _batch_assertion: train_batch_size == micro × gradient_accumulation_steps × world_size (world_size
  // = the data-parallel size). When the file writes all three, micro × accumulation must divide it
  // (when it writes train_batch_size with only one of them, that one must divide it: _set_batch_related_parameters
  // floors the missing one and the assertion then fails).
  const divisor = (microValue ?? 1) * (accumValue ?? 1);
  const inconsistent =
    batchValue !== undefined &&
    (microValue !== undefined || accumValue !== undefined) &&
    batchValue % divisor !== 0;
  if (elastic?.value === true) {
    b.diagnose(
      'warning',
      'not-modelled-key',
      'unknown: elasticity.enabled — DeepSpeed elastic training replaces train_batch_size with the batch compute_elastic_config picks for the GPU count; the global batch is not shown.',
      elastic.source.keyRange,
    );
  } else if (inconsistent && batch) {
    b.diagnose(
      'error',
      'invalid-value',
      `train_batch_size ${batchValue} is not a multiple of train_micro_batch_size_per_gpu × gradient_accumulation_steps (${microValue ?? 1} × ${accumValue ?? 1}): DeepSpeed asserts train_batch_size == micro × accumulation × data-parallel size (runtime/config.py _batch_assertion) for every GPU count.`,
      batch.source.valueRange,
    );
  } else if (batchValue) b.spec.training.globalBatchSeqs = batchValue;
  for (const placeholder of [batch, micro, accumulation]) {
    if (placeholder && typeof placeholder.value === 'string') {
      b.assume(
        `\`${placeholder.source.key}\` is the template placeholder \`${placeholder.value}\`, filled in by the launch script`,
      );
    }
  }
  b.spec.training.missing = [
    'model architecture (a DeepSpeed config holds only batch/ZeRO/precision settings)',
  ];
  b.spec.modelName = 'DeepSpeed config';
  b.spec.modelSectionRange = batch
    ? { start: batch.source.keyRange.start, end: batch.source.valueRange.end }
    : undefined;
  if (!b.spec.modelSectionRange) delete b.spec.modelSectionRange;
  return { kind: 'run-config', spec: b.spec, written: yamlWrittenKeys(yaml) };
}

/** Reader for DeepSpeed JSON configs: recognized, with no N and no D. */
export const deepspeedReader: FrameworkReader<'deepspeed'> = neverThrowing({
  id: 'deepspeed',
  label: 'DeepSpeed',
  detect: (text) => detect(text),
  read: (text, context) => read(text, context),
  inventory: DEEPSPEED_INVENTORY,
  schedule: deepspeedSchedule,
  layout: deepspeedLayout,
});
