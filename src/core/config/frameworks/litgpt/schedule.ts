/**
 * The LR schedule of a LitGPT pretraining YAML (`litgpt pretrain --config`). Batch and run length are
 * the litgpt reader's. Semantics and defaults from Lightning-AI/litgpt@26857050fe3ff627cd714fe92f5838f51a3d5efa:
 * - litgpt/pretrain.py `setup` defaults: train.lr_warmup_steps 2000, train.min_lr 4e-5 (TrainArgs in
 *   args.py has 100 and 6e-5, but the pretrain entry point's own default object wins), optimizer
 *   "AdamW" (torch default lr 1e-3; a string names a torch.optim class, utils.py
 *   `instantiate_torch_optimizer`, whose own default lr applies).
 * - pretrain.py `fit`: the loop counts micro-batch iterations it = 0, 1, … per device and stops at
 *   max_iters = (max_tokens // world_size) // (micro_batch_size · max_seq_length). Before iteration it
 *   it sets `get_lr(lr, it, warmup_iters, max_iters, min_lr)`: lr·it/warmup_iters while
 *   it < warmup_iters, min_lr past max_iters, else min_lr + ½(1 + cos(π·(it − Wi)/(max_iters − Wi)))·
 *   (lr − min_lr). The optimizer steps when it + 1 is a multiple of A = gradient_accumulation_iters =
 *   (global_batch_size // world_size) // micro_batch_size (args.py), so optimizer step k (1-based)
 *   uses the LR of iteration k·A − 1; warmup_iters = min(max_iters, lr_warmup_steps·A) (args.py
 *   `warmup_iters`; 0 when lr_warmup_steps is unset or 0). Leftover iterations after the last full
 *   accumulation never step: floor(max_iters / A) optimizer steps.
 * In optimizer steps that is exactly: warmup Wi/A, horizon max_iters/A, evaluated (A − 1)/A of a step
 * ahead (positionOffset). A needs the world size (`devices` × `num_nodes`); without it the nominal
 * schedule (A = 1) is the plan, with a note that the real LR may run up to one step ahead.
 * Finetuning scripts use a different scheduler (finetune/*.py `get_lr_scheduler`): not modeled.
 */
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, unmodeled, YamlKeys } from '../../../schedule/common';
import type { ExtractedSchedule } from '../../../schedule/types';

/** torch.optim classes whose default lr is 1e-3 (torch/optim/{adamw,adam}.py). */
const LR_1E3 = new Set(['AdamW', 'Adam', 'torch.optim.AdamW', 'torch.optim.Adam']);

