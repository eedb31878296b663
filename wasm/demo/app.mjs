// The demo page: settings form and the model document they make (editable as JSON), one or two
// training workers (each runs the core trainer), live charts, a drawing pad classified live, one
// neuron's binary weights, a flip-rate heatmap, the preset gallery, test-image grid, model
// download/upload and deployment exports, and window.bnnDemo = { start(config), stop(), state() }.
import { DEFAULTS, OPTIMIZERS, STES, WEIGHT_CLIPS, LR_SCHEDULES, PRESETS, buildDocument, binaryLayersOf } from './models.mjs';
import { loadDataset } from './data.mjs';
import { lineChart, histogramChart, drawDigit } from './charts.mjs';
import { drawingPad, probabilityBars, drawNeuron, flipHeatmap } from './viz.mjs';

const $ = (sel) => document.querySelector(sel);
const form = $('#controls');
const GRID_SIZE = 24;
const COLORS = { A: ['#1f5fbf', '#6fa8ff'], B: ['#c0392b', '#f1948a'] };

// ---- form <-> settings ---------------------------------------------------------------------------
function fillSelect(name, values) {
  form.elements[name].innerHTML = values.map((v) => `<option value="${v}">${v}</option>`).join('');
}
fillSelect('optimizer', OPTIMIZERS);
fillSelect('kernelSte', STES);
fillSelect('inputSte', STES);
fillSelect('weightClip', WEIGHT_CLIPS);
fillSelect('lrSchedule', LR_SCHEDULES);
form.elements.preset.insertAdjacentHTML('beforeend',
  Object.entries(PRESETS).map(([k, p]) => `<option value="${k}">${p.title}</option>`).join(''));

function readForm() {
  const s = {};
  for (const key of Object.keys(DEFAULTS)) {
    const el = form.elements[key];
    if (!el) continue;
    s[key] = el.type === 'number' ? (el.value === '' ? DEFAULTS[key] : Number(el.value)) : el.value;
  }
  return s;
}
function writeForm(s) {
  for (const [key, v] of Object.entries(s)) {
    const el = form.elements[key];
    if (el && key in DEFAULTS) el.value = v;
  }
  updateVisibility();
}
function updateVisibility() {
  const s = readForm();
  for (const el of form.querySelectorAll('[data-for]')) el.hidden = el.dataset.for !== s.model;
  for (const el of form.querySelectorAll('[data-opt]')) el.hidden = !el.dataset.opt.split(' ').includes(s.optimizer);
  for (const el of form.querySelectorAll('[data-schedule]')) el.hidden = el.dataset.schedule !== s.lrSchedule;
}
form.addEventListener('change', (ev) => {
  updateVisibility();
  if (ev.target !== editor && !ev.target.closest('fieldset')?.contains(editor)) refreshEditor();
});

// ---- the model document editor: what run A trains ------------------------------------------------
const editor = $('#doc-editor');
let docEdited = false;
function refreshEditor(force = false) {
  if (docEdited && !force) return;
  docEdited = false;
  try {
    editor.value = JSON.stringify(buildDocument(readForm()).doc, null, 2);
    $('#doc-status').textContent = 'from the controls';
  } catch (e) {
    $('#doc-status').textContent = `controls: ${e.message}`;
  }
  editor.classList.remove('edited');
}
editor.addEventListener('input', () => {
  docEdited = true;
  editor.classList.add('edited');
  $('#doc-status').textContent = 'edited: run A trains this document';
});
$('#doc-reset').addEventListener('click', () => refreshEditor(true));
function editorDocument() {
  try {
    return JSON.parse(editor.value);
  } catch (e) {
    throw new Error(`model document: ${e.message}`);
  }
}
form.elements.preset.addEventListener('change', () => {
  const p = PRESETS[form.elements.preset.value];
  if (!p) return;
  const strip = ({ label, ...rest }) => JSON.stringify({ label, ...rest });
  form.elements.overridesA.value = strip(p.a);
  form.elements.overridesB.value = strip(p.b);
  form.elements.compare.checked = true;
});

