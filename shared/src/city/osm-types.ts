/** [west, south, east, north] in degrees. */
export type Bounds = [number, number, number, number];

export type OsmTags = Record<string, string>;

export interface OsmMember {
  type: 'node' | 'way' | 'relation';
  ref: number;
  role: string;
}

/** What a reader hands out, in file order (an extract lists nodes, then ways, then relations). */
export interface OsmVisitor {
  /** A node, with its tags when it has any. */
  node?(id: number, lat: number, lng: number, tags: OsmTags | null): void;
  /** A way: its node ids in order, and its tags. */
  way?(id: number, refs: number[], tags: OsmTags): void;
  relation?(id: number, members: OsmMember[], tags: OsmTags): void;
}

/** The file's own description: the extract's bounds when it gives them. */
export interface OsmHeader {
  bounds: Bounds | null;
  writingProgram: string | null;
}
