/** An open Server-Sent Events stream read with fetch: its events as they come, and a way to close it. */
export interface SseEvents {
  events: { event: string; data: string }[];
  close(): void;
}

/** Opens a stream; resolves once the response's headers have come (status 200 or a throw). */
export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<SseEvents> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (res.status !== 200 || res.body === null) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const events: SseEvents['events'] = [];
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) events.push({ event, data: data.join('\n') });
        }
      }
    } catch {
      // closed
    }
  })();
  return { events, close: () => controller.abort() };
}
