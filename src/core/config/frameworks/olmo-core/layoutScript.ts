import type { FieldSource } from '../../../types';
import { LineIndex } from '../../text';
import { OLMO_CORE_FACTORIES, type OlmoCoreFactory } from './tables';
import { evaluate, matchBracket, PyScript, splitArgs, UNKNOWN, type PyArg, type PyEval } from './python';

/**
 * The parts of an OLMo-core launch script the layout reader (./layout.ts) and its memory edits
 * (./memoryEdits.ts) both look at: the one `TransformerTrainModuleConfig(...)` call, the config
 * objects passed to it (`dp_config=TransformerDataParallelConfig(...)`, directly or through a name
 * bound once), enum members as written (`DataParallelType.hsdp` or `"hsdp"`), and the constants
 * `common.*` stands for under `olmo_core.internal.experiment.build_config`. Nothing is executed.
 */

/** A call `Cls(...)` in the script, with its arguments (offsets into the text). */
export interface ConfigCall {
  /** The callee as written, e.g. `TransformerDataParallelConfig` or `TransformerContextParallelConfig.zig_zag`. */
  callee: string;
  /** Offset of the callee's first character. */
  start: number;
  open: number;
  close: number;
  named: Map<string, PyArg>;
  positional: PyArg[];
  /** `*args` / `**kwargs`: what the call receives is not static. */
  unpacked: boolean;
}

/** The script, its line index and how `common.*` values resolve. */
export class OlmoCoreScript {
  readonly script: PyScript;
  readonly lines: LineIndex;
  /** The script builds its experiment with olmo_core.internal's build_config / build_launch_config. */
  readonly internalLaunch: boolean;

  /** `common.*` values and call lists, computed once per script. */
  private readonly hooked = new Map<string, PyEval | undefined>();
  private readonly callLists = new Map<string, ConfigCall[]>();

