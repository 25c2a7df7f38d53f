/** Bounded waiting: a dependency that does not answer must fail fast instead of hanging a request. */

/** Thrown by {@link withTimeout} when the deadline passes. */
export class TimeoutError extends Error {
  override readonly name = "TimeoutError";
}

/**
 * Resolve like `promise`, or reject with {@link TimeoutError} after `ms`.
 * @example await withTimeout(db.execute("select 1"), 2000, "database");
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
