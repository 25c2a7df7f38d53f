/**
 * The part of node-oidc-provider 9's API the benchmark peer uses (the package ships no type declarations).
 */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  interface PeerClient {
    grantTypeAllowed(grant: string): boolean;
  }
  interface PeerGrant {
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }
  interface InteractionDetails {
    params: Record<string, unknown>;
    prompt: { name: string; reasons: string[] };
  }
  /** Provider configuration: loosely typed, as the library validates it itself. */
  type Configuration = Record<string, unknown> & {
    issueRefreshToken?: (ctx: unknown, client: PeerClient, code: unknown) => Promise<boolean> | boolean;
    findAccount?: (ctx: unknown, sub: string) => Promise<{ accountId: string; claims(): Promise<Record<string, unknown>> }>;
  };

  export default class Provider {
    constructor(issuer: string, configuration: Configuration);
    Grant: new (init: { accountId: string; clientId: string }) => PeerGrant;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: Record<string, unknown>, opts?: { mergeWithLastSubmission?: boolean }): Promise<void>;
  }
}
