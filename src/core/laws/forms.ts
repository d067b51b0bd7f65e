/**
 * Scaling-law functional forms. Each form evaluates the loss and its partial derivatives with
 * respect to its own parameters (the Jacobian used by the fitting engine).
 *
 * Units: N in parameters (which N is stated by each law), D in tokens, C in FLOPs, loss in nats/token.
 */

/** Hoffmann et al. 2022, Eq. 2: L(N, D) = E + A / N^α + B / D^β. */
export interface ChinchillaParams {
  E: number;
  A: number;
  B: number;
  alpha: number;
  beta: number;
}

/** Kaplan et al. 2020, Eq. 1.5: L(N, D) = [(N_c / N)^(α_N / α_D) + D_c / D]^α_D (N non-embedding). */
export interface KaplanParams {
  Nc: number;
  Dc: number;
  alphaN: number;
  alphaD: number;
}

/** Loss vs compute: L(C) = E + A · C^(−α). */
export interface ComputeParams {
  E: number;
  A: number;
  alpha: number;
}

export type LawForm = 'chinchilla' | 'kaplan' | 'compute';

export type LawParams =
  | ({ form: 'chinchilla' } & ChinchillaParams)
  | ({ form: 'kaplan' } & KaplanParams)
  | ({ form: 'compute' } & ComputeParams);

/** Chinchilla-form loss. */
export function chinchillaLoss(p: ChinchillaParams, params: number, tokens: number): number {
  return p.E + p.A / params ** p.alpha + p.B / tokens ** p.beta;
}

/** Kaplan-form loss. */
export function kaplanLoss(p: KaplanParams, params: number, tokens: number): number {
  return ((p.Nc / params) ** (p.alphaN / p.alphaD) + p.Dc / tokens) ** p.alphaD;
}

/** Compute-form loss. */
export function computeLoss(p: ComputeParams, flops: number): number {
  return p.E + p.A * flops ** -p.alpha;
}

/**
 * Loss of any law at (N, D). For the compute form, C = 6·N·D (Kaplan/Hoffmann approximation), so
 * every law can be evaluated on a run; `params` must be in the law's own N convention.
 */
export function evaluateLaw(law: LawParams, params: number, tokens: number): number {
  switch (law.form) {
    case 'chinchilla':
      return chinchillaLoss(law, params, tokens);
    case 'kaplan':
      return kaplanLoss(law, params, tokens);
    case 'compute':
      return computeLoss(law, 6 * params * tokens);
  }
}

/** Irreducible loss of a law (0 for Kaplan, which has no entropy term). */
export function irreducibleLoss(law: LawParams): number {
  return law.form === 'kaplan' ? 0 : law.E;
}

/**
 * Compute-optimal allocation for the Chinchilla form under C = 6·N·D (Hoffmann et al. 2022,
 * Eq. 4 / Appendix D.2): with G = (αA / (βB))^(1/(α+β)),
 * N_opt = G·(C/6)^(β/(α+β)), D_opt = G⁻¹·(C/6)^(α/(α+β)).
 */
export function chinchillaOptimalAllocation(
  p: ChinchillaParams,
  flops: number,
): { params: number; tokens: number } {
  const G = ((p.alpha * p.A) / (p.beta * p.B)) ** (1 / (p.alpha + p.beta));
  const paramsOpt = G * (flops / 6) ** (p.beta / (p.alpha + p.beta));
  const tokensOpt = (1 / G) * (flops / 6) ** (p.alpha / (p.alpha + p.beta));
  return { params: paramsOpt, tokens: tokensOpt };
}

/**
 * The loss-minimizing D for a fixed N under a compute budget does not exist without one; for hovers
 * we need "optimal D for this N": the D at which N is compute-optimal, i.e. invert N_opt(C).
 */
export function chinchillaOptimalTokensForParams(p: ChinchillaParams, params: number): number {
  const G = ((p.alpha * p.A) / (p.beta * p.B)) ** (1 / (p.alpha + p.beta));
  const flopsOver6 = (params / G) ** ((p.alpha + p.beta) / p.beta);
  return flopsOver6 / params;
}
