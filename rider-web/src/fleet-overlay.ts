import type { CustomLayerInterface, Map as MapLibre } from 'maplibre-gl';
import type { PackedHexes } from './fleet-hexes';
import { FLOATS_PER_POINT, pointRadiusPx, translated, type PackedPoints } from './fleet-points';

/**
 * The operator map's live data, drawn with WebGL on a canvas of their own stacked over the map's:
 * the density hexagons, then the drivers over them (one vertex per driver, a round point with a
 * white rim). Two costs are avoided. A GeoJSON source would re-tile thousands of moving points in
 * MapLibre's worker at every update; and any layer inside the map makes the map redraw every road
 * whenever the data changes (with software GL, about 100 ms a time). Here an update is one buffer
 * upload and two draw calls on the overlay, and the map redraws only when its camera moves. A small
 * custom layer in the map hands over the camera matrix at each map frame, so the overlay and the
 * map never disagree while panning. Web Mercator only (the pages do not use the globe).
 */

// One precision in both stages: a uniform they share must agree, or the program does not link.
const VERTEX = `#version 300 es
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

const FRAGMENT = `#version 300 es
precision highp float;
uniform float u_size;
in vec4 v_color;
out vec4 fragColor;
void main() {
  float r = length(gl_PointCoord * 2.0 - 1.0);
  float px = 2.0 / u_size; // one pixel, in units of the radius
  float rim = smoothstep(1.0 - 2.0 * px, 1.0 - px, r);
  float edge = 1.0 - smoothstep(1.0 - px, 1.0, r);
  fragColor = mix(v_color, vec4(1.0), rim) * edge;
}`;

/** The hexagons' triangles: the colour as given. */
const FILL = `#version 300 es
precision highp float;
in vec4 v_color;
out vec4 fragColor;
void main() {
  fragColor = v_color;
}`;

function compile(gl: WebGL2RenderingContext, fragment: string): WebGLProgram {
  const program = gl.createProgram();
  for (const [kind, source] of [
    [gl.VERTEX_SHADER, VERTEX],
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

interface GpuObjects {
  program: WebGLProgram;
  vao: WebGLVertexArrayObject;
  buffer: WebGLBuffer;
  uMatrix: WebGLUniformLocation | null;
  uSize: WebGLUniformLocation | null;
}

/**
 * Vertices of one kind (x, y from an origin in Web Mercator, then a premultiplied colour) in a
 * buffer of their own, drawn with one program.
 */
class Batch {
  private gpu: GpuObjects;
  private data: { origin: readonly [number, number]; vertices: Float32Array; count: number } | undefined;
  private uploaded = false;

  constructor(
    private readonly gl: WebGL2RenderingContext,
    private readonly fragment: string,
    private readonly mode: number,
  ) {
    this.gpu = this.makeGpuObjects();
  }

  /** After a lost context came back: the program and buffers made again, the data kept. */
  restore(): void {
    this.gpu = this.makeGpuObjects();
    this.uploaded = false;
  }

  private makeGpuObjects(): GpuObjects {
    const { gl } = this;
    const program = compile(gl, this.fragment);
    const vao = gl.createVertexArray();
    const buffer = gl.createBuffer();
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    const stride = FLOATS_PER_POINT * 4;
    const pos = gl.getAttribLocation(program, 'a_pos');
    const color = gl.getAttribLocation(program, 'a_color');
    gl.enableVertexAttribArray(pos);
    gl.vertexAttribPointer(pos, 2, gl.FLOAT, false, stride, 0);
    gl.enableVertexAttribArray(color);
    gl.vertexAttribPointer(color, 4, gl.FLOAT, false, stride, 8);
    gl.bindVertexArray(null);
    return {
      program,
      vao,
      buffer,
      uMatrix: gl.getUniformLocation(program, 'u_matrix'),
      uSize: gl.getUniformLocation(program, 'u_size'),
    };
  }

  set(origin: readonly [number, number], vertices: Float32Array, count: number): void {
    this.data = { origin, vertices, count };
    this.uploaded = false;
  }

  draw(matrix: ArrayLike<number>, pointSize: number): void {
    const { gl, data, gpu } = this;
    if (data === undefined || data.count === 0) return;
    gl.useProgram(gpu.program);
    gl.bindVertexArray(gpu.vao);
    if (!this.uploaded) {
      gl.bindBuffer(gl.ARRAY_BUFFER, gpu.buffer);
      gl.bufferData(gl.ARRAY_BUFFER, data.vertices.subarray(0, data.count * FLOATS_PER_POINT), gl.DYNAMIC_DRAW);
      this.uploaded = true;
    }
    gl.uniformMatrix4fv(gpu.uMatrix, false, translated(matrix, data.origin[0], data.origin[1]));
    gl.uniform1f(gpu.uSize, pointSize);
    gl.drawArrays(this.mode, 0, data.count);
    gl.bindVertexArray(null);
  }
}

export class FleetOverlay {
  private readonly canvas: HTMLCanvasElement;
  private readonly gl: WebGL2RenderingContext;
  private readonly hexes: Batch;
  private readonly points: Batch;
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
    this.hexes = new Batch(gl, FILL, gl.TRIANGLES);
    this.points = new Batch(gl, FRAGMENT, gl.POINTS);
    this.blending();
    // A lost context (a GPU reset, too many contexts) comes back empty: build everything again.
    this.canvas.addEventListener('webglcontextlost', (e) => {
      e.preventDefault();
    });
    this.canvas.addEventListener('webglcontextrestored', () => {
      this.hexes.restore();
      this.points.restore();
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

  /** New density hexagons, drawn under the drivers. */
  setHexes(hexes: PackedHexes): void {
    this.hexes.set(hexes.origin, hexes.data, hexes.vertices);
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
    // Diameter in device pixels: the circle and its 1 px rim.
    const pointSize = 2 * (pointRadiusPx(this.map.getZoom()) + 1) * this.map.getPixelRatio();
    this.hexes.draw(matrix, pointSize);
    this.points.draw(matrix, pointSize);
  }
}
