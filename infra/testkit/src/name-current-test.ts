import { beforeEach } from 'vitest';

/**
 * Names the running test in the worker's environment, so that a worker that dies (out of memory,
 * a native crash) leaves a Node.js diagnostic report saying which test it was running:
 * vitest.config.ts asks for the report, infra/test/run-tests.sh prints it.
 */
beforeEach((context) => {
  process.env['RIDETRACK_CURRENT_TEST'] = `${context.task.file.name} > ${context.task.name}`;
});
