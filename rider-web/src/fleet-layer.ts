import type { CustomLayerInterface, Map as MapLibre } from 'maplibre-gl';
import { FLOATS_PER_POINT, pointRadiusPx, translated, type PackedPoints } from './fleet-points';

/**
 * The operator map's drivers, drawn with WebGL on a canvas of their own stacked over the map's:
 * one vertex per driver, a round point with a white rim. Two costs are avoided. A GeoJSON source
 * would re-tile thousands of moving points in MapLibre's worker at every update; and any layer
 * inside the map makes the map redraw every road and hexagon whenever the drivers move. Here an
 * update is one buffer upload and one draw call on the overlay, and the map redraws only when its
 * camera moves. A small custom layer in the map hands over the camera matrix at each map frame, so
 * points and map never disagree while panning. Web Mercator only (the pages do not use the globe).
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

function compile(gl: WebGL2RenderingContext): WebGLProgram {
  const program = gl.createProgram();
  for (const [kind, source] of [
    [gl.VERTEX_SHADER, VERTEX],
    [gl.FRAGMENT_SHADER, FRAGMENT],
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

export class FleetOverlay {
  private readonly canvas: HTMLCanvasElement;
  private readonly gl: WebGL2RenderingContext;
  private readonly program: WebGLProgram;
  private readonly vao: WebGLVertexArrayObject;
  private readonly buffer: WebGLBuffer;
  private readonly uMatrix: WebGLUniformLocation | null;
  private readonly uSize: WebGLUniformLocation | null;
  private points: PackedPoints | undefined;
  private uploaded = false;
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
    this.program = compile(gl);
    this.uMatrix = gl.getUniformLocation(this.program, 'u_matrix');
    this.uSize = gl.getUniformLocation(this.program, 'u_size');
    this.vao = gl.createVertexArray();
    this.buffer = gl.createBuffer();
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    const stride = FLOATS_PER_POINT * 4;
    const pos = gl.getAttribLocation(this.program, 'a_pos');
    const color = gl.getAttribLocation(this.program, 'a_color');
    gl.enableVertexAttribArray(pos);
    gl.vertexAttribPointer(pos, 2, gl.FLOAT, false, stride, 0);
    gl.enableVertexAttribArray(color);
    gl.vertexAttribPointer(color, 4, gl.FLOAT, false, stride, 8);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA); // premultiplied colours
    this.resize();
    map.on('resize', () => {
      this.resize();
    });
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

  /** New points: drawn at once over the map as it was last drawn. */
  setPoints(points: PackedPoints): void {
    this.points = points;
    this.uploaded = false;
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
    const { gl, points, matrix } = this;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    if (points === undefined || points.count === 0 || matrix === undefined) return;
    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    if (!this.uploaded) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
      gl.bufferData(gl.ARRAY_BUFFER, points.data.subarray(0, points.count * FLOATS_PER_POINT), gl.DYNAMIC_DRAW);
      this.uploaded = true;
    }
    gl.uniformMatrix4fv(this.uMatrix, false, translated(matrix, points.origin[0], points.origin[1]));
    // Diameter in device pixels: the circle and its 1 px rim.
    gl.uniform1f(this.uSize, 2 * (pointRadiusPx(this.map.getZoom()) + 1) * this.map.getPixelRatio());
    gl.drawArrays(gl.POINTS, 0, points.count);
    gl.bindVertexArray(null);
  }
}
