// The live tracks' marks, drawn by the GPU in one call: a MapLibre custom layer of point sprites.
//
// Why not a symbol layer: a thousand tracks moving once a second re-tile a GeoJSON source every
// second, and each tile that comes back redraws the map; where WebGL runs on the CPU (SwiftShader,
// as in a control room's thin client or a VM) a redraw with a thousand symbols took over 100 ms
// (bench/console.py). Here the marks are a vertex buffer replaced at each flush (no tiling, no
// worker, no placement) and drawn as one `gl.POINTS` call from an atlas of the class icons.
//
// What it keeps of the symbol layer: each class's icon (tracks.js draws them), a vessel turned
// along its heading with the map (its bow points the same way on the ground whatever the map's
// bearing), the age's opacity, the layer's place under the alerts, and in 3D the mark on the
// terrain (its elevation read from the map's terrain when the marks are set, and again when the
// terrain is turned on or off). What it does not: marks are not hidden behind hills in 3D, and
// `queryRenderedFeatures` does not see them — `rendered()` answers the same question.
import { MercatorCoordinate } from './vendor/maplibre-gl/maplibre-gl.mjs';

const VERTEX = `
attribute vec3 a_pos;   // Web Mercator x, y in [0, 1] and the height (same units)
attribute vec3 a_mark;  // class (atlas cell), heading (degrees clockwise from north), opacity
uniform mat4 u_matrix;
uniform float u_size;     // the sprite's side in device pixels
uniform float u_bearing;  // the map's bearing, degrees
varying float v_cell;
varying float v_opacity;
varying vec2 v_turn;
void main() {
  gl_Position = u_matrix * vec4(a_pos, 1.0);
  gl_PointSize = u_size;
  v_cell = a_mark.x;
  v_opacity = a_mark.z;
  float a = radians(a_mark.y - u_bearing);
  v_turn = vec2(cos(a), sin(a));
}`;

// The sprite is SQRT2 times the icon's side, so an icon turned any way fits in it; each fragment
// samples the icon at its position turned back by the mark's angle (screen y points down).
const FRAGMENT = `
precision mediump float;
uniform sampler2D u_atlas;
uniform float u_cells;
varying float v_cell;
varying float v_opacity;
varying vec2 v_turn;
void main() {
  vec2 p = (gl_PointCoord - 0.5) * 1.41421356;
  vec2 s = vec2(p.x * v_turn.x + p.y * v_turn.y, -p.x * v_turn.y + p.y * v_turn.x) + 0.5;
  if (s.x < 0.0 || s.y < 0.0 || s.x > 1.0 || s.y > 1.0) discard;
  gl_FragColor = texture2D(u_atlas, vec2((floor(v_cell + 0.5) + s.x) / u_cells, s.y)) * v_opacity;
}`;

const FLOATS = 6; // per mark: x, y, z, cell, heading, opacity

function compile(gl, type, source) {
  const shader = gl.createShader(type);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`marks shader: ${gl.getShaderInfoLog(shader)}`);
  return shader;
}

/**
 * The custom layer. `classes`: the class names in atlas order; `drawIcon(ctx, cls, size)` draws
 * one class's icon in a `size` px box, north up; `iconPx`: the icon's side in CSS pixels.
 */
export class TrackMarks {
  constructor({ id, classes, drawIcon, iconPx = 18 }) {
    this.id = id;
    this.type = 'custom';
    this.renderingMode = '2d';
    this.classes = classes;
    this.drawIcon = drawIcon;
    this.iconPx = iconPx;
    this.marks = []; // [{id, cls, heading, opacity, lon, lat}] as set
    this.drawn = []; // the marks of the last draw
    this.data = new Float32Array(0);
    this.dirty = false;
    this.draws = 0; // for the bench
  }

