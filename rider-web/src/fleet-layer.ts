import type { CustomLayerInterface, CustomRenderMethodInput, Map as MapLibre } from 'maplibre-gl';
import { FLOATS_PER_POINT, pointRadiusPx, translated, type PackedPoints } from './fleet-points';

/**
 * The operator map's drivers drawn straight with WebGL: one vertex per driver, a round point with a
 * white rim. A GeoJSON source would re-tile thousands of moving points in MapLibre's worker at
 * every update and upload them again tile by tile; here an update is one buffer upload and one
 * frame. Web Mercator only (the pages do not use the globe).
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

export class FleetPointsLayer implements CustomLayerInterface {
  readonly id: string;
  readonly type = 'custom' as const;
  readonly renderingMode = '2d' as const;
  private map: MapLibre | undefined;
  private program: WebGLProgram | null = null;
  private buffer: WebGLBuffer | null = null;
  private vao: WebGLVertexArrayObject | null = null;
  private uMatrix: WebGLUniformLocation | null = null;
  private uSize: WebGLUniformLocation | null = null;
  private points: PackedPoints | undefined;
  private uploaded = false;

  constructor(id: string) {
    this.id = id;
  }

  /** New points to draw: uploaded and drawn at the next frame. */
  setPoints(points: PackedPoints): void {
    this.points = points;
    this.uploaded = false;
    this.map?.triggerRepaint();
  }

  onAdd(map: MapLibre, gl: WebGL2RenderingContext): void {
    this.map = map;
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
    this.program = program;
    this.uMatrix = gl.getUniformLocation(program, 'u_matrix');
    this.uSize = gl.getUniformLocation(program, 'u_size');
    // Our own vertex array object: MapLibre's bindings are left as they were.
    this.vao = gl.createVertexArray();
    this.buffer = gl.createBuffer();
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    const stride = FLOATS_PER_POINT * 4;
    const pos = gl.getAttribLocation(program, 'a_pos');
    const color = gl.getAttribLocation(program, 'a_color');
    gl.enableVertexAttribArray(pos);
    gl.vertexAttribPointer(pos, 2, gl.FLOAT, false, stride, 0);
    gl.enableVertexAttribArray(color);
    gl.vertexAttribPointer(color, 4, gl.FLOAT, false, stride, 8);
    gl.bindVertexArray(null);
    this.uploaded = false;
  }

  onRemove(_map: MapLibre, gl: WebGL2RenderingContext): void {
    gl.deleteVertexArray(this.vao);
    gl.deleteBuffer(this.buffer);
    gl.deleteProgram(this.program);
    this.program = null;
    this.buffer = null;
    this.vao = null;
  }

  render(gl: WebGL2RenderingContext, args: CustomRenderMethodInput): void {
    const points = this.points;
    if (this.program === null || points === undefined || points.count === 0 || this.map === undefined) return;
    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    if (!this.uploaded) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
      gl.bufferData(gl.ARRAY_BUFFER, points.data.subarray(0, points.count * FLOATS_PER_POINT), gl.DYNAMIC_DRAW);
      this.uploaded = true;
    }
    const matrix = translated(args.defaultProjectionData.mainMatrix, points.origin[0], points.origin[1]);
    gl.uniformMatrix4fv(this.uMatrix, false, matrix);
    // Diameter in device pixels: the circle and its 1 px rim.
    gl.uniform1f(this.uSize, 2 * (pointRadiusPx(this.map.getZoom()) + 1) * devicePixelRatio);
    gl.drawArrays(gl.POINTS, 0, points.count);
    gl.bindVertexArray(null);
  }
}
