/**
 * The LR schedule of a torchtune recipe config. Semantics from
 * pytorch/torchtune@bd2a0fc7c31430972728494fa01aaeeb0ebf1ba1:
 *
 * - torchtune/training/lr_schedulers.py has one scheduler, `get_cosine_schedule_with_warmup(optimizer,
 *   num_warmup_steps, num_training_steps, num_cycles=0.5, last_epoch=-1)` (also exported as
 *   `torchtune.training.get_cosine_schedule_with_warmup`): a LambdaLR with step/max(1, W) during warmup,
 *   then max(0, 0.5·(1 + cos(π·num_cycles·2·p))), p = (step − W)/max(1, T − W) — cosine from
 *   `optimizer.lr` to 0 at T for num_cycles 0.5. `num_warmup_steps` has no default.
 * - The recipes pass T themselves (recipes/full_finetune_distributed.py, lora_finetune_single_device.py
 *   `_setup_lr_scheduler(num_training_steps=self.total_epochs * self._steps_per_epoch)`), with
 *   steps_per_epoch = len(dataloader) // gradient_accumulation_steps, lowered to max_steps_per_epoch
 *   when that is smaller. The dataloader's length is the dataset's, which the file does not hold.
 * - No `lr_scheduler`: full_finetune_distributed logs "No learning rate scheduler configured. Using
 *   constant learning rate." and trains at `optimizer.lr`.
 * The LR of step k (0-based) is the lambda at k (LambdaLR steps after each optimizer step, once per
 * gradient_accumulation_steps batches: full_finetune_distributed.py `train`, lora_finetune_single_device.py
 * `train`). Audited at bd2a0fc7: recipes/lora_finetune_distributed_multi_dataset.py takes
 * steps_per_epoch = max_steps_per_epoch outright; ppo_full_finetune_single_device.py passes
 * num_steps // batch_size × ppo_epochs × (batch_size // ppo_batch_size); qat_single_device.py and
 * dev/early_exit_finetune_distributed.py build no scheduler. The file does not name its recipe, so no
 * cosine horizon is given as a plan.
 */
import type { ReadContext, RunSpec } from '../../../types';
import { emptyExtraction, unmodeled, YamlKeys } from '../../../schedule/common';
import type { ExtractedSchedule } from '../../../schedule/types';

const COSINE_COMPONENTS = new Set([
  'torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup',
  'torchtune.training.get_cosine_schedule_with_warmup',
]);

/** Arguments of get_cosine_schedule_with_warmup the config may set (the recipe passes the others). */
const COSINE_ARGS = new Set(['_component_', 'num_warmup_steps', 'num_cycles']);