// Settings from the URL (?flavour=scalar&model=cnn&epochs=2 ...) override the defaults.
const params = new URLSearchParams(location.search);
const initial = { ...DEFAULTS };
for (const [k, v] of params) if (k in DEFAULTS) initial[k] = typeof DEFAULTS[k] === 'number' ? Number(v) : v;
writeForm(initial);
refreshEditor(true);

// ---- runs and workers ------------------------------------------------------------------------------
const workers = {};   // id -> { worker, flavour, ready: Promise<info>, info }
let runs = [];        // [{ id, label, settings, binaryLayers, history, state, ... }]
let dataset = null;
let lastError = null;

function log(msg) {
  const line = document.createElement('div');
  line.textContent = `${new Date().toLocaleTimeString()}  ${msg}`;
  $('#log').prepend(line);
}
function showError(msg) {
  lastError = msg;
  const box = $('#error');
  box.hidden = !msg;
  box.textContent = msg ?? '';
}

function getWorker(id, flavour) {
  let w = workers[id];
  if (w && w.flavour !== flavour) {
    w.worker.terminate();
    w = null;
  }
  if (!w) {
    const worker = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });
    w = { worker, flavour, listeners: new Set(), info: null, dataFor: null };
    worker.onmessage = (ev) => { for (const fn of [...w.listeners]) fn(ev.data); };
    worker.onerror = (ev) => { for (const fn of [...w.listeners]) fn({ type: 'error', message: ev.message || 'worker failed to load' }); };
    w.ready = request(w, { type: 'init', flavour }, 'ready').then((info) => {
      w.info = info;
      if (id === 'A') showThreadNote();
      return info;
    });
    workers[id] = w;
  }
  return w;
}
// Sends msg and resolves with the first reply of type `until` (rejects on an error reply).
function request(w, msg, until, transfer) {
  return new Promise((resolve, reject) => {
    const fn = (m) => {
      if (m.type === until) { w.listeners.delete(fn); resolve(m); }
      if (m.type === 'error') { w.listeners.delete(fn); reject(Object.assign(new Error(m.message), { code: m.code })); }
    };
    w.listeners.add(fn);
    w.worker.postMessage(msg, transfer ?? []);
  });
}

function newRun(id, label, settings, built) {
  return {
    id, label, settings, binaryLayers: built.binaryLayers, doc: built.doc,
    history: { loss: [], valLoss: [], trainAcc: [], valAcc: [], speed: [], flip: built.binaryLayers.map(() => []) },
    state: { running: false, epoch: 0, step: 0, trainLoss: NaN, trainAccuracy: NaN, valAccuracy: NaN, valLoss: NaN,
      samplesPerSecond: 0, isa: null, flavour: null, threads: null, error: null, done: false },
    hist: null, predictions: null, records: [], heat: [], neuron: null, fade: null, probabilities: null,
  };
}

