// Severity is shown by shape AND colour, the same in the queue and on the map, so that it
// reads without colour vision too: info ○, low ●, medium ▲, high ◆, critical ■.

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
export const RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i]));
export const COLOUR = {
  info: '#9aa4ad', low: '#4aa3ff', medium: '#f2c230', high: '#ff7a1a', critical: '#ff2d55',
};

/** The shape's outline in a box of side 1 (centre 0.5, 0.5), as [x, y] points; null: a circle. */
function outline(severity) {
  switch (severity) {
    case 'medium': return [[0.5, 0.06], [0.96, 0.9], [0.04, 0.9]];
    case 'high': return [[0.5, 0.02], [0.98, 0.5], [0.5, 0.98], [0.02, 0.5]];
    case 'critical': return [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]];
    default: return null;
  }
}

/** Draw the severity's mark on a 2D canvas context in a square of `size` px at (x, y). */
export function drawMark(ctx, severity, x, y, size) {
  const points = outline(severity);
  ctx.beginPath();
  if (points === null) {
    ctx.arc(x + size / 2, y + size / 2, size * 0.42, 0, 2 * Math.PI);
  } else {
    points.forEach(([px, py], i) => (i ? ctx.lineTo : ctx.moveTo).call(ctx, x + px * size, y + py * size));
    ctx.closePath();
  }
  ctx.lineWidth = Math.max(1.5, size / 10);
  ctx.strokeStyle = severity === 'info' ? COLOUR.info : '#111';
  if (severity !== 'info') {
    ctx.fillStyle = COLOUR[severity] ?? COLOUR.info;
    ctx.fill();
  }
  ctx.stroke();
}

/** An inline SVG of the mark, for the queue and the detail. */
export function markSvg(severity, size = 14) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('width', size);
  svg.setAttribute('height', size);
  svg.setAttribute('viewBox', '0 0 1 1');
  svg.setAttribute('class', `mark sev-${severity}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', severity);
  const points = outline(severity);
  const shape = document.createElementNS(ns, points === null ? 'circle' : 'polygon');
  if (points === null) {
    shape.setAttribute('cx', 0.5);
    shape.setAttribute('cy', 0.5);
    shape.setAttribute('r', 0.4);
  } else {
    shape.setAttribute('points', points.map((p) => p.join(',')).join(' '));
  }
  shape.setAttribute('fill', severity === 'info' ? 'none' : COLOUR[severity] ?? COLOUR.info);
  shape.setAttribute('stroke', severity === 'info' ? COLOUR.info : '#111');
  shape.setAttribute('stroke-width', 0.08);
  svg.append(shape);
  const title = document.createElementNS(ns, 'title');
  title.textContent = severity;
  svg.append(title);
  return svg;
}
