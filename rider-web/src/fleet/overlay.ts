import type { CustomLayerInterface, Map as MapLibre } from 'maplibre-gl';
import type { PackedHexes } from './hexes';
import { VERTICES_PER_SEGMENT, type PackedLine } from './lines';
import { pointRadiusPx, translated, type PackedPoints } from './points';

/**
 * The operator map's live data, drawn with WebGL on a canvas of their own stacked over the map's:
 * the density hexagons, a driver's track (live, or a trip being replayed), then the drivers over
 * them (one vertex per driver, a round point with a white rim). Two costs are avoided. A GeoJSON
 * source would re-tile thousands of moving points in MapLibre's worker at every update; and any
 * layer inside the map makes the map redraw every road whenever the data changes (with software
 * GL, about 100 ms a time). Here an update is one buffer upload and a few draw calls on the
 * overlay, and the map redraws only when its camera moves. A small custom layer in the map hands
 * over the camera matrix at each map frame, so the overlay and the map never disagree while
 * panning. Web Mercator only (the pages do not use the globe).
 */

// One precision in both stages: a uniform they share must agree, or the program does not link.
const POINT_VERTEX = `#version 300 es
precision highp float;
uniform mat4 u_matrix;
uniform float u_size;
in vec2 a_pos;
in vec4 a_color;
out vec4 v_color;
void main() {
  gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
  gl_PointSize = u_size;
  v_color = a_color;
}`;

/** A round point; with u_rim 1, a white rim one pixel wide. */
const POINT_FRAGMENT = `#version 300 es
precision highp float;
uniform float u_size;
uniform float u_rim;
in vec4 v_color;
out vec4 fragColor;
void main() {
  float r = length(gl_PointCoord * 2.0 - 1.0);
  float px = 2.0 / u_size; // one pixel, in units of the radius
  float rim = smoothstep(1.0 - 2.0 * px, 1.0 - px, r) * u_rim;
  float edge = 1.0 - smoothstep(1.0 - px, 1.0, r);
  fragColor = mix(v_color, vec4(v_color.a), rim) * edge;
}`;

/** The hexagons' triangles and outlines: the colour as given. */
const FILL_FRAGMENT = `#version 300 es
precision highp float;
in vec4 v_color;
out vec4 fragColor;
void main() {
  fragColor = v_color;
}`;

/** A track's segments, each corner pushed sideways in screen space by half the width (lines.ts). */
const LINE_VERTEX = `#version 300 es
precision highp float;
uniform mat4 u_matrix;
uniform vec2 u_viewport;
uniform float u_width;
in vec2 a_pos;
in vec2 a_other;
in float a_side;
void main() {
  vec4 p = u_matrix * vec4(a_pos, 0.0, 1.0);
  vec4 o = u_matrix * vec4(a_other, 0.0, 1.0);
  vec2 half_viewport = u_viewport * 0.5;
  vec2 ps = p.xy / p.w * half_viewport;
  vec2 os = o.xy / o.w * half_viewport;
  vec2 d = os - ps;
  d = length(d) < 1e-6 ? vec2(1.0, 0.0) : normalize(d);
  vec2 offset = vec2(-d.y, d.x) * a_side * u_width * 0.5;
  gl_Position = vec4((ps + offset) / half_viewport * p.w, p.z, p.w);
}`;

const LINE_FRAGMENT = `#version 300 es
precision highp float;
uniform vec4 u_color;
out vec4 fragColor;
void main() {
  fragColor = u_color;
}`;

/** Round joins of a track: discs at its points, in one colour. */
const JOIN_VERTEX = `#version 300 es
precision highp float;
uniform mat4 u_matrix;
uniform float u_size;
in vec2 a_pos;
void main() {
  gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
  gl_PointSize = u_size;
}`;

const JOIN_FRAGMENT = `#version 300 es
precision highp float;
uniform vec4 u_color;
uniform float u_size;
out vec4 fragColor;
void main() {
  float r = length(gl_PointCoord * 2.0 - 1.0);
  fragColor = u_color * (1.0 - smoothstep(1.0 - 2.0 / u_size, 1.0, r));
}`;

