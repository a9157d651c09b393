// Line charts drawn as plain SVG from the server's metrics history (api: metrics): no library,
// nothing fetched from elsewhere. Time runs left to right over the window the server keeps.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 560;
const HEIGHT = 180;
const PAD = { left: 56, right: 12, top: 12, bottom: 24 };
/** Colours of a chart's lines, in order. */
export const COLOURS = ['#1f6feb', '#b42318', '#067647', '#b54708', '#6941c6', '#0e7090'];

function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten. */
function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function label(value) {
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return `${+(value / 1000).toFixed(1)}k`;
  return String(+value.toPrecision(3));
}

/**
 * Draws series into the figure {@code figure}: each series is {name, points: [[atMs, value]]},
 * a null value leaving a gap. The window ends at {@code endMs} and is {@code windowMs} long.
 * The figure's data-points says how many points were drawn, so a test (or a person) can tell an
 * empty chart from a drawn one.
 */
export function draw(figure, { title, unit, series, endMs, windowMs }) {
  const startMs = endMs - windowMs;
  const values = series.flatMap((s) => s.points.map((p) => p[1]))
    .filter((v) => v !== null && v !== undefined);
  const max = niceMax(Math.max(0, ...values));
  const x = (t) => PAD.left + ((t - startMs) / windowMs) * (WIDTH - PAD.left - PAD.right);
  const y = (v) => HEIGHT - PAD.bottom - (v / max) * (HEIGHT - PAD.top - PAD.bottom);

  const svg = el('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
    'aria-label': title });
  for (const fraction of [0, 0.5, 1]) {
    const v = max * fraction;
    svg.append(el('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v),
      class: 'grid' }));
    svg.append(el('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end',
      class: 'axis' }, `${label(v)}${unit ? ` ${unit}` : ''}`));
  }
  const minutes = Math.round(windowMs / 60000);
  svg.append(el('text', { x: PAD.left, y: HEIGHT - 6, class: 'axis' }, `-${minutes} min`));
  svg.append(el('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end',
    class: 'axis' }, 'now'));

  let drawn = 0;
  series.forEach((s, i) => {
    let d = '';
    let pen = false;
    for (const [t, v] of s.points) {
      if (v === null || v === undefined || t < startMs) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
      drawn++;
    }
    if (!d) return;
    const path = el('path', { d: d.trim(), class: 'series', stroke: COLOURS[i % COLOURS.length] });
    path.dataset.series = s.name;
    svg.append(path);
    // A lone point between gaps would draw nothing as a line: mark every point too.
    for (const [t, v] of s.points) {
      if (v === null || v === undefined || t < startMs) continue;
      svg.append(el('circle', { cx: x(t).toFixed(1), cy: y(v).toFixed(1), r: 2.2,
        fill: COLOURS[i % COLOURS.length] }));
    }
  });

  const legend = document.createElement('figcaption');
  legend.append(title);
  series.forEach((s, i) => {
    const key = document.createElement('span');
    key.className = 'legend';
    key.style.setProperty('--colour', COLOURS[i % COLOURS.length]);
    key.textContent = s.name;
    legend.append(key);
  });
  if (!series.length) {
    const none = document.createElement('span');
    none.className = 'muted';
    none.textContent = ' none in this window';
    legend.append(none);
  }
  figure.replaceChildren(legend, svg);
  figure.dataset.points = String(drawn);
}
