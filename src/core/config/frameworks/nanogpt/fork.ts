import type { ReadContext } from '../../../types';
import { TextCache } from '../../parseCache';
import { scanPythonConfig, type PyValue } from './reader';

/**
 * The train.py and model.py a nanoGPT `config/*.py` file runs with. A config is exec'd into the
 * globals of the train.py beside it (karpathy/nanoGPT@3adf61e1 train.py:77 `exec(open('configurator.py')
 * .read())`), which builds the GPT of the module it imports (`from model import GPTConfig, GPT`). Forks
 * keep the config names but change train.py's defaults, its accumulation and model.py's modules, so a
 * config is only read right against the scripts of its own repository, when they can be read.
 */
export interface ForkScripts {
  /**
   * The config sits in a `config/` (or `configs/`) folder (its name here) of a readable repository, but no train.py
   * that execs configurator.py is at its root: the runner is elsewhere (a fork's `training_tools/train.py`,
   * MARS's `MARS/train_adamw.py`) and may differ from nanoGPT's.
   */
  runnerNotFound?: string;
  /** The runner's folder (train.py opens `data/<dataset>` relative to it). */
  root?: string;
  train?: { path: string; text: string };
  model?: { path: string; text: string };
}

/** Repository roots for a config path: `config/x.py` → the repository (`.`), else the file's folder. */
export function repositoryRoots(path: string): string[] {
  const dir = path.replace(/\\/g, '/').replace(/\/[^/]*$/, '');
  return /(^|\/)config$/.test(dir) ? [dir.replace(/\/?config$/, '') || '.', dir] : [dir];
}

/**
 * Where a runner may sit: the repository roots above, then the config's folder's parent and
 * grandparent (configs in `configs/`, `config/<group>/`, `experiments/<name>/` are run from the root).
 */
function runnerRoots(path: string): string[] {
  const roots = repositoryRoots(path);
  let dir = path.replace(/\\/g, '/').replace(/\/[^/]*$/, '');
  for (let up = 0; up < 2 && /\//.test(dir); up++) {
    dir = dir.replace(/\/[^/]*$/, '');
    if (dir && !roots.includes(dir)) roots.push(dir);
  }
  return roots;
}

/** The runner (a train.py that execs configurator.py) and the model module it imports GPT from. */
export function readForkScripts(context: ReadContext): ForkScripts {
  if (!context.path || !context.readFile) return {};
  for (const root of runnerRoots(context.path)) {
    const trainText = context.readFile(`${root}/train.py`);
    if (trainText === undefined || !/configurator\.py/.test(trainText)) continue;
    const module = /^\s*from\s+([A-Za-z_][\w.]*)\s+import\s+[^\n]*\bGPT\b/m.exec(trainText)?.[1] ?? 'model';
    const modelFile = `${module.replace(/\./g, '/')}.py`;
    const modelText = context.readFile(`${root}/${modelFile}`);
    return {
      root,
      train: { path: 'train.py', text: trainText },
      ...(modelText !== undefined ? { model: { path: modelFile, text: modelText } } : {}),
    };
  }
  // No runner beside the config: a model.py there is still what it would build.
  const dir = context.path.replace(/\\/g, '/').replace(/\/[^/]*$/, '');
  const inConfigFolder = /(^|\/)configs?$/.test(dir) && context.readFile(context.path) !== undefined;
  const runnerNotFound = inConfigFolder ? /[^/]*$/.exec(dir)![0] : undefined;
  for (const root of repositoryRoots(context.path)) {
    const modelText = context.readFile(`${root}/model.py`);
    if (modelText !== undefined && /\bclass\s+GPT\b/.test(modelText))
      return { model: { path: 'model.py', text: modelText }, ...(runnerNotFound ? { runnerNotFound } : {}) };
  }
  return runnerNotFound ? { runnerNotFound } : {};
}

/** Python source without `#` comments (outside strings) and without string literals' contents. */
function codeOnly(text: string): string {
  return strippedCode.get(text, stripCommentsAndStrings);
}

function stripCommentsAndStrings(text: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (text.startsWith(quote, i)) {
        out += quote;
        i += quote.length - 1;
        quote = undefined;
      } else if (ch === '\n') out += '\n';
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = text.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      out += quote;
      i += quote.length - 1;
      continue;
    }
    out += ch;
  }
  return out;
}

/**
 * The parameter-holding modules karpathy/nanoGPT@3adf61e1 model.py constructs, as written (spaces
 * removed): LayerNorm ln_1 / ln_2 / ln_f, wte, wpe, c_attn, attention c_proj, c_fc, MLP c_proj, the
 * lm_head, LayerNorm's weight / bias and crop_block_size's wpe. Together with the tying line this is
 * the whole GPT the reader counts (`gpt2Architecture`).
 */
const UPSTREAM_MODULES = [
  'LayerNorm(config.n_embd,bias=config.bias)',
  'LayerNorm(config.n_embd,bias=config.bias)',
  'LayerNorm(config.n_embd,bias=config.bias)',
  'nn.Embedding(config.vocab_size,config.n_embd)',
  'nn.Embedding(config.block_size,config.n_embd)',
  'nn.Linear(config.n_embd,3*config.n_embd,bias=config.bias)',
  'nn.Linear(config.n_embd,config.n_embd,bias=config.bias)',
  'nn.Linear(config.n_embd,4*config.n_embd,bias=config.bias)',
  'nn.Linear(4*config.n_embd,config.n_embd,bias=config.bias)',
  'nn.Linear(config.n_embd,config.vocab_size,bias=False)',
  'nn.Parameter(torch.ones(ndim))',
  'nn.Parameter(torch.zeros(ndim))',
  'nn.Parameter(self.transformer.wpe.weight[:block_size])',
];

