// Training throughput of the same models in Chromium (wasm SIMD128 on 2 threads, SIMD128 and scalar
// builds) and natively, in one run; prints the ratios and writes them into docs/WASM.md (between
// the bench markers). The page is served cross-origin isolated (serve.mjs), so the threaded build runs.
//
// Usage: node wasm/bench.mjs [--seconds S] [--no-write]
// Environment: BNN_WASM_DIR  output of wasm/build.sh (default: built into build-wasm/bench-out)
//              BNN_BUILD_DIR native build holding libbnn.so (default: build/)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WASM = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(WASM);
const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1] || 0) || 4;
const write = !args.includes('--no-write');
const MT_THREADS = 2;  // the threaded build's row: 2 threads (the cores of the machine it was written for)

const dense = (units, first, last) => [
  { type: 'dense', units, use_bias: false, input_quantizer: first ? null : { type: 'sign', ste: 'clipped', clip: 1 },
    kernel_quantizer: { type: 'sign', ste: 'clipped', clip: 1 } },
  { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
];
const doc = (layers, inputShape = [784]) => ({ input_shape: inputShape, layers, loss: 'cross_entropy',
  optimizer: { type: 'adam', learning_rate: 0.001 }, weight_clip: { mode: 'fixed', value: 1 }, lr_scale: 'none', seed: 1 });
const MODELS = [
  { name: 'MLP 784-256-10 (demo default)', batch: 100, doc: doc([...dense(256, true), ...dense(10)]) },
  { name: 'MLP 784-1024-1024-10', batch: 100, doc: doc([...dense(1024, true), ...dense(1024), ...dense(10)]) },
  { name: 'CNN conv16-pool-conv32-pool-128-10 (demo CNN)', batch: 50, doc: doc([
    { type: 'conv2d', filters: 16, kernel_size: [3, 3], padding: 'same', use_bias: false, input_quantizer: null,
      kernel_quantizer: { type: 'sign', ste: 'clipped', clip: 1 } },
    { type: 'max_pool2d', pool_size: [2, 2] }, { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
    { type: 'conv2d', filters: 32, kernel_size: [3, 3], padding: 'same', use_bias: false,
      input_quantizer: { type: 'sign', ste: 'clipped', clip: 1 }, kernel_quantizer: { type: 'sign', ste: 'clipped', clip: 1 } },
    { type: 'max_pool2d', pool_size: [2, 2] }, { type: 'batch_norm', momentum: 0.9, epsilon: 1e-5 },
    { type: 'flatten' }, ...dense(128), ...dense(10)], [28, 28, 1]) },
];

function sh(cmd, argv, opts = {}) {
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts });
}

