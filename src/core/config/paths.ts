/**
 * Path helpers for readers that look for files beside a config (a checkpoint's model_config.yaml, a
 * vendored repository's flavor table). POSIX-ish and without node:path: the core stays platform-free.
 */

/** Join path parts with '/', dropping empty parts and doubled separators. */
export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/+/g, '/');
}

/** The folder of `path` and up to `levels − 1` of its ancestors, nearest first. */
export function parentDirs(path: string | undefined, levels: number): string[] {
  if (!path) return [];
  const dirs: string[] = [];
  let current = path.replace(/[\\/][^\\/]*$/, '');
  for (let i = 0; i < levels && current; i++) {
    dirs.push(current);
    const next = current.replace(/[\\/][^\\/]*$/, '');
    if (next === current) break;
    current = next;
  }
  return dirs;
}
