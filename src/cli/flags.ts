/** Minimal, strict flag parsing for the CLI: unknown flags and missing values are errors. */
export type FlagSpec = Record<string, 'boolean' | 'string' | 'number' | 'repeat'>;

export type ParsedFlags =
  { flags: Record<string, string | number | boolean | string[]>; positional: string[] } | { error: string };

/** Parse `--name value`, `--name=value`, boolean `--name` and repeatable options per the spec. */
export function parseFlags(args: string[], spec: FlagSpec): ParsedFlags {
  const flags: Record<string, string | number | boolean | string[]> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const kind = spec[name];
    if (!kind) return { error: `Unknown option --${name}.` };
    if (kind === 'boolean') {
      flags[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined) return { error: `Option --${name} needs a value.` };
    if (kind === 'number') {
      const number = Number(value.replace(/_/g, ''));
      if (!Number.isFinite(number)) return { error: `Option --${name} needs a number, got "${value}".` };
      flags[name] = number;
    } else if (kind === 'repeat') {
      flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    } else {
      flags[name] = value;
    }
  }
  return { flags, positional };
}
