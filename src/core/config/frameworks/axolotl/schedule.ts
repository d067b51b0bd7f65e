/**
 * The LR schedule of an Axolotl YAML. Axolotl builds Hugging Face TrainingArguments and, for some
 * names, its own schedulers. Sources:
 *
 * - axolotl-ai-cloud/axolotl@067b021c8b87a9e5e380b9173c704cf7340e30f5:
 *   src/axolotl/utils/schemas/training.py (`learning_rate` required, `lr_scheduler` "cosine",
 *   `cosine_min_lr_ratio`, `cosine_constant_lr_ratio`, `lr_quadratic_warmup`, `lr_div_factor`,
 *   `num_epochs` 1.0); src/axolotl/core/builders/base.py (`_configure_scheduler`: one_cycle and rex
 *   become HF "cosine" plus `alternate_lr_scheduler_type`; `_configure_warmup_and_logging`:
 *   warmup_steps, else int(warmup_ratio·total), else min(int(0.03·total), 100), and 1 becomes 2;
 *   `max_steps` = cfg.max_steps or total); src/axolotl/utils/data/sft.py (total = min(steps of the
 *   dataset, max_steps)); src/axolotl/core/trainers/mixins/scheduler.py (`create_scheduler`: one_cycle
 *   → torch OneCycleLR(max_lr=lr, total_steps=T, pct_start=W/T, anneal cos); rex → RexLR; cosine with
 *   lr_quadratic_warmup → quadratic warmup; cosine with cosine_min_lr_ratio and
 *   cosine_constant_lr_ratio → cosine to the ratio at int(T·constant ratio), then flat; cosine with
 *   cosine_min_lr_ratio → cosine to the ratio; else the HF scheduler); src/axolotl/utils/schedulers.py.
 *   `lr_div_factor` is declared in the schema and read nowhere in src/ at that commit.
 * - huggingface/transformers@005edacb6b5dabbf0843e92c6623de9e07ca6241 src/transformers/optimization.py
 *   `get_scheduler`: linear, cosine (num_cycles 0.5), constant (no warmup), constant_with_warmup,
 *   cosine_with_min_lr (min_lr or min_lr_rate in lr_scheduler_kwargs), warmup_stable_decay
 *   (num_decay_steps; num_stable_steps = T − W − D unless given; warmup_type linear; decay_type cosine |
 *   linear | 1-sqrt; min_lr_ratio 0, which also starts the warmup), inverse_sqrt (timescale = W). The
 *   Trainer steps these LambdaLRs once per optimizer step, so step k runs at the lambda at k, and
 *   schedules over `max_steps` when it is set.
 * Without `max_steps` the run is num_epochs over the dataset, whose size is not in the file, so the
 * horizon is unknown and only the schedule's shape is stated.
 * Audit (axolotl@067b021c pins transformers==5.14.1; read in transformers 5.17.0's wheel,
 * src/transformers/optimization.py, the same code for these): `get_scheduler` passes
 * lr_scheduler_kwargs to inverse_sqrt (since huggingface/transformers#44909, Mar 2026; 4.57.6 still
 * dropped them) (timescale, default W or 10,000 when W = 0) and its lambda is
 * 1/√((step + timescale − W)/timescale): the model's inverse-sqrt with decayShift timescale − W.
 * polynomial: (lr − lr_end)·(1 − p)^power + lr_end (power default 1, lr_end default 1e-7), then lr_end;
 * cosine_with_restarts with num_cycles 1 (the default) is the cosine to 0. HF's schedule-free
 * optimizers (trainer_optimizer.py `_get_schedule_free_optimizer`) warm up inside the optimizer
 * over warmup_steps on top of the scheduler: not modelled. `warmup_steps` is `int | None` in
 * Axolotl's schema (utils/schemas/config.py), so a fractional value is refused there.
 */
import type { ReadContext, RunSpec } from '../../../types';
import { emptyExtraction, unmodeled, YamlKeys } from '../../../schedule/common';
import type { DecayShape, ExtractedSchedule, LrSchedule } from '../../../schedule/types';

const HF_NAMES = [
  'linear',
  'cosine',
  'constant',
  'constant_with_warmup',
  'cosine_with_min_lr',
  'warmup_stable_decay',
  'inverse_sqrt',
  'polynomial',
  'cosine_with_restarts',
];
const AXOLOTL_NAMES = ['one_cycle', 'rex'];

