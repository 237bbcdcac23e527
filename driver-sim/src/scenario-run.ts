import { spawn } from 'node:child_process';
import type { Scenario } from './scenario';
import type { Simulation } from './simulation';

/**
 * Plays a scenario's timeline against a running simulation: fleet steps after the first (which the
 * simulation starts with), network dropouts, and commands (run without a shell, output passed
 * through). Returns how to cancel what has not happened yet.
 */
export function playScenario(sim: Simulation, scenario: Scenario, log: (line: string) => void): { stop(): void } {
  const timers: NodeJS.Timeout[] = [];
  const at = (s: number, f: () => void) => timers.push(setTimeout(f, s * 1000));
  for (const step of scenario.fleet.slice(1))
    at(step.atS, () => {
      log(`scenario: ${step.atS} s: fleet to ${step.drivers} drivers`);
      sim.setActiveDrivers(step.drivers);
    });
  for (const event of scenario.events)
    at(event.atS, () => {
      if (event.kind === 'network_dropout') {
        log(`scenario: ${event.atS} s: network lost for ${event.seconds} s by ${event.share * 100}% of drivers`);
        sim.networkDropout(event.share, event.seconds);
        return;
      }
      const [command, ...args] = event.command;
      log(`scenario: ${event.atS} s: running ${event.command.join(' ')}`);
      const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', (err) => log(`scenario: ${command} failed: ${err.message}`));
      child.on('exit', (code) => log(`scenario: ${command} exited with ${String(code)}`));
    });
  return {
    stop() {
      for (const t of timers) clearTimeout(t);
    },
  };
}
