// The teaching views of the demo: a drawing pad, class-probability bars, one neuron's binary
// weights as a black-and-white image (flipped signs in red), and a flip-rate heatmap per layer.

/** A drawing pad on a canvas; onChange(pixels Uint8Array(784), 0..255) after every stroke. */
export function drawingPad(canvas, onChange) {
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const small = document.createElement('canvas');
  small.width = small.height = 28;
  const sctx = small.getContext('2d', { willReadFrequently: true });
  let drawing = false;
  let last = null;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
  };
  clear();
  const pos = (ev) => {
    const r = canvas.getBoundingClientRect();
    return [((ev.clientX - r.left) / r.width) * canvas.width, ((ev.clientY - r.top) / r.height) * canvas.height];
  };
  const pixels = () => {
    // 28x28 like the datasets: the drawing is scaled down with smoothing (anti-aliased strokes).
    sctx.imageSmoothingEnabled = true;
    sctx.imageSmoothingQuality = 'high';
    sctx.clearRect(0, 0, 28, 28);
    sctx.drawImage(canvas, 0, 0, 28, 28);
    const d = sctx.getImageData(0, 0, 28, 28).data;
    const out = new Uint8Array(784);
    for (let i = 0; i < 784; ++i) out[i] = d[i * 4];
    return out;
  };
  const stroke = (p) => {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = canvas.width / 11;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...(last ?? p));
    ctx.lineTo(...p);
    ctx.stroke();
    last = p;
  };
  canvas.addEventListener('pointerdown', (ev) => {
    drawing = true;
    last = null;
    canvas.setPointerCapture(ev.pointerId);
    stroke(pos(ev));
  });
  canvas.addEventListener('pointermove', (ev) => { if (drawing) stroke(pos(ev)); });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    onChange(pixels());
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  return {
    clear() { clear(); onChange(null); },
    /** Shows a 28x28 image (0..255) on the pad, as if drawn. */
    show(image) {
      const img = sctx.createImageData(28, 28);
      for (let i = 0; i < 784; ++i) {
        img.data.set([image[i], image[i], image[i], 255], i * 4);
      }
      sctx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
      onChange(pixels());
    },
    pixels,
  };
}

/** Class probabilities as bars; runs: [{ label, color, probabilities }]. */
export function probabilityBars(el, classes, runs) {
  const shown = runs.filter((r) => r.probabilities);
  if (!shown.length) {
    el.innerHTML = '<p class="sub">draw something, or wait for the first training step</p>';
    return;
  }
  const best = shown.map((r) => r.probabilities.indexOf(Math.max(...r.probabilities)));
  el.innerHTML = classes.map((c, k) => `<div class="prob${best.includes(k) ? ' top' : ''}"><span>${c}</span><div class="bars">` +
    shown.map((r) => `<i style="width:${(r.probabilities[k] * 100).toFixed(1)}%;background:${r.color}" ` +
      `title="${r.label}: ${(r.probabilities[k] * 100).toFixed(1)}%"></i>`).join('') + '</div></div>').join('') +
    `<p class="verdict">${shown.map((r, i) => `<b style="color:${r.color}">${shown.length > 1 ? `${r.label}: ` : ''}` +
      `${classes[best[i]]}</b> ${(r.probabilities[best[i]] * 100).toFixed(0)}%`).join(' · ')}</p>`;
}

/**
 * One neuron's binary weights: white +1, black -1, red where the sign flipped since the previous
 * frame (and the red fades over the next frames, so that flicker stays visible).
 */
