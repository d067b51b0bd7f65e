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
  /**
   * Device memory in bytes as usable for training, and its source. Vendors print "GB"; where the
   * part exposes binary gibibytes (A100: nvidia-smi 40960 / 81920 MiB; TPUs: Google states GiB)
   * the value is GiB; where only a decimal GB figure is published it is taken as 1e9-byte GB, the
   * smaller reading, so a "fits" is never claimed on the larger one.
   */
  memoryBytes?: number;
  memorySource?: string;
}

const GIB = 2 ** 30;

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
    memoryBytes: 40 * GIB,
    memorySource: 'NVIDIA A100 datasheet: 40GB HBM2; the device exposes 40960 MiB = 40 GiB (nvidia-smi)',
    source: `${NVIDIA_A100}; $1.10/h default of nikhilsardana/beyond-chinchilla cost_calculator.py`,
  },
  {
    id: 'A100-80GB',
    aliases: ['a100', 'a100-80', 'a100_80gb', 'a100-80g'],
    label: 'NVIDIA A100 80GB',
    peakFlops: { bf16: 312e12, int8: 624e12 },
    usdPerHour: 1.5,
    memoryBytes: 80 * GIB,
    memorySource: 'NVIDIA A100 datasheet: 80GB HBM2e; the device exposes 81920 MiB = 80 GiB (nvidia-smi)',
    source: `${NVIDIA_A100}; $1.50/h default of nikhilsardana/beyond-chinchilla cost_calculator.py`,
  },
  {
    id: 'H100',
    aliases: ['h100-sxm', 'h100-80gb', 'h100_sxm'],
    label: 'NVIDIA H100 SXM',
    peakFlops: { bf16: 989e12, fp8: 1978e12, int8: 1978e12 },
    usdPerHour: 2.0,
    memoryBytes: 81559 * 2 ** 20,
    memorySource: 'NVIDIA H100 SXM datasheet: 80GB HBM3; nvidia-smi reports 81559 MiB usable (79.6 GiB)',
    source: `${NVIDIA_H100}; $2.00/h default of nikhilsardana/beyond-chinchilla cost_calculator.py`,
  },
  {
    id: 'H200',
    aliases: ['h200-sxm'],
    label: 'NVIDIA H200 SXM',
    peakFlops: { bf16: 989e12, fp8: 1979e12, int8: 1979e12 },
    memoryBytes: 141e9,
    memorySource: 'NVIDIA H200 datasheet: 141GB HBM3e (taken as 141e9 bytes)',
    source:
      'NVIDIA H200 Tensor Core GPU datasheet (BF16 989 TFLOPS, FP8 1,979 TFLOPS dense; same compute as H100 SXM)',
  },
  {
    id: 'B200',
    aliases: ['b200-sxm', 'hgx-b200'],
    label: 'NVIDIA B200',
    peakFlops: { bf16: 2.25e15, fp8: 4.5e15, int8: 4.5e15 },
    memoryBytes: 180e9,
    memorySource:
      'NVIDIA HGX B200 datasheet: 1,440GB HBM3e for 8 GPUs = 180GB per GPU (taken as 180e9 bytes)',
    source:
      'NVIDIA HGX B200 datasheet (per GPU: BF16 2.25 PFLOPS, FP8 4.5 PFLOPS dense; sparse figures are 2×)',
  },
  {
    id: 'MI300X',
    aliases: ['mi300', 'amd-mi300x'],
    label: 'AMD Instinct MI300X',
    peakFlops: { bf16: 1307.4e12, fp8: 2614.9e12, int8: 2614.9e12 },
    memoryBytes: 192e9,
    memorySource: 'AMD Instinct MI300X datasheet: 192GB HBM3 (taken as 192e9 bytes)',
    source: 'AMD Instinct MI300X datasheet (BF16 1,307.4 TFLOPS, FP8/INT8 2,614.9 dense)',
  },
  {
    id: 'TPU-v5e',
    aliases: ['v5e', 'tpuv5e', 'tpu_v5e', 'v5litepod'],
    label: 'Google Cloud TPU v5e (per chip)',
    peakFlops: { bf16: 197e12, int8: 394e12 },
    memoryBytes: 16 * GIB,
    memorySource: 'Google Cloud TPU v5e documentation: 16 GiB HBM2 per chip',
    source: 'Google Cloud TPU v5e documentation (197 TFLOPS BF16, 394 TOPS INT8 per chip)',
  },
  {
    id: 'TPU-v5p',
    aliases: ['v5p', 'tpuv5p', 'tpu_v5p'],
    label: 'Google Cloud TPU v5p (per chip)',
    peakFlops: { bf16: 459e12, int8: 918e12 },
    memoryBytes: 95 * GIB,
    memorySource: 'Google Cloud TPU v5p documentation: 95 GiB HBM2e per chip',
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

/** Device memory in bytes (see {@link Accelerator.memoryBytes}), or undefined when unknown. */
export function memoryCapacityBytes(name: string): number | undefined {
  return findAccelerator(name)?.memoryBytes;
}
