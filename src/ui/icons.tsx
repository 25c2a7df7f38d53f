/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * Small platform marks for our pages, drawn here as inline SVG: the CSP allows no image from another
 * origin and we serve no image files, and inline SVG follows the text colour (`currentColor`) into the
 * dark scheme. They are simple drawings in each platform's spirit, not the official artwork. Every mark is
 * `aria-hidden`: the visible text next to it carries the platform's name, so a screen reader says it once.
 */

/** Brand colours that read on both our light and dark backgrounds (decoration: the text names the platform). */
const DISCORD_BLURPLE = "#5865f2";
const SLACK = { blue: "#36c5f0", green: "#2eb67d", yellow: "#ecb22e", pink: "#e01e5a" } as const;

/** A cat's head in a circle, its neck reaching the rim: a hole cut by the even-odd rule. */
function GitHubMark() {
  return (
    <path
      fill="currentColor"
      fill-rule="evenodd"
      d="M12 1a11 11 0 1 0 0 22a11 11 0 1 0 0-22ZM7.5 8.6L7.7 5.3L10.1 6.9Q12 6.4 13.9 6.9L16.3 5.3L16.5 8.6Q17.9 10.1 17.6 12.3Q17.1 15.9 13.6 16.4L13.9 17.6L13.9 21.8L10.1 21.8L10.1 17.6L10.4 16.4Q6.9 15.9 6.4 12.3Q6.1 10.1 7.5 8.6Z"
    />
  );
}

/** A rounded game-controller face with two eyes (holes), in Discord's blurple. */
function DiscordMark() {
  return (
    <path
      fill={DISCORD_BLURPLE}
      fill-rule="evenodd"
      d="M5 6.3Q8.3 4.7 9.9 4.8L10.5 6Q12 5.8 13.5 6L14.1 4.8Q15.7 4.7 19 6.3Q21.6 10.8 21.1 17Q18.8 18.8 16.2 19.3L15.2 17.7Q16.6 17.2 17.6 16.5L17 16Q12 18.3 7 16L6.4 16.5Q7.4 17.2 8.8 17.7L7.8 19.3Q5.2 18.8 2.9 17Q2.4 10.8 5 6.3ZM7.4 12.6a1.6 1.8 0 1 0 3.2 0a1.6 1.8 0 1 0-3.2 0ZM13.4 12.6a1.6 1.8 0 1 0 3.2 0a1.6 1.8 0 1 0-3.2 0Z"
    />
  );
}

/** Four bars and four dots turning like a pinwheel, in Slack's four colours. */
function SlackMark() {
  const r = 1.7;
  return (
    <>
      <rect fill={SLACK.blue} x="2" y="7" width="8.4" height="3.4" rx={r} />
      <rect fill={SLACK.blue} x="7" y="2" width="3.4" height="3.4" rx={r} />
      <rect fill={SLACK.green} x="13.6" y="2" width="3.4" height="8.4" rx={r} />
      <rect fill={SLACK.green} x="18.6" y="7" width="3.4" height="3.4" rx={r} />
      <rect fill={SLACK.yellow} x="13.6" y="13.6" width="8.4" height="3.4" rx={r} />
      <rect fill={SLACK.yellow} x="13.6" y="18.6" width="3.4" height="3.4" rx={r} />
      <rect fill={SLACK.pink} x="7" y="13.6" width="3.4" height="8.4" rx={r} />
      <rect fill={SLACK.pink} x="2" y="13.6" width="3.4" height="3.4" rx={r} />
    </>
  );
}

/** Angle brackets: the local dev login, which stands in for every platform. */
function DevMark() {
  return <path fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round" d="M8.5 6.5L3 12l5.5 5.5M15.5 6.5L21 12l-5.5 5.5" />;
}

/** A person: any other way in. */
function GenericMark() {
  return (
    <g fill="currentColor">
      <circle cx="12" cy="8" r="4.2" />
      <path d="M3.5 21.5a8.5 7.5 0 0 1 17 0Z" />
    </g>
  );
}

const MARKS: Record<string, () => ReturnType<typeof GenericMark>> = {
  github: GitHubMark,
  discord: DiscordMark,
  slack: SlackMark,
  dev: DevMark,
};

/**
 * The mark of a platform (`github`, `discord`, `slack`, `dev`; anything else gets a generic person), sized to
 * the text around it. Decorative: always put the platform's name in visible text next to it.
 * @example <a class="button" href="/auth/github/start"><PlatformIcon platform="github" /> Continue with GitHub</a>
 */
export function PlatformIcon(props: { platform: string }) {
  const Mark = MARKS[props.platform] ?? GenericMark;
  return (
    <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" data-platform={props.platform in MARKS ? props.platform : "generic"}>
      <Mark />
    </svg>
  );
}
