/**
 * Throughput from FLOPs per token: tokens/s per GPU = MFU × peak FLOP/s ÷ FLOPs per token, with
 * FLOPs per token = 6·N (N = active parameters; Kaplan et al. 2020 / Hoffmann et al. 2022) plus the
 * attention term 6·L·s·(heads·head_dim) (Kaplan et al. 2020, Table 1) — the same convention as the
 * analysis' `flopsWithAttention`, so days and dollars follow from the same numbers. Step time =
 * tokens per optimizer step ÷ (tokens/s per GPU × GPUs).
 */
export interface ThroughputInput {
  /** Active parameters (= total for dense models). */
  activeParams: number;
  nLayers: number;
  seqLen: number;
  /** heads × head_dim. */
  attentionWidth: number;
  peakFlopsPerSecond: number;
  mfu: number;
  gpus: number;
  /** Tokens per optimizer step (global batch × sequence length), when known. */
  tokensPerStep?: number;
  /**
   * Training FLOPs of attention per token per layer per context position per attention width: 6 as
   * Kaplan et al. 2020 Table 1 count it (forward 2·L·s·d_attn, the default, consistent with the
   * analysis); 12 where QKᵀ and the attention-weighted sum of V are both counted (torchtitan
   * get_num_flop_per_token "12·l·h·q·t", Megatron-LM / PaLM Appendix B MFU).
   */
  attentionCoefficient?: number;
}

export interface Throughput {
  flopsPerToken: number;
  tokensPerSecondPerGpu: number;
  stepSeconds: number | null;
}

/** FLOPs per trained token: 6·N + c·L·s·d_attn (c = 6, Kaplan et al. 2020; 12 in torchtitan's MFU). */
export function trainingFlopsPerToken(
  activeParams: number,
  nLayers: number,
  seqLen: number,
  attentionWidth: number,
  attentionCoefficient = 6,
): number {
  return 6 * activeParams + attentionCoefficient * nLayers * seqLen * attentionWidth;
}

/** Tokens/s per GPU and step time; null when an input is not a positive finite number. */
export function estimateThroughput(x: ThroughputInput): Throughput | null {
  const positive = [
    x.activeParams,
    x.nLayers,
    x.seqLen,
    x.attentionWidth,
    x.peakFlopsPerSecond,
    x.mfu,
    x.gpus,
  ];
  if (!positive.every((v) => Number.isFinite(v) && v > 0) || x.mfu > 1) return null;
  const c = x.attentionCoefficient ?? 6;
  if (!(Number.isFinite(c) && c >= 0)) return null;
  const flopsPerToken = trainingFlopsPerToken(x.activeParams, x.nLayers, x.seqLen, x.attentionWidth, c);
  const tokensPerSecondPerGpu = (x.mfu * x.peakFlopsPerSecond) / flopsPerToken;
  const stepSeconds =
    x.tokensPerStep && x.tokensPerStep > 0 && Number.isFinite(x.tokensPerStep)
      ? x.tokensPerStep / (tokensPerSecondPerGpu * x.gpus)
      : null;
  // Each input is bounded, but their product can still leave the double range (fuzz: 6e8 layers).
  if (!(Number.isFinite(flopsPerToken) && flopsPerToken > 0)) return null;
  if (!(Number.isFinite(tokensPerSecondPerGpu) && tokensPerSecondPerGpu > 0)) return null;
  return {
    flopsPerToken,
    tokensPerSecondPerGpu,
    stepSeconds: stepSeconds !== null && Number.isFinite(stepSeconds) ? stepSeconds : null,
  };
}
