/** qlobber ships no types: the part used here, the topic matcher Aedes and its persistences use. */
declare module 'qlobber' {
  export interface QlobberOptions {
    separator?: string;
    wildcard_one?: string;
    wildcard_some?: string;
    match_empty_levels?: boolean;
  }
  /** A set of topic filters: `test` says whether a topic matches any of them. */
  export class QlobberTrue {
    constructor(options?: QlobberOptions);
    add(filter: string): this;
    test(topic: string): boolean;
  }
}