function attach(run, w) {
  run.listener = (m) => {
    // a run replaced by a newer start (two quick clicks) stops listening
    if (!runs.includes(run)) { w.listeners.delete(run.listener); return; }
    const st = run.state;
    switch (m.type) {
      case 'started':
        st.running = true;
        run.summary = m.summary;
        break;
      case 'progress':
        if (m.neuron) run.neuron = m.neuron;
        if (m.idle) break;
        Object.assign(st, { step: m.step, epoch: m.epoch, trainLoss: m.trainLoss, samplesPerSecond: m.samplesPerSecond });
        if (Number.isFinite(m.trainLoss)) run.history.loss.push([m.epoch, m.trainLoss]);
        run.history.speed.push([m.epoch, m.samplesPerSecond]);
        m.flip.forEach((f, i) => run.history.flip[i]?.push([m.epoch, f]));
        if (m.heat) run.heat.push(m.heat);
        if (run.id === 'A') scheduleClassify();
        break;
      case 'epoch': {
        const r = m.record;
        run.records.push(r);
        if (Number.isFinite(r.val_accuracy)) st.valAccuracy = r.val_accuracy;
        const pctOf = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–');
        log(`${run.id}: epoch ${run.records.length}: train loss ${Number(r.train_loss).toFixed(3)}, ` +
          `train ${pctOf(r.train_accuracy)}, val ${pctOf(r.val_accuracy)}, lr ${Number(r.lr).toPrecision(3)}, flip ${Number(r.flip_ratio).toExponential(1)}`);
        break;
      }
      case 'eval':
        Object.assign(st, { step: m.step, epoch: m.epoch, valAccuracy: m.valAccuracy, valLoss: m.valLoss,
          trainAccuracy: m.trainAccuracy });
        run.history.valLoss.push([m.epoch, m.valLoss]);
        run.history.valAcc.push([m.epoch, m.valAccuracy]);
        run.history.trainAcc.push([m.epoch, m.trainAccuracy]);
        run.hist = m.hist;
        run.predictions = m.predictions;
        break;
      case 'note':
        log(`${run.id}: ${m.message}`);
        break;
      case 'done': case 'stopped':
        st.running = false;
        st.done = m.type === 'done';
        log(`${run.id}: ${m.type} after ${m.step} steps`);
        updateButtons();
        break;
      case 'error':
        st.running = false;
        st.error = m.message;
        showError(`${run.id === 'A' && runs.length === 1 ? '' : `run ${run.id}: `}${m.message}`);
        log(`${run.id}: error: ${m.message}`);
        updateButtons();
        break;
      default:
    }
    scheduleDraw();
  };
  w.listeners.add(run.listener);
}

async function ensureData(name, w) {
  $('#status').textContent = statusLine(`loading ${name === 'mnist' ? 'MNIST digits' : 'Fashion-MNIST'}…`);
  dataset = await loadDataset(name);
  if (w.dataFor !== dataset) {
    const grid = { images: dataset.test.images.slice(0, GRID_SIZE * 784), labels: dataset.test.labels.slice(0, GRID_SIZE), n: GRID_SIZE };
    w.worker.postMessage({ type: 'data', train: dataset.train, grid });
    w.dataFor = dataset;
  }
  drawGrid();
}

function parseOverrides(text, what) {
  if (!text.trim()) return {};
  try {
    const o = JSON.parse(text);
    if (typeof o !== 'object' || Array.isArray(o) || !o) throw new Error('not an object');
    return o;
  } catch (e) {
    throw new Error(`${what} overrides: ${e.message}`);
  }
}

