import type { Action, Screen } from './screen';

const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

const setText = (el: HTMLElement, text: string): void => {
  if (el.textContent !== text) el.textContent = text;
};

/** Writes a Screen into the bottom sheet (or side panel). Only what changed is touched. */
export class Sheet {
  private readonly el = {
    notice: $('notice'),
    eta: $('eta'),
    etaValue: $('eta-value'),
    etaUnit: $('eta-unit'),
    title: $('title'),
    line: $('line'),
    wait: $('wait'),
    waitValue: $('wait-value'),
    summary: $('summary'),
    summaryDistance: $('summary-distance'),
    summaryDuration: $('summary-duration'),
    driver: $('driver'),
    avatar: $('avatar'),
    name: $('driver-name'),
    car: $('driver-car'),
    plate: $('plate'),
    freshness: $('freshness'),
  };
  readonly buttons: Record<Action, HTMLButtonElement> = {
    board: $('board') as HTMLButtonElement,
    request: $('request') as HTMLButtonElement,
    destination: $('destination') as HTMLButtonElement,
    locate: $('locate') as HTMLButtonElement,
    cancel: $('cancel') as HTMLButtonElement,
    keep: $('keep') as HTMLButtonElement,
    confirm_cancel: $('confirm-cancel') as HTMLButtonElement,
    done: $('done') as HTMLButtonElement,
    area: $('area') as HTMLButtonElement,
  };
  readonly root = $('sheet');

  render(s: Screen, destination: 'none' | 'placing' | 'set', areaName: string): void {
    const e = this.el;
    e.notice.hidden = s.notice === null;
    setText(e.notice, s.notice ?? '');
    e.eta.hidden = s.eta === null;
    setText(e.etaValue, s.eta?.value ?? '');
    setText(e.etaUnit, s.eta?.unit ?? '');
    setText(e.title, s.title);
    setText(e.line, s.line);
    e.wait.hidden = s.wait === null;
    setText(e.waitValue, s.wait?.text ?? '');
    e.wait.classList.toggle('urgent', s.wait?.urgent === true);
    e.summary.hidden = s.summary === null;
    setText(e.summaryDistance, s.summary?.distance ?? '');
    setText(e.summaryDuration, s.summary?.duration ?? '');
    e.driver.hidden = s.driver === null;
    setText(e.avatar, s.driver?.initials ?? '');
    setText(e.name, s.driver?.name ?? '');
    setText(e.car, s.driver?.car ?? '');
    setText(e.plate, s.driver?.plate ?? '');
    setText(e.freshness, s.freshness?.text ?? '');
    e.freshness.className = `badge ${s.freshness === null ? '' : s.freshness.stale ? 'stale' : 'fresh'}`;
    for (const [name, button] of Object.entries(this.buttons) as [Action, HTMLButtonElement][]) {
      button.hidden = !s.actions.includes(name);
    }
    const d = this.buttons.destination;
    setText(
      d,
      destination === 'placing' ? 'Back to pickup' : destination === 'set' ? 'Change destination' : 'Where to?',
    );
    // "Where to?" is the next step when no destination is set: the primary button then.
    d.className = destination === 'none' && !s.actions.includes('request') ? 'primary' : 'secondary';
    setText(this.buttons.area, `Go to ${areaName}`);
    // The order of the actions on screen is the order the screen lists them.
    s.actions.forEach((a, i) => (this.buttons[a].style.order = String(i)));
  }

  /** How much of the map the sheet covers, for framing: its height on phones, its width beside the map on wide screens. */
  cover(): { bottom: number; left: number } {
    const r = this.root.getBoundingClientRect();
    const side = window.innerWidth >= 800;
    return side ? { bottom: 0, left: r.right } : { bottom: window.innerHeight - r.top, left: 0 };
  }
}
