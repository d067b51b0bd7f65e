// Generates runs/ladder.csv: a SYNTHETIC model-size ladder for trying `scaling-lens fit`.
// These are not real training runs. Losses come from the Chinchilla functional form
//   L(N, D) = E + A / N^alpha + B / D^beta
// with Hoffmann et al. (2022) "Approach 3" coefficients (E 1.69, A 406.4, B 410.7, alpha 0.34,
// beta 0.28), times multiplicative Gaussian noise (sigma 0.5%), from a fixed seed so the file is
// reproducible: `node examples/runs/generate-ladder.mjs > examples/runs/ladder.csv`. The CSV has no
// comment line (CSV readers would take it as data); README.md says it is synthetic.
const law = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
// Six sizes, each trained to ~20 tokens/param (Chinchilla-optimal), evaluated at 4 checkpoints.
const sizes = [
  ['ladder-20m', 20_054_016],
  ['ladder-44m', 44_290_048],
  ['ladder-90m', 90_177_536],
  ['ladder-190m', 189_923_328],
  ['ladder-400m', 402_653_184],
  ['ladder-810m', 811_597_824],
];
const checkpointFractions = [0.25, 0.5, 0.75, 1];
const tokensPerStep = 256 * 2048;

// mulberry32 + Box–Muller: a tiny deterministic PRNG, so the CSV does not change between runs.
let state = 20240917;
function uniform() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function gaussian() {
  return Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const lines = ['model,params,step,tokens,loss'];
for (const [name, params] of sizes) {
  const finalSteps = Math.round((20 * params) / tokensPerStep);
  for (const fraction of checkpointFractions) {
    const step = Math.round(finalSteps * fraction);
    const tokens = step * tokensPerStep;
    const loss = law.E + law.A / params ** law.alpha + law.B / tokens ** law.beta;
    const noisy = loss * (1 + 0.005 * gaussian());
    lines.push(`${name},${params},${step},${tokens},${noisy.toFixed(4)}`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
