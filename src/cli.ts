/**
 * `scaling-lens` command line: the same core as the editor.
 *   scaling-lens analyze FILE... [--json] [--law NAME] [--gpu H100 --gpus 64 --mfu 0.4 --usd-per-gpu-hour 2.5]
 *   scaling-lens fit FILE|FOLDER [...]
 *   scaling-lens plan [...]
 */
// Every command is loaded on demand: `fit` on a large log should not pay for initialising the
// config readers and their tables (about 0.07 s of a 1 s budget on an idle machine).

const USAGE = `Usage: scaling-lens <command> [options]

Commands:
  analyze FILE...   parameters, tokens, FLOPs, cost and predicted loss of run configs
  fit FILE|FOLDER   fit a scaling law to your runs (CSV, TSV, JSONL, trainer_state.json, W&B export, run folders)
  plan              compute-optimal and inference-aware run planning
  compare A B       two configs side by side with the deltas (A --head: against git HEAD)
  curve CONFIG      loss over the whole run for the config's LR schedule (--log FILE to fit a run's log)

Run "scaling-lens <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
  const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n');
  switch (command) {
    case 'analyze':
      return (await import('./cli/analyze')).runAnalyzeCommand(rest, out, err);
    case 'fit': {
      const { runFitCommand } = await import('./cli/fit');
      return runFitCommand(rest, out, err);
    }
    case 'curve': {
      const { runCurveCommand } = await import('./cli/curve');
      return runCurveCommand(rest, out, err);
    }
    case 'compare':
      return (await import('./cli/compare')).runCompareCommand(rest, out, err);
    case 'plan': {
      const { runPlanCommand } = await import('./cli/plan');
      return runPlanCommand(rest, out, err);
    }
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      out(USAGE);
      return command ? 0 : 2;
    default:
      err(`Unknown command "${command}".\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`scaling-lens: internal error: ${(error as Error)?.stack ?? error}\n`);
    process.exitCode = 70;
  },
);
