/**
 * `scaling-lens fit RUNS --form tissue2024 [--holdout-largest --target-prefix 0.3] --json`: the
 * schedule-aware fit on per-checkpoint `lr`/`step` columns (src/core/fit/trajectory.ts). With several
 * model sizes the law is tissue-chinchilla, E + A·N^−α + B·S1^−β − C·S2; with one, E + B·S1^−β − C·S2
 * (Tissue et al. 2024, Eq. 1 on peak-normalized LR). `heldOut.are` is the mean ARE over the held-out
 * (largest) model's checkpoints after the first `--target-prefix` of each of its runs.
 */
import { readFileSync } from 'node:fs';
import { parseFlags } from './flags';
import { readTrajectoryTable } from '../core/fit/trajectoryIngest';
import { fitTrajectory, holdoutEvaluation, predictTrajectory } from '../core/fit/trajectory';
import { FIT_DEFAULTS } from '../core/fit/defaults';

export async function runFitTrajectoryCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const parsed = parseFlags(args, {
    form: 'string',
    'holdout-largest': 'boolean',
    'target-prefix': 'number',
    'min-tokens': 'number',
    'tokens-per-step': 'number',
    params: 'number',
    json: 'boolean',
  });
  if ('error' in parsed) {
    err(parsed.error);
    return 2;
  }
  const { flags, positional } = parsed;
  const form = flags.form as string;
  if (form === 'multipower2025') {
    err(
      '--form multipower2025: fitting the multi-power law is not implemented yet (its evaluation is, see docs/schedule-laws.md); use --form tissue2024.',
    );
    return 2;
  }
  if (positional.length !== 1) {
    err('Give one runs table (CSV/TSV) with step, lr and loss columns.');
    return 2;
  }
  const prefix = (flags['target-prefix'] as number | undefined) ?? 0.3;
  if (!(prefix > 0 && prefix < 1)) {
    err('--target-prefix must be in (0, 1) for a schedule-aware hold-out.');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(positional[0], 'utf8');
  } catch (e) {
    err(`Cannot read ${positional[0]}: ${(e as Error).message}`);
    return 1;
  }
  const ingest = readTrajectoryTable(text, positional[0], {
    tokensPerStep: flags['tokens-per-step'] as number | undefined,
    params: flags.params as number | undefined,
  });
  const minTokens: number = (flags['min-tokens'] as number | undefined) ?? FIT_DEFAULTS.minTokens;
  const models = [...new Set(ingest.points.map((p) => p.model))];
  const sizes = new Set(ingest.points.map((p) => p.params)).size;
  const result: Record<string, unknown> = {
    ok: false,
    form: 'tissue2024',
    law: 'tissue-chinchilla',
    points: ingest.points.length,
    models: models.length,
    modelSizes: sizes,
    runs: new Set(ingest.points.map((p) => `${p.model}/${p.run}`)).size,
    notes: ingest.notes,
    errors: [...ingest.errors],
  };
  if (!ingest.errors.length) {
    if (flags['holdout-largest']) {
      const largest = ingest.points.reduce((a, b) => (b.params > a.params ? b : a)).model;
      const h = holdoutEvaluation(ingest.points, largest, prefix, minTokens);
      if (h.error || !h.schedule) (result.errors as string[]).push(h.error ?? 'fit failed');
      else {
        result.ok = true;
        result.params = h.schedule.law;
        result.heldOut = {
          model: largest,
          prefix,
          points: h.testPoints,
          are: h.scheduleAre,
          baselineAre: h.baselineAre,
        };
      }
    } else {
      const train = ingest.points.filter((p) => p.tokens > minTokens);
      const f = fitTrajectory(train, { params: sizes >= 2, schedule: true });
      if (!f.fit) (result.errors as string[]).push(f.error!);
      else {
        result.ok = true;
        result.params = f.fit.law;
        let are = 0;
        for (const p of train) are += Math.abs(predictTrajectory(f.fit, p)! - p.loss) / p.loss;
        result.trainAre = are / train.length;
      }
    }
  }
  if (flags.json) out(JSON.stringify(result, null, 2));
  else
    out(
      Object.entries(result)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
        .join('\n'),
    );
  return result.ok ? 0 : 1;
}