  onAdd(map, gl) {
    this.map = map;
    this.gl = gl;
    const program = gl.createProgram();
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`marks program: ${gl.getProgramInfoLog(program)}`);
    this.program = program;
    this.at = { pos: gl.getAttribLocation(program, 'a_pos'), mark: gl.getAttribLocation(program, 'a_mark') };
    this.u = Object.fromEntries(['u_matrix', 'u_size', 'u_bearing', 'u_atlas', 'u_cells']
      .map((name) => [name, gl.getUniformLocation(program, name)]));
    this.buffer = gl.createBuffer();
    this.atlas = this.makeAtlas(gl);
    this.onTerrain = () => this.set(this.marks);
    map.on('terrain', this.onTerrain);
  }

  onRemove(map, gl) {
    map.off('terrain', this.onTerrain);
    gl.deleteBuffer(this.buffer);
    gl.deleteTexture(this.atlas);
    gl.deleteProgram(this.program);
  }

  /** One row of icons, a cell per class, at the map's pixel ratio. */
  makeAtlas(gl) {
    const size = Math.round(this.iconPx * this.map.getPixelRatio());
    const canvas = document.createElement('canvas');
    canvas.width = size * this.classes.length;
    canvas.height = size;
    const ctx = canvas.getContext('2d');
    this.classes.forEach((cls, i) => {
      ctx.save();
      ctx.translate(i * size, 0);
      this.drawIcon(ctx, cls, size);
      ctx.restore();
    });
    const texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, true);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, canvas);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    for (const [key, value] of [[gl.TEXTURE_MIN_FILTER, gl.LINEAR], [gl.TEXTURE_MAG_FILTER, gl.LINEAR],
      [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]]) {
      gl.texParameteri(gl.TEXTURE_2D, key, value);
    }
    return texture;
  }

  /** The marks to draw from now on (the map redraws once for them). */
  set(marks) {
    this.marks = marks;
    const data = new Float32Array(marks.length * FLOATS);
    const terrain = this.map?.getTerrain() ? this.map : null;
    marks.forEach((m, i) => {
      const height = terrain ? (terrain.queryTerrainElevation([m.lon, m.lat]) ?? 0) : 0;
      const c = MercatorCoordinate.fromLngLat([m.lon, m.lat], height);
      const cell = this.classes.indexOf(m.cls);
      data.set([c.x, c.y, c.z, cell < 0 ? this.classes.length - 1 : cell, m.heading ?? 0, m.opacity ?? 1], i * FLOATS);
    });
    this.data = data;
    this.dirty = true;
    this.map?.triggerRepaint();
  }

  render(gl, args) {
    this.draws += 1;
    this.drawn = this.marks;
    if (!this.marks.length) return;
    gl.useProgram(this.program);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    if (this.dirty) {
      gl.bufferData(gl.ARRAY_BUFFER, this.data, gl.DYNAMIC_DRAW);
      this.dirty = false;
    }
    const stride = FLOATS * 4;
    gl.enableVertexAttribArray(this.at.pos);
    gl.vertexAttribPointer(this.at.pos, 3, gl.FLOAT, false, stride, 0);
    gl.enableVertexAttribArray(this.at.mark);
    gl.vertexAttribPointer(this.at.mark, 3, gl.FLOAT, false, stride, 12);
    gl.uniformMatrix4fv(this.u.u_matrix, false, args.defaultProjectionData.mainMatrix);
    gl.uniform1f(this.u.u_size, this.iconPx * Math.SQRT2 * this.map.getPixelRatio());
    gl.uniform1f(this.u.u_bearing, this.map.getBearing());
    gl.uniform1f(this.u.u_cells, this.classes.length);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.atlas);
    gl.uniform1i(this.u.u_atlas, 0);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.disable(gl.DEPTH_TEST);
    gl.drawArrays(gl.POINTS, 0, this.marks.length);
    gl.disableVertexAttribArray(this.at.pos);
    gl.disableVertexAttribArray(this.at.mark);
  }

  /** The marks of the last draw that fall inside the map's canvas, as GeoJSON features (what
   * `queryRenderedFeatures` gives for a layer it draws). */
  rendered() {
    if (!this.map) return [];
    const { width, height } = this.map.getContainer().getBoundingClientRect();
    return this.drawn.filter((m) => {
      const p = this.map.project([m.lon, m.lat]);
      return p.x >= 0 && p.y >= 0 && p.x <= width && p.y <= height;
    }).map(({ lon, lat, ...properties }) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] },
      properties }));
  }
}
