/**
 * An MCP client's OAuth storage for tests: the SDK's `OAuthClientProvider` kept in memory, as an MCP host
 * application would keep it on disk. It stores what `auth()` hands it unchanged (the SDK stamps `issuer`
 * on client information and tokens), and instead of opening a browser it remembers the authorization URL,
 * for the test to drive a real browser to.
 */
import { randomBytes } from "node:crypto";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";

/** Options: where the browser comes back, how the client describes itself, and optionally its metadata document URL. */
export interface MemoryProviderOptions {
  redirectUrl: string;
  clientName: string;
  /** An https URL: the client's id when the server supports Client ID Metadata Documents. */
  clientMetadataUrl?: string;
}

/**
 * @example const provider = new MemoryClientProvider({ redirectUrl: "http://127.0.0.1:9999/callback", clientName: "test" });
 */
export class MemoryClientProvider implements OAuthClientProvider {
  readonly clientMetadataUrl?: string;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier: string | undefined;
  #state: string | undefined;
  /** Every authorization URL the SDK asked to open, in order. */
  readonly authorizationUrls: URL[] = [];
  /** Every call of `invalidateCredentials`, in order. */
  readonly invalidated: string[] = [];

  constructor(private readonly opts: MemoryProviderOptions) {
    if (opts.clientMetadataUrl !== undefined) this.clientMetadataUrl = opts.clientMetadataUrl;
  }

  get redirectUrl(): string {
    return this.opts.redirectUrl;
  }

  /** What `/register` is sent (RFC 7591), and what a metadata document for this client says. */
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.opts.clientName,
      redirect_uris: [this.opts.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }

  state(): string {
    this.#state = randomBytes(16).toString("base64url");
    return this.#state;
  }

  /** The `state` sent with the last authorization request. */
  get lastState(): string | undefined {
    return this.#state;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#client;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.#client = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }

  redirectToAuthorization(url: URL): void {
    this.authorizationUrls.push(url);
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error("no code verifier saved");
    return this.#verifier;
  }

  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery"): void {
    this.invalidated.push(scope);
    if (scope === "all" || scope === "client") this.#client = undefined;
    if (scope === "all" || scope === "tokens") this.#tokens = undefined;
    if (scope === "all" || scope === "verifier") this.#verifier = undefined;
  }
}
