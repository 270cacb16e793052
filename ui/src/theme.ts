import {
  type CSSVariablesResolver,
  createTheme,
  DEFAULT_THEME,
  darken,
  lighten,
  luminance,
  Modal,
  toRgba,
} from "@mantine/core";

export const theme = createTheme({
  primaryColor: "indigo",
  defaultRadius: "sm",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  components: {
    // Mantine's close button is an icon alone: without a name a screen reader says only "button"
    // (axe: critical). Every dialog's is named, once, here.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { "aria-label": "Close dialog" } } }),
  },
});

// WCAG 2.2 AA (issue 17): text needs 4.5:1 against what is behind it. Mantine's default palette
// misses it in many places: dimmed text (gray 6 on white, 3.32:1; dark 2 on dark 7, 4.04:1), light
// badges and alerts (shade 6 on its 10 % tint: indigo 3.83:1, green 2.18:1), white on filled buttons
// and badges (indigo 6, 4.32:1; orange 6, 2.57:1), coloured text and links. Rather than pick colours
// per component, the colour variables every component reads are worked out here, per colour and
// scheme: Mantine's own choice, made darker (or lighter, on dark backgrounds) only as far as it takes
// to reach the ratio. Colours that already pass are Mantine's unchanged.

/** A little over 4.5:1, for backgrounds that are slightly darker than the one measured (striped rows). */
const minimum = 4.7;

function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

/** `color` moved by `adjust` in small steps until it reaches the minimum against `background`. */
function readable(color: string, background: string, adjust: typeof darken): string {
  for (let amount = 0; amount < 1; amount += 0.02) {
    const candidate = amount === 0 ? color : adjust(color, amount);
    if (contrast(candidate, background) >= minimum) return hex(candidate);
  }
  return hex(adjust(color, 1));
}

/** `color` laid over `background` at `opacity`, as the eye (and axe) sees a tint. */
function over(color: string, background: string, opacity: number): string {
  const top = toRgba(color);
  const bottom = toRgba(background);
  const mix = (a: number, b: number) => Math.round(a * opacity + b * (1 - opacity));
  return hex(`rgb(${mix(top.r, bottom.r)}, ${mix(top.g, bottom.g)}, ${mix(top.b, bottom.b)})`);
}

function hex(color: string): string {
  const { r, g, b } = toRgba(color);
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;
}

const white = "#ffffff";
const { gray, dark } = DEFAULT_THEME.colors;
/** The lightest surfaces text sits on: the body, and grey 1 (table hover, the sign-in page). */
const lightSurface = gray[1];
/** The darkest and lightest surfaces of the dark scheme: the body (dark 7) and cards, inputs (dark 5). */
const darkSurface = dark[5];

/** The light and dark scheme's variables of one palette colour (Mantine's names, our values). */
function colorVariables(name: string, shades: readonly string[]) {
  // Light scheme: filled with white text, its text and outline on white, its tint's text on the tint.
  const filledLight = readable(shades[6]!, white, darken);
  const tintLight = over(shades[6]!, lightSurface, 0.1);
  // Dark scheme: filled (shade 8) with white text; text (shade 4) and tint text (shade 3) on dark.
  const filledDark = readable(shades[8]!, white, darken);
  const tintDark = over(shades[6]!, darkSurface, 0.15);
  return {
    light: {
      [`--mantine-color-${name}-filled`]: filledLight,
      [`--mantine-color-${name}-filled-hover`]: hex(darken(filledLight, 0.1)),
      [`--mantine-color-${name}-text`]: readable(shades[6]!, lightSurface, darken),
      [`--mantine-color-${name}-outline`]: readable(shades[6]!, lightSurface, darken),
      [`--mantine-color-${name}-light-color`]: readable(shades[6]!, tintLight, darken),
    },
    dark: {
      [`--mantine-color-${name}-filled`]: filledDark,
      [`--mantine-color-${name}-filled-hover`]: hex(darken(filledDark, 0.1)),
      [`--mantine-color-${name}-text`]: readable(shades[4]!, darkSurface, lighten),
      [`--mantine-color-${name}-outline`]: readable(shades[4]!, darkSurface, lighten),
      [`--mantine-color-${name}-light-color`]: readable(shades[3]!, tintDark, lighten),
    },
  };
}

// A selected table row (mantine-datatable's checkboxes) is a surface too. Mantine's primary tint, laid
// over the row's hover grey, is darker than anything the text colours above were measured against
// (links 4.27:1, light badges 4.35:1). An opaque tint of the primary colour that stays lighter than
// grey 1 in the light scheme, and darker than dark 5 in the dark one, keeps every ratio above.
const { indigo } = DEFAULT_THEME.colors;
const selectionLight = over(indigo[6], white, 0.06);
const selectionDark = over(indigo[6], dark[7], 0.15);

const palette = Object.entries(DEFAULT_THEME.colors).map(([name, shades]) => colorVariables(name, shades));
const primary = colorVariables("indigo", DEFAULT_THEME.colors.indigo);
const red = colorVariables("red", DEFAULT_THEME.colors.red);

/** The colour variables above, for MantineProvider's `cssVariablesResolver`. */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: Object.assign({}, ...palette.map((p) => p.light), {
    "--mantine-color-dimmed": readable(gray[6], lightSurface, darken),
    // Placeholders drawn as text (the pickers' "Pick a date") are read like any text.
    "--mantine-color-placeholder": readable(gray[5], white, darken),
    "--mantine-color-anchor": primary.light["--mantine-color-indigo-text"],
    "--mantine-color-error": red.light["--mantine-color-red-text"],
    "--licensing-selection-color": selectionLight,
  }),
  dark: Object.assign({}, ...palette.map((p) => p.dark), {
    "--mantine-color-dimmed": readable(dark[2], darkSurface, lighten),
    "--mantine-color-placeholder": readable(dark[3], dark[6], lighten),
    "--mantine-color-anchor": primary.dark["--mantine-color-indigo-text"],
    "--mantine-color-error": red.dark["--mantine-color-red-text"],
    "--licensing-selection-color": selectionDark,
  }),
});
