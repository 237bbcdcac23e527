// cluster-key-slot (ioredis's own) ships no types: the Redis Cluster hash slot of a key.
declare module 'cluster-key-slot' {
  /** The slot (0-16383) of a key, its hash tag (`{...}`) if it has one. */
  export default function calculateSlot(key: string | Buffer): number;
}
