/**
 * Colors for the charts, read from VS Code's `--vscode-*` CSS variables so the curves follow the
 * editor's theme; fallbacks keep the page readable outside VS Code (the preview harness).
 */

export interface Theme {
  foreground: string;
  muted: string;
  background: string;
  grid: string;
  /** Series colors; index by ChartSeries.colorIndex (wraps). */
  palette: string[];
  fontFamily: string;
  fontSize: number;
  /** True for dark and high-contrast-dark themes (used for band opacity). */
  dark: boolean;
}

/**
 * Palette slots: 0 law, 1 config, 2 optimum, 3–4 other budgets, 5 reference line, 6+ model sizes.
 * Each entry is [css variable, light fallback, dark fallback].
 */
const PALETTE: readonly [string, string, string][] = [
  ['--vscode-charts-blue', '#1a85ff', '#3794ff'],
  ['--vscode-charts-red', '#e51400', '#f14c4c'],
  ['--vscode-charts-green', '#388a34', '#89d185'],
  ['--vscode-charts-purple', '#652d90', '#b180d7'],
  ['--vscode-charts-orange', '#d18616', '#d18616'],
  ['--vscode-charts-foreground', '#616161', '#cccccc'],
  ['--vscode-charts-blue', '#1a85ff', '#3794ff'],
  ['--vscode-charts-orange', '#d18616', '#d18616'],
  ['--vscode-charts-green', '#388a34', '#89d185'],
  ['--vscode-charts-purple', '#652d90', '#b180d7'],
  // The charts-* set has only six hues and red marks the config; use terminal cyan/magenta so the
  // 5th and 6th model sizes stay distinct from the config marker and from orange in light themes.
  ['--vscode-terminal-ansiCyan', '#0598bc', '#29b8db'],
  ['--vscode-terminal-ansiMagenta', '#bc05bc', '#d670d6'],
];

function cssVar(style: CSSStyleDeclaration, name: string): string {
  return style.getPropertyValue(name).trim();
}

/** Read the current theme from the body's computed style. */
export function readTheme(body: HTMLElement = document.body): Theme {
  const style = getComputedStyle(body);
  const dark = body.classList.contains('vscode-dark') || body.classList.contains('vscode-high-contrast');
  const pick = (names: string[], fallback: string) => {
    for (const name of names) {
      const value = cssVar(style, name);
      if (value) return value;
    }
    return fallback;
  };
  const foreground = pick(
    ['--vscode-editor-foreground', '--vscode-foreground'],
    dark ? '#cccccc' : '#333333',
  );
  const fontSize = Number.parseFloat(pick(['--vscode-font-size'], '13'));
  return {
    foreground,
    muted: pick(['--vscode-descriptionForeground'], dark ? '#a0a0a0' : '#6c6c6c'),
    background: pick(['--vscode-editor-background'], dark ? '#1e1e1e' : '#ffffff'),
    grid: pick(['--vscode-editorWidget-border', '--vscode-panel-border'], dark ? '#454545' : '#c8c8c8'),
    palette: PALETTE.map(([name, light, darkColor]) => pick([name], dark ? darkColor : light)),
    fontFamily: pick(['--vscode-font-family'], 'system-ui, sans-serif'),
    fontSize: Number.isFinite(fontSize) && fontSize > 6 ? fontSize : 13,
    dark,
  };
}

/** A CSS color with alpha, for fills (works for #rgb, #rrggbb and rgb()/rgba() inputs). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(color.trim());
  if (hex) {
    let digits = hex[1];
    if (digits.length === 3) digits = [...digits].map((d) => d + d).join('');
    const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(digits.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/i.exec(color.trim());
  if (rgb) {
    const [r, g, b] = rgb[1].split(/[\s,/]+/).filter(Boolean);
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return color;
}

/**
 * Call `onChange` when VS Code switches theme: it swaps the body's class (vscode-light/dark/
 * high-contrast) and rewrites the CSS variables in the root element's style.
 */
export function watchTheme(onChange: () => void): MutationObserver {
  let scheduled = false;
  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    // Both attributes change together on a theme switch; redraw once.
    setTimeout(() => {
      scheduled = false;
      onChange();
    }, 16);
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return observer;
}
