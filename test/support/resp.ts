/**
 * A minimal RESP2 client over node:net: one connection, pipelining, a FIFO of pending replies.
 * Test support only (no redis client library is installed); the Upstash bridge and the tests use it.
 */
import net from "node:net";

/** A Redis simple-status reply (`+OK`), kept apart from bulk strings so the bridge does not base64 it. */
export class RespStatus {
  constructor(readonly value: string) {}
}

/** A Redis error reply (`-ERR …`). Returned as a value inside pipelines, thrown by {@link RespClient.call}. */
export class RespError extends Error {
  override readonly name = "RespError";
}

/** One RESP2 reply: bulk strings stay binary (Buffer); integers become numbers. */
export type RespValue = Buffer | RespStatus | RespError | number | null | RespValue[];

type Pending = { resolve(v: RespValue): void; reject(e: Error): void };

/** Encode one command as a RESP array of bulk strings. */
export function encodeCommand(args: ReadonlyArray<string | number | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Parse one reply starting at `pos`; undefined when the buffer does not hold a whole reply yet. */
function parseReply(buf: Buffer, pos: number): { value: RespValue; end: number } | undefined {
  const lineEnd = buf.indexOf("\r\n", pos);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[pos] ?? 0);
  const line = buf.toString("utf8", pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return { value: new RespStatus(line), end: next };
    case "-":
      return { value: new RespError(line), end: next };
    case ":":
      return { value: Number(line), end: next };
    case "$": {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return undefined;
      return { value: Buffer.from(buf.subarray(next, next + len)), end: next + len + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (!item) return undefined;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`RESP protocol error: unexpected byte ${JSON.stringify(type)}`);
  }
}

/**
 * A connected RESP client. Replies are matched to commands in order, so every caller's commands must go
 * out in one `write` (see {@link RespClient.pipeline}) to keep MULTI/EXEC blocks contiguous.
 * @example const c = await RespClient.connect(6379); await c.call("PING");
 */
export class RespClient {
  private buf: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private closedWith: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("redis connection closed")));
  }

  /** Connect to 127.0.0.1:`port`, failing after `timeoutMs`. */
  static connect(port: number, timeoutMs = 1000): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`redis connect timeout on port ${port}`));
      }, timeoutMs);
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new RespClient(socket));
      });
    });
  }

  /** Whether the connection is still usable. */
  get alive(): boolean {
    return this.closedWith === undefined && !this.socket.destroyed;
  }

  /** Send several commands in one write; resolves with every reply (error replies as RespError values). */
  pipeline(commands: ReadonlyArray<ReadonlyArray<string | number | Buffer>>): Promise<RespValue[]> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const replies = commands.map(
      () =>
        new Promise<RespValue>((resolve, reject) => {
          this.pending.push({ resolve, reject });
        }),
    );
    this.socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
    return Promise.all(replies);
  }

  /** Send one command; an error reply rejects. */
  async call(...args: Array<string | number | Buffer>): Promise<RespValue> {
    const [reply] = await this.pipeline([args]);
    if (reply instanceof RespError) throw reply;
    return reply ?? null;
  }

  /** Close the connection; pending replies reject. */
  close(): void {
    this.socket.destroy();
    this.fail(new Error("redis connection closed by client"));
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    try {
      for (;;) {
        const parsed = parseReply(this.buf, pos);
        if (!parsed) break;
        pos = parsed.end;
        this.pending.shift()?.resolve(parsed.value);
      }
    } catch (err) {
      this.socket.destroy();
      this.fail(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.buf = pos >= this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
  }

  private fail(err: Error): void {
    this.closedWith ??= err;
    for (const p of this.pending.splice(0)) p.reject(this.closedWith);
  }
}