  /** `shared`: the framework reader's own view of the same text, so the layout scans it once. */
  constructor(
    readonly text: string,
    shared?: { script: PyScript; lines: LineIndex },
  ) {
    const reuse = shared && shared.script.text === text ? shared : undefined;
    this.script = reuse?.script ?? new PyScript(text);
    this.lines = reuse?.lines ?? new LineIndex(text);
    const code = this.script.code;
    const imports = /^\s*from\s+olmo_core\.internal\.(?:experiment|common)\s+import\b/m.test(code);
    const ownBuildConfig = /^def\s+build_config\b/m.test(code);
    this.internalLaunch =
      imports &&
      (/\bbuild_launch_config\s*\(/.test(code) || (!ownBuildConfig && /\bbuild_config\b/.test(code)));
  }

  /** A FieldSource for `key` written at [keyStart, keyEnd) with its value at [valueStart, valueEnd). */
  source(key: string, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): FieldSource {
    return {
      key,
      keyRange: this.lines.range(keyStart, keyEnd),
      valueRange: this.lines.range(valueStart, valueEnd),
      raw: this.text.slice(valueStart, valueEnd),
    };
  }

  /** The source of a keyword argument, named `key` (a dotted path for nested configs). */
  argSource(key: string, arg: PyArg): FieldSource {
    const nameEnd = arg.name ? arg.nameStart + arg.name.length : arg.valueStart;
    return this.source(key, arg.nameStart, nameEnd, arg.valueStart, arg.valueEnd);
  }

  /** The value text of an argument (strings unmasked), whitespace collapsed. */
  valueText(arg: PyArg): string {
    return this.text.slice(arg.valueStart, arg.valueEnd).replace(/\s+/g, ' ').trim();
  }

  /** Evaluate an argument's value (constants, names bound once, `common.max_sequence_length`). */
  evaluate(start: number, end: number): PyEval {
    return evaluate(this.script, start, end, (name) => this.hook(name));
  }

  /** A positive integer value of an argument, else undefined. */
  int(arg: PyArg): number | undefined {
    const v = this.evaluate(arg.valueStart, arg.valueEnd);
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
  }

  /**
   * `common.max_sequence_length` and `common.global_batch_size` are build_config's keyword
   * arguments (olmo_core/internal/experiment.py build_config: max_sequence_length = 4096 default;
   * global_batch_size required), passed directly or through functools.partial.
   */
  private hook(name: string): PyEval | undefined {
    if (name !== 'common.max_sequence_length' && name !== 'common.global_batch_size') return undefined;
    if (!this.hooked.has(name)) this.hooked.set(name, this.common(name));
    return this.hooked.get(name);
  }

  private common(name: string): PyEval | undefined {
    if (!this.internalLaunch) return UNKNOWN;
    const key = name.slice('common.'.length);
    const arg = this.buildConfigArg(key);
    if (arg === 'ambiguous') return UNKNOWN;
    if (!arg) return key === 'max_sequence_length' ? BUILD_CONFIG_SEQUENCE_LENGTH : UNKNOWN;
    return evaluate(this.script, arg.valueStart, arg.valueEnd);
  }

  private buildConfigArg(name: string): PyArg | undefined | 'ambiguous' {
    const found: PyArg[] = [];
    for (const call of this.script.calls(/\b(?:partial\s*\(\s*build_config\s*,|build_config\s*\()/))
      for (const arg of call.args) if (arg.name === name) found.push(arg);
    if (found.length === 0) return undefined;
    const texts = new Set(found.map((a) => this.valueText(a)));
    return texts.size === 1 ? found[0] : 'ambiguous';
  }

  /** Every call of `pattern` (a regex source ending in `\(`), distinct by text. */
  calls(pattern: RegExp): ConfigCall[] {
    let list = this.callLists.get(pattern.source);
    if (!list) {
      list = this.script
        .calls(pattern)
        .map((c) => toCall(this.script, c.match.index, c.open, c.close, c.args))
        .filter((c): c is ConfigCall => c !== undefined);
      this.callLists.set(pattern.source, list);
    }
    return list;
  }

  /**
   * The config call an argument passes: `Cls(...)` written there, or the value of a name bound once
   * in scope (a few hops). 'none' for `None`; undefined when it is neither.
   */
  configCall(arg: PyArg | undefined): ConfigCall | 'none' | undefined {
    if (!arg) return undefined;
    const code = this.script.code;
    let start = arg.valueStart;
    let end = arg.valueEnd;
    for (let hops = 0; hops < 4 && /^\s*[A-Za-z_]\w*\s*$/.test(code.slice(start, end)); hops++) {
      const name = code.slice(start, end).trim();
      if (name === 'None') return 'none';
      const bound = this.script.binding(name, start);
      if (!bound || bound === 'ambiguous') return undefined;
      start = bound.valueStart;
      end = bound.valueEnd;
    }
    const head = /^\s*([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)*)\s*\(/.exec(code.slice(start, end));
    if (!head) return undefined;
    const open = start + head[0].length - 1;
    const close = matchBracket(code, open);
    if (close < 0 || code.slice(close + 1, end).trim() !== '') return undefined;
    const callStart = start + head[0].indexOf(head[1]!);
    return toCall(this.script, callStart, open, close, splitArgs(code, open + 1, close));
  }

  /**
   * An enum member as written: `Enum.member` (the class name matching `enumClass`) or a string
   * literal `"member"` (StrEnum fields compare equal to their value). Undefined otherwise.
   */
  enumMember(arg: PyArg | undefined, enumClass: RegExp): string | undefined {
    if (!arg) return undefined;
    const text = this.valueText(arg);
    const dotted = /^([A-Za-z_]\w*)\s*\.\s*([A-Za-z_]\w*)$/.exec(text);
    if (dotted && enumClass.test(dotted[1]!)) return dotted[2];
    const quoted = /^(['"])([A-Za-z_0-9]+)\1$/.exec(text);
    return quoted?.[2];
  }

  /**
   * The model is MoE: its TransformerConfig factory resolves to llama_like_moe or passes a
   * feed_forward_moe (the generated factory table of ./tables.ts), or the call passes one.
   */
  moeModel(): boolean {
    for (const call of this.calls(/\bTransformerConfig\s*\.\s*[A-Za-z_]\w*\s*\(/)) {
      if (call.named.has('feed_forward_moe')) return true;
      let factory: string | undefined = call.callee.split('.').pop();
      for (let hops = 0; factory && hops < 16; hops++) {
        if (factory === 'llama_like_moe') return true;
        const row: OlmoCoreFactory | undefined = OLMO_CORE_FACTORIES[factory];
        if (!row) break;
        const ff = row.fixed.feed_forward_moe ?? row.popped.feed_forward_moe;
        if (ff !== undefined && ff !== null) return true;
        factory = row.calls;
      }
    }
    return false;
  }

  /** `name = …` augmented (`name *= 2`, `+=`, …) anywhere in the script: its value is not one constant. */
  augmented(name: string): { start: number; end: number } | undefined {
    const m = new RegExp(`(^|[^\\w.])(${name})\\s*(\\*\\*|//|[-+*/%])=`, 'm').exec(this.script.code);
    if (!m) return undefined;
    const start = m.index + m[1]!.length;
    return { start, end: this.script.statementEnd(start) };
  }
}

/** build_config's max_sequence_length default (allenai/OLMo-core@fa6c5014 src/olmo_core/internal/experiment.py). */
export const BUILD_CONFIG_SEQUENCE_LENGTH = 4096;

function toCall(
  script: PyScript,
  start: number,
  open: number,
  close: number,
  args: PyArg[],
): ConfigCall | undefined {
  const callee = script.code.slice(start, open).replace(/\s+/g, '');
  if (!callee) return undefined;
  const named = new Map<string, PyArg>();
  const positional: PyArg[] = [];
  let unpacked = false;
  for (const a of args) {
    if (a.name) named.set(a.name, a);
    else if (script.code[a.valueStart] === '*') unpacked = true;
    else positional.push(a);
  }
  return { callee, start, open, close, named, positional, unpacked };
}

/** The last segment of a callee (`olmo_core.optim.AdamWConfig` → `AdamWConfig`). */
export function calleeClass(call: ConfigCall): string {
  return call.callee.split('.').filter((s) => /^[A-Z]/.test(s))[0] ?? call.callee;
}

/** The argument bound to `name` or the positional one at `index`. */
export function argOf(call: ConfigCall, name: string, index?: number): PyArg | undefined {
  return call.named.get(name) ?? (index !== undefined ? call.positional[index] : undefined);
}

/** The train-module calls of a script (OLMo-core TransformerTrainModuleConfig and its PP subclass). */
export const TRAIN_MODULE_CALL = /\bTransformer(?:Pipeline)?TrainModuleConfig\s*\(/;
