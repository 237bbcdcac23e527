/** What the global setup provides to every test file (vitest's `inject`). */
import type {} from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
