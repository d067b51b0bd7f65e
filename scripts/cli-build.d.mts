import type { BuildOptions } from 'esbuild';

export function cliBuildOptions(options: {
  root: string;
  outdir: string;
  minify: boolean;
  sourcemap: boolean;
}): BuildOptions[];
export function writeCliShim(outdir: string): string;