async function start(config = {}, { resume = false } = {}) {
  await stop();
  showError(null);
  const { compare, overridesA, overridesB, preset, document: givenDoc, ...rest } = config;
  if (preset !== undefined) {
    form.elements.preset.value = preset;
    form.elements.preset.dispatchEvent(new Event('change'));
  }
  if (overridesA !== undefined) form.elements.overridesA.value = typeof overridesA === 'string' ? overridesA : JSON.stringify(overridesA);
  if (overridesB !== undefined) form.elements.overridesB.value = typeof overridesB === 'string' ? overridesB : JSON.stringify(overridesB);
  if (compare !== undefined) form.elements.compare.checked = !!compare;
  if (preset && PRESETS[preset]?.base) writeForm(PRESETS[preset].base);
  writeForm(rest);
  if (givenDoc !== undefined) {
    editor.value = typeof givenDoc === 'string' ? givenDoc : JSON.stringify(givenDoc, null, 2);
    editor.dispatchEvent(new Event('input'));
  } else if (Object.keys(rest).length || preset !== undefined) {
    refreshEditor(true);
  }
  activePreset = sideBySideChecked() ? form.elements.preset.value : '';
  const base = readForm();
  const sideBySide = form.elements.compare.checked && !resume;
  const specs = [];
  try {
    if (sideBySide) {
      const a = parseOverrides(form.elements.overridesA.value, 'A');
      const b = parseOverrides(form.elements.overridesB.value, 'B');
      specs.push(['A', a.label ?? 'A', { ...base, ...a }], ['B', b.label ?? 'B', { ...base, ...b }]);
    } else {
      specs.push(['A', 'A', base]);
    }
    runs = specs.map(([id, label, s]) => {
      delete s.label;
      const previous = runs.find((r) => r.id === id);
      let built;
      if (resume && previous) {
        built = { doc: previous.doc, binaryLayers: previous.binaryLayers };
      } else if (!sideBySide) {
        const doc = editorDocument();
        built = { doc, binaryLayers: binaryLayersOf(doc) };
      } else {
        built = buildDocument(s);
      }
      const run = newRun(id, label, s, built);
      if (resume && previous) Object.assign(run, { history: previous.history, records: previous.records, heat: previous.heat });
      return run;
    });
  } catch (e) {
    showError(e.message);
    throw e;
  }
  $('#docview').textContent = runs.map((r) => `// run ${r.id} (${r.label})\n${JSON.stringify(r.doc, null, 1)}`).join('\n\n');
  fillLayerSelects();
  updateButtons(true);
  try {
    const starts = runs.map(async (run) => {
      const w = getWorker(run.id, run.settings.flavour);
      const info = await w.ready;
      run.state.isa = info.isa;
      run.state.flavour = info.flavour;
      run.state.threads = info.threads;
      await ensureData(run.settings.dataset, w);
      w.worker.postMessage({ type: 'watch', layer: Number($('#neuron-layer').value) || 0, neuron: Number($('#neuron-index').value) || 0 });
      attach(run, w);
      await request(w, resume ? { type: 'resume', settings: run.settings, binaryLayers: run.binaryLayers }
        : { type: 'start', settings: run.settings, doc: run.doc, binaryLayers: run.binaryLayers }, 'started');
      log(`${run.id}: training ${run.label !== run.id ? `"${run.label}" ` : ''}(${info.flavour} build, isa ${info.isa}, ` +
          `${info.threads} thread${info.threads === 1 ? '' : 's'})`);
    });
    await Promise.all(starts);
  } catch (e) {
    showError(e.message);
    log(`error: ${e.message}`);
    await stop();
    updateButtons();
    throw e;
  } finally {
    $('#status').textContent = statusLine();
    updateButtons();
  }
  return state();
}

async function stop() {
  const active = runs.filter((r) => r.state.running);
  await Promise.all(active.map((r) => {
    const w = workers[r.id];
    return new Promise((resolve) => {
      const fn = (m) => {
        if (m.type === 'stopped' || m.type === 'done' || m.type === 'error') { w.listeners.delete(fn); resolve(); }
      };
      w.listeners.add(fn);
      w.worker.postMessage({ type: 'stop' });
    });
  }));
  for (const r of runs) if (r.listener) workers[r.id]?.listeners.delete(r.listener);
  updateButtons();
  return state();
}

function publicState(run) {
  const s = run.state;
  return { running: s.running, epoch: s.epoch, step: s.step, trainLoss: s.trainLoss, trainAccuracy: s.trainAccuracy,
    valAccuracy: s.valAccuracy, valLoss: s.valLoss, samplesPerSecond: s.samplesPerSecond, isa: s.isa,
    flavour: s.flavour, threads: s.threads, error: s.error, done: s.done, label: run.label, id: run.id, epochsDone: run.records.length,
    records: run.records, probabilities: run.probabilities, heatColumns: run.heat.length,
    neuron: run.neuron ? { layer: run.neuron.layer, neuron: run.neuron.neuron, weights: run.neuron.signs.length,
      flipped: run.neuron.flipped.reduce((a, b) => a + b, 0) } : null };
}
function state() {
  if (!runs.length) {
    return { running: false, epoch: 0, step: 0, trainLoss: NaN, trainAccuracy: NaN, valAccuracy: NaN,
      samplesPerSecond: 0, isa: workers.A?.info?.isa ?? null, flavour: workers.A?.info?.flavour ?? null,
      threads: workers.A?.info?.threads ?? null, threadNote: threadNote(), error: lastError, runs: [] };
  }
  const all = runs.map(publicState);
  return { ...all[0], running: all.some((r) => r.running), error: lastError ?? all[0].error, threadNote: threadNote(), runs: all };
}

