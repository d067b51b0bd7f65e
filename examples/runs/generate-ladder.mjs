// Generates runs/ladder.csv: a SYNTHETIC model-size ladder for trying `scaling-lens fit`.
// These are not real training runs. Losses come from the Chinchilla functional form
//   L(N, D) = E + A / N^alpha + B / D^beta
// with Hoffmann et al. (2022) "Approach 3" coefficients (E 1.69, A 406.4, B 410.7, alpha 0.34,
// beta 0.28), times multiplicative Gaussian noise (sigma 0.5%), from a fixed seed so the file is
// reproducible: `node examples/runs/generate-ladder.mjs > examples/runs/ladder.csv`. The CSV has no
// comment line (CSV readers would take it as data); README.md says it is synthetic.
const law = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };
// Six sizes, each trained for 100B tokens (an over-trained ladder, like the small models of the
// Pythia suite), evaluated at 4 checkpoints. Every checkpoint is past 1e10 tokens, where fits start
// by default (the earliest part of a run is not on the law's curve).
const sizes = [
  ['ladder-40m', 40_108_032],
  ['ladder-85m', 85_056_000],
  ['ladder-160m', 162_322_944],
  ['ladder-300m', 302_311_424],
  ['ladder-600m', 605_552_640],
  ['ladder-1.2b', 1_208_602_624],
];
const checkpointTokens = [12.5e9, 25e9, 50e9, 100e9];
const tokensPerStep = 512 * 2048;

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
  for (const target of checkpointTokens) {
    const step = Math.round(target / tokensPerStep);
    const tokens = step * tokensPerStep;
    const loss = law.E + law.A / params ** law.alpha + law.B / tokens ** law.beta;
    const noisy = loss * (1 + 0.005 * gaussian());
    lines.push(`${name},${params},${step},${tokens},${noisy.toFixed(4)}`);
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
