/**
 * Number formatting shared by every view (lens, hover, CLI, chart tooltips), so the same quantity
 * reads the same everywhere.
 */

/** 124.4M, 6.74B, 1.40T — three significant digits with a magnitude suffix. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const units: [number, string][] = [
    [1e15, 'Q'],
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (let i = 0; i < units.length; i++) {
    const [scale, suffix] = units[i];
    if (abs < scale) continue;
    const scaled = trim3(value / scale);
    // 999.6M rounds to "1000M": promote to the next unit so it reads "1B".
    if (Math.abs(Number(scaled)) >= 1000 && i > 0)
      return `${trim3(value / units[i - 1][0])}${units[i - 1][1]}`;
    return `${scaled}${suffix}`;
  }
  return String(Math.round(value));
}

/** An exact integer with thousands separators: 124,439,808. */
export function formatExact(value: number): string {
  if (!Number.isFinite(value)) return '—';
  return Math.round(value).toLocaleString('en-US');
}

/** Scientific notation with 3 significant digits: 2.20e+20 → "2.20e20". */
export function formatScientific(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  return value.toExponential(digits - 1).replace('e+', 'e');
}

/** FLOPs as "2.20e20 FLOPs". */
export function formatFlops(value: number): string {
  return `${formatScientific(value)} FLOPs`;
}

/** Dollars: $950, $12.3K, $1.25M. */
export function formatUsd(value: number): string {
  if (!Number.isFinite(value)) return '—';
  if (Math.abs(value) < 1000) return `$${value < 10 ? value.toFixed(2) : Math.round(value)}`;
  return `$${formatCount(value)}`;
}

/** A loss to 3 decimals. */
export function formatLoss(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : '—';
}

/** Hours or days, whichever reads better. */
export function formatHours(hours: number): string {
  if (!Number.isFinite(hours)) return '—';
  if (hours < 48) return `${trim3(hours)} h`;
  return `${trim3(hours / 24)} days`;
}

/** Three significant digits without trailing zeros noise (1.00 → 1, 12.30 → 12.3). */
function trim3(value: number): string {
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  // Only zeros after the decimal point are noise: 100 must stay "100", not "1".
  const fixed = value.toFixed(decimals);
  return decimals > 0 ? fixed.replace(/\.?0+$/, '') : fixed;
}
