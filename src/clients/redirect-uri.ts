/**
 * The rule for every address a client registers for the server to send a person back to — redirect URIs
 * and post-logout redirect URIs alike: absolute, no fragment, https (http only on loopback) or a
 * private-use scheme of a native app; never javascript:, data: or file:.
 */
import { z } from "zod";
import { isLoopbackHost } from "../lib/loopback";

/** One registered return address (see the module comment). */
export const RedirectUri = z
  .string()
  .refine((u) => URL.canParse(u) && !new URL(u).hash, "must be an absolute URI without a fragment")
  .refine((u) => {
    // zod runs every refinement even after one failed: an unparseable URI is the first one's problem only.
    if (!URL.canParse(u)) return true;
    const url = new URL(u);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname)) || !["http:", "https:", "javascript:", "data:", "file:"].includes(url.protocol);
  }, "must be https, http on loopback, or a private-use scheme");