export function litgptSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  const yaml = new YamlKeys(text, out);
  if (!yaml.source) return out;
  const { training, error } = readTraining(text, context, spec);
  if (error) {
    out.errors.push(error);
    return out;
  }
  if (training?.finetune) {
    out.errors.push(
      'LitGPT finetuning uses its own scheduler (litgpt@26857050 finetune/*.py get_lr_scheduler: LambdaLR warmup then CosineAnnealingLR to lr_max_steps = min(epochs × len(dataloader) // accumulation, max_steps), which needs the dataset size): not modeled',
    );
    return out;
  }
  let lr = yaml.number(['optimizer', 'init_args', 'lr']);
  if (lr === undefined) {
    const optimizer = yaml.get(['optimizer']);
    const cls =
      optimizer === undefined || optimizer === null
        ? 'AdamW'
        : typeof optimizer === 'string'
          ? optimizer
          : yaml.string(['optimizer', 'class_path']);
    if (cls !== undefined && LR_1E3.has(cls)) {
      lr = 1e-3;
      out.notes.push(`optimizer lr not set: torch ${cls.replace('torch.optim.', '')} default 1e-3`);
    } else
      out.errors.push(
        cls === undefined
          ? '`optimizer.init_args.lr` is not set'
          : unmodeled('optimizer', cls, 'its default lr is not modeled; set optimizer.init_args.lr'),
      );
  }
  const warmupFraction = yaml.number(['train', 'lr_warmup_fraction']);
  const warmupSteps = yaml.has(['train', 'lr_warmup_steps'])
    ? yaml.number(['train', 'lr_warmup_steps'])
    : 2000;
  const minLr = yaml.number(['train', 'min_lr']) ?? 4e-5;
  if (!yaml.has(['train', 'min_lr'])) out.notes.push('`train.min_lr` not set: litgpt pretrain default 4e-5');
  if (!yaml.has(['train', 'lr_warmup_steps']) && !warmupFraction)
    out.notes.push('`train.lr_warmup_steps` not set: litgpt pretrain default 2000');
  yaml.get(['train', 'max_tokens']);
  if (warmupFraction)
    out.errors.push(
      '`train.lr_warmup_fraction` is a fraction of the dataloader length, which the file does not give',
    );
  if (warmupSteps !== undefined && !(Number.isInteger(warmupSteps) && warmupSteps >= 0))
    out.errors.push(`\`train.lr_warmup_steps\` = ${warmupSteps} is not a non-negative integer`);
  if (lr !== undefined && !(lr > 0)) out.errors.push(`the LR ${lr} is not positive`);
  const runErrors: string[] = [];
  const run = batchAndLength(training, runErrors);
  const steps =
    run?.totalSteps ??
    (run?.totalTokens !== undefined ? Math.floor(run.totalTokens / run.batchTokens) : undefined);
  if (out.errors.length || lr === undefined) return out;
  if (steps === undefined) return { ...out, errors: runErrors };
  // Nominal schedule in optimizer steps (exact for A = 1), for the hover.
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr: minLr,
    warmup: Math.min(steps, warmupSteps ?? 0),
    warmupShape: 'linear',
    decay: { kind: 'cosine' },
    horizon: steps,
  };
  out.runLength = steps;

  const world = training?.gpus ?? context.options?.gpus;
  const globalBatch = yaml.number(['train', 'global_batch_size']) ?? 512;
  const micro = yaml.number(['train', 'micro_batch_size']) ?? 4;
  const maxTokens = training?.tokens;
  const seq = run?.seqLen;
  if (world === undefined) {
    // The accumulation A only moves each step's LR by less than one step ((A − 1)/A): the nominal
    // curve is drawn, saying by how much it can be behind, rather than no curve at all.
    if (run) {
      out.notes.push(
        'GPU count unknown (`devices` is not an integer; give it with --gpus or the setting scalingLens.missing.gpus): drawn with one micro-batch per optimizer step. LitGPT sets the LR before every micro-batch (pretrain.py fit), so with A = global_batch_size // GPUs // micro_batch_size > 1 its LR runs (A − 1)/A of a step ahead of this curve',
      );
      out.plan = {
        schedule: out.schedule,
        batchTokens: run.batchTokens,
        sequenceLength: run.seqLen,
        totalSteps: steps,
      };
    } else out.errors.push(...runErrors);
    return out;
  }
  if (maxTokens === undefined || seq === undefined) {
    out.errors.push('train.max_tokens or the sequence length is unknown');
    return out;
  }
  const perRank = Math.floor(globalBatch / world);
  const A = Math.floor(perRank / micro);
  if (!(A > 0)) {
    out.errors.push(
      `\`train.global_batch_size\` ${globalBatch} // ${world} GPUs // micro_batch_size ${micro} = 0: litgpt asserts gradient_accumulation_iters > 0`,
    );
    return out;
  }
  if (A * micro * world !== globalBatch) {
    out.errors.push(
      unmodeled(
        'train.global_batch_size',
        globalBatch,
        `not a multiple of micro_batch_size ${micro} × ${world} GPUs: litgpt steps every ${A} micro-batches, ${A * micro * world} sequences, not ${globalBatch}`,
      ),
    );
    return out;
  }
  const maxIters = Math.floor(Math.floor(maxTokens / world) / (micro * seq));
  const warmupIters = Math.min(maxIters, (warmupSteps ?? 0) * A);
  const optimizerSteps = Math.floor(maxIters / A);
  if (optimizerSteps !== steps) {
    out.errors.push(
      `litgpt runs ${optimizerSteps} optimizer steps (floor(max_iters ${maxIters} / ${A})) where the reader counts ${steps}`,
    );
    return out;
  }
  out.schedule = {
    unit: 'steps',
    peakLr: lr,
    finalLr: minLr,
    warmup: warmupIters / A,
    warmupShape: 'linear',
    decay: { kind: 'cosine' },
    horizon: maxIters / A,
    ...(A > 1 ? { positionOffset: (A - 1) / A } : {}),
  };
  if (A > 1)
    out.notes.push(
      `LR set per micro-batch: optimizer step k uses get_lr at iteration ${A}·k − 1 (${A} micro-batches per step on ${world} GPUs)`,
    );
  out.plan = {
    schedule: out.schedule,
    batchTokens: run!.batchTokens,
    sequenceLength: run!.seqLen,
    totalSteps: steps,
  };
  return out;
}
