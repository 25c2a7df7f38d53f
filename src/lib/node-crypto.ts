/**
 * Node's built-in `crypto`, when the runtime has it (Node), else undefined (Workers). Loaded at run time
 * through `process.getBuiltinModule`, so no `node:` import reaches a Workers bundle.
 */
import type * as NodeCrypto from "node:crypto";

type BuiltinLoader = { getBuiltinModule?: (id: string) => unknown };

/** The module, or undefined outside Node. */
export const nodeCrypto = (globalThis as { process?: BuiltinLoader }).process?.getBuiltinModule?.("node:crypto") as typeof NodeCrypto | undefined;
