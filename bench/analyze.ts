/**
 * Speed of the per-keystroke path, reported as ratios against a reference measured in the same
 * process: analyzing a config (recognize + read + count + law + cost) vs merely parsing the same
 * text with the plain parser of its format (yaml.parse / JSON.parse / a line split for .py/.sh/.toml).
 * A ratio near 1–3 means the analysis costs about as much as the parse an editor already does.
 *
 *   node --import tsx bench/analyze.ts [--rounds 50]
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../src/core/analyze';

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
console.log(`heap after run: ${heapMb.toFixed(0)} MB`);
