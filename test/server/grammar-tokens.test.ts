/**
 * The injection grammar only adds scopes: every example file tokenized by the real host grammars
 * (VS Code's YAML, JSON, Python and shell grammars from the installed code-server, and our TOML
 * grammar) with the injection has, at every character, exactly the scopes it has without it, plus at
 * most our key scope. Before, the injection consumed YAML keys and the host grammar painted valid
 * top-level values (`base_emb_dim: 2048`, `model_name: pythia-160m`) as invalid.illegal.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { INITIAL, Registry, type IGrammar, type IRawGrammar, parseRawGrammar } from 'vscode-textmate';
import { createOnigScanner, createOnigString, loadWASM } from 'vscode-oniguruma';
import { REPO_ROOT } from '../helpers';

const EXTENSIONS = join(
  REPO_ROOT,
  '.cache',
  'code-server',
  'node_modules',
  'code-server',
  'lib',
  'vscode',
  'extensions',
);
const INJECTION = 'scaling-lens.config-keys.injection';
const OUR_SCOPE = 'variable.other.scaling-lens.key';

const GRAMMAR_FILES: Record<string, string> = {
  'source.yaml': join(EXTENSIONS, 'yaml', 'syntaxes', 'yaml.tmLanguage.json'),
  'source.yaml.1.0': join(EXTENSIONS, 'yaml', 'syntaxes', 'yaml-1.0.tmLanguage.json'),
  'source.yaml.1.1': join(EXTENSIONS, 'yaml', 'syntaxes', 'yaml-1.1.tmLanguage.json'),
  'source.yaml.1.2': join(EXTENSIONS, 'yaml', 'syntaxes', 'yaml-1.2.tmLanguage.json'),
  'source.yaml.1.3': join(EXTENSIONS, 'yaml', 'syntaxes', 'yaml-1.3.tmLanguage.json'),
  'source.yaml.embedded': join(EXTENSIONS, 'yaml', 'syntaxes', 'yaml-embedded.tmLanguage.json'),
  'source.json': join(EXTENSIONS, 'json', 'syntaxes', 'JSON.tmLanguage.json'),
  'source.python': join(EXTENSIONS, 'python', 'syntaxes', 'MagicPython.tmLanguage.json'),
  'source.shell': join(EXTENSIONS, 'shellscript', 'syntaxes', 'shell-unix-bash.tmLanguage.json'),
  'source.toml': join(REPO_ROOT, 'syntaxes', 'toml.tmLanguage.json'),
  [INJECTION]: join(REPO_ROOT, 'syntaxes', 'scaling-lens.injection.tmLanguage.json'),
};

const HOST_OF: Record<string, string> = {
  '.yaml': 'source.yaml',
  '.yml': 'source.yaml',
  '.json': 'source.json',
  '.py': 'source.python',
  '.sh': 'source.shell',
  '.toml': 'source.toml',
};

const SKIP =
  process.env.CI === 'true'
    ? false
    : existsSync(GRAMMAR_FILES['source.yaml']!)
      ? false
      : 'code-server is not installed (node scripts/install-code-server.mjs)';

async function registry(withInjection: boolean): Promise<Registry> {
  return new Registry({
    onigLib: Promise.resolve({ createOnigScanner, createOnigString }),
    loadGrammar: async (scopeName): Promise<IRawGrammar | null> => {
      const file = GRAMMAR_FILES[scopeName];
      if (!file || !existsSync(file)) return null;
      return parseRawGrammar(readFileSync(file, 'utf8'), file);
    },
    getInjections: (scopeName) => (withInjection && HOST_OF_SCOPES.has(scopeName) ? [INJECTION] : undefined),
  });
}
const HOST_OF_SCOPES = new Set(Object.values(HOST_OF));

/** The scopes at every character of every line (our key scope removed). */
function scopesPerCharacter(grammar: IGrammar, text: string): { line: number; scopes: string[][] }[] {
  let state = INITIAL;
  return text.split('\n').map((line, index) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    const scopes: string[][] = [];
    for (const token of result.tokens)
      for (let c = token.startIndex; c < Math.min(token.endIndex, line.length); c++)
        scopes[c] = token.scopes.filter((s) => s !== OUR_SCOPE);
    return { line: index, scopes };
  });
}

function exampleFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory()
      ? exampleFiles(path)
      : HOST_OF[name.slice(name.lastIndexOf('.'))]
        ? [path]
        : [];
  });
}

test(
  'the injection grammar only adds scopes to every example file (real host grammars)',
  { skip: SKIP },
  async () => {
    const wasm = readFileSync(join(REPO_ROOT, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
    await loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const plain = await registry(false);
    const injected = await registry(true);
    const failures: string[] = [];
    let marked = 0;
    for (const file of exampleFiles(join(REPO_ROOT, 'examples'))) {
      const host = HOST_OF[file.slice(file.lastIndexOf('.'))]!;
      const text = readFileSync(file, 'utf8');
      const without = scopesPerCharacter((await plain.loadGrammar(host))!, text);
      const grammar = (await injected.loadGrammar(host))!;
      const withInjection = scopesPerCharacter(grammar, text);
      for (const [i, line] of withInjection.entries()) {
        for (const [c, scopes] of line.scopes.entries()) {
          const expected = without[i]!.scopes[c] ?? [];
          if ((scopes ?? []).join(' ') !== expected.join(' ')) {
            failures.push(
              `${file.slice(REPO_ROOT.length + 1)}:${i + 1}:${c + 1} ${(scopes ?? []).join(' ')} ≠ ${expected.join(' ')}`,
            );
            break;
          }
        }
      }
      let state = INITIAL;
      for (const line of text.split('\n')) {
        const result = grammar.tokenizeLine(line, state);
        state = result.ruleStack;
        marked += result.tokens.filter((t) => t.scopes.includes(OUR_SCOPE)).length;
        for (const token of result.tokens)
          if (token.scopes.some((s) => s.startsWith('invalid.illegal')))
            failures.push(
              `${file.slice(REPO_ROOT.length + 1)}: invalid.illegal at "${line.slice(token.startIndex, token.endIndex)}"`,
            );
      }
    }
    assert.deepEqual(failures.slice(0, 20), []);
    assert.ok(marked >= 10, `the injection still marks keys (${marked} tokens)`);
  },
);
