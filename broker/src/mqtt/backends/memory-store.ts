import { Readable } from 'node:stream';
import MemoryPersistence from 'aedes-persistence/asyncPersistence.js';
import { QlobberTrue } from 'qlobber';

type RetainedPacket = { topic: string; payload: Buffer };

/**
 * Aedes's in-memory store, with retained messages matched as MQTT says: `+` matches an empty level
 * too [MQTT-4.7.1-3] (`test/topic/+` matches `test/topic/`, `+/+` matches `a/`). The stock store
 * builds its matcher without that, so a subscriber missed such retained messages in memory mode
 * while the Redis store (and live routing) delivered them.
 */
export class RetainedMatchingMemory extends MemoryPersistence {
  private readonly retained = new Map<string, RetainedPacket>();

  override storeRetained(packet: unknown): Promise<void> {
    const p = { ...(packet as RetainedPacket) };
    if (p.payload.length === 0) this.retained.delete(p.topic);
    else this.retained.set(p.topic, p);
    return super.storeRetained(packet);
  }

  override createRetainedStreamCombi(patterns: string[]): AsyncIterable<RetainedPacket> {
    const filters = retainedFilters(patterns);
    return Readable.from(matching(this.retained, filters));
  }

  override createRetainedStream(pattern: string): AsyncIterable<RetainedPacket> {
    return this.createRetainedStreamCombi([pattern]);
  }
}

/** A matcher of topics against MQTT filters, with `+` matching an empty level [MQTT-4.7.1-3]. */
export function retainedFilters(patterns: readonly string[]): QlobberTrue {
  const filters = new QlobberTrue({ separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true });
  for (const p of patterns) filters.add(p);
  return filters;
}

function* matching(retained: Map<string, RetainedPacket>, filters: QlobberTrue): Generator<RetainedPacket> {
  for (const packet of retained.values()) if (filters.test(packet.topic)) yield packet;
}
