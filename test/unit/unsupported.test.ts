import test from 'node:test';
import assert from 'node:assert/strict';
import { classifyUnrecognized } from '../../src/core/config/unsupported';

test('a NeMo 2.x Python script without a recipe call is named as an unsupported framework with a hint', () => {
  const recipe = [
    'import nemo_run as run',
    'from nemo.collections import llm',
    '',
    'def main():',
    '    model = llm.LlamaModel(llm.Llama3Config8B())',
    '    llm.pretrain(model, data, trainer)  # no recipe: the nemo2 reader reads recipe calls',
  ].join('\n');
  const kind = classifyUnrecognized(recipe);
  assert.equal(kind.kind, 'unsupported-framework');
  assert.match(kind.kind === 'unsupported-framework' ? kind.hint : '', /1\.x YAML/);
});

test('a NeMo 2.x script of the plain API (llm.train with an nl.Trainer) is named as unsupported too', () => {
  // Was "not a run config": the signature only knew the words recipe / pretrain / finetune.
  const script = [
    'from nemo import lightning as nl',
    'from nemo.collections import llm',
    'data = llm.MockDataModule(seq_length=2048, global_batch_size=16)',
    'model = llm.GPTModel(llm.GPTConfig(num_layers=12, hidden_size=768, num_attention_heads=12), tokenizer=data.tokenizer)',
    'trainer = nl.Trainer(devices=2, max_steps=50, strategy=nl.MegatronStrategy())',
    'llm.train(model=model, data=data, trainer=trainer, tokenizer="data")',
  ].join('\n');
  assert.equal(classifyUnrecognized(script).kind, 'unsupported-framework');
});

test('a YAML with the usual training keys of an unknown framework is config-like, naming the keys', () => {
  const yaml =
    'model:\n  hidden_size: 1024\n  num_layers: 24\noptim:\n  learning_rate: 3e-4\n  batch_size: 512\n';
  const kind = classifyUnrecognized(yaml);
  assert.deepEqual(kind.kind === 'config-like' ? kind.keys : [], [
    'batch_size',
    'hidden_size',
    'learning_rate',
    'num_layers',
  ]);
});

test('ordinary files are not run configs', () => {
  assert.deepEqual(classifyUnrecognized('name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu\n'), {
    kind: 'not-a-run-config',
  });
  assert.deepEqual(classifyUnrecognized(''), { kind: 'not-a-run-config' });
});