/** model.py@3adf61e1:141, the head tied to the token embedding. */
const UPSTREAM_TIE = 'self.transformer.wte.weight=self.lm_head.weight';

const MODULE_CALL =
  /(?<![\w.])(?:(?:torch\.)?nn\.)?(Linear|Embedding|EmbeddingBag|Parameter|LayerNorm|RMSNorm|Conv1d|Conv2d|Bilinear|MultiheadAttention|LSTM|GRU)\s*\(/g;

/** Every parameter-holding module call in `code` (spaces removed, arguments to the closing paren). */
function moduleCalls(code: string): string[] {
  const calls: string[] = [];
  MODULE_CALL.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = MODULE_CALL.exec(code)) !== null) {
    // `class LayerNorm(nn.Module):` and `def …(` are definitions, not calls.
    const lineStart = code.lastIndexOf('\n', match.index) + 1;
    if (/^\s*(class|def)\s/.test(code.slice(lineStart, match.index))) continue;
    let depth = 0;
    let end = match.index + match[0].length - 1;
    for (; end < code.length; end++) {
      if (code[end] === '(') depth++;
      else if (code[end] === ')' && --depth === 0) break;
    }
    calls.push(
      code
        .slice(match.index, end + 1)
        .replace(/\s+/g, '')
        .replace(/^torch\./, ''),
    );
  }
  return calls;
}

/**
 * How the model module differs from nanoGPT's GPT, or undefined when it builds the same parameters:
 * the same parameter-holding module calls (no more, no fewer) and the tied head.
 */
export function modelDifference(modelText: string): string | undefined {
  return modelDifferences.get(modelText, differenceFromUpstream);
}

// train.py and model.py are re-read on every analysis of a config (every keystroke) but rarely
// change: their derived facts are cached by content, as the shared parses are (parseCache.ts).
const modelDifferences = new TextCache<string | undefined>(4);
const strippedCode = new TextCache<string>(4);

function differenceFromUpstream(modelText: string): string | undefined {
  const code = codeOnly(modelText);
  const calls = moduleCalls(code);
  const expected = [...UPSTREAM_MODULES];
  const extra: string[] = [];
  for (const call of calls) {
    const at = expected.indexOf(call);
    if (at >= 0) expected.splice(at, 1);
    else extra.push(call);
  }
  if (extra.length) return `it builds \`${extra[0].slice(0, 80)}\`, which nanoGPT's GPT does not`;
  if (expected.length) return `it has no \`${expected[0]}\` of nanoGPT's GPT`;
  // Black wraps the line as `self.transformer.wte.weight = (\n self.lm_head.weight\n)` (sijunhe/nanoMoE).
  if (
    !code
      .replace(/\s+/g, '')
      .replace(/=\(self\.lm_head\.weight\)/g, '=self.lm_head.weight')
      .includes(UPSTREAM_TIE)
  )
    return 'its lm_head is not tied to the token embedding (no `self.transformer.wte.weight = self.lm_head.weight`)';
  return undefined;
}

/**
 * How the runner applies `gradient_accumulation_steps`. Since karpathy/nanoGPT@978d4fe5 (2023-03-25)
 * train.py divides it by the DDP world size (`gradient_accumulation_steps //= ddp_world_size`, so it is
 * the global count); before, every process ran it in full and a single GPU multiplied it by 8
 * (`gradient_accumulation_steps *= 8 # simulate 8 gpus`), so the tokens per iteration depend on the
 * GPU count. A runner without DDP has one process: the count is global.
 */
export function accumulationSemantics(trainText: string): 'global' | 'per-process' {
  const code = codeOnly(trainText);
  if (/gradient_accumulation_steps\s*\/\/=/.test(code)) return 'global';
  if (/gradient_accumulation_steps\s*=\s*gradient_accumulation_steps\s*\/\//.test(code)) return 'global';
  if (/gradient_accumulation_steps\s*\*=/.test(code)) return 'per-process';
  return /DistributedDataParallel|init_process_group/.test(code) ? 'per-process' : 'global';
}

/** Whether a single-process run of this runner multiplies the accumulation by 8 (pre-978d4fe5). */
export function simulatesEightGpus(trainText: string): boolean {
  return /gradient_accumulation_steps\s*\*=\s*8\b/.test(codeOnly(trainText));
}

/** train.py's own module-level defaults (the assignments before it execs configurator.py). */
export function runnerDefaults(trainText: string): Map<string, PyValue> {
  const execAt = trainText.search(/exec\s*\(\s*open\s*\(\s*['"][^'"]*configurator\.py/);
  const defaults = new Map<string, PyValue>();
  for (const assignment of scanPythonConfig(trainText).assignments) {
    if (execAt >= 0 && assignment.nameStart > execAt) break;
    defaults.set(assignment.name, assignment.opaque ? { kind: 'expression' } : assignment.value);
  }
  return defaults;
}
