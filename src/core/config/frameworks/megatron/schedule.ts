/**
 * The LR schedule of a Megatron-LM / Megatron-DeepSpeed launch script. The batch, sequence length and
 * run length are the megatron reader's (through readRunConfig); this module reads the LR flags.
 *
 * Semantics from NVIDIA/Megatron-LM@d98e8a64ddf34856e74b24714e3bedb2f5a39553:
 * - megatron/training/training.py `get_optimizer_param_scheduler`: the scheduler counts SAMPLES.
 *   Iteration-based runs: decay = (`--lr-decay-iters` ?? `--train-iters`) × global batch, warmup =
 *   `--lr-warmup-fraction` × decay or `--lr-warmup-iters` × global batch, WSD cooldown =
 *   `--lr-wsd-decay-iters` × global batch. Sample-based runs: `--lr-decay-samples` ?? `--train-samples`,
 *   `--lr-warmup-samples`, `--lr-wsd-decay-samples`. It steps by the batch actually consumed, so under
 *   `--rampup-batch-size` the schedule follows samples, not iterations: positions here are tokens
 *   (samples × `--seq-length`).
 * - megatron/core/optimizer_param_scheduler.py `get_lr`: linear warmup from `--lr-warmup-init`
 *   (default 0.0) for num_steps ≤ warmup; 'constant' stays at `--lr`; past the decay horizon
 *   `--min-lr` (default 0.0); inverse-square-root max_lr·√(max(W,1)/max(n,1)) floored at min-lr;
 *   linear/cosine between warmup and horizon; WSD: constant until horizon − cooldown, then
 *   `--lr-wsd-decay-style` (default exponential: 2·0.5^q − 1; linear; cosine; minus_sqrt).
 * - megatron/training/config/training_config.py SchedulerConfig: `--lr-decay-style` default 'linear',
 *   `--lr-warmup-iters` 0, `--lr-warmup-samples` 0; arguments.py: `--lr` default None, `--min-lr` 0.0.
 * Megatron-DeepSpeed (deepspeedai/Megatron-DeepSpeed@4efb479d megatron/optimizer_param_scheduler.py):
 * `--lr-decay-tokens` / `--lr-warmup-tokens` count consumed tokens instead (warmup from 0, no WSD),
 * one batch late (`positionOffset`); mixed token/sample clocks and ramps with them are errors.
 */
import { lastFlag, parseShell, type ShellFlag, type ShellScript } from '../../shell';
import { parseNumberLiteral } from '../../values';
import type { ReadContext, RunSpec } from '../../../types';
import { batchAndLength, emptyExtraction, readTraining, unmodeled } from '../../../schedule/common';
import type { BatchRamp, DecayShape, ExtractedSchedule } from '../../../schedule/types';

const DECAY_STYLES = ['constant', 'linear', 'cosine', 'inverse-square-root', 'WSD'] as const;
const WSD_STYLES: Record<string, 'half-exponential' | 'linear' | 'cosine' | '1-sqrt'> = {
  exponential: 'half-exponential',
  linear: 'linear',
  cosine: 'cosine',
  minus_sqrt: '1-sqrt',
};

/** Flags that change the LR curve in ways this module does not model. */
const UNMODELED_FLAGS: Record<string, string> = {
  '--warmup': 'the old warmup flag; Megatron asks for --lr-warmup-* instead',
  '--step-batch-size-schedule': 'a step-wise batch schedule is not modeled',
  '--lr-warmup-style': 'only linear warmup is modeled',
};

