import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder, whatever the test's working directory. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