export function axolotlSchedule(
  text: string,
  _context: ReadContext = {},
  _spec?: RunSpec,
): ExtractedSchedule {
  const out = emptyExtraction();
  const doc = new YamlKeys(text, out);
  if (!doc.source) return out;
  const lr = doc.number(['learning_rate']);
  if (lr === undefined && !doc.has(['learning_rate']))
    out.errors.push('`learning_rate` is not set (required by the Axolotl schema)');
  else if (lr !== undefined && !(lr > 0)) out.errors.push(`\`learning_rate\` = ${lr} is not positive`);
  const name = doc.string(['lr_scheduler']) ?? 'cosine';
  if (!doc.has(['lr_scheduler'])) out.notes.push('`lr_scheduler` not set: Axolotl default `cosine`');
  const kwargs = (doc.get(['lr_scheduler_kwargs']) ?? {}) as Record<string, unknown>;
  const kwarg = (key: string) => doc.number(['lr_scheduler_kwargs', key]);
  const maxSteps = doc.number(['max_steps']);
  doc.get(['num_epochs']);
  const warmupSteps = doc.number(['warmup_steps']);
  const warmupRatio = doc.number(['warmup_ratio']);
  const minRatio = doc.number(['cosine_min_lr_ratio']);
  const constantRatio = doc.number(['cosine_constant_lr_ratio']);
  const quadratic = doc.get(['lr_quadratic_warmup']) === true;
  if (doc.has(['lr_div_factor']))
    out.notes.push(
      '`lr_div_factor` has no effect: axolotl@067b021c declares it in its schema and reads it nowhere',
    );
  for (const key of ['jagged_restart_steps', 'relora'])
    if (doc.get([key]) !== undefined && doc.get([key]) !== null && doc.get([key]) !== false)
      out.errors.push(
        unmodeled(key, doc.get([key]), 'restarts wrap the schedule (JaggedLRRestartScheduler)'),
      );
  for (const key of ['lr_groups', 'embedding_lr', 'embedding_lr_scale', 'loraplus_lr_ratio'])
    if (doc.get([key]) !== undefined && doc.get([key]) !== null)
      out.notes.push(
        `\`${key}\` gives some parameters another LR; this is the schedule of \`learning_rate\``,
      );
  if (doc.get(['deepspeed']) !== undefined)
    out.notes.push(
      'with `deepspeed`: a `scheduler` in that JSON replaces this schedule (Axolotl then warns that its own is not used)',
    );
  if (warmupSteps !== undefined && !Number.isInteger(warmupSteps))
    out.errors.push(
      unmodeled(
        'warmup_steps',
        warmupSteps,
        "not a whole step count: Axolotl's schema types warmup_steps as an int and refuses it",
      ),
    );
  if (warmupSteps && warmupRatio)
    out.errors.push('`warmup_steps` and `warmup_ratio` are mutually exclusive (Axolotl refuses)');

  const optimizer = doc.string(['optimizer']);
  if (optimizer && /^schedule_free_/.test(optimizer))
    out.errors.push(
      unmodeled(
        'optimizer',
        optimizer,
        'a schedule-free optimizer warms up its own LR over warmup_steps on top of the scheduler',
      ),
    );
  if (!HF_NAMES.includes(name) && !AXOLOTL_NAMES.includes(name)) {
    out.errors.push(
      unmodeled(
        'lr_scheduler',
        name,
        `modeled: ${[...HF_NAMES, ...AXOLOTL_NAMES].filter((n) => n !== 'rex').join(', ')}`,
      ),
    );
    return out;
  }
  if (name === 'rex') {
    out.errors.push(
      unmodeled('lr_scheduler', name, "Axolotl's RexLR (reflected exponential) is not modeled"),
    );
    return out;
  }
  if (out.errors.length || lr === undefined) return out;

  // The horizon: HF Trainer schedules over max_steps when set; otherwise over the dataset's steps.
  const total = maxSteps !== undefined && maxSteps > 0 ? Math.round(maxSteps) : undefined;
  const warmup = (() => {
    if (warmupSteps !== undefined && warmupSteps !== null) return warmupSteps === 1 ? 2 : warmupSteps;
    if (total === undefined) return undefined;
    const steps =
      warmupRatio !== undefined
        ? Math.max(Math.trunc(warmupRatio * total), 0)
        : Math.min(Math.trunc(0.03 * total), 100);
    out.notes.push(
      `${warmupRatio !== undefined ? `warmup = int(warmup_ratio × ${total})` : `warmup not set: Axolotl default min(int(0.03 × ${total}), 100)`} = ${steps === 1 ? 2 : steps} steps, taking max_steps as the total; a dataset with fewer steps than max_steps shortens it`,
    );
    return steps === 1 ? 2 : steps;
  })();
  const describe = (what: string) => {
    out.errors.push(
      `the schedule's horizon is the run's total steps (num_epochs over the dataset, whose size is not in the file; \`max_steps\` would fix it)${warmup === undefined ? ', and so is the warmup' : ''}`,
    );
    out.notes.push(`Axolotl schedule: ${what}`);
    return out;
  };
  if (warmup !== undefined && !(warmup >= 0)) {
    out.errors.push(`\`warmup_steps\` = ${warmup} is negative`);
    return out;
  }

  const base = (decay: DecayShape, finalLr: number, horizon: number): LrSchedule => ({
    unit: 'steps',
    peakLr: lr,
    finalLr,
    warmup: warmup ?? 0,
    warmupShape: 'linear',
    warmupStartLr: 0,
    decay,
    horizon,
  });
  const finish = (schedule: LrSchedule) => {
    out.schedule = schedule;
    out.runLength = total;
    out.errors.push(
      'no token plan: Axolotl packs or pads rows to sequence_len, so its steps bound the tokens but do not give them',
    );
    return out;
  };
  const checkKwargs = (allowed: readonly string[]) => {
    for (const key of Object.keys(kwargs))
      if (!allowed.includes(key)) {
        doc.get(['lr_scheduler_kwargs', key]);
        out.errors.push(unmodeled(`lr_scheduler_kwargs.${key}`, kwargs[key], `not modeled for ${name}`));
      }
    return out.errors.length === 0;
  };

  if (name === 'constant') {
    if (!checkKwargs([])) return out;
    if (warmupSteps || warmupRatio)
      out.notes.push(
        '`constant` ignores the warmup (HF get_constant_schedule): use constant_with_warmup for one',
      );
    return finish({ ...base({ kind: 'constant' }, lr, 1), warmup: 0, warmupShape: 'constant' });
  }
  if (name === 'constant_with_warmup') {
    if (!checkKwargs([])) return out;
    if (warmup === undefined) return describe(`linear warmup from 0 to ${lr}, then constant`);
    return finish(base({ kind: 'constant' }, lr, Math.max(warmup, 1)));
  }
  if (name === 'inverse_sqrt') {
    if (!checkKwargs(['timescale'])) return out;
    const timescaleRaw = kwarg('timescale');
    if (warmup === undefined)
      return describe(`linear warmup from 0 to ${lr}, then ${lr}·√(t/(step + t − W))`);
    // get_inverse_sqrt_schedule: `timescale = num_warmup_steps or 10_000` when not given.
    const timescale = timescaleRaw ?? (warmup || 10_000);
    if (!(timescale > 0)) {
      out.errors.push(`\`lr_scheduler_kwargs.timescale\` = ${timescale} must be positive`);
      return out;
    }
    // _get_inverse_sqrt_schedule_lr_lambda: 1/√((step + t − W)/t) from W on, i.e. peak·√(t/max(x', t))
    // at x' = step + (t − W) ≥ t.
    const shift = timescale - warmup;
    if (timescaleRaw !== undefined)
      out.notes.push(
        '`lr_scheduler_kwargs.timescale` reaches inverse_sqrt since huggingface/transformers#44909 (Mar 2026, in the 5.14.1 Axolotl pins); transformers 4.x ignored it and used the warmup',
      );
    return finish({
      ...base({ kind: 'inverse-sqrt', timescale }, 0, total ?? Math.max(warmup, 1)),
      ...(shift ? { decayShift: shift } : {}),
    });
  }
  if (name === 'polynomial') {
    if (!checkKwargs(['lr_end', 'power'])) return out;
    const lrEnd = kwarg('lr_end') ?? 1e-7;
    const power = kwarg('power') ?? 1;
    if (!(power > 0) || !Number.isFinite(power)) {
      out.errors.push(unmodeled('lr_scheduler_kwargs.power', power, 'not a positive power'));
      return out;
    }
    if (!(lr > lrEnd)) {
      out.errors.push(`lr_end ${lrEnd} must be smaller than learning_rate ${lr} (HF raises)`);
      return out;
    }
    if (total === undefined || warmup === undefined)
      return describe(
        `linear warmup from 0 to ${lr}, then ${power === 1 ? 'linear' : `polynomial (power ${power})`} to lr_end ${lrEnd}`,
      );
    // _get_polynomial_decay_schedule_with_warmup_lr_lambda: (lr − lr_end)·(1 − p)^power + lr_end.
    return finish(base(power === 1 ? { kind: 'linear' } : { kind: 'polynomial', power }, lrEnd, total));
  }
  if (name === 'cosine_with_restarts') {
    if (!checkKwargs(['num_cycles'])) return out;
    const cycles = kwarg('num_cycles') ?? 1;
    if (cycles !== 1) {
      out.errors.push(
        unmodeled(
          'lr_scheduler_kwargs.num_cycles',
          cycles,
          'hard restarts (several cosine cycles) are not modeled',
        ),
      );
      return out;
    }
    if (total === undefined || warmup === undefined)
      return describe(`linear warmup from 0 to ${lr}, then cosine to 0`);
    // One cycle: 0.5·(1 + cos(π·(p mod 1))) is the half cosine, 0 from p ≥ 1.
    return finish(base({ kind: 'cosine' }, 0, total));
  }
  if (name === 'one_cycle') {
    if (!checkKwargs(['pct_start', 'anneal_strategy', 'div_factor', 'final_div_factor'])) return out;
    const anneal = doc.string(['lr_scheduler_kwargs', 'anneal_strategy']) ?? 'cos';
    if (anneal !== 'cos' && anneal !== 'linear') {
      out.errors.push(
        unmodeled('lr_scheduler_kwargs.anneal_strategy', anneal, 'torch accepts cos or linear'),
      );
      return out;
    }
    if (total === undefined || warmup === undefined)
      return describe(
        `torch OneCycleLR from ${lr}/25 up to ${lr} over the warmup, then down to ${lr}/25/1e4`,
      );
    const pctStart = kwarg('pct_start') ?? warmup / total;
    return finish({
      ...base(
        {
          kind: 'onecycle',
          pctStart,
          divFactor: kwarg('div_factor') ?? 25,
          finalDivFactor: kwarg('final_div_factor') ?? 1e4,
          anneal,
        },
        lr / (kwarg('div_factor') ?? 25) / (kwarg('final_div_factor') ?? 1e4),
        total,
      ),
      warmup: 0,
    });
  }
  if (name === 'warmup_stable_decay') {
    if (
      !checkKwargs([
        'num_decay_steps',
        'num_stable_steps',
        'warmup_type',
        'decay_type',
        'min_lr_ratio',
        'num_cycles',
      ])
    )
      return out;
    const decaySteps = kwarg('num_decay_steps');
    const stable = kwarg('num_stable_steps');
    const warmupType = doc.string(['lr_scheduler_kwargs', 'warmup_type']) ?? 'linear';
    const decayType = doc.string(['lr_scheduler_kwargs', 'decay_type']) ?? 'cosine';
    const ratio = kwarg('min_lr_ratio') ?? 0;
    const cycles = kwarg('num_cycles') ?? 0.5;
    if (decaySteps === undefined)
      out.errors.push('`lr_scheduler_kwargs.num_decay_steps` is required for warmup_stable_decay');
    if (warmupType !== 'linear')
      out.errors.push(
        unmodeled('lr_scheduler_kwargs.warmup_type', warmupType, 'only a linear warmup is modeled'),
      );
    if (decayType !== 'cosine' && decayType !== 'linear' && decayType !== '1-sqrt')
      out.errors.push(
        unmodeled('lr_scheduler_kwargs.decay_type', decayType, 'HF accepts linear, cosine, 1-sqrt'),
      );
    if (cycles !== 0.5)
      out.errors.push(unmodeled('lr_scheduler_kwargs.num_cycles', cycles, 'only 0.5 is modeled'));
    if (out.errors.length || decaySteps === undefined) return out;
    if (warmup === undefined || (stable === undefined && total === undefined))
      return describe(
        `WSD: warmup, stable at ${lr}, ${decayType} decay over ${decaySteps} steps to ${ratio}·lr`,
      );
    const stableSteps = stable ?? total! - warmup - decaySteps;
    if (!(stableSteps >= 0)) {
      out.errors.push(`warmup ${warmup} + num_decay_steps ${decaySteps} exceed the ${total} steps`);
      return out;
    }
    return finish({
      ...base(
        {
          kind: 'wsd',
          cooldownFraction: stableSteps + decaySteps > 0 ? decaySteps / (stableSteps + decaySteps) : 1,
          shape: decayType as 'cosine' | 'linear' | '1-sqrt',
        },
        ratio * lr,
        warmup + stableSteps + decaySteps,
      ),
      // HF's WSD starts its warmup at min_lr_ratio too.
      warmupStartLr: ratio * lr,
    });
  }
  if (name === 'linear') {
    if (!checkKwargs([])) return out;
    if (total === undefined || warmup === undefined)
      return describe(`linear warmup from 0 to ${lr}, then linear to 0`);
    return finish(base({ kind: 'linear' }, 0, total));
  }
  if (name === 'cosine_with_min_lr') {
    if (!checkKwargs(['min_lr', 'min_lr_rate', 'num_cycles'])) return out;
    const minLr = kwarg('min_lr');
    const rate = kwarg('min_lr_rate');
    if ((minLr === undefined) === (rate === undefined)) {
      out.errors.push(
        'cosine_with_min_lr needs exactly one of `lr_scheduler_kwargs.min_lr` / `min_lr_rate` (HF raises)',
      );
      return out;
    }
    if ((kwarg('num_cycles') ?? 0.5) !== 0.5) {
      out.errors.push(
        unmodeled('lr_scheduler_kwargs.num_cycles', kwarg('num_cycles'), 'only 0.5 is modeled'),
      );
      return out;
    }
    const finalLr = minLr ?? rate! * lr;
    if (total === undefined || warmup === undefined)
      return describe(`linear warmup from 0 to ${lr}, then cosine to ${finalLr}`);
    return finish(base({ kind: 'cosine' }, finalLr, total));
  }
  // cosine (Axolotl's default), in the order create_scheduler checks.
  if (quadratic) {
    if (!checkKwargs([])) return out;
    if (minRatio)
      out.notes.push('lr_quadratic_warmup wins over cosine_min_lr_ratio (Axolotl warns): cosine to 0');
    if (total === undefined || warmup === undefined)
      return describe(`quadratic warmup from 0 to ${lr}, then cosine to 0`);
    return finish({ ...base({ kind: 'cosine' }, 0, total), warmupShape: 'quadratic' });
  }
  if (minRatio !== undefined && !(minRatio >= 0 && minRatio <= 1)) {
    out.errors.push(`\`cosine_min_lr_ratio\` = ${minRatio} must be in [0, 1] (Axolotl asserts)`);
    return out;
  }
  if (minRatio && constantRatio) {
    if (!checkKwargs([])) return out;
    if (!(constantRatio >= 0 && constantRatio <= 1)) {
      out.errors.push(`\`cosine_constant_lr_ratio\` = ${constantRatio} must be in [0, 1] (Axolotl asserts)`);
      return out;
    }
    if (total === undefined || warmup === undefined)
      return describe(
        `linear warmup from 0 to ${lr}, cosine to ${minRatio}·lr at ${constantRatio} of the run, then flat`,
      );
    const flatFrom = Math.trunc(total * constantRatio);
    if (flatFrom <= warmup) {
      out.errors.push(
        unmodeled(
          'cosine_constant_lr_ratio',
          constantRatio,
          `its step ${flatFrom} is not after the warmup ${warmup}`,
        ),
      );
      return out;
    }
    return finish(base({ kind: 'cosine' }, minRatio * lr, flatFrom));
  }
  if (minRatio) {
    if (!checkKwargs([])) return out;
    if (total === undefined || warmup === undefined)
      return describe(`linear warmup from 0 to ${lr}, then cosine to ${minRatio}·lr`);
    return finish(base({ kind: 'cosine' }, minRatio * lr, total));
  }
  if (!checkKwargs(['num_cycles'])) return out;
  if ((kwarg('num_cycles') ?? 0.5) !== 0.5) {
    out.errors.push(unmodeled('lr_scheduler_kwargs.num_cycles', kwarg('num_cycles'), 'only 0.5 is modeled'));
    return out;
  }
  if (total === undefined || warmup === undefined)
    return describe(`linear warmup from 0 to ${lr}, then cosine to 0`);
  return finish(base({ kind: 'cosine' }, 0, total));
}