function compile(gl: WebGL2RenderingContext, vertex: string, fragment: string): WebGLProgram {
  const program = gl.createProgram();
  for (const [kind, source] of [
    [gl.VERTEX_SHADER, vertex],
    [gl.FRAGMENT_SHADER, fragment],
  ] as const) {
    const shader = gl.createShader(kind);
    if (shader === null) throw new Error('WebGL: cannot create a shader');
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (gl.getShaderParameter(shader, gl.COMPILE_STATUS) !== true)
      throw new Error(`WebGL: ${gl.getShaderInfoLog(shader) ?? 'shader does not compile'}`);
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (gl.getProgramParameter(program, gl.LINK_STATUS) !== true)
    throw new Error(`WebGL: ${gl.getProgramInfoLog(program) ?? 'program does not link'}`);
  return program;
}

interface Kind {
  vertex: string;
  fragment: string;
  mode: 'points' | 'triangles' | 'lines';
  /** Attributes in buffer order, with their float counts. */
  attributes: readonly (readonly [string, number])[];
}

const KINDS = {
  points: {
    vertex: POINT_VERTEX,
    fragment: POINT_FRAGMENT,
    mode: 'points',
    attributes: [
      ['a_pos', 2],
      ['a_color', 4],
    ],
  },
  fill: {
    vertex: POINT_VERTEX,
    fragment: FILL_FRAGMENT,
    mode: 'triangles',
    attributes: [
      ['a_pos', 2],
      ['a_color', 4],
    ],
  },
  outline: {
    vertex: POINT_VERTEX,
    fragment: FILL_FRAGMENT,
    mode: 'lines',
    attributes: [
      ['a_pos', 2],
      ['a_color', 4],
    ],
  },
  line: {
    vertex: LINE_VERTEX,
    fragment: LINE_FRAGMENT,
    mode: 'triangles',
    attributes: [
      ['a_pos', 2],
      ['a_other', 2],
      ['a_side', 1],
    ],
  },
  joins: { vertex: JOIN_VERTEX, fragment: JOIN_FRAGMENT, mode: 'points', attributes: [['a_pos', 2]] },
} as const satisfies Record<string, Kind>;

type Uniforms = Record<string, number | readonly number[]>;

/**
 * Vertices of one kind (x, y from an origin in Web Mercator, then what the kind needs) in a buffer
 * of their own, drawn with one program.
 */
class Batch {
  private program!: WebGLProgram;
  private vao!: WebGLVertexArrayObject;
  private buffer!: WebGLBuffer;
  private readonly locations = new Map<string, WebGLUniformLocation | null>();
  private data: { origin: readonly [number, number]; vertices: Float32Array; count: number } | undefined;
  private uploaded = false;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly kind: Kind,
  ) {
    this.makeGpuObjects();
  }

  /** After a lost context came back: the program and buffers made again, the data kept. */
  restore(): void {
    this.locations.clear();
    this.makeGpuObjects();
    this.uploaded = false;
  }

  private makeGpuObjects(): void {
    const { gl, kind } = this;
    this.program = compile(gl, kind.vertex, kind.fragment);
    this.vao = gl.createVertexArray();
    this.buffer = gl.createBuffer();
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    const stride = kind.attributes.reduce((n, [, size]) => n + size, 0) * 4;
    let offset = 0;
    for (const [name, size] of kind.attributes) {
      const at = gl.getAttribLocation(this.program, name);
      gl.enableVertexAttribArray(at);
      gl.vertexAttribPointer(at, size, gl.FLOAT, false, stride, offset);
      offset += size * 4;
    }
    gl.bindVertexArray(null);
  }

  set(origin: readonly [number, number], vertices: Float32Array, count: number): void {
    this.data = { origin, vertices, count };
    this.uploaded = false;
  }

  get count(): number {
    return this.data?.count ?? 0;
  }

  /** Draws vertices [0, count) (all by default) with these uniforms. */
  draw(matrix: ArrayLike<number>, uniforms: Uniforms, count = this.count): void {
    const { gl, data } = this;
    if (data === undefined || data.count === 0 || count <= 0) return;
    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    if (!this.uploaded) {
      const floats = this.kind.attributes.reduce((n, [, size]) => n + size, 0);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
      gl.bufferData(gl.ARRAY_BUFFER, data.vertices.subarray(0, data.count * floats), gl.DYNAMIC_DRAW);
      this.uploaded = true;
    }
    gl.uniformMatrix4fv(this.uniform('u_matrix'), false, translated(matrix, data.origin[0], data.origin[1]));
    for (const [name, value] of Object.entries(uniforms)) {
      const at = this.uniform(name);
      if (typeof value === 'number') gl.uniform1f(at, value);
      else if (value.length === 2) gl.uniform2fv(at, value);
      else gl.uniform4fv(at, value);
    }
    const mode = { points: gl.POINTS, triangles: gl.TRIANGLES, lines: gl.LINES }[this.kind.mode];
    gl.drawArrays(mode, 0, Math.min(count, data.count));
    gl.bindVertexArray(null);
  }

  private uniform(name: string): WebGLUniformLocation | null {
    if (!this.locations.has(name)) this.locations.set(name, this.gl.getUniformLocation(this.program, name));
    return this.locations.get(name) ?? null;
  }
}

