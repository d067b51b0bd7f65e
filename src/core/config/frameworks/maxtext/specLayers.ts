import type { RunSpec } from '../../../types';
import type { Layer } from './reader';

/**
 * The layers (base.yml ← models/<name>.yml ← command line) behind each spec the maxtext reader
 * returned, or null when the launch names a config it could not read. Keyed by the spec object, so
 * the LR-schedule extractor, which the analysis calls with the reader's own spec on every keystroke,
 * reuses the reader's layering instead of reading the file a second time; a spec it did not make
 * (a copy) is a miss, and the extractor reads the file itself.
 */
const layersBySpec = new WeakMap<RunSpec, readonly Layer[] | null>();

export function rememberLayers(spec: RunSpec, layers: readonly Layer[] | null): void {
  layersBySpec.set(spec, layers);
}

/** The reader's layers of `spec`: an array, null (config not readable), or undefined (not its spec). */
export function layersOfSpec(spec: RunSpec | undefined): readonly Layer[] | null | undefined {
  return spec ? layersBySpec.get(spec) : undefined;
}
