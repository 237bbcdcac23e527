import { request, type Agent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
}

/**
 * A request with node:http, the JSON body parsed when there is one. No pooling unless an agent is
 * given (the transports bench keeps connections alive, as browsers do).
 */
export function getJson<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string> = {},
  method = 'GET',
  agent: Agent | false = false,
): Promise<HttpAnswer<T>> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: (text === '' ? null : JSON.parse(text)) as T,
        });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** An open Server-Sent Events stream, read with eventsource-parser; `atLeast(n)` waits for n events in all. */
export interface SseStream {
  response: IncomingMessage;
  events: EventSourceMessage[];
  /** The stream as received, chunk by chunk. */
  raw: string[];
  atLeast(count: number, type?: string): Promise<EventSourceMessage[]>;
  ended: Promise<void>;
  close(): void;
}

export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false }, (response) => {
      const events: EventSourceMessage[] = [];
      const raw: string[] = [];
      let waiters: (() => void)[] = [];
      const parser = createParser({
        onEvent: (e) => {
          events.push(e);
          const w = waiters;
          waiters = [];
          for (const f of w) f();
        },
      });
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        raw.push(chunk);
        parser.feed(chunk);
      });
      const ended = new Promise<void>((done) => response.once('close', () => done()));
      const atLeast = (count: number, type?: string): Promise<EventSourceMessage[]> =>
        new Promise((done) => {
          const check = (): void => {
            const got = events.filter((e) => type === undefined || e.event === type);
            if (got.length >= count) done(got);
            else waiters.push(check);
          };
          check();
        });
      resolve({ response, events, raw, atLeast, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}
