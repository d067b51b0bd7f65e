/**
 * Speed of the per-keystroke path, reported as ratios against a reference measured in the same
 * process: analyzing a config (recognize + read + count + law + cost) vs merely parsing the same
 * text with the plain parser of its format (yaml.parse / JSON.parse / a line split for .py/.sh/.toml).
 * A ratio near 1–3 means the analysis costs about as much as the parse an editor already does.
 *
 * It also prints what memory estimation adds to each analysis of a config with a parallel layout
 * (Megatron, torchtitan): reading the layout from the reader's parse (readLayout, as the registry
 * calls it) + resolveLayout + estimateMemory, against the rest of the analysis. Issue #12 asks for
 * < 10%.
 *
 *   node --import tsx bench/analyze.ts [--rounds 50]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../src/core/analyze';
import { layoutDefaults, readLayout } from '../src/core/config/registry';
import { parseShell } from '../src/core/config/shell';
import { resolveLayout } from '../src/core/model/layout';
import { estimateMemory } from '../src/core/model/memory';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 50;
const roots = [
  resolve(__dirname, '..', 'examples'),
  resolve(__dirname, '..', '..', 'shared', 'configs'),
  resolve(__dirname, '..', '..', 'shared', 'configs-b'),
];

function files(dir: string): string[] {
  let out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(files(path));
    else if (/\.(ya?ml|json|toml|py|sh)$/.test(name) && name !== 'manifest.json') out.push(path);
  }
  return out;
}

function reference(text: string, path: string): unknown {
  const ext = extname(path);
  try {
    if (ext === '.json') return JSON.parse(text);
    if (ext === '.yaml' || ext === '.yml') return parseYaml(text, { version: '1.1', uniqueKeys: false });
  } catch {
    // Templates and half-valid files still cost a parse attempt.
  }
  return text.split('\n').map((line) => line.split('='));
}

/**
 * Each round sees a different text (trailing whitespace varies), as each keystroke does, so caches
 * keyed on the text (the shared YAML parse) do not flatter the numbers.
 */
function timeIt(fn: (round: number) => unknown): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / 1e6 / rounds;
}

const all = roots.flatMap(files);
let totalAnalyze = 0;
let totalReference = 0;
let memoryFiles = 0;
let memoryMs = 0;
let memoryAnalyzeMs = 0;
const rows: string[] = [];
for (const path of all) {
  const text = readFileSync(path, 'utf8');
  const context = {
    path,
    readFile: (p: string) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
  // Warm up both so JIT state is comparable.
  for (let i = 0; i < 5; i++) {
    analyzeText(text, context, DEFAULT_ANALYSIS_SETTINGS);
    reference(text, path);
  }
  const variant = (round: number) => text + '\n'.repeat(1 + (round % 2)) + ' '.repeat(round);
  const analyzeMs = timeIt((round) => analyzeText(variant(round), context, DEFAULT_ANALYSIS_SETTINGS));
  const referenceMs = timeIt((round) => reference(variant(round), path));
  totalAnalyze += analyzeMs;
  totalReference += referenceMs;
  const probe = analyzeText(text, context, DEFAULT_ANALYSIS_SETTINGS).analysis;
  if (probe?.memory && probe.spec.architecture) {
    const arch = probe.spec.architecture;
    const layoutInput = probe.spec.layout;
    let spent = 0;
    for (let round = 0; round < rounds; round++) {
      const v = variant(round);
      analyzeText(v, context, DEFAULT_ANALYSIS_SETTINGS);
      // The registry hands the layout reader the framework reader's parse (a Megatron script's
      // ShellScript; torchtitan's TOML comes from the parse cache the analysis just filled).
      const parsed = probe.framework === 'megatron' ? parseShell(v, context) : undefined;
      const start = process.hrtime.bigint();
      const layout = readLayout(probe.framework, v, context, probe.spec.training.gpus, parsed) ?? layoutInput;
      const resolved = resolveLayout(
        probe.framework,
        layout,
        { gpus: probe.memory.layout.gpus, seqLen: probe.memory.layout.seqLen },
        layoutDefaults(probe.framework),
      );
      estimateMemory(arch, resolved.layout, { capacityBytes: probe.memory.capacityBytes ?? undefined });
      spent += Number(process.hrtime.bigint() - start) / 1e6;
    }
    memoryFiles++;
    memoryMs += spent / rounds;
    memoryAnalyzeMs += analyzeMs;
  }
  rows.push(
    `${(analyzeMs / Math.max(referenceMs, 1e-6)).toFixed(2).padStart(8)}×  ${analyzeMs.toFixed(3).padStart(8)} ms  ${path.replace(resolve(__dirname, '..', '..') + '/', '')}`,
  );
}
const heapMb = process.memoryUsage().heapUsed / 1048576;
console.log(rows.join('\n'));
console.log(`\n${all.length} files, ${rounds} rounds each`);
console.log(
  `analysis / plain parse, summed over files: ${(totalAnalyze / totalReference).toFixed(2)}× (${totalAnalyze.toFixed(1)} ms vs ${totalReference.toFixed(1)} ms per pass over all files)`,
);
console.log(
  `memory estimation (layout + estimate) on ${memoryFiles} files with a layout: ${memoryMs.toFixed(2)} ms of ${memoryAnalyzeMs.toFixed(2)} ms per pass = ${((100 * memoryMs) / Math.max(memoryAnalyzeMs - memoryMs, 1e-9)).toFixed(1)}% added to the rest of the analysis (issue #12: < 10%)`,
);
console.log(`heap after run: ${heapMb.toFixed(0)} MB`);
