import { afterAll, beforeAll } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from './broker-process';
import { settingsOf, type Settings } from './hooks';

/**
 * A broker process owned by a block (`useBrokerProcess`) or by one test (`withBrokerProcess`):
 * its fields are the current process's, and the owner stops whichever process is current when it
 * is done, so a test that restarts the broker leaves none behind.
 */
export interface OwnedBrokerProcess extends BrokerProcess {
  /**
   * Starts the broker again on the same ports, its settings read anew (a function's), once the
   * test has stopped it (`stop('SIGKILL')`): for tests whose subject is a broker restart.
   */
  startAgain(): Promise<void>;
}

class BrokerSlot implements OwnedBrokerProcess {
  private current: BrokerProcess | undefined;

  constructor(
    private readonly settings: Settings,
    private readonly what: string,
  ) {}

  async start(): Promise<this> {
    this.current = await startBrokerProcess(settingsOf(this.settings));
    return this;
  }

  private get now(): BrokerProcess {
    if (this.current === undefined)
      throw new Error(
        `${this.what} has not started: a block's broker starts in beforeAll, read it inside a test or hook`,
      );
    return this.current;
  }

  get mqttPort() {
    return this.now.mqttPort;
  }
  get httpPort() {
    return this.now.httpPort;
  }
  get mqttUrl() {
    return this.now.mqttUrl;
  }
  get httpUrl() {
    return this.now.httpUrl;
  }
  get process() {
    return this.now.process;
  }

  async stop(signal?: NodeJS.Signals): Promise<void> {
    await this.current?.stop(signal);
  }

  async startAgain(): Promise<void> {
    const last = this.now;
    if (last.process.exitCode === null && last.process.signalCode === null)
      throw new Error(`${this.what} is still running: stop it before starting it again`);
    const ports = { MQTT_PORT: String(last.mqttPort), HTTP_PORT: String(last.httpPort) };
    this.current = await startBrokerProcess({ ...settingsOf(this.settings), ...ports });
  }
}

/**
 * The broker as a process, started before the file's (or the describe block's) tests and stopped
 * after them. Read its fields inside tests and hooks only. `settings` may be a function, read when
 * it starts (for values known only then, such as a Redis started by an earlier hook). `timeoutMs`
 * is the start hook's ceiling (importing a city can take a while on a loaded machine).
 */
export function useBrokerProcess(settings: Settings = {}, options: { timeoutMs?: number } = {}): OwnedBrokerProcess {
  const slot = new BrokerSlot(settings, 'the broker process of this block');
  beforeAll(async () => {
    await slot.start();
  }, options.timeoutMs);
  afterAll(async () => {
    await slot.stop();
  });
  return slot;
}

/**
 * A broker process for one test with settings of its own: started, given to `use`, and stopped
 * however `use` ends (a failed expectation too, so a failing test leaves no broker running).
 */
export async function withBrokerProcess<T>(
  settings: Settings,
  use: (broker: OwnedBrokerProcess) => Promise<T>,
): Promise<T> {
  const slot = await new BrokerSlot(settings, 'the broker process of this test').start();
  try {
    return await use(slot);
  } finally {
    await slot.stop();
  }
}
