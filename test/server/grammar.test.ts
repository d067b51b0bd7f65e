import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers';

// The injection grammar's regexes use only lookarounds and alternation, which mean the same in
// Oniguruma (VS Code's TextMate engine) and JavaScript, so they can be checked here.
const grammarPath = join(REPO_ROOT, 'syntaxes', 'scaling-lens.injection.tmLanguage.json');
const grammar = JSON.parse(readFileSync(grammarPath, 'utf8'));
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
const key = new RegExp(grammar.repository['config-key'].match, 'g');
const flag = new RegExp(grammar.repository['shell-flag'].match, 'g');

const matches = (re: RegExp, line: string) => [...line.matchAll(re)].map((m) => m[0]);

test('marks run-config keys in YAML, JSON, TOML and nanoGPT Python', () => {
  assert.deepEqual(matches(key, '  n_layers: 16'), ['n_layers']);
  assert.deepEqual(matches(key, 'num-layers: 24,'), ['num-layers']);
  assert.deepEqual(matches(key, '  "num_hidden_layers": 32,'), ['num_hidden_layers']);
  assert.deepEqual(matches(key, 'max_duration: 2e12T'), ['max_duration']);
  assert.deepEqual(matches(key, 'steps = 1000'), ['steps']);
  assert.deepEqual(matches(key, 'gradient_accumulation_steps = 5 * 8'), ['gradient_accumulation_steps']);
});

test('leaves values, comparisons and look-alike names alone', () => {
  assert.deepEqual(matches(key, 'if n_layer == 12:'), []);
  assert.deepEqual(matches(key, 'my_n_layer: 3'), []);
  assert.deepEqual(matches(key, 'name: n_layer'), []);
  assert.deepEqual(matches(key, 'model.n_layer: 3'), []);
});

test('marks launch flags in shell scripts', () => {
  assert.deepEqual(matches(flag, '    --num-layers 24 \\'), ['--num-layers']);
  assert.deepEqual(matches(flag, '--train-iters=1000'), ['--train-iters']);
  assert.deepEqual(matches(flag, '--num-layers-per-stage 2'), []);
});

test('the grammar is contributed as an injection into the config languages', () => {
  const [contributed] = pkg.contributes.grammars;
  assert.equal(contributed.scopeName, grammar.scopeName);
  assert.equal(join(REPO_ROOT, contributed.path), grammarPath);
  assert.deepEqual(contributed.injectTo, [
    'source.yaml',
    'source.json',
    'source.json.comments',
    'source.toml',
    'source.python',
    'source.shell',
  ]);
  assert.equal(grammar.repository['config-key'].name, 'variable.other.scaling-lens.key');
});

test('a TOML language and grammar are contributed (code-server has none), and its patterns mark torchtitan keys', () => {
  const toml = pkg.contributes.languages.find((l: { id: string }) => l.id === 'toml');
  assert.ok(toml, 'the toml language is contributed');
  assert.deepEqual(toml.extensions, ['.toml']);
  const configuration = JSON.parse(readFileSync(join(REPO_ROOT, toml.configuration), 'utf8'));
  assert.equal(configuration.comments.lineComment, '#');
  const contributed = pkg.contributes.grammars.find((g: { language?: string }) => g.language === 'toml');
  const tomlGrammar = JSON.parse(readFileSync(join(REPO_ROOT, contributed.path), 'utf8'));
  assert.equal(tomlGrammar.scopeName, 'source.toml');
  // The patterns use only constructs JavaScript shares with Oniguruma, so they are checked here.
  const entry = new RegExp(tomlGrammar.repository.entry.begin);
  assert.equal(entry.exec('local_batch_size = 8')?.[1], 'local_batch_size');
  assert.equal(entry.exec('"quoted key" = 1')?.[1], '"quoted key"');
  assert.equal(entry.exec('model.flavor = "8B"')?.[1], 'model.flavor');
  const table = new RegExp(tomlGrammar.repository.table.patterns[1].match);
  assert.equal(table.exec('[training]')?.[2], 'training');
  const number = new RegExp(`^(?:${tomlGrammar.repository.value.patterns[3].match})$`);
  for (const literal of ['1_000', '3e-4', '-0.5', '0x1F', 'inf']) assert.ok(number.test(literal), literal);
  assert.ok(new RegExp(tomlGrammar.repository.comment.match).test('# a comment'));
});
