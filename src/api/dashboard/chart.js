/* global document */
// A small line chart drawn as inline SVG: no library, no build step. Series are [{ name, className, points: [[x, y], ...] }].
const SVG_NS = 'http://www.w3.org/2000/svg';

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** About `count` round tick values covering [min, max]. */
function niceTicks(min, max, count) {
  const span = max - min;
  const rough = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) ?? 10 * magnitude;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

export function lineChart(svg, series, options = {}) {
  const width = options.width ?? 640;
  const height = options.height ?? 220;
  const formatY = options.formatY ?? ((v) => v.toLocaleString());
  const formatX = options.formatX ?? ((v) => String(v));
  const pad = { left: 72, right: 14, top: 22, bottom: 24 };
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);

  const points = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (points.length === 0) {
    svg.append(el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty' }, options.emptyText ?? 'no ticks recorded yet'));
    return;
  }
  let [xMin, xMax] = [Math.min(...points.map((p) => p[0])), Math.max(...points.map((p) => p[0]))];
  let [yMin, yMax] = [Math.min(...points.map((p) => p[1])), Math.max(...points.map((p) => p[1]))];
  if (options.includeZero) [yMin, yMax] = [Math.min(yMin, 0), Math.max(yMax, 0)];
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMin === yMax) {
    const d = Math.abs(yMin) * 0.001 || 1;
    [yMin, yMax] = [yMin - d, yMax + d];
  }
  const margin = (yMax - yMin) * 0.08;
  [yMin, yMax] = [yMin - margin, yMax + margin];
  const sx = (x) => pad.left + ((x - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const sy = (y) => height - pad.bottom - ((y - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);

  for (const tick of niceTicks(yMin, yMax, 4)) {
    svg.append(el('line', { x1: pad.left, x2: width - pad.right, y1: sy(tick), y2: sy(tick), class: tick === 0 && options.includeZero ? 'zero' : 'grid' }));
    svg.append(el('text', { x: pad.left - 6, y: sy(tick) + 4, 'text-anchor': 'end', class: 'axis-label' }, formatY(tick)));
  }
  const xLabels = xMin === xMax ? [xMin] : [xMin, (xMin + xMax) / 2, xMax];
  xLabels.forEach((x, i) => {
    const anchor = i === 0 ? 'start' : i === xLabels.length - 1 ? 'end' : 'middle';
    svg.append(el('text', { x: sx(x), y: height - 6, 'text-anchor': anchor, class: 'axis-label' }, formatX(x)));
  });

  let legendX = pad.left;
  for (const s of series) {
    const valid = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (valid.length === 0) continue;
    const d = valid.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    svg.append(el('path', { d, class: `series ${s.className}`, 'data-points': valid.length }));
    const [lx, ly] = valid[valid.length - 1];
    svg.append(el('circle', { cx: sx(lx), cy: sy(ly), r: 3, class: `dot ${s.className}` }));
    svg.append(el('rect', { x: legendX, y: 6, width: 10, height: 3, class: `dot ${s.className}` }));
    const label = el('text', { x: legendX + 14, y: 11, class: 'legend' }, s.name);
    svg.append(label);
    legendX += 24 + s.name.length * 6.5;
  }
}
