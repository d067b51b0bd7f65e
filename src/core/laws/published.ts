import { EPOCH_2024_BOOTSTRAP_DRAWS } from './epoch2024.bootstrap';
import type { LawParams } from './forms';

/**
 * Published scaling laws as cited data. Every number here is quoted from the named source; the
 * README's "Scaling laws" table mirrors this file.
 */

/** Which parameter count a law was fitted against. */
export type ParamConvention = 'total' | 'non-embedding';

/** The (N, D) region a law's data covered; predictions far outside it are flagged. */
export interface FitRegion {
  paramsMin: number;
  paramsMax: number;
  tokensMin: number;
  tokensMax: number;
}

/** A scaling law the user can select by id. */
export interface ScalingLaw {
  id: string;
  label: string;
  citation: string;
  law: LawParams;
  /** Which N the law expects. */
  paramConvention: ParamConvention;
  /** What the loss measures (dataset/tokenizer), since absolute losses are not comparable across them. */
  lossNote: string;
  fitRegion?: FitRegion;
  /**
   * Coefficient draws (in the form's `coefficientNames` order) that represent the law's uncertainty (bootstrap refits); predictions report the
   * 2.5–97.5 percentile of the loss over them. Absent when the source gives no uncertainty.
   */
  bootstrapDraws?: readonly (readonly number[])[];
  /** Where the draws come from. */
  uncertaintyNote?: string;
  /** Set for laws fitted by the user (saved in the workspace). */
  fittedFrom?: string;
}

/**
 * Range of the Chinchilla runs as digitized by Epoch (Besiroglu et al. 2024, `svg_extracted_data.csv`,
 * 245 points): N 5.73e7–1.62e10, D 2.45e8–3.18e11.
 */
const CHINCHILLA_DATA_REGION: FitRegion = {
  paramsMin: 5.73e7,
  paramsMax: 1.62e10,
  tokensMin: 2.45e8,
  tokensMax: 3.18e11,
};

/**
 * Kaplan et al. 2020 trained models from 768 to 1.5e9 non-embedding parameters on up to 2.3e10
 * tokens of WebText2 (§2, Fig. 1).
 */
const KAPLAN_DATA_REGION: FitRegion = {
  paramsMin: 768,
  paramsMax: 1.5e9,
  tokensMin: 2.2e7,
  tokensMax: 2.3e10,
};

export const EPOCH_2024: ScalingLaw = {
  id: 'epoch2024',
  label: 'Epoch AI 2024 (Chinchilla replication)',
  citation:
    'Besiroglu, Erdil, Barnett, You 2024, "Chinchilla Scaling: A replication attempt", arXiv:2404.10102; ' +
    'estimates from epoch-research/analyzing-chinchilla data_analysis.ipynb (E=1.8169, A=482.01, B=2085.43, ' +
    'α=0.3478, β=0.3658; paper rounds E to 1.82). Huber (δ=1e-3) fit in log space on 240 points.',
  law: { form: 'chinchilla', E: 1.8169, A: 482.01, B: 2085.43, alpha: 0.3478, beta: 0.3658 },
  paramConvention: 'total',
  lossNote: 'MassiveText, SentencePiece 32k vocabulary (nats/token)',
  fitRegion: CHINCHILLA_DATA_REGION,
  bootstrapDraws: EPOCH_2024_BOOTSTRAP_DRAWS,
  uncertaintyNote:
    '95% interval over 200 bootstrap refits of the 240 Epoch points (src/core/laws/epoch2024.bootstrap.ts); ' +
    'their SEs (E 0.025, α 0.015, β 0.021) match Epoch’s published bootstrap SEs (0.026, 0.015, 0.021).',
};

export const HOFFMANN_2022: ScalingLaw = {
  id: 'hoffmann2022',
  label: 'Hoffmann et al. 2022 (Chinchilla, as printed)',
  citation:
    'Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", arXiv:2203.15556, Eq. 10 / §3.3: ' +
    'E=1.69, A=406.4, B=410.7, α=0.34, β=0.28.',
  law: { form: 'chinchilla', E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 },
  paramConvention: 'total',
  lossNote: 'MassiveText, SentencePiece 32k vocabulary (nats/token)',
  fitRegion: CHINCHILLA_DATA_REGION,
};

