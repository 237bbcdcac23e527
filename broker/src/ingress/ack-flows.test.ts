import { describe, expect, it } from 'vitest';
import { AckFlows } from './ack-flows';
import { publishFrame } from './frames';

const publish = (qos: 1 | 2, id: number): [Uint8Array, number] => [
  publishFrame({ topic: 'd/x/s', payload: new Uint8Array([1]), qos, retain: false, packetId: id }),
  2,
];
const pubrel = (id: number): [Uint8Array, number] => [Uint8Array.of(0x62, 2, id >> 8, id & 0xff), 2];

describe('AckFlows', () => {
  it.each<[string, [Uint8Array, number][], ['puback' | 'pubrec' | 'pubcomp', number][], string[]]>([
    ['QoS 1: PUBACK', [publish(1, 7)], [['puback', 7]], ['ok']],
    ['QoS 1: PUBREC is the wrong answer', [publish(1, 7)], [['pubrec', 7]], ['wrong_ack']],
    ['QoS 1: PUBCOMP is the wrong answer', [publish(1, 7)], [['pubcomp', 7]], ['wrong_ack']],
    ['QoS 2: PUBACK is the wrong answer', [publish(2, 9)], [['puback', 9]], ['wrong_ack']],
    ['QoS 2: PUBCOMP before PUBREC', [publish(2, 9)], [['pubcomp', 9]], ['wrong_ack']],
    [
      'QoS 2: PUBREC, a repeated PUBREC',
      [publish(2, 9)],
      [
        ['pubrec', 9],
        ['pubrec', 9],
      ],
      ['ok', 'ok'],
    ],
    [
      'QoS 2: PUBREC, then PUBCOMP before PUBREL',
      [publish(2, 9)],
      [
        ['pubrec', 9],
        ['pubcomp', 9],
      ],
      ['ok', 'wrong_ack'],
    ],
    ['an identifier never sent', [], [['puback', 3]], ['unknown_id']],
    [
      'a PUBACK twice',
      [publish(1, 7)],
      [
        ['puback', 7],
        ['puback', 7],
      ],
      ['ok', 'unknown_id'],
    ],
  ])('%s', (_name, sent, received, verdicts) => {
    const flows = new AckFlows();
    for (const [bytes, headerLength] of sent) flows.sent(bytes, headerLength);
    expect(received.map(([kind, id]) => flows.received(kind, id))).toEqual(verdicts);
  });

  it('follows a QoS 2 flow through the broker PUBREL to PUBCOMP, and forgets it', () => {
    const flows = new AckFlows();
    flows.sent(...publish(2, 4));
    expect(flows.received('pubrec', 4)).toBe('ok');
    flows.sent(...pubrel(4));
    expect(flows.received('puback', 4)).toBe('wrong_ack');
    expect(flows.received('pubcomp', 4)).toBe('ok');
    expect(flows.size).toBe(0);
  });
});
