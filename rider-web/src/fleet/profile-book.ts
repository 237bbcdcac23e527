import type { DriverProfile } from '@ridetrack/shared';
import type { ConsoleApi } from './api';

/** Ids per request: the API's limit (GET /api/driver-profiles). */
const PAGE = 500;
/** Pages one fill asks for at most: the drivers a console shows at street level are far fewer. */
const MAX_PAGES = 20;

/**
 * Who the drivers the console has shown are (name, car, plate), asked for in pages when a search
 * needs them and kept: a driver's profile does not change while the broker runs.
 */
export class ProfileBook {
  private readonly known = new Map<string, DriverProfile>();
  private filling: Promise<boolean> | null = null;

  constructor(private readonly api: ConsoleApi) {}

  get(driverId: string): DriverProfile | undefined {
    return this.known.get(driverId);
  }

  /** Asks for the profiles of `ids` not known yet; true when any arrived. One fill at a time. */
  fill(ids: Iterable<string>): Promise<boolean> {
    this.filling ??= this.ask([...ids].filter((id) => !this.known.has(id))).finally(() => {
      this.filling = null;
    });
    return this.filling;
  }

  private async ask(missing: string[]): Promise<boolean> {
    let arrived = false;
    for (let page = 0; page < MAX_PAGES && page * PAGE < missing.length; page++) {
      const r = await this.api.profiles(missing.slice(page * PAGE, (page + 1) * PAGE));
      if (!r.ok) break;
      for (const [id, profile] of Object.entries(r.value.profiles)) this.known.set(id, profile);
      arrived = true;
    }
    return arrived;
  }
}
