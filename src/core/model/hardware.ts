/**
 * Accelerator table: peak dense (no structured sparsity) tensor throughput per precision, in FLOP/s
 * (or OP/s for int8), and a typical on-demand price. Sources are vendor datasheets; prices are the
 * defaults of Sardana et al. 2024's cost calculator where it has them, otherwise unset (the user's
 * setting supplies one).
 */
export type Precision = 'bf16' | 'fp8' | 'int8';

export interface Accelerator {
  id: string;
  aliases: readonly string[];
  label: string;
  peakFlops: Partial<Record<Precision, number>>;
  /** Typical $/device-hour, when a cited default exists. */
  usdPerHour?: number;
  source: string;
}

const NVIDIA_A100 = 'NVIDIA A100 Tensor Core GPU datasheet (BF16 312 TFLOPS, INT8 624 TOPS, dense)';
const NVIDIA_H100 =
  'NVIDIA H100 Tensor Core GPU datasheet, SXM (BF16 989 TFLOPS, FP8 1,979 TFLOPS dense); FP8 1978e12 as in ' +
  "Sardana et al. 2024's cost_calculator.py";

export const ACCELERATORS: readonly Accelerator[] = [
  {
    id: 'A100-40GB',
    aliases: ['a100-40', 'a100_40gb', 'a100-40g'],
    label: 'NVIDIA A100 40GB',
    peakFlops: { bf16: 312e12, int8: 624e12 },
    usdPerHour: 1.1,
    source: `${NVIDIA_A100}; $1.10/h default of nikhilsardana/beyond-chinchilla cost_calculator.py`,
  },
  {
    id: 'A100-80GB',
    aliases: ['a100', 'a100-80', 'a100_80gb', 'a100-80g'],
    label: 'NVIDIA A100 80GB',
    peakFlops: { bf16: 312e12, int8: 624e12 },
    usdPerHour: 1.5,
    source: `${NVIDIA_A100}; $1.50/h default of nikhilsardana/beyond-chinchilla cost_calculator.py`,
  },
  {
    id: 'H100',
    aliases: ['h100-sxm', 'h100-80gb', 'h100_sxm'],
    label: 'NVIDIA H100 SXM',
    peakFlops: { bf16: 989e12, fp8: 1978e12, int8: 1978e12 },
    usdPerHour: 2.0,
    source: `${NVIDIA_H100}; $2.00/h default of nikhilsardana/beyond-chinchilla cost_calculator.py`,
  },
  {
    id: 'H200',
    aliases: ['h200-sxm'],
    label: 'NVIDIA H200 SXM',
    peakFlops: { bf16: 989e12, fp8: 1979e12, int8: 1979e12 },
    source:
      'NVIDIA H200 Tensor Core GPU datasheet (BF16 989 TFLOPS, FP8 1,979 TFLOPS dense; same compute as H100 SXM)',
  },
  {
    id: 'B200',
    aliases: ['b200-sxm', 'hgx-b200'],
    label: 'NVIDIA B200',
    peakFlops: { bf16: 2.25e15, fp8: 4.5e15, int8: 4.5e15 },
    source:
      'NVIDIA HGX B200 datasheet (per GPU: BF16 2.25 PFLOPS, FP8 4.5 PFLOPS dense; sparse figures are 2×)',
  },
  {
    id: 'MI300X',
    aliases: ['mi300', 'amd-mi300x'],
    label: 'AMD Instinct MI300X',
    peakFlops: { bf16: 1307.4e12, fp8: 2614.9e12, int8: 2614.9e12 },
    source: 'AMD Instinct MI300X datasheet (BF16 1,307.4 TFLOPS, FP8/INT8 2,614.9 dense)',
  },
  {
    id: 'TPU-v5e',
    aliases: ['v5e', 'tpuv5e', 'tpu_v5e', 'v5litepod'],
    label: 'Google Cloud TPU v5e (per chip)',
    peakFlops: { bf16: 197e12, int8: 394e12 },
    source: 'Google Cloud TPU v5e documentation (197 TFLOPS BF16, 394 TOPS INT8 per chip)',
  },
  {
    id: 'TPU-v5p',
    aliases: ['v5p', 'tpuv5p', 'tpu_v5p'],
    label: 'Google Cloud TPU v5p (per chip)',
    peakFlops: { bf16: 459e12, int8: 918e12 },
    source: 'Google Cloud TPU v5p documentation (459 TFLOPS BF16, 918 TOPS INT8 per chip)',
  },
];

/** Look up an accelerator by id or alias (case-insensitive). */
export function findAccelerator(name: string): Accelerator | undefined {
  const wanted = name.trim().toLowerCase();
  return ACCELERATORS.find((a) => a.id.toLowerCase() === wanted || a.aliases.includes(wanted));
}

/** Peak FLOP/s of an accelerator at a precision, or undefined when the part has no such mode. */
export function peakFlopsPerSecond(name: string, precision: Precision = 'bf16'): number | undefined {
  return findAccelerator(name)?.peakFlops[precision];
}
