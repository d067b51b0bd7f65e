/**
 * A saved schedule-aware law (`scaling-lens fit RUNS --form tissue2024 --save FILE`), read back by
 * `scaling-lens curve CONFIG --law FILE` to predict a config's whole curve from a ladder of runs.
 * Kept apart from the (N, D) `.law.json` format (src/core/fit/savedLaw.ts): this law needs the LR
 * schedule (S1, S2 of src/core/schedule/features.ts), so nothing that evaluates (N, D) may load it.
 */
import type { TrajectoryFit, TrajectoryLaw, TrajectoryLawOptions } from './trajectory';

export const SCHEDULE_LAW_KIND = 'scaling-lens schedule-aware law';

export interface SavedScheduleLaw {
  kind: typeof SCHEDULE_LAW_KIND;
  version: 1;
  name: string;
  law: TrajectoryLaw;
  options: TrajectoryLawOptions;
  /** What the fit saw, so a prediction can say when it extrapolates. */
  fittedOn: {
    source: string;
    checkpoints: number;
    /** Smallest and largest N of the runs table (its `params` column, in its convention). */
    params: [number, number];
    tokens: [number, number];
    /** Root-mean-square relative residual on the fitted checkpoints (the curve's ±2× band). */
    rmsRelative: number;
  };
  /** Units of S1, S2 and N, stated so a reader of the file knows what the coefficients mean. */
  units: string;
}

export const SCHEDULE_LAW_UNITS =
  'L = E + A·N^−alpha + B·S1^−beta − C·S2; S1 = Σ (η/η_peak)·tokens of each step, S2 = Σ m over steps with m_i = λ·m_(i−1) + (η_(i−1) − η_i)/η_peak, λ = 0.999 (docs/schedule-laws.md); N as the runs table gives it';

export function savedScheduleLawFromFit(
  fit: TrajectoryFit,
  meta: {
    name: string;
    source: string;
    params: [number, number];
    tokens: [number, number];
    rmsRelative: number;
  },
): SavedScheduleLaw {
  return {
    kind: SCHEDULE_LAW_KIND,
    version: 1,
    name: meta.name,
    law: { ...fit.law },
    options: { ...fit.options },
    fittedOn: {
      source: meta.source,
      checkpoints: fit.points,
      params: meta.params,
      tokens: meta.tokens,
      rmsRelative: meta.rmsRelative,
    },
    units: SCHEDULE_LAW_UNITS,
  };
}

export function serializeScheduleLaw(saved: SavedScheduleLaw): string {
  return `${JSON.stringify(saved, null, 2)}\n`;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The saved law, or why the text is not one (never throws). */
export function parseScheduleLaw(
  text: string,
): { ok: true; law: SavedScheduleLaw } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON (${(e as Error).message})` };
  }
  const v = value as Partial<SavedScheduleLaw> | null;
  if (!v || typeof v !== 'object' || v.kind !== SCHEDULE_LAW_KIND)
    return { ok: false, error: `not a schedule-aware law (no "kind": "${SCHEDULE_LAW_KIND}")` };
  if (v.version !== 1)
    return { ok: false, error: `version ${String(v.version)} is not one this build reads (1)` };
  const law = v.law as Partial<TrajectoryLaw> | undefined;
  if (!law || law.form !== 'tissue-chinchilla')
    return { ok: false, error: 'law.form must be "tissue-chinchilla"' };
  for (const key of ['E', 'A', 'alpha', 'B', 'beta', 'C'] as const)
    if (!finite(law[key]) || law[key]! < 0)
      return { ok: false, error: `law.${key} must be a finite number ≥ 0` };
  const options = v.options as Partial<TrajectoryLawOptions> | undefined;
  if (!options || typeof options.params !== 'boolean' || options.schedule !== true)
    return { ok: false, error: 'options must be {"params": true|false, "schedule": true}' };
  const on = v.fittedOn as Partial<SavedScheduleLaw['fittedOn']> | undefined;
  const pair = (p: unknown) => Array.isArray(p) && p.length === 2 && p.every((x) => finite(x) && x > 0);
  if (!on || !pair(on.params) || !pair(on.tokens) || !finite(on.rmsRelative) || on.rmsRelative < 0)
    return {
      ok: false,
      error: 'fittedOn needs params and tokens ranges ([min, max] > 0) and rmsRelative ≥ 0',
    };
  return {
    ok: true,
    law: {
      kind: SCHEDULE_LAW_KIND,
      version: 1,
      name: typeof v.name === 'string' ? v.name : 'schedule-aware law',
      law: law as TrajectoryLaw,
      options: { params: options.params, schedule: true },
      fittedOn: {
        source: typeof on.source === 'string' ? on.source : '',
        checkpoints: finite(on.checkpoints) ? on.checkpoints : 0,
        params: on.params as [number, number],
        tokens: on.tokens as [number, number],
        rmsRelative: on.rmsRelative,
      },
      units: SCHEDULE_LAW_UNITS,
    },
  };
}
