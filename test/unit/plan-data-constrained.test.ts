/**
 * Issue 14: the planner's data-constrained optimum (Muennighoff et al. 2023, arXiv:2305.16264, with
 * the constants of huggingface/datablations@13701315 README "Parametric Fit") and the learning rate
 * and global batch it states for a planned N, D (DeepSeek-AI 2024; Li et al. 2025 Step Law), through
 * the core and through `scaling-lens plan --json`.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { runPlanCommand } from '../../src/cli/plan';
import { dataConstrainedLoss, findLawForm, type DataConstrainedParams } from '../../src/core/laws/forms';
import { STEP_LAW_2025, evaluatePowerLaw } from '../../src/core/laws/hyperparameters';
import { HOFFMANN_2022, MUENNIGHOFF_2023 } from '../../src/core/laws/published';
import {
  planComputeOptimal,
  planDataConstrained,
  planHyperparameters,
  suggestArchitecture,
} from '../../src/core/plan';
import { parseUniqueTokens } from '../../src/core/plan/parseBudget';

const law = MUENNIGHOFF_2023.law as { form: 'data-constrained' } & DataConstrainedParams;
const chinchillaOptimum = (flops: number) => findLawForm('data-constrained')!.optimalAllocation(law, flops)!;

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runPlanCommand(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

function planned(flops: number, unique: number) {
  const outcome = planDataConstrained(MUENNIGHOFF_2023, flops, unique);
  assert.ok(outcome.ok, JSON.stringify(outcome));
  return outcome.value;
}

test('datablations README optimal_allocation(10**22, 25e9): 2.373e11 tokens, 9.49 epochs, 7.02e9 parameters', () => {
  const p = planned(1e22, 25e9);
  // The README grid-searches 500 ratios in [1.0001, 3] (spacing ≈ 0.4%); the continuous optimum is
  // within that spacing of its answer and at least as good.
  assert.ok(Math.abs(p.tokens / 237336955477.55075 - 1) < 0.005, `${p.tokens}`);
  assert.ok(Math.abs(p.params / 7022364735.879969 - 1) < 0.005, `${p.params}`);
  assert.ok(Math.abs(p.epochs - 9.49347821910203) < 0.05, `${p.epochs}`);
  assert.ok(
    p.loss <= dataConstrainedLoss(law, 7022364735.879969, 237336955477.55075, { uniqueTokens: 25e9 }),
  );
  assert.ok(Math.abs((6 * p.params * p.tokens) / 1e22 - 1) < 1e-9, 'C = 6·N·D');
  // "many epochs, fewer params": the Chinchilla optimum of the same constants is larger and sees
  // fewer epochs, and with only 25B unique tokens it is worse.
  assert.ok(p.vsChinchilla.params > p.params && p.vsChinchilla.tokens < p.tokens);
  assert.ok(p.vsChinchilla.loss > p.loss, `${p.vsChinchilla.loss} vs ${p.loss}`);
  assert.ok(
    p.notes.some((n) => /returns diminish past ~4 epochs/.test(n)),
    p.notes.join('\n'),
  );
});

test('with U_D ≥ the Chinchilla-optimal D, the data-constrained optimum is the plain Chinchilla-form optimum (α = β)', () => {
  for (const flops of [1e19, 1e22, 1e25]) {
    const base = chinchillaOptimum(flops);
    // The same constants in the plain Chinchilla form (β = α): its closed-form optimum.
    const chinchilla = findLawForm('chinchilla')!.optimalAllocation(
      { form: 'chinchilla', E: law.E, A: law.A, B: law.B, alpha: law.alpha, beta: law.alpha },
      flops,
    )!;
    assert.ok(Math.abs(base.params / chinchilla.params - 1) < 1e-12);
    for (const unique of [chinchilla.tokens, 3 * chinchilla.tokens, 1e6 * chinchilla.tokens]) {
      const p = planned(flops, unique);
      assert.ok(
        Math.abs(p.params / chinchilla.params - 1) < 1e-6,
        `C ${flops} U ${unique}: N ${p.params} vs ${chinchilla.params}`,
      );
      assert.ok(Math.abs(p.tokens / chinchilla.tokens - 1) < 1e-6, `D ${p.tokens} vs ${chinchilla.tokens}`);
      assert.ok(Math.abs(p.loss - p.vsChinchilla.lossUnlimitedData) < 1e-9);
      assert.ok(p.epochs <= 1 + 1e-6);
      assert.ok(
        p.notes.some((n) => /nothing repeats/.test(n)),
        p.notes.join('\n'),
      );
    }
  }
});

test('with scarce U_D the optimum trains more epochs on fewer parameters than Chinchilla would, yet more than N_opt(U_D)', () => {
  // Muennighoff et al. 2023 §1: with repeated data, allocate compute to more epochs rather than more
  // parameters (their Figure 1 bets on fewer parameters and more epochs). With C fixed, more tokens
  // means fewer parameters than the Chinchilla optimum; it is still a larger model than the one that
  // is Chinchilla-optimal for a single pass over U_D (N_opt(U_D), where excess parameters start to decay).
  for (const flops of [1e20, 1e22, 1e24]) {
    const base = chinchillaOptimum(flops);
    let previousEpochs = 0;
    for (const fraction of [0.9, 0.5, 0.2, 0.1, 0.03]) {
      const unique = fraction * base.tokens;
      const p = planned(flops, unique);
      assert.ok(p.epochs > p.vsChinchilla.epochs, `U/D ${fraction}: ${p.epochs} vs ${p.vsChinchilla.epochs}`);
      assert.ok(p.params < base.params, `U/D ${fraction}: N ${p.params} vs ${base.params}`);
      // README D_to_N(U) = (U·G)^(β/α)·G = G²·U with α = β, G² = (A/B)^(1/α).
      const nOptUnique = (law.A / law.B) ** (1 / law.alpha) * unique;
      assert.ok(p.params > nOptUnique, `U/D ${fraction}: N ${p.params} vs N_opt(U) ${nOptUnique}`);
      assert.ok(p.loss < p.vsChinchilla.loss, 'better than following Chinchilla with the same data');
      assert.ok(p.epochs > previousEpochs, 'scarcer data, more epochs');
      previousEpochs = p.epochs;
    }
  }
});

test('the loss at the optimum is no higher than at neighbouring allocations of the same compute', () => {
  for (const [flops, unique] of [
    [1e20, 5e9],
    [1e22, 25e9],
    [1e22, 1e9],
    [1e24, 1e12],
    [3e23, 2e11],
  ] as const) {
    const p = planned(flops, unique);
    for (const factor of [0.5, 0.9, 0.99, 0.999, 1.001, 1.01, 1.1, 2]) {
      const params = p.params * factor;
      const tokens = flops / (6 * params);
      const neighbour = dataConstrainedLoss(law, params, tokens, { uniqueTokens: unique });
      assert.ok(p.loss <= neighbour + 1e-12, `C ${flops} U ${unique} ×${factor}: ${p.loss} > ${neighbour}`);
    }
  }
});

test('a law without repetition is replaced by Muennighoff 2023 and says so; bad unique tokens are clear errors', () => {
  const p = planDataConstrained(HOFFMANN_2022, 1e22, 25e9);
  assert.ok(p.ok);
  assert.equal(p.value.law, 'muennighoff2023');
  assert.match(
    p.value.notes[0]!,
    /^hoffmann2022 does not model repeated data; the data-constrained optimum uses Muennighoff/,
  );
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    const outcome = planDataConstrained(MUENNIGHOFF_2023, 1e22, bad);
    assert.ok(!outcome.ok);
    assert.equal(outcome.diagnostics[0]!.code, 'plan-invalid-unique-tokens');
  }
  const flops = planDataConstrained(MUENNIGHOFF_2023, -1, 25e9);
  assert.ok(!flops.ok && flops.diagnostics[0]!.code === 'plan-invalid-budget');
  // Past ~16 epochs the repeated part is nearly worthless, and the split barely matters: both said.
  const extreme = planned(1e22, 1e8);
  assert.ok(extreme.epochs > 16);
  assert.ok(extreme.notes.some((n) => /worth almost nothing/.test(n)));
  assert.ok(
    extreme.notes.some((n) => /nearly flat/.test(n)),
    extreme.notes.join('\n'),
  );
  assert.ok([extreme.params, extreme.tokens, extreme.loss].every(Number.isFinite));
});

test('parseUniqueTokens reads "100B", "2.5e11 tokens", "1.4 trillion" and refuses bad text', () => {
  assert.deepEqual(parseUniqueTokens('100B'), { ok: true, value: 1e11 });
  assert.deepEqual(parseUniqueTokens('2.5e11 tokens'), { ok: true, value: 2.5e11 });
  assert.deepEqual(parseUniqueTokens(' 1.4 trillion '), { ok: true, value: 1.4e12 });
  for (const bad of ['', '-5B', 'lots', '0', '1e400']) {
    const parsed = parseUniqueTokens(bad);
    assert.ok(!parsed.ok, bad);
  }
});

test('planHyperparameters at the suggested shape equals the published laws at its exact non-embedding N, D and M', () => {
  const plan = planComputeOptimal(HOFFMANN_2022, { flops: 1e22 });
  assert.ok(plan.ok);
  const { params, tokens } = plan.value;
  const shape = suggestArchitecture(params, { paramConvention: 'total' });
  assert.ok(shape.ok);
  const a = shape.value.architecture;
  const nonEmbedding = shape.value.params.nonEmbedding;
  const seqLen = 4096;
  const h = planHyperparameters({
    params,
    tokens,
    paramConvention: 'total',
    architecture: shape.value,
    seqLen,
  });
  // DeepSeek 2024: C = M·D with M = 6·N_non-embedding + 6·n_layer·seq·d_attn, by hand.
  const M = 6 * nonEmbedding + 6 * a.nLayers * seqLen * a.nHeads * a.headDim;
  const ds = h.laws.deepseek2024!;
  assert.equal(ds.inputs.C, M * tokens);
  assert.equal(ds.learningRate, 0.3118 * (M * tokens) ** -0.125);
  assert.equal(ds.batchTokens, 0.292 * (M * tokens) ** 0.3271);
  assert.equal(ds.batchSequences, ds.batchTokens! / seqLen);
  const step = h.laws.stepLaw2025!;
  assert.deepEqual(step.inputs, { N: nonEmbedding, D: tokens });
  assert.equal(
    step.learningRate,
    evaluatePowerLaw(STEP_LAW_2025.learningRate, { N: nonEmbedding, D: tokens }),
  );
  assert.equal(step.batchTokens, evaluatePowerLaw(STEP_LAW_2025.batchTokens, { D: tokens }));
  assert.equal(h.scale.flopsPerToken, M);
  // Without a sequence length M is 6·N_non-embedding and a note says what that leaves out.
  const short = planHyperparameters({ params, tokens, paramConvention: 'total', architecture: shape.value });
  assert.equal(short.laws.deepseek2024!.inputs.C, 6 * nonEmbedding * tokens);
  assert.equal(short.laws.deepseek2024!.batchSequences, null);
  assert.ok(short.notes.some((n) => /no sequence length given/.test(n)));
  // Kaplan's N is non-embedding already; with no shape and a total-N law, nothing is invented.
  const kaplan = planHyperparameters({ params: 1e9, tokens: 2e10, paramConvention: 'non-embedding' });
  assert.deepEqual(kaplan.laws.stepLaw2025!.inputs, { N: 1e9, D: 2e10 });
  const unknown = planHyperparameters({ params: 1e9, tokens: 2e10, paramConvention: 'total' });
  assert.equal(unknown.laws.stepLaw2025!.learningRate, null);
  assert.equal(unknown.laws.deepseek2024!.learningRate, null);
  assert.equal(unknown.scale.nonEmbeddingParams, null);
});

test('plan --budget "1e22 FLOPs" --unique-tokens 25B --seq-len 4096 --json: hyperparameters and dataConstrained with vsChinchilla', () => {
  const { code, stdout, stderr } = run([
    '--law',
    'muennighoff2023',
    '--budget',
    '1e22 FLOPs',
    '--unique-tokens',
    '25B',
    '--seq-len',
    '4096',
    '--json',
  ]);
  assert.equal(code, 0, stderr);
  const json = JSON.parse(stdout);
  const expected = planned(1e22, 25e9);
  const dc = json.dataConstrained;
  assert.equal(dc.params, expected.params);
  assert.equal(dc.tokens, expected.tokens);
  assert.equal(dc.epochs, expected.epochs);
  assert.equal(dc.loss, expected.loss);
  assert.deepEqual(dc.vsChinchilla, expected.vsChinchilla);
  // The plan's Chinchilla optimum under muennighoff2023 is vsChinchilla (same constants).
  assert.ok(Math.abs(json.optimal.N / dc.vsChinchilla.params - 1) < 1e-12);
  for (const key of ['deepseek2024', 'stepLaw2025']) {
    for (const h of [json.hyperparameters[key], dc.hyperparameters[key]]) {
      assert.ok(h.learningRate > 0 && h.batchTokens > 0 && h.batchSequences > 0, key);
      assert.ok(h.convention.length > 0 && h.citation.length > 0);
    }
  }
  // At the planned shape: Step Law's N is the suggestion's non-embedding count, D the planned D.
  assert.deepEqual(json.hyperparameters.stepLaw2025.inputs, {
    N: json.architecture.nonEmbeddingParams,
    D: json.optimal.D,
  });
  assert.equal(json.hyperparameters.scale.seqLen, 4096);
});

test('plan: --unique-tokens is refused with --loss and when not a number; text output names both optima', () => {
  const refused = run(['--loss', '2.1', '--inference-tokens', '1e12', '--unique-tokens', '1e10']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--unique-tokens applies only to budget plans/);
  const bad = run(['--budget-flops', '1e22', '--unique-tokens', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--unique-tokens needs a number, got "many"/);
  const zero = run(['--budget-flops', '1e22', '--unique-tokens', '0']);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /--unique-tokens must be positive/);
  const text = run(['--budget-flops', '1e22', '--unique-tokens', '25e9']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Data-constrained optimum with 2\.500e10 unique tokens \(muennighoff2023/m);
  assert.match(text.stdout, /= 9\.4\d epochs/);
  assert.match(text.stdout, /Li et al\. 2025 Step Law .*: LR \d/);
  assert.doesNotMatch(text.stdout, /NaN|undefined/);
});
