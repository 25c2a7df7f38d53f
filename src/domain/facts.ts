/** What a platform says about an identity, in the shape the rules document matches against. */
import type { FactsProvider } from "./platforms";

/** Facts of each namespace in {@link FactsProvider} (a new platform adds its shape here, next to its id). */
export interface FactsByProvider {
  github: {
    /** Organization logins, e.g. `acme`. */
    orgs: string[];
    /** Teams as `org/team-slug`, e.g. `acme/platform`. */
    teams: string[];
    /** Installation tokens (bots): the repositories (`owner/name`) the installation can reach. */
    repositories?: string[];
  };
  discord: {
    /** Guild ids the user is in. */
    guilds: string[];
    /** Role ids by guild id, for the guilds the rules mention. */
    roles: Record<string, string[]>;
  };
  slack: {
    team: string;
    enterprise?: string | undefined;
    teamName?: string | undefined;
    /** Bots: the Slack app id. */
    appId?: string | undefined;
  };
  "github-actions": {
    repository: string;
    repository_owner: string;
    ref: string;
    workflow: string;
    environment?: string | undefined;
    actor: string;
  };
}

/** One identity's facts, tagged with their namespace. */
export type ProviderFacts = { [P in FactsProvider]: { provider: P } & FactsByProvider[P] }[FactsProvider];
