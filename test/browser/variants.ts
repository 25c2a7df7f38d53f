/**
 * The widths and colour schemes pages are driven at. `npm test` drives every page at both widths and in
 * both schemes across two variants — desktop light and phone dark — with every check (frame, overflow,
 * 44 px targets, named buttons, axe-core); `npm run test:pages` (PAGE_VARIANTS=all) adds the other two
 * and so writes all four screenshots of each page into test-artifacts/ for a person to look at.
 */

/** One way of looking at a page: its viewport width and whether the browser prefers dark. */
export interface PageVariant {
  readonly width: 1280 | 390;
  readonly dark: boolean;
}

/** A non-empty list of variants. */
export type PageVariants = readonly [PageVariant, ...PageVariant[]];

/** Desktop and phone, light and dark. */
export const ALL_VARIANTS: PageVariants = [
  { width: 1280, dark: false },
  { width: 1280, dark: true },
  { width: 390, dark: false },
  { width: 390, dark: true },
];

/** The variants this run drives: the first is always desktop light. */
export const PAGE_VARIANTS: PageVariants = process.env.PAGE_VARIANTS === "all" ? ALL_VARIANTS : [ALL_VARIANTS[0], { width: 390, dark: true }];