window.bnnDemo = {
  start: (config) => start(config), stop, state,
  /** Puts test image i on the drawing pad (as if drawn); the prediction appears in state().probabilities. */
  async drawSample(i = 0) {
    if (!dataset) dataset = await loadDataset(readForm().dataset);
    pad.show(dataset.test.images.subarray(i * 784, (i + 1) * 784));
    return dataset.classes[dataset.test.labels[i]];
  },
  /** The document run A trains (the editor's text, parsed). */
  document: () => editorDocument(),
};

// ---- buttons, download and load ------------------------------------------------------------------
function updateButtons(starting = false) {
  const running = starting || runs.some((r) => r.state.running);
  if (runs.some((r) => r.state.step > 0) && workers.A) workers.A.hasModel = true;
  $('#start').disabled = running;
  $('#stop').disabled = !running;
  $('#resume').disabled = running || !workers.A?.hasModel;
  $('#download').disabled = !workers.A?.hasModel;
  $('#export').disabled = !workers.A?.hasModel || workers.A?.info?.canExport === false;
  $('#export').title = workers.A?.info?.canExport === false ? 'this build of libbnn lacks bnn_model_export_buffer' : '';
}
$('#start').addEventListener('click', () => start().catch(() => {}));
$('#stop').addEventListener('click', () => stop());
$('#resume').addEventListener('click', () => start({}, { resume: true }).catch(() => {}));
$('#download').addEventListener('click', async () => {
  const w = workers.A;
  if (!w) return;
  try {
    const { bytes } = await request(w, { type: 'save' }, 'saved');
    const blob = new Blob([bytes], { type: 'application/octet-stream' });
    const a = document.createElement('a');
    const s = runs[0]?.settings ?? readForm();
    a.href = URL.createObjectURL(blob);
    a.download = `libbnn-${s.model}-${s.dataset}-step${runs[0]?.state.step ?? 0}.bnn`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    log(`saved ${bytes.byteLength} bytes (${a.download})`);
  } catch (e) {
    showError(e.message);
  }
});
$('#load').addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  ev.target.value = '';
  if (!file) return;
  try {
    await loadModel(new Uint8Array(await file.arrayBuffer()), file.name);
  } catch (e) {
    showError(`${file.name}: ${e.message}`);
  }
});

