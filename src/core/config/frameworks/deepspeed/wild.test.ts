import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, DEFAULT_ANALYSIS_SETTINGS } from '../../../analyze';
import { readDeepSpeedLayout } from './layout';
import { deepspeedReader } from './reader';

/**
 * Third-party DeepSpeed JSONs: hiyouga/LLaMA-Factory@ff6d4d12 examples/deepspeed/ds_z2_autotp_config.json,
 * deepspeedai/DeepSpeedExamples@45b4b715 training/tensor_parallel/hf_integration/configs/ds_config_temp.json.
 * DeepSpeed@edaa7221: engine.py:332 runs _configure_tensor_parallel when tensor_parallel.autotp_size > 1
 * (0, the default, disables it: runtime/tensor_parallel/config.py); expert_parallel.enabled turns on
 * AutoEP (module_inject/auto_ep_config.py); sequence_parallel_size divides the data-parallel world
 * (runtime/config.py:721). Snippets are modelled on the files, not copied.
 */
const autotp = (size: string) => `{
  "_comment": "AutoTP: see the DeepSpeed automatic tensor parallelism tutorial",
  "train_batch_size": "auto",
  "train_micro_batch_size_per_gpu": "auto",
  "gradient_accumulation_steps": "auto",
  "gradient_clipping": "auto",
  "zero_allow_untested_optimizer": true,
  "fp16": { "enabled": "auto", "loss_scale": 0 },
  "bf16": { "enabled": "auto" },
  "zero_optimization": { "stage": 2, "overlap_comm": false, "contiguous_gradients": true },
  "tensor_parallel": { "autotp_size": ${size} }
}`;

describe('DeepSpeed JSONs from third-party repos', () => {
  it('tensor_parallel.autotp_size > 1 makes memory unknown, naming the key (was ignored)', () => {
    const layout = readDeepSpeedLayout(autotp('2'));
    assert.ok(layout.unmodelled?.some((u) => u.key === 'autotp_size'));
    // 0 and 1 are no tensor parallelism.
    for (const off of ['0', '1'])
      assert.ok(!readDeepSpeedLayout(autotp(off)).unmodelled?.some((u) => u.key === 'autotp_size'));
  });

  it('a file with tensor_parallel is a DeepSpeed config (was not recognized: the key was not in the schema)', () => {
    assert.ok(deepspeedReader.detect(autotp('2'), 'ds_z2_autotp_config.json') > 0);
  });

  it('AutoEP and Ulysses sequence parallelism make memory unknown', () => {
    const ep = readDeepSpeedLayout(
      '{ "train_micro_batch_size_per_gpu": 1, "zero_optimization": { "stage": 1 }, "expert_parallel": { "enabled": true, "autoep_size": 4 } }',
    );
    assert.ok(ep.unmodelled?.some((u) => u.key === 'enabled' && /AutoEP/.test(u.why ?? '')));
    const sp = readDeepSpeedLayout(
      '{ "train_micro_batch_size_per_gpu": 1, "zero_optimization": { "stage": 3 }, "sequence_parallel_size": 4 }',
    );
    assert.ok(sp.unmodelled?.some((u) => u.key === 'sequence_parallel_size'));
  });

  it('an Axolotl run whose inline deepspeed block turns on AutoTP shows no memory figure (was one for unsplit weights)', () => {
    const text = [
      'base_model: meta-llama/Llama-3.1-8B',
      'sequence_len: 4096',
      'micro_batch_size: 1',
      'gradient_accumulation_steps: 4',
      'max_steps: 1000',
      'bf16: true',
      'flash_attention: true',
      'gradient_checkpointing: true',
      'datasets:',
      '  - path: tatsu-lab/alpaca',
      '    type: alpaca',
      'deepspeed:',
      '  zero_optimization:',
      '    stage: 2',
      '  bf16:',
      '    enabled: auto',
      '  tensor_parallel:',
      '    autotp_size: 2',
      '',
    ].join('\n');
    const { analysis } = analyzeText(text, {}, { ...DEFAULT_ANALYSIS_SETTINGS, gpus: 8 });
    assert.equal(analysis?.framework, 'axolotl');
    assert.equal(analysis?.memory, null);
    assert.ok(analysis?.diagnostics.some((d) => /`autotp_size`/.test(d.message)));
  });
});
