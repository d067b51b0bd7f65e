/** One in-process CLI command call with its output captured (the commands take out/err writers). */
export type CliCommand = (
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
) => Promise<number> | number;

export async function callCli(
  command: CliCommand,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await command(
    args,
    (s) => (stdout += s),
    (s) => (stderr += s),
  );
  return { code, stdout, stderr };
}