export function megatronSchedule(text: string, context: ReadContext = {}, spec?: RunSpec): ExtractedSchedule {
  const out = emptyExtraction();
  let script: ShellScript;
  try {
    script = parseShell(text, { path: context.path, readFile: context.readFile });
  } catch {
    return { ...out, errors: ['the launch script could not be read'] };
  }
  const flag = (name: string): ShellFlag | undefined => {
    const f = lastFlag(script, [name]);
    if (f && !f.file) out.keyLines[name] = script.lines.positionAt(f.start).line + 1;
    return f;
  };
  const number = (name: string): number | undefined => {
    const f = flag(name);
    if (!f) return undefined;
    const raw = f.values[0]?.text;
    const value = parseNumberLiteral(raw);
    if (value === undefined)
      out.errors.push(
        `\`${name}\` = ${raw === undefined ? 'an unknown value' : `\`${raw}\``} is not a number`,
      );
    return value;
  };
  const word = (name: string): string | undefined => {
    const f = flag(name);
    if (!f) return undefined;
    const raw = f.values[0]?.text;
    if (raw === undefined) out.errors.push(`\`${name}\` has a value that cannot be known statically`);
    return raw;
  };

  const lr = number('--lr');
  const minLr = number('--min-lr') ?? 0;
  const warmupInit = number('--lr-warmup-init') ?? 0;
  const style = word('--lr-decay-style') ?? 'linear';
  const wsdStyle = word('--lr-wsd-decay-style') ?? 'exponential';
  const trainIters = number('--train-iters');
  const trainSamples = number('--train-samples');
  const decayIters = number('--lr-decay-iters');
  const decaySamples = number('--lr-decay-samples');
  const decayTokens = number('--lr-decay-tokens');
  const warmupFraction = number('--lr-warmup-fraction');
  const warmupIters = number('--lr-warmup-iters') ?? 0;
  const warmupSamples = number('--lr-warmup-samples') ?? 0;
  const warmupTokens = number('--lr-warmup-tokens');
  const wsdIters = number('--lr-wsd-decay-iters');
  const wsdSamples = number('--lr-wsd-decay-samples');
  const globalBatch = number('--global-batch-size');
  const seqLenFlag = number('--seq-length');
  const rampFlag = flag('--rampup-batch-size');
  for (const [name, why] of Object.entries(UNMODELED_FLAGS)) {
    const f = flag(name);
    if (f) out.errors.push(unmodeled(name, f.values[0]?.text ?? '(set)', why));
  }
  if (flag('--decoupled-lr'))
    out.notes.push(
      '`--decoupled-lr`: the embedding and output layers follow their own LR; the curve is the body’s',
    );
  // d98e8a64 training.py train_step: `if update_successful: opt_param_scheduler.step(...)` — an
  // fp16 iteration whose gradients overflow does not advance the schedule (DeepSpeed's engine too).
  if (flag('--fp16'))
    out.notes.push(
      '`--fp16`: iterations skipped on a loss-scale overflow do not advance the LR schedule; the curve assumes none',
    );
  if (flag('--head-lr-mult'))
    out.notes.push('`--head-lr-mult`: the output layer’s LR is scaled; the curve is the body’s');
  // d98e8a64 optimizer_param_scheduler.py load_state_dict/_check_and_set: on resume from --load this
  // flag takes max/min LR, warmup, horizon and style from the checkpoint, not from the script.
  if (flag('--use-checkpoint-opt_param-scheduler') ?? flag('--use-checkpoint-opt-param-scheduler'))
    out.notes.push(
      '`--use-checkpoint-opt_param-scheduler`: when resuming, Megatron takes the LR schedule from the checkpoint; the curve is the script’s',
    );

  if (lr === undefined && !out.keyLines['--lr'])
    out.errors.push('`--lr` is not set (Megatron has no default)');
  else if (lr !== undefined && !(lr > 0)) out.errors.push(`\`--lr\` = ${lr} is not positive`);
  if (!(DECAY_STYLES as readonly string[]).includes(style))
    out.errors.push(unmodeled('--lr-decay-style', style, `Megatron accepts ${DECAY_STYLES.join(', ')}`));
  if (style === 'WSD' && !(wsdStyle in WSD_STYLES))
    out.errors.push(unmodeled('--lr-wsd-decay-style', wsdStyle, 'exponential, linear, cosine, minus_sqrt'));

  const { training, error } = readTraining(text, context, spec);
  if (error) out.errors.push(error);
  const runErrors: string[] = [];
  const run = batchAndLength(training, runErrors);
  const seq = training?.seqLen ?? seqLenFlag;
  const gbs = training?.globalBatchSeqs ?? globalBatch;
  if (!(seq && seq > 0)) out.errors.push('`--seq-length` is needed: the schedule counts samples');
  if (!(gbs && gbs > 0)) out.errors.push('the global batch (sequences) is unknown');
  if (trainIters === undefined && trainSamples === undefined)
    out.errors.push('Megatron needs `--train-iters` or `--train-samples`');
  // d98e8a64 megatron/training/arguments.py validate_args (same in Megatron-DeepSpeed@4efb479d
  // megatron/arguments.py): iteration- and sample-based LR flags must not be mixed; Megatron asserts.
  const clash = (a: string, b: string, why: string) =>
    out.errors.push(`\`${a}\` with \`${b}\`: Megatron refuses the combination ("${why}")`);
  if (trainIters) {
    if (trainSamples !== undefined)
      clash('--train-iters', '--train-samples', 'expected iteration-based training');
    if (decaySamples !== undefined)
      clash('--train-iters', '--lr-decay-samples', 'expected iteration-based learning rate decay');
    if (warmupSamples !== 0)
      clash('--train-iters', '--lr-warmup-samples', 'expected iteration-based learning rate warmup');
    if (warmupFraction !== undefined && warmupIters !== 0)
      clash(
        '--lr-warmup-fraction',
        '--lr-warmup-iters',
        'can only specify one of lr-warmup-fraction and lr-warmup-iters',
      );
  } else if (trainSamples) {
    if (decayIters !== undefined)
      clash('--train-samples', '--lr-decay-iters', 'expected sample-based learning rate decay');
    if (warmupIters !== 0)
      clash('--train-samples', '--lr-warmup-iters', 'expected sample-based learnig rate warmup');
    if (warmupFraction !== undefined && warmupSamples !== 0)
      clash(
        '--lr-warmup-fraction',
        '--lr-warmup-samples',
        'can only specify one of lr-warmup-fraction and lr-warmup-samples',
      );
  }
  if (out.errors.length || !seq || !gbs || lr === undefined) {
    out.errors.push(...runErrors);
    return out;
  }

  // Positions in samples first (Megatron's own unit), tokens at the end.
  let decay: number;
  let warmup: number;
  let cooldown: number | undefined;
  // training.py get_optimizer_param_scheduler tests `if args.train_iters:` (truthiness) first.
  if (trainIters) {
    decay = (decayIters ?? trainIters) * gbs;
    warmup = warmupFraction !== undefined ? warmupFraction * decay : warmupIters * gbs;
    cooldown = wsdIters !== undefined ? wsdIters * gbs : undefined;
  } else {
    decay = decaySamples ?? trainSamples!;
    warmup = warmupFraction !== undefined ? warmupFraction * decay : warmupSamples;
    cooldown = wsdSamples;
  }
  let horizonTokens = decay * seq;
  let warmupTokensAt = warmup * seq;
  // Megatron-DeepSpeed@4efb479d megatron/optimizer_param_scheduler.py get_lr/step: token-wise phases
  // read `num_tokens` = args.consumed_train_tokens, which training.py `train` adds only after
  // train_step has stepped the scheduler: the LR of iteration k (k ≥ 2) uses the tokens of k − 2
  // iterations, one batch behind the sample count. Step/sample-wise phases use num_steps (no lag).
  let positionOffset: number | undefined;
  const batchTokens = gbs * seq;
  if (decayTokens !== undefined || warmupTokens !== undefined) {
    const key = decayTokens !== undefined ? '--lr-decay-tokens' : '--lr-warmup-tokens';
    if (rampFlag && trainIters === undefined)
      out.errors.push(
        unmodeled(
          key,
          decayTokens ?? warmupTokens,
          'Megatron-DeepSpeed’s token-wise LR lags one batch behind; under `--rampup-batch-size` that batch varies, which is not modelled',
        ),
      );
    if (decayTokens === undefined)
      // Warmup counts (lagged) tokens but the decay counts samples from the sample warmup: two clocks.
      out.errors.push(
        unmodeled(
          '--lr-warmup-tokens',
          warmupTokens,
          'token-wise warmup with a sample-wise decay (no `--lr-decay-tokens`) is not modelled',
        ),
      );
    else if (warmupTokens !== undefined) {
      // Both phases token-wise: the whole curve one batch late.
      horizonTokens = decayTokens;
      warmupTokensAt = warmupTokens;
      positionOffset = -batchTokens;
    } else if (style === 'constant') horizonTokens = decayTokens;
    else if (style === 'inverse-square-root')
      out.errors.push(
        unmodeled(
          '--lr-decay-tokens',
          decayTokens,
          'inverse-square-root with a token-wise horizon and a sample-wise warmup is not modelled',
        ),
      );
    else if (!(warmup > 0) || warmup % gbs !== 0)
      // get_lr sets lr_warmup_tokens only when num_steps == lr_warmup_steps exactly; otherwise it
      // stays None and the decay branch fails (num_tokens − None).
      out.errors.push(
        unmodeled(
          '--lr-decay-tokens',
          decayTokens,
          `Megatron-DeepSpeed needs a sample-wise warmup of whole batches here (got ${warmup} samples) and fails otherwise`,
        ),
      );
    else {
      // Sample-wise warmup W; at num_steps = W it records lr_warmup_tokens = num_tokens = W·seq − B
      // (lagged), then decays over (num_tokens − (W·seq − B)) / (D − (W·seq − B)). With x = the
      // unlagged tokens (num_tokens + B) that is (x − W·seq) / (D + B − W·seq): horizon D + B.
      horizonTokens = decayTokens + batchTokens;
    }
  }
  if (!(warmup < decay) && decayTokens === undefined)
    out.errors.push(
      `warmup (${warmup} samples) must be shorter than the decay (${decay} samples); Megatron asserts it`,
    );
  let shape: DecayShape;
  if (style === 'WSD') {
    if (cooldown === undefined) {
      out.errors.push('`--lr-decay-style WSD` needs `--lr-wsd-decay-iters` or `--lr-wsd-decay-samples`');
      return out;
    }
    const span = horizonTokens - warmupTokensAt;
    // get_lr: the anneal starts at lr_decay_steps − wsd_decay_steps whatever the warmup; a cooldown
    // longer than the decay after warmup starts mid-way (q > 0 at the warmup's end) — not modelled.
    if (!(cooldown * seq <= span)) {
      out.errors.push(
        unmodeled(
          trainIters ? '--lr-wsd-decay-iters' : '--lr-wsd-decay-samples',
          trainIters ? wsdIters : wsdSamples,
          `a cooldown of ${cooldown} samples is longer than the ${decay - warmup} samples between warmup and the decay horizon`,
        ),
      );
      return out;
    }
    shape = {
      kind: 'wsd',
      cooldownFraction: span > 0 ? (cooldown * seq) / span : 1,
      shape: WSD_STYLES[wsdStyle]!,
    };
  } else if (style === 'inverse-square-root')
    // get_lr: max_lr·√(max(W, 1)/max(n, 1)) with W, n in samples (W, n in tokens when token-wise).
    shape = {
      kind: 'inverse-sqrt',
      timescale: positionOffset !== undefined ? Math.max(warmupTokensAt, 1) : Math.max(warmup, 1) * seq,
      finalAfterHorizon: true,
    };
  else shape = { kind: style as 'constant' | 'linear' | 'cosine' };
  if (out.errors.length) {
    out.errors.push(...runErrors);
    return out;
  }

  let ramp: BatchRamp | undefined;
  // With --train-iters the ramp never runs: Megatron-LM since 532ad926 ignores --rampup-batch-size
  // (d98e8a64 megatron/core/num_microbatches_calculator.py), older versions and Megatron-DeepSpeed
  // refuse it (validate_args) — the reader reports which; the curve counts full batches.
  if (rampFlag && trainIters === undefined) {
    const values = rampFlag.values.slice(0, 3).map((v) => parseNumberLiteral(v.text));
    if (values.length < 3 || values.some((v) => v === undefined || !(v > 0))) {
      out.errors.push('`--rampup-batch-size` needs three positive numbers (start, increment, samples)');
      return out;
    }
    ramp = {
      kind: 'megatron',
      startSequences: values[0]!,
      incrementSequences: values[1]!,
      rampSamples: values[2]!,
    };
  }
  if (!out.keyLines['--lr-decay-style'])
    out.notes.push('`--lr-decay-style` not set: Megatron default linear');
  out.schedule = {
    unit: 'tokens',
    peakLr: lr,
    finalLr: style === 'constant' ? lr : minLr,
    warmup: warmupTokensAt,
    warmupShape: 'linear',
    ...(warmupInit > 0 && decayTokens === undefined ? { warmupStartLr: warmupInit } : {}),
    decay: shape,
    horizon: horizonTokens,
    ...(positionOffset !== undefined ? { positionOffset } : {}),
  };
  if (training?.tokens !== undefined) out.runLength = training.tokens;
  if (!run) {
    out.errors.push(...runErrors);
    return out;
  }
  out.plan = {
    schedule: out.schedule,
    batchTokens: run.batchTokens,
    sequenceLength: seq,
    ...(ramp ? { ramp } : {}),
    ...(run.totalSteps !== undefined ? { totalSteps: run.totalSteps } : { totalTokens: run.totalTokens }),
  };
  return out;
}
