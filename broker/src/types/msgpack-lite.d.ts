// msgpack-lite ships no types: the encoder aedes-persistence-redis stores retained messages with.
declare module 'msgpack-lite' {
  export function encode(value: unknown): Buffer;
  export function decode(buffer: Buffer | Uint8Array): unknown;
}