export function drawNeuron(canvas, neuron, fade) {
  if (!neuron) return fade;
  const [h, w] = neuron.shape && neuron.shape[0] * neuron.shape[1] >= neuron.signs.length
    ? neuron.shape : [Math.ceil(neuron.signs.length / Math.ceil(Math.sqrt(neuron.signs.length))), Math.ceil(Math.sqrt(neuron.signs.length))];
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  if (!fade || fade.length !== neuron.signs.length) fade = new Float32Array(neuron.signs.length);
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; ++i) {
    if (i >= neuron.signs.length) {
      img.data.set([200, 200, 220, 255], i * 4);
      continue;
    }
    fade[i] = neuron.flipped[i] ? 1 : fade[i] * 0.55;
    const base = neuron.signs[i] ? 255 : 0;
    const f = fade[i];
    img.data.set([Math.round(base * (1 - f) + 230 * f), Math.round(base * (1 - f) + 20 * f),
      Math.round(base * (1 - f) + 30 * f), 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
  return fade;
}

// black -> dark red -> orange -> yellow -> white, for t in [0, 1]
function heatColor(t) {
  const stops = [[0, 0, 0], [120, 10, 30], [230, 90, 20], [250, 220, 60], [255, 255, 255]];
  const x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  return stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
}

/**
 * Flip-rate heatmap. runs: [{ label, columns: [[Float32 per neuron] per layer][], layers: [labels] }].
 * Each run gets a panel; each layer a band of rows (neurons, averaged down to at most 48 rows);
 * columns are moments of training (the last `maxColumns`). Colour: log10 flips per weight per step
 * from 1e-5 (black) to 1e-1 (white).
 */
export function flipHeatmap(canvas, runs, maxColumns = 160) {
  const dpr = globalThis.devicePixelRatio || 1;
  const W = canvas.clientWidth || 400;
  const H = canvas.clientHeight || 200;
  canvas.width = Math.round(W * dpr);
  canvas.height = Math.round(H * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.font = '10px system-ui, sans-serif';
  const shown = runs.filter((r) => r.layers.length);
  if (!shown.length) return;
  const legendH = 14;
  const panelW = (W - 4) / shown.length;
  shown.forEach((run, ri) => {
    const x0 = 2 + ri * panelW;
    const cols = run.columns.slice(-maxColumns);
    const nLayers = run.layers.length;
    const gap = 12;
    const bandH = (H - legendH - gap * nLayers) / nLayers;
    run.layers.forEach((label, li) => {
      const y0 = li * (bandH + gap) + gap;
      ctx.fillStyle = '#333';
      ctx.fillText(`${shown.length > 1 ? `${run.label} · ` : ''}${label}`, x0 + 2, y0 - 2);
      const neurons = cols.find((c) => c[li])?.[li]?.length ?? 0;
      if (!neurons) {
        ctx.fillStyle = '#000';
        ctx.fillRect(x0, y0, panelW - 6, bandH);
        return;
      }
      const rows = Math.min(48, neurons);
      const cw = (panelW - 6) / Math.max(cols.length, 40);  // fills the width, then scrolls
      const rh = bandH / rows;
      cols.forEach((col, ci) => {
        const v = col[li];
        for (let r = 0; r < rows; ++r) {
          let sum = 0;
          let n = 0;
          if (v) {
            for (let j = Math.floor((r * neurons) / rows); j < Math.floor(((r + 1) * neurons) / rows); ++j, ++n) sum += v[j];
          }
          const rate = n ? sum / n : 0;
          const t = rate > 0 ? (Math.log10(rate) + 5) / 4 : 0;
          const [cr, cg, cb] = heatColor(t);
          ctx.fillStyle = `rgb(${cr},${cg},${cb})`;
          ctx.fillRect(x0 + ci * cw, y0 + r * rh, Math.ceil(cw), Math.ceil(rh));
        }
      });
    });
  });
  // colour legend
  const ly = H - legendH + 3;
  for (let i = 0; i < 100; ++i) {
    const [r, g, b] = heatColor(i / 99);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(60 + i, ly, 1, 8);
  }
  ctx.fillStyle = '#333';
  ctx.fillText('1e-5', 36, ly + 8);
  ctx.fillText('1e-1 flips / weight / step', 164, ly + 8);
}
