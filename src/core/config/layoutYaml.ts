import type { FieldSource } from '../types';
import type { LayoutKey, LayoutValueKey, ParallelLayout } from '../model/layout';
import { getNode, nodeValue, pairSource, type YamlSource } from './yamlSource';
import { isInterpolation } from './readerPolicy';

/**
 * Building a {@link ParallelLayout} from a YAML/JSON document (the layout readers of the YAML and
 * JSON frameworks: GPT-NeoX, DeepSpeed, torchtune, Axolotl, nanotron, NeMo). Every value keeps the
 * source range of its key; a value that is written but unusable is recorded as `invalid` (a bad
 * count: validation names the key) or `unmodelled` (a placeholder or interpolation this static
 * reader does not evaluate: memory is then "unknown", naming the key) — never replaced by a default.
 */

export type LayoutPath = readonly (string | readonly string[])[];

/** A value with its source. */
export interface LayoutValue<T> {
  value: T;
  source: FieldSource;
}

type SettableKey = LayoutValueKey;

export class YamlLayout {
  constructor(
    readonly yaml: YamlSource,
    readonly layout: ParallelLayout = { sources: {} },
    readonly options: {
      /** GPT-NeoX treats '-' and '_' in keys alike. */
      hyphenInsensitive?: boolean;
      /** Set on every source when the document is another file (a DeepSpeed JSON named by the config). */
      file?: string;
      /** Rewrites a found value (a shell variable in a heredoc); undefined = not knowable. */
      expand?: (value: unknown) => unknown;
    } = {},
  ) {}

  /** The value at `path` with its source; undefined when absent (or written empty / null). */
  find(path: LayoutPath): LayoutValue<unknown> | undefined {
    const pair = getNode(this.yaml, path, this.options.hyphenInsensitive);
    if (!pair) return undefined;
    let value = nodeValue(this.yaml, pair.value);
    if (this.options.expand) value = this.options.expand(value);
    if (value === null || value === '') return undefined;
    return { value, source: pairSource(this.yaml, pair, this.options.file) };
  }

  /**
   * A positive integer at `path`. Written but unusable: an interpolation or template placeholder
   * (`${...}`, `$VAR`, `MBSIZE`, `auto`) makes memory unknown naming the key; anything else is
   * recorded as invalid under `key` (so validation names it). Without `key` it is simply unused.
   */
  int(path: LayoutPath, key?: LayoutKey): LayoutValue<number> | undefined {
    const found = this.find(path);
    if (!found) return undefined;
    const v = found.value;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) return { value: v, source: found.source };
    if (typeof v === 'string' && /^\s*\d+\s*$/.test(v) && Number.isSafeInteger(Number(v)) && Number(v) >= 1)
      return { value: Number(v), source: found.source };
    if (key) this.unusable(found.source, key);
    return undefined;
  }

  /** A non-negative integer (a ZeRO stage, a `-1`-style sentinel is not one). */
  count(path: LayoutPath): LayoutValue<number> | undefined {
    const found = this.find(path);
    if (!found) return undefined;
    const v =
      typeof found.value === 'string' && /^\s*-?\d+\s*$/.test(found.value)
        ? Number(found.value)
        : found.value;
    return typeof v === 'number' && Number.isSafeInteger(v) ? { value: v, source: found.source } : undefined;
  }

  bool(path: LayoutPath): LayoutValue<boolean> | undefined {
    const found = this.find(path);
    if (!found) return undefined;
    if (typeof found.value === 'boolean') return { value: found.value, source: found.source };
    if (typeof found.value === 'string' && /^(true|false)$/i.test(found.value.trim()))
      return { value: found.value.trim().toLowerCase() === 'true', source: found.source };
    return undefined;
  }

  str(path: LayoutPath): LayoutValue<string> | undefined {
    const found = this.find(path);
    if (!found) return undefined;
    if (typeof found.value === 'string') return { value: found.value, source: found.source };
    // A number as written (`-.inf` stays `-.inf`, never "-Infinity" in a message).
    if (typeof found.value === 'number' || typeof found.value === 'boolean')
      return { value: found.source.raw.trim().replace(/^["']|["']$/g, ''), source: found.source };
    return undefined;
  }

  /** A stated value that is not a usable count: unknown (placeholder) or invalid (anything else). */
  unusable(source: FieldSource, key: LayoutKey): void {
    const raw = source.raw.trim();
    if (isPlaceholder(raw)) this.unmodelled(source, `\`${raw.slice(0, 40)}\` is not evaluated`);
    else {
      (this.layout.invalid ??= {})[key] = raw;
      this.layout.sources[key] = source;
    }
  }

  set<K extends SettableKey>(key: K, found: LayoutValue<ParallelLayout[K]> | undefined): void {
    if (!found) return;
    this.layout[key] = found.value;
    this.layout.sources[key] = found.source;
  }

  /** A key that changes memory in a way the estimate does not model: memory becomes unknown. */
  unmodelled(source: FieldSource, why: string): void {
    (this.layout.unmodelled ??= []).push({ ...source, why });
  }
}

/**
 * A value a static reader cannot evaluate: an OmegaConf/shell interpolation, a `sed` template
 * placeholder of Megatron-DeepSpeed (`MBSIZE`, `ZERO_STAGE`), or HF's DeepSpeed `"auto"`.
 */
export function isPlaceholder(raw: string): boolean {
  const text = raw.replace(/^["']|["']$/g, '').trim();
  return isInterpolation(text) || /^\$/.test(text) || /^[A-Z][A-Z0-9_]*$/.test(text) || text === 'auto';
}

/** The text with everything outside [start, end) blanked (newlines kept), so offsets stay the file's. */
export function maskOutside(text: string, start: number, end: number): string {
  const blank = (s: string) => s.replace(/[^\n\r]/g, ' ');
  return blank(text.slice(0, start)) + text.slice(start, end) + blank(text.slice(end));
}