async function loadModel(bytes, name = 'model') {
  await stop();
  showError(null);
  const s = readForm();
  const w = getWorker('A', s.flavour);
  await w.ready;
  await ensureData(s.dataset, w);
  const m = await request(w, { type: 'load', bytes }, 'loaded', [bytes.buffer]);
  w.hasModel = true;
  const binaryLayers = binaryLayersOf(m.config);
  const run = newRun('A', name, s, { doc: m.config, binaryLayers });
  run.state.isa = w.info.isa;
  run.state.flavour = w.info.flavour;
  run.state.threads = w.info.threads;
  run.state.step = m.steps;
  run.state.valAccuracy = m.valAccuracy;
  run.state.valLoss = m.valLoss;
  run.predictions = m.predictions;
  runs = [run];
  fillLayerSelects();
  $('#docview').textContent = `// loaded ${name}\n${JSON.stringify(m.config, null, 1)}\n\n${m.summary}`;
  log(`loaded ${name}: ${m.steps} steps, validation accuracy ${(m.valAccuracy * 100).toFixed(1)}%`);
  updateButtons();
  scheduleDraw();
  return publicState(run);
}
window.bnnDemo.loadModel = loadModel;
// ---- deployment export ---------------------------------------------------------------------------
$('#export').addEventListener('click', async () => {
  const w = workers.A;
  if (!w) return;
  const format = $('#export-format').value;
  try {
    const { bytes } = await request(w, { type: 'export', format }, 'exported');
    const s = runs[0]?.settings ?? readForm();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    a.download = `libbnn-${s.model}-${s.dataset}-step${runs[0]?.state.step ?? 0}.${format === 'onnx' ? 'onnx' : 'bnni'}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    log(`exported ${format}: ${bytes.byteLength} bytes (${a.download})`);
  } catch (e) {
    showError(`export ${format}: ${e.message}`);
  }
});

// ---- the teaching views: drawing pad, one neuron, flip heatmap, preset gallery --------------------
let activePreset = '';
const sideBySideChecked = () => form.elements.compare.checked;
function fillLayerSelects() {
  const sel = $('#neuron-layer');
  const keep = sel.value;
  const layers = runs[0]?.binaryLayers ?? [];
  sel.innerHTML = layers.map((l, i) => `<option value="${i}">${l.label}</option>`).join('');
  if (keep && Number(keep) < layers.length) sel.value = keep;
  updateNeuronMax();
}
function updateNeuronMax() {
  const l = runs[0]?.binaryLayers?.[Number($('#neuron-layer').value) || 0];
  const input = $('#neuron-index');
  if (!l) return;
  const units = l.label.startsWith('conv') ? Number(l.label.split(' ')[1]) : l.fanOut;
  input.max = String(Math.max(0, units - 1));
  if (Number(input.value) > units - 1) input.value = String(units - 1);
}
function sendWatch() {
  updateNeuronMax();
  const msg = { type: 'watch', layer: Number($('#neuron-layer').value) || 0, neuron: Math.max(0, Number($('#neuron-index').value) || 0) };
  for (const r of runs) r.fade = null;
  for (const w of Object.values(workers)) w.worker.postMessage(msg);
}
$('#neuron-layer').addEventListener('change', sendWatch);
$('#neuron-index').addEventListener('input', sendWatch);

let padPixels = null;
let classifyPending = false;
let classifyTimer = null;
const pad = drawingPad($('#pad'), (pixels) => {
  padPixels = pixels;
  if (!pixels) for (const r of runs) r.probabilities = null;
  scheduleClassify(true);
});
$('#draw-clear').addEventListener('click', () => pad.clear());
// Classifies the drawing with every run's current model; while training, a few times a second.
function scheduleClassify(now = false) {
  if (!padPixels || classifyTimer) return;
  classifyTimer = setTimeout(classifyPad, now ? 0 : 300);
}
async function classifyPad() {
  classifyTimer = null;
  if (!padPixels || classifyPending) return;
  classifyPending = true;
  const x = new Float32Array(784);
  for (let i = 0; i < 784; ++i) x[i] = padPixels[i] * (2 / 255) - 1;
  try {
    await Promise.all(runs.map(async (r) => {
      const w = workers[r.id];
      if (!w?.info) return;
      const id = Math.random();
      const reply = await new Promise((resolve) => {
        const fn = (m) => { if (m.type === 'classified' && m.id === id) { w.listeners.delete(fn); resolve(m); } };
        w.listeners.add(fn);
        w.worker.postMessage({ type: 'classify', x, id });
      });
      r.probabilities = reply.probabilities;
    }));
  } finally {
    classifyPending = false;
  }
  scheduleDraw();
}

function renderGallery() {
  $('#gallery').innerHTML = '<h2>What the study found, replayed side by side</h2><div class="cards">' +
    Object.entries(PRESETS).map(([k, p]) => `<div class="card" data-preset="${k}"><h3>${p.title}</h3>` +
      `<p><span class="a">A: ${p.a.label}</span> · <span class="b">B: ${p.b.label}</span></p><p class="look">${p.look}</p>` +
      `<button type="button" data-replay="${k}">Replay side by side</button></div>`).join('') + '</div>';
  for (const b of $('#gallery').querySelectorAll('[data-replay]')) {
    b.addEventListener('click', () => start({ preset: b.dataset.replay, compare: true }).catch(() => {}));
  }
}
renderGallery();

// ---- drawing --------------------------------------------------------------------------------------
let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; draw(); });
}
const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–');
const num = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');

function draw() {
  const name = (r, what) => (runs.length > 1 ? `${r.label} ${what}` : what);
  $('#stats tbody').innerHTML = runs.map((r) => {
    const s = r.state;
    return `<tr><td style="color:${COLORS[r.id][0]}">${r.label}${s.running ? ' (training)' : ''}</td><td>${num(s.epoch, 2)}</td><td>${s.step}</td>` +
      `<td>${num(s.trainLoss)}</td><td>${pct(s.trainAccuracy)}</td><td>${pct(s.valAccuracy)}</td>` +
      `<td>${Math.round(s.samplesPerSecond)}</td><td>${s.threads ?? ''}</td><td>${s.flavour ?? ''} / ${s.isa ?? ''}</td></tr>`;
  }).join('');
  lineChart($('#chart-loss'), runs.flatMap((r) => [
    { name: name(r, 'train'), color: COLORS[r.id][0], points: r.history.loss },
    { name: name(r, 'val'), color: COLORS[r.id][1], dash: [5, 3], points: r.history.valLoss },
  ]), { title: 'loss', xLabel: 'epoch', yMin: 0, yCap: lossCap() });
  lineChart($('#chart-acc'), runs.flatMap((r) => [
    { name: name(r, 'train'), color: COLORS[r.id][0], dash: [5, 3], points: r.history.trainAcc },
    { name: name(r, 'val'), color: COLORS[r.id][1], points: r.history.valAcc },
  ]), { title: 'accuracy', xLabel: 'epoch', yMin: 0, yMax: 1 });
  const flipColors = ['#1f5fbf', '#2a9d8f', '#e9a23b', '#8e44ad', '#555'];
  lineChart($('#chart-flip'), runs.flatMap((r) => r.binaryLayers.map((l, i) => ({
    name: runs.length > 1 ? `${r.id}:${l.label}` : l.label,
    color: runs.length > 1 ? COLORS[r.id][i % 2] : flipColors[i % flipColors.length],
    dash: runs.length > 1 && r.id === 'B' ? [5, 3] : [], points: r.history.flip[i] ?? [] }))),
  { title: 'flip ratio per layer', xLabel: 'epoch', logY: true });
  histogramChart($('#chart-hist'), runs.map((r) => r.hist && { ...r.hist, name: runs.length > 1 ? `${r.id}` : r.hist.layer, color: COLORS[r.id][0] }),
    { title: 'latent weights' });
  lineChart($('#chart-speed'), runs.map((r) => ({ name: runs.length > 1 ? r.label : '', color: COLORS[r.id][0], points: r.history.speed })),
    { title: 'training samples/s', xLabel: 'epoch', yMin: 0 });
  drawPredictions();
  drawTeaching();
}

function drawTeaching() {
  const classes = dataset?.classes ?? [];
  $('#draw-what').textContent = (dataset?.name ?? readForm().dataset) === 'mnist' ? 'digit' : 'garment';
  if (classes.length) {
    probabilityBars($('#probs'), classes, runs.map((r) => ({ label: r.label, color: COLORS[r.id][0], probabilities: r.probabilities })));
  }
  runs.forEach((r, i) => {
    const c = $(i === 0 ? '#neuron' : '#neuron-b');
    if (c) r.fade = drawNeuron(c, r.neuron, r.fade);
  });
  $('#neuron-b').hidden = runs.length < 2;
  const n = runs[0]?.neuron;
  $('#neuron-caption').textContent = n
    ? `${n.label}, neuron ${n.neuron} of ${n.neurons}: ${n.signs.length} weights, white +1, black −1, red = flipped in the last frame` +
      (runs.length > 1 ? ' (left A, right B)' : '')
    : 'white +1, black −1; red where the sign flipped since the last frame';
  flipHeatmap($('#heatmap'), runs.map((r) => ({ label: r.label, columns: r.heat, layers: r.binaryLayers.map((l) => l.label) })));
  const p = PRESETS[activePreset];
  const note = $('#preset-note');
  note.hidden = !(p && runs.length > 1);
  if (p) note.innerHTML = `<b>${p.title}</b>: ${p.look}`;
}

// The loss axis ends at twice the largest recent training loss, so that the first evaluation of an
// untrained network (often a huge loss) does not flatten every curve.
function lossCap() {
  const recent = runs.flatMap((r) => r.history.loss.slice(-200).map(([, y]) => y)).filter(Number.isFinite);
  return recent.length ? 2 * Math.max(...recent) : undefined;
}

function drawGrid() {
  const grid = $('#grid');
  if (!dataset || grid.dataset.for === dataset.name) return;
  grid.dataset.for = dataset.name;
  grid.innerHTML = '';
  for (let i = 0; i < GRID_SIZE; ++i) {
    const fig = document.createElement('figure');
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    drawDigit(c, dataset.test.images.subarray(i * 784, (i + 1) * 784));
    const cap = document.createElement('figcaption');
    cap.textContent = dataset.classes[dataset.test.labels[i]];
    fig.append(c, cap);
    grid.append(fig);
  }
  $('#grid-caption').textContent = `(${dataset.title} test set; caption: predicted class, red when wrong)`;
}
function drawPredictions() {
  const run = runs[0];
  if (!dataset || !run?.predictions) return;
  const caps = $('#grid').querySelectorAll('figcaption');
  run.predictions.forEach((p, i) => {
    if (!caps[i]) return;
    const truth = dataset.test.labels[i];
    const other = runs[1]?.predictions?.[i];
    caps[i].textContent = dataset.classes[p] + (other !== undefined && other !== p ? ` | B: ${dataset.classes[other]}` : '');
    caps[i].className = p === truth ? 'ok' : 'bad';
    caps[i].title = `true: ${dataset.classes[truth]}`;
  });
}

function statusLine(extra) {
  const w = workers.A?.info;
  const simd = typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]));
  return [w ? `libbnn ${w.version}, ${w.flavour} build, isa ${w.isa}, ${w.threads} thread${w.threads === 1 ? '' : 's'}`
    : 'libbnn (not loaded yet)', `SIMD128 ${simd ? 'supported' : 'not supported'}`, extra].filter(Boolean).join(' · ');
}

// Why the page trains on one thread when the threaded build cannot run (the loader's reason, e.g.
// no COOP/COEP headers, so no SharedArrayBuffer); null when it runs threaded or one was chosen.
function threadNote() {
  const w = workers.A?.info;
  if (!w || w.threadSupport?.supported !== false) return null;
  return `Training on one thread: ${w.threadSupport.reason}. ` +
    'Serve the demo with wasm/serve.sh (it sends both headers) for the threaded build.';
}
function showThreadNote() {
  const note = threadNote();
  $('#threads-note').hidden = !note;
  $('#threads-note').textContent = note ?? '';
}

// Load the module early so that the status line shows the build; data loads on the first start.
getWorker('A', readForm().flavour).ready
  .then(() => { $('#status').textContent = statusLine('ready'); })
  .catch((e) => { showError(`could not load the wasm module: ${e.message}`); $('#status').textContent = statusLine(); });
window.addEventListener('resize', scheduleDraw);
draw();