/** A track drawn as a cased line with round joins; optionally only up to a point (a replay's progress). */
class Track {
  readonly line: Batch;
  readonly joins: Batch;
  /** Points drawn: the whole line unless a replay says how far it got. */
  upTo: number | null = null;
  private packed: PackedLine | null = null;

  constructor(gl: WebGL2RenderingContext) {
    this.line = new Batch(gl, KINDS.line);
    this.joins = new Batch(gl, KINDS.joins);
  }

  set(line: PackedLine | null): void {
    this.packed = line;
    this.upTo = null;
    this.line.set(
      line?.origin ?? [0, 0],
      line?.data ?? new Float32Array(0),
      (line?.segments ?? 0) * VERTICES_PER_SEGMENT,
    );
    this.joins.set(line?.origin ?? [0, 0], line?.joins ?? new Float32Array(0), (line?.joins.length ?? 0) / 2);
  }

  restore(): void {
    this.line.restore();
    this.joins.restore();
  }

  draw(matrix: ArrayLike<number>, viewport: readonly number[], ratio: number, style: TrackStyle): void {
    if (this.packed === null) return;
    const points = this.upTo === null ? this.packed.joins.length / 2 : this.upTo + 1;
    const segments =
      this.upTo === null ? this.packed.segments : (this.packed.segmentsUpTo[Math.max(0, this.upTo)] ?? 0);
    for (const [width, color] of style) {
      this.line.draw(
        matrix,
        { u_viewport: viewport, u_width: width * ratio, u_color: color },
        segments * VERTICES_PER_SEGMENT,
      );
      this.joins.draw(matrix, { u_size: width * ratio, u_color: color }, points);
    }
  }
}

/** Strokes of a track, bottom first: [width in CSS pixels, premultiplied RGBA]. */
type TrackStyle = readonly (readonly [number, readonly number[]])[];
const premultiplied = (r: number, g: number, b: number, a: number) => [(r / 255) * a, (g / 255) * a, (b / 255) * a, a];
// Strokes are opaque: a see-through stroke would show darker where a join disc overlaps its line.
/** A driver's recent track: a blue line with a white casing, as navigation apps draw a route. */
const LIVE_TRACK: TrackStyle = [
  [7, premultiplied(255, 255, 255, 1)],
  [4, premultiplied(0x1b, 0x6e, 0xf3, 1)],
];
/** The way the selected driver still has to drive on its ride (to the pickup, or to the destination). */
const RIDE_ROUTE: TrackStyle = [
  [7, premultiplied(255, 255, 255, 1)],
  [4, premultiplied(0x3a, 0x3f, 0x45, 1)],
];
/** A replayed trip: the whole route light, the part played so far strong. */
const REPLAY_ROUTE: TrackStyle = [
  [8, premultiplied(255, 255, 255, 1)],
  [5, premultiplied(0xa9, 0xae, 0xb5, 1)],
];
const REPLAY_PLAYED: TrackStyle = [[5, premultiplied(0x1b, 0x6e, 0xf3, 1)]];

export class FleetOverlay {
  private readonly canvas: HTMLCanvasElement;
  private readonly gl: WebGL2RenderingContext;
  private readonly hexFill: Batch;
  private readonly hexOutline: Batch;
  private readonly points: Batch;
  private readonly liveTrack: Track;
  private readonly rideRoute: Track;
  private readonly replayRoute: Track;
  private readonly replayPlayed: Track;
  private showFleet = true;
  /** The dots' radius in CSS pixels at a zoom (main.ts shrinks it for a crowd). */
  pointRadius: (zoom: number) => number = pointRadiusPx;
  /** The map's matrix (Web Mercator to clip space) at its last frame. */
  private matrix: ArrayLike<number> | undefined;