export const HOFFMANN_2022_UNROUNDED: ScalingLaw = {
  id: 'hoffmann2022-unrounded',
  label: 'Hoffmann et al. 2022 (approach 3, unrounded)',
  citation:
    'Hoffmann et al. 2022, approach 3, unrounded values from the arXiv TeX source as quoted by Besiroglu et al. ' +
    '2024 (a=6.0073404, b=6.0179186, e=0.5267228, α=0.33917084, β=0.2849083; A=e^a, B=e^b, E=e^e).',
  law: {
    form: 'chinchilla',
    E: Math.exp(0.5267228),
    A: Math.exp(6.0073404),
    B: Math.exp(6.0179186),
    alpha: 0.33917084,
    beta: 0.2849083,
  },
  paramConvention: 'total',
  lossNote: 'MassiveText, SentencePiece 32k vocabulary (nats/token)',
  fitRegion: CHINCHILLA_DATA_REGION,
};

export const SARDANA_2024: ScalingLaw = {
  id: 'sardana2024',
  label: 'Sardana & Frankle 2024 (Chinchilla constants used in "Beyond Chinchilla-Optimal")',
  citation:
    'Sardana, Portes, Doubov, Frankle 2024, "Beyond Chinchilla-Optimal", arXiv:2401.00448; ' +
    'nikhilsardana/beyond-chinchilla utils.ChinchillaConstants: α=0.336, β=0.283, A=406.4, B=410.7, E=1.69.',
  law: { form: 'chinchilla', E: 1.69, A: 406.4, B: 410.7, alpha: 0.336, beta: 0.283 },
  paramConvention: 'total',
  lossNote: 'MassiveText, SentencePiece 32k vocabulary (nats/token)',
  fitRegion: CHINCHILLA_DATA_REGION,
};

export const KAPLAN_2020: ScalingLaw = {
  id: 'kaplan2020',
  label: 'Kaplan et al. 2020 (L(N, D), non-embedding N)',
  citation:
    'Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv:2001.08361, Eq. 1.5 with Table 2: ' +
    'α_N=0.076, α_D=0.103, N_c=6.4e13, D_c=1.8e13.',
  law: { form: 'kaplan', Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 },
  paramConvention: 'non-embedding',
  lossNote: 'WebText2, GPT-2 BPE (nats/token); no irreducible term',
  fitRegion: KAPLAN_DATA_REGION,
};

/**
 * Muennighoff et al. 2023's C4 runs (their final-loss table, ColPret raw/datablations_contour_losses.csv):
 * N 7.1e6–8.67e9, D 1e8–9e11 (abstract: "up to 900 billion training tokens and 9 billion parameter models").
 */
const DATABLATIONS_REGION: FitRegion = {
  paramsMin: 7.1e6,
  paramsMax: 8.67e9,
  tokensMin: 1e8,
  tokensMax: 9e11,
};

export const MUENNIGHOFF_2023: ScalingLaw = {
  id: 'muennighoff2023',
  label: 'Muennighoff et al. 2023 (data-constrained, C4)',
  citation:
    'Muennighoff, Rush, Barak, Le Scao, Piktus, Tazi, Pyysalo, Wolf, Raffel 2023, "Scaling Data-Constrained ' +
    'Language Models", arXiv:2305.16264, Eqs. 3–5; constants from huggingface/datablations@13701315 README ' +
    '"Parametric Fit": a=6.255414, b=7.3049974, e=0.6254804 (A=e^a≈520.8, B=e^b≈1487.7, E=e^e≈1.869), ' +
    'α=β=0.3526596, R_D*=15.387756, R_N*=5.309743.',
  law: {
    form: 'data-constrained',
    E: Math.exp(0.6254804),
    A: Math.exp(6.255414),
    B: Math.exp(7.3049974),
    alpha: 0.3526596,
    RDstar: 15.387756,
    RNstar: 5.309743,
  },
  paramConvention: 'total',
  lossNote:
    'C4 validation loss, GPT-2 tokenizer (nats/token); the README warns the absolute value is less useful than trends',
  fitRegion: DATABLATIONS_REGION,
};

/** All built-in laws, default first. */
export const PUBLISHED_LAWS: readonly ScalingLaw[] = [
  EPOCH_2024,
  HOFFMANN_2022,
  HOFFMANN_2022_UNROUNDED,
  KAPLAN_2020,
  SARDANA_2024,
  MUENNIGHOFF_2023,
];

/** The default law id. */
export const DEFAULT_LAW_ID = EPOCH_2024.id;

/** Find a built-in law by id (case-insensitive). */
export function findPublishedLaw(id: string): ScalingLaw | undefined {
  const wanted = id.trim().toLowerCase();
  return PUBLISHED_LAWS.find((law) => law.id === wanted);
}
