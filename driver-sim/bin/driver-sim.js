#!/usr/bin/env node
// `npx driver-sim`: runs the TypeScript entry through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