// ---- builds ---------------------------------------------------------------------------------------
let wasmDir = process.env.BNN_WASM_DIR;
if (!wasmDir) {
  wasmDir = path.join(ROOT, 'build-wasm', 'bench-out');
  console.error(`building the wasm module into ${wasmDir}`);
  execFileSync('bash', [path.join(WASM, 'build.sh'), wasmDir], { stdio: ['ignore', 'ignore', 'inherit'] });
}
process.env.BNN_WASM_DIR = wasmDir;
const buildDir = process.env.BNN_BUILD_DIR ?? path.join(ROOT, 'build');
const lib = path.join(buildDir, 'libbnn.so');
if (!fs.existsSync(lib)) {
  console.error(`no native ${lib}: build natively first (cmake -S . -B build && cmake --build build -j2) or set BNN_BUILD_DIR`);
  process.exit(1);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bnn-bench-'));
const tool = path.join(tmp, 'native_tool');
sh('cc', ['-O2', '-std=c99', '-D_POSIX_C_SOURCE=199309L', '-I', path.join(ROOT, 'include'),
  path.join(WASM, 'tests', 'native_tool.c'), `-L${buildDir}`, '-lbnn', `-Wl,-rpath,${buildDir}`, '-o', tool]);

// ---- measurements ---------------------------------------------------------------------------------
const { openBrowser } = await import('./tests/browser.mjs');
const env = await openBrowser();
const rows = [];
let chromiumVersion = '';
try {
  chromiumVersion = env.browser.version();
  const page = await env.browser.newPage();
  await page.goto(`${env.url}bench.html`);
  await page.waitForFunction(() => window.benchReady === true);
  for (const model of MODELS) {
    const docFile = path.join(tmp, 'doc.json');
    fs.writeFileSync(docFile, JSON.stringify(model.doc));
    const row = { model: model.name, batch: model.batch };
    for (const [flavour, threads] of [['simd', 1], ['simd-mt', MT_THREADS], ['scalar', 1]]) {
      const r = await page.evaluate(([f, d, b, s, t]) => window.runBench(f, d, b, s, t),
        [flavour, model.doc, model.batch, seconds, threads]);
      if (r.threads !== threads) throw new Error(`${flavour}: ${r.threads} threads, wanted ${threads}`);
      row[flavour] = r.samplesPerSecond;
      row[`${flavour}Isa`] = r.isa;
    }
    for (const threads of [1, 0]) {
      const out = sh(tool, ['bench', docFile, String(model.batch), String(seconds), String(threads)]);
      const m = out.match(/samples_per_second ([\d.]+) isa (\S+) threads (\d+)/);
      if (!m) throw new Error(`native_tool: unexpected output ${out}`);
      row[threads === 1 ? 'native1' : 'nativeAll'] = Number(m[1]);
      row.nativeIsa = m[2];
      if (threads === 0) row.nativeThreads = Number(m[3]);
    }
    rows.push(row);
    console.error(`${model.name}: ${JSON.stringify(row)}`);
  }
} finally {
  await env.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

// ---- report ---------------------------------------------------------------------------------------
const f0 = (v) => Math.round(v).toLocaleString('en-US');
const f2 = (v) => v.toFixed(2);
const cpu = (os.cpus()[0]?.model ?? 'unknown CPU').trim();
const lines = [
  `Measured ${new Date().toISOString().slice(0, 10)} by \`node wasm/bench.mjs\` on ${cpu} (${os.cpus().length} cores, shared), ` +
  `Chromium ${chromiumVersion}, Emscripten 3.1.6; ${seconds} s per measurement, training samples/s (higher is better).`,
  `wasm SIMD128 and scalar run on one thread, the threaded build (simd-mt) on ${MT_THREADS} (the page's thread and a ` +
  `pool Worker); native is given 1 thread and then all (${rows[0]?.nativeThreads ?? '?'}).`,
  '',
  `| model (batch) | wasm SIMD128 | wasm SIMD128, ${MT_THREADS} threads | wasm scalar | native 1 thread | native all threads | ` +
  `${MT_THREADS} threads / 1 | SIMD / scalar | native(1) / SIMD | native(all) / SIMD ${MT_THREADS} threads |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.model} (${r.batch}) | ${f0(r.simd)} | ${f0(r['simd-mt'])} | ${f0(r.scalar)} | ${f0(r.native1)} | ` +
    `${f0(r.nativeAll)} | ${f2(r['simd-mt'] / r.simd)}× | ${f2(r.simd / r.scalar)}× | ${f2(r.native1 / r.simd)}× | ` +
    `${f2(r.nativeAll / r['simd-mt'])}× |`),
  '',
  `ISAs: wasm SIMD builds \`${rows[0]?.simdIsa}\` / \`${rows[0]?.['simd-mtIsa']}\`, scalar build \`${rows[0]?.scalarIsa}\`, ` +
  `native \`${rows[0]?.nativeIsa}\`.`,
];
const table = lines.join('\n');
console.log(table);

if (write) {
  const docPath = path.join(ROOT, 'docs', 'WASM.md');
  const begin = '<!-- bench:begin (written by wasm/bench.mjs) -->';
  const end = '<!-- bench:end -->';
  let text = fs.existsSync(docPath) ? fs.readFileSync(docPath, 'utf8') : `# WebAssembly\n\n## Performance\n\n${begin}\n${end}\n`;
  if (!text.includes(begin)) text += `\n## Performance\n\n${begin}\n${end}\n`;
  // (not a RegExp: the marker's parentheses would be a group, and nothing would be replaced)
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  text = text.slice(0, from) + `${begin}\n${table}\n${end}` + text.slice(to + end.length);
  fs.writeFileSync(docPath, text);
  console.error(`wrote ${path.relative(ROOT, docPath)}`);
}