  constructor(private readonly map: MapLibre) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'fleet-overlay';
    Object.assign(this.canvas.style, { position: 'absolute', left: '0', top: '0', pointerEvents: 'none' });
    map.getCanvasContainer().appendChild(this.canvas);
    const gl = this.canvas.getContext('webgl2', { premultipliedAlpha: true, alpha: true, antialias: false });
    if (gl === null) throw new Error('WebGL2 is not available');
    this.gl = gl;
    this.hexFill = new Batch(gl, KINDS.fill);
    this.hexOutline = new Batch(gl, KINDS.outline);
    this.points = new Batch(gl, KINDS.points);
    this.liveTrack = new Track(gl);
    this.rideRoute = new Track(gl);
    this.replayRoute = new Track(gl);
    this.replayPlayed = new Track(gl);
    this.blending();
    // A lost context (a GPU reset, too many contexts) comes back empty: build everything again.
    this.canvas.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
    });
    this.canvas.addEventListener('webglcontextrestored', () => {
      for (const b of [this.hexFill, this.hexOutline, this.points]) b.restore();
      for (const t of [this.liveTrack, this.rideRoute, this.replayRoute, this.replayPlayed]) t.restore();
      this.blending();
      this.draw();
    });
    this.resize();
    map.on('resize', () => {
      this.resize();
    });
  }

  private blending(): void {
    this.gl.enable(this.gl.BLEND);
    this.gl.blendFunc(this.gl.ONE, this.gl.ONE_MINUS_SRC_ALPHA); // premultiplied colours
  }

  /**
   * A layer to add to the map (above the others): it draws nothing in the map, it hands over the
   * map's camera at every frame and redraws the overlay with it.
   */
  cameraLayer(id: string): CustomLayerInterface {
    return {
      id,
      type: 'custom',
      renderingMode: '2d',
      render: (_gl, args) => {
        this.matrix = Array.from(args.defaultProjectionData.mainMatrix);
        this.draw();
      },
    };
  }

  /** New drivers: drawn at once over the map as it was last drawn. */
  setPoints(points: PackedPoints): void {
    this.points.set(points.origin, points.data, points.count);
    this.draw();
  }

  /** New density hexagons (null: none), drawn under the drivers. */
  setHexes(hexes: { fill: PackedHexes; outline: PackedHexes } | null): void {
    this.hexFill.set(hexes?.fill.origin ?? [0, 0], hexes?.fill.data ?? new Float32Array(0), hexes?.fill.vertices ?? 0);
    this.hexOutline.set(
      hexes?.outline.origin ?? [0, 0],
      hexes?.outline.data ?? new Float32Array(0),
      hexes?.outline.vertices ?? 0,
    );
    this.draw();
  }

  /** The selected driver's recent track (null: none). */
  setLiveTrack(line: PackedLine | null): void {
    this.liveTrack.set(line);
    this.draw();
  }

  /** The way the selected driver's ride still has to go (null: none). */
  setRideRoute(line: PackedLine | null): void {
    this.rideRoute.set(line);
    this.draw();
  }

  /** A replayed trip's route (null: no replay); the fleet and its density are hidden meanwhile. */
  setReplay(line: PackedLine | null): void {
    this.replayRoute.set(line);
    this.replayPlayed.set(line);
    this.replayPlayed.upTo = line === null ? null : 0;
    this.showFleet = line === null;
    this.draw();
  }

  /** How far the replay got: the route is drawn strong up to this point. */
  setReplayProgress(index: number): void {
    if (this.replayPlayed.upTo === index) return;
    this.replayPlayed.upTo = index;
    this.draw();
  }

  private resize(): void {
    const mapCanvas = this.map.getCanvas();
    this.canvas.width = mapCanvas.width;
    this.canvas.height = mapCanvas.height;
    this.canvas.style.width = mapCanvas.style.width;
    this.canvas.style.height = mapCanvas.style.height;
    this.draw();
  }

  private draw(): void {
    const { gl, matrix } = this;
    if (gl.isContextLost()) return;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (matrix === undefined) return;
    const ratio = this.map.getPixelRatio();
    const viewport = [this.canvas.width, this.canvas.height];
    if (this.showFleet) {
      this.hexFill.draw(matrix, {});
      this.hexOutline.draw(matrix, {});
      // Diameter in device pixels: the circle and its 1 px rim.
      const pointSize = 2 * (this.pointRadius(this.map.getZoom()) + 1) * ratio;
      this.points.draw(matrix, { u_size: pointSize, u_rim: 1 });
      // The selected driver's way ahead and track over the other drivers: what the operator looks at.
      this.rideRoute.draw(matrix, viewport, ratio, RIDE_ROUTE);
      this.liveTrack.draw(matrix, viewport, ratio, LIVE_TRACK);
    } else {
      this.replayRoute.draw(matrix, viewport, ratio, REPLAY_ROUTE);
      this.replayPlayed.draw(matrix, viewport, ratio, REPLAY_PLAYED);
    }
  }
}
