/** The same requireAuth suite with jose over WebCrypto checking signatures, as on Workers. */
export {};
process.env.VERIFY_ENGINE = "webcrypto";
await import("./suite");
