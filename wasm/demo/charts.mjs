// Minimal canvas charts for the demo: line charts with several series and a histogram.

function setup(canvas) {
  const dpr = globalThis.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width;
  const h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px system-ui, sans-serif';
  return { ctx, w, h };
}

function niceTicks(lo, hi, count) {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = Math.pow(10, Math.floor(Math.log10(step0)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

const fmt = (v) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(v >= 10000 ? 0 : 1)}k`
  : Math.abs(v) < 0.01 && v !== 0 ? v.toExponential(0) : `${+v.toPrecision(3)}`);

/**
 * series: [{ name, color, dash?, points: [[x, y], ...] }]
 * opts: { title, xLabel, yMin?, yMax?, logY? }
 */
export function lineChart(canvas, series, opts = {}) {
  const { ctx, w, h } = setup(canvas);
  // Legend entries flow over as many rows as they need above the plot.
  const legend = [];
  let lx = 44 + ctx.measureText(opts.title ?? '').width + 14;
  let row = 0;
  for (const s of series) {
    if (!s.name) continue;
    const width = ctx.measureText(s.name).width + 26;
    if (lx + width > w - 4 && lx > 60) { row += 1; lx = 60; }
    legend.push({ s, x: lx, y: 11 + 12 * row });
    lx += width;
  }
  const pad = { l: 44, r: 8, t: 18 + 12 * row, b: 26 };
  // On a log axis, zeros (e.g. no weight flipped in a window) are gaps rather than -infinity.
  const tf = opts.logY ? (v) => (v > 0 ? Math.log10(v) : NaN) : (v) => v;
  let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
  for (const s of series) {
    for (const [x, y] of s.points) {
      if (!Number.isFinite(tf(y))) continue;
      xmin = Math.min(xmin, x); xmax = Math.max(xmax, x);
      ymin = Math.min(ymin, tf(y)); ymax = Math.max(ymax, tf(y));
    }
  }
  ctx.fillStyle = '#222';
  ctx.fillText(opts.title ?? '', pad.l, 12);
  if (!Number.isFinite(xmin)) {
    ctx.fillStyle = '#888';
    ctx.fillText('waiting for data…', pad.l + 10, h / 2);
    return;
  }
  if (opts.yMin !== undefined) ymin = tf(opts.yMin);
  if (opts.yMax !== undefined) ymax = Math.max(tf(opts.yMax), ymax);
  if (opts.yCap !== undefined) ymax = Math.min(ymax, tf(opts.yCap));
  if (ymax - ymin < 1e-9) { ymax += 0.5; ymin -= 0.5; }
  if (xmax - xmin < 1e-9) xmax = xmin + 1;
  const X = (x) => pad.l + ((x - xmin) / (xmax - xmin)) * (w - pad.l - pad.r);
  const Y = (y) => h - pad.b - ((Math.min(tf(y), ymax) - ymin) / (ymax - ymin)) * (h - pad.t - pad.b);
  // grid + axes
  ctx.strokeStyle = '#e4e4e4';
  ctx.fillStyle = '#666';
  ctx.lineWidth = 1;
  const yt = opts.logY ? niceTicks(Math.floor(ymin), Math.ceil(ymax), 4).filter(Number.isInteger)
    : niceTicks(ymin, ymax, 4);
  for (const t of yt) {
    const yy = opts.logY ? Y(Math.pow(10, t)) : Y(t);
    if (yy < pad.t - 1 || yy > h - pad.b + 1) continue;
    ctx.beginPath(); ctx.moveTo(pad.l, yy); ctx.lineTo(w - pad.r, yy); ctx.stroke();
    ctx.fillText(opts.logY ? `1e${t}` : fmt(t), 4, yy + 4);
  }
  for (const t of niceTicks(xmin, xmax, 5)) {
    const xx = X(t);
    ctx.beginPath(); ctx.moveTo(xx, pad.t); ctx.lineTo(xx, h - pad.b); ctx.stroke();
    ctx.fillText(fmt(t), xx - 8, h - pad.b + 13);
  }
  ctx.fillText(opts.xLabel ?? '', w - pad.r - 40, h - 3);
  // series
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.6;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    let started = false;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(tf(y))) { started = false; continue; }
      if (!started) { ctx.moveTo(X(x), Y(y)); started = true; } else ctx.lineTo(X(x), Y(y));
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }
  for (const { s, x, y } of legend) {
    ctx.fillStyle = s.color;
    ctx.fillRect(x, y - 6, 10, 3);
    ctx.fillText(s.name, x + 13, y);
  }
}

/**
 * hists: [{ name, color, bins, lo, hi, bound }] drawn over each other (side-by-side mode);
 * the clip bounds ±bound are dashed vertical lines.
 */
export function histogramChart(canvas, hists, opts = {}) {
  const { ctx, w, h } = setup(canvas);
  const pad = { l: 10, r: 10, t: 18, b: 26 };
  ctx.fillStyle = '#222';
  ctx.fillText(opts.title ?? '', pad.l, 12);
  hists = hists.filter(Boolean);
  if (!hists.length) {
    ctx.fillStyle = '#888';
    ctx.fillText('waiting for data…', pad.l + 10, h / 2);
    return;
  }
  const lo = Math.min(...hists.map((d) => d.lo));
  const hi = Math.max(...hists.map((d) => d.hi));
  const X = (x) => pad.l + ((x - lo) / (hi - lo)) * (w - pad.l - pad.r);
  const top = Math.max(1, ...hists.flatMap((d) => d.bins));
  for (const d of hists) {
    const bw = (d.hi - d.lo) / d.bins.length;
    ctx.fillStyle = d.color;
    ctx.globalAlpha = hists.length > 1 ? 0.45 : 0.8;
    d.bins.forEach((c, i) => {
      const x0 = X(d.lo + i * bw);
      const x1 = X(d.lo + (i + 1) * bw);
      const bh = (c / top) * (h - pad.t - pad.b);
      ctx.fillRect(x0, h - pad.b - bh, Math.max(1, x1 - x0 - 1), bh);
    });
    ctx.globalAlpha = 1;
    if (d.bound) {
      ctx.strokeStyle = d.color;
      ctx.setLineDash([4, 3]);
      for (const b of [-d.bound, d.bound]) {
        ctx.beginPath(); ctx.moveTo(X(b), pad.t); ctx.lineTo(X(b), h - pad.b); ctx.stroke();
      }
      ctx.setLineDash([]);
    }
  }
  ctx.fillStyle = '#666';
  for (const t of niceTicks(lo, hi, 6)) ctx.fillText(fmt(t), X(t) - 8, h - pad.b + 13);
  ctx.strokeStyle = '#999';
  ctx.beginPath(); ctx.moveTo(X(0), pad.t); ctx.lineTo(X(0), h - pad.b); ctx.stroke();
  let legendX = pad.l + ctx.measureText(opts.title ?? '').width + 14;
  for (const d of hists) {
    const label = `${d.name}${d.bound ? ` (clip ±${+d.bound.toPrecision(3)})` : ' (no clip)'}`;
    ctx.fillStyle = d.color;
    ctx.fillRect(legendX, 5, 10, 3);
    ctx.fillText(label, legendX + 13, 11);
    legendX += ctx.measureText(label).width + 26;
  }
}

/** Draws a 28x28 greyscale image (Uint8Array) into a canvas. */
export function drawDigit(canvas, pixels, width = 28, height = 28) {
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; ++i) {
    const v = pixels[i];
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = 255 - v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
