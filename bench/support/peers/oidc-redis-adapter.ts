/**
 * node-oidc-provider's example Redis adapter (ioredis), as its repository shipped it
 * (example/adapters/redis.js, removed upstream later): ported line for line to TypeScript with lodash's
 * isEmpty inlined, so the peer runs with the adapter its users copy. Its round trips per refresh are its
 * own design (MULTI with a TTL read for the grant list, HGETALL, HSET consumed, …): we do not tune it.
 */
import { Redis } from "ioredis";

const grantable = new Set(["AccessToken", "AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);
const consumable = new Set(["AuthorizationCode", "RefreshToken", "DeviceCode", "BackchannelAuthenticationRequest"]);

const grantKeyFor = (id: string) => `grant:${id}`;
const userCodeKeyFor = (userCode: string) => `userCode:${userCode}`;
const uidKeyFor = (uid: string) => `uid:${uid}`;

type Payload = Record<string, unknown> & { grantId?: string; userCode?: string; uid?: string };

/** The adapter class node-oidc-provider instantiates per model name, over one shared client. */
export function redisAdapter(url: string): { Adapter: new (name: string) => unknown; client: Redis } {
  const client = new Redis(url, { keyPrefix: "oidc:" });

  class RedisAdapter {
    constructor(readonly name: string) {}

    async upsert(id: string, payload: Payload, expiresIn: number): Promise<void> {
      const key = this.key(id);
      const store = consumable.has(this.name) ? { payload: JSON.stringify(payload) } : JSON.stringify(payload);
      const multi = client.multi();
      if (typeof store === "string") multi.set(key, store);
      else multi.hmset(key, store);
      if (expiresIn) multi.expire(key, expiresIn);
      if (grantable.has(this.name) && payload.grantId) {
        const grantKey = grantKeyFor(payload.grantId);
        multi.rpush(grantKey, key);
        const ttl = await client.ttl(grantKey);
        if (expiresIn > ttl) multi.expire(grantKey, expiresIn);
      }
      if (payload.userCode) {
        const userCodeKey = userCodeKeyFor(payload.userCode);
        multi.set(userCodeKey, id);
        multi.expire(userCodeKey, expiresIn);
      }
      if (payload.uid) {
        const uidKey = uidKeyFor(payload.uid);
        multi.set(uidKey, id);
        multi.expire(uidKey, expiresIn);
      }
      await multi.exec();
    }

    async find(id: string): Promise<Payload | undefined> {
      const data = consumable.has(this.name) ? await client.hgetall(this.key(id)) : await client.get(this.key(id));
      if (data === null || (typeof data === "object" && Object.keys(data).length === 0) || data === "") return undefined;
      if (typeof data === "string") return JSON.parse(data) as Payload;
      const { payload, ...rest } = data;
      return { ...rest, ...(JSON.parse(payload ?? "{}") as Payload) };
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const id = await client.get(uidKeyFor(uid));
      return id ? this.find(id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      const id = await client.get(userCodeKeyFor(userCode));
      return id ? this.find(id) : undefined;
    }

    async destroy(id: string): Promise<void> {
      await client.del(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const multi = client.multi();
      const tokens = await client.lrange(grantKeyFor(grantId), 0, -1);
      for (const token of tokens) multi.del(token);
      multi.del(grantKeyFor(grantId));
      await multi.exec();
    }

    async consume(id: string): Promise<void> {
      await client.hset(this.key(id), "consumed", Math.floor(Date.now() / 1000));
    }

    key(id: string): string {
      return `${this.name}:${id}`;
    }
  }

  return { Adapter: RedisAdapter, client };
}