export function torchtuneSchedule(
  text: string,
  _context: ReadContext = {},
  _spec?: RunSpec,
): ExtractedSchedule {
  const out = emptyExtraction();
  const doc = new YamlKeys(text, out);
  if (!doc.source) return out;
  const lr = doc.number(['optimizer', 'lr']);
  if (lr === undefined && !out.errors.length)
    out.errors.push('`optimizer.lr` is not set: the optimizer class default applies (not modeled)');
  else if (lr !== undefined && !(lr > 0)) out.errors.push(`\`optimizer.lr\` = ${lr} is not positive`);
  const epochs = doc.number(['epochs']);
  const cap = doc.number(['max_steps_per_epoch']);
  doc.get(['gradient_accumulation_steps']);

  const scheduler = doc.get(['lr_scheduler']);
  if (scheduler === undefined || scheduler === null) {
    if (out.errors.length || lr === undefined) return out;
    // Constant: fully known without the run length.
    out.schedule = {
      unit: 'steps',
      peakLr: lr,
      finalLr: lr,
      warmup: 0,
      warmupShape: 'constant',
      decay: { kind: 'constant' },
      horizon: 1,
    };
    out.notes.push(
      'no `lr_scheduler`: torchtune recipes that allow it train at `optimizer.lr` throughout ("Using constant learning rate")',
    );
    return runLength(out, epochs, cap);
  }
  const component = doc.string(['lr_scheduler', '_component_']);
  if (component === undefined) {
    out.errors.push('`lr_scheduler` has no `_component_`');
    return out;
  }
  if (!COSINE_COMPONENTS.has(component)) {
    out.errors.push(
      unmodeled(
        'lr_scheduler._component_',
        component,
        'torchtune@bd2a0fc7 has one scheduler, torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup',
      ),
    );
    return out;
  }
  if (typeof scheduler === 'object' && !Array.isArray(scheduler))
    for (const key of Object.keys(scheduler as Record<string, unknown>))
      if (!COSINE_ARGS.has(key)) {
        doc.get(['lr_scheduler', key]);
        // torchtune@bd2a0fc7 torchtune/config/_instantiate.py `instantiate`: "This overwrites any
        // repeated fields in the config with kwargs" (OmegaConf.merge(config, kwargs)), and the recipes
        // pass num_training_steps and last_epoch as kwargs, so the config's values never apply.
        if (key === 'num_training_steps' || key === 'last_epoch')
          out.notes.push(
            `\`lr_scheduler.${key}\` is ignored: the recipe passes its own (config.instantiate overwrites the config's value)`,
          );
        else out.errors.push(`\`lr_scheduler.${key}\` is not an argument of get_cosine_schedule_with_warmup`);
      }
  const warmup = doc.number(['lr_scheduler', 'num_warmup_steps']);
  if (warmup === undefined && !doc.has(['lr_scheduler', 'num_warmup_steps']))
    out.errors.push('`lr_scheduler.num_warmup_steps` is not set (a required argument: the recipe fails)');
  else if (warmup !== undefined && !(warmup >= 0))
    out.errors.push(`\`lr_scheduler.num_warmup_steps\` = ${warmup} is negative`);
  const cycles = doc.number(['lr_scheduler', 'num_cycles']) ?? 0.5;
  if (cycles !== 0.5)
    out.errors.push(
      unmodeled('lr_scheduler.num_cycles', cycles, 'only 0.5, a single half-cosine to 0, is modeled'),
    );
  if (out.errors.length || lr === undefined || warmup === undefined) return out;

  const description = `warmup ${warmup} steps linear from 0 to ${lr}, then cosine to 0 at the run's last step`;
  const total = epochs !== undefined && cap !== undefined ? epochs * cap : undefined;
  if (total === undefined) {
    out.errors.push(
      `the cosine ends at the run's total steps, epochs × (batches per epoch ÷ gradient_accumulation_steps${cap === undefined ? '' : ', at most max_steps_per_epoch'}): the batches per epoch need the dataset size, which is not in the file`,
    );
    out.notes.push(`torchtune schedule: ${description}`);
    return out;
  }
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr: 0,
    warmup,
    warmupShape: 'linear',
    warmupStartLr: 0,
    decay: { kind: 'cosine' },
    horizon: total,
  };
  out.errors.push(
    `the horizon ${total} = epochs ${epochs} × max_steps_per_epoch ${cap} holds only when every epoch has at least ${cap} optimizer steps of data: the recipe uses min(len(dataloader) // gradient_accumulation_steps, max_steps_per_epoch), and a smaller dataset ends the cosine sooner`,
  );
  return runLength(out, epochs, cap);
}

/**
 * The run length when the file fixes it (epochs × a step cap); never a guess from the dataset. And
 * why there is no token plan, for the panel: the reader never knows a torchtune run's tokens.
 */
function runLength(
  out: ExtractedSchedule,
  epochs: number | undefined,
  cap: number | undefined,
): ExtractedSchedule {
  if (epochs !== undefined && cap !== undefined) out.runLength = epochs * cap;
  out.errors.push(
    'no token plan: the tokens of a torchtune run depend on its dataset (its size, and its example lengths unless packed)',
  );
  return out;
}
