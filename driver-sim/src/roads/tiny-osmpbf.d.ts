/** tiny-osmpbf ships no types; this is the part of its API the importer uses. */
declare module 'tiny-osmpbf' {
  interface OsmElement {
    type: 'node' | 'way' | 'relation';
    id: number;
    lat?: number;
    lon?: number;
    nodes?: number[];
    tags?: Record<string, string>;
  }
  function tinyosmpbf(data: Uint8Array, handler?: (element: OsmElement) => void): { elements?: OsmElement[] };
  export default tinyosmpbf;
}
