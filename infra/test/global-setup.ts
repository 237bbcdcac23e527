import type { TestProject } from 'vitest/node';
import './provided-context';
import { startRedis } from './redis-server';

/** One redis-server for the whole run, on a free port; test files separate by key prefix. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
