// The npm package (OUTDIR/package, CONTRACT.md "npm package") as a user gets it:
//   1. npm pack -> npm install of the tarball into an empty project -> `import createBnn from 'libbnn'`
//      trains a step under plain Node (no flags);
//   2. an esbuild bundle of the same file (the .wasm files copied next to it, as the package README
//      says) runs, and a browser-platform bundle builds without Node built-ins;
//   3. tsc (npm typescript, --strict) type-checks a TypeScript program against bnn.d.ts and the
//      compiled program runs; `import { Model } from 'libbnn'` used as a value must NOT type-check
//      (bnn.mjs has no such export: the d.ts must say so).
// Run: BNN_WASM_DIR=<wasm/build.sh output> node --test wasm/tests/package.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmDir } from './helpers.mjs';

const WASM = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const BIN = path.join(WASM, 'node_modules', '.bin');

function run(cmd, args, cwd, what) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120000, env: { ...process.env, npm_config_loglevel: 'error' } });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

// The program a user would write: load, build a model, train one step, predict, fail once.
const APP = `
import createBnn, { BnnError, Status } from 'libbnn';
const bnn = await createBnn();
const doc = {
  input_shape: [4],
  layers: [
    { type: 'dense', units: 8, use_bias: false, kernel_quantizer: { type: 'sign', ste: 'clipped' } },
    { type: 'batch_norm' },
    { type: 'dense', units: 2, use_bias: false, input_quantizer: { type: 'sign', ste: 'clipped' },
      kernel_quantizer: { type: 'sign', ste: 'clipped' } },
  ],
  optimizer: { type: 'adam', learning_rate: 0.01 },
  seed: 3,
};
const m = bnn.Model.fromJSON(doc);
const x = new Float32Array([1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1]);
const labels = new Int32Array([0, 1, 0, 1]);
const loss = m.trainStep(x, labels);
const logits = m.predict(x);
let message = '';
try { bnn.Model.fromJSON({ ...doc, bogus: 1 }); } catch (e) { message = e instanceof BnnError ? e.message : 'not a BnnError'; }
console.log(JSON.stringify({ version: bnn.version, flavour: bnn.flavour, isa: bnn.isa, loss,
  logits: logits.length, steps: m.stepCount, message, ok: Status.OK }));
m.free();
`;

// The same in TypeScript, using the declared types (strict mode).
const TS_APP = `
import createBnn, { BnnError, Status, simdSupported, type Bnn, type Model, type EpochRecord } from 'libbnn';

const bnn: Bnn = await createBnn({ flavour: simdSupported() ? 'auto' : 'scalar' });
const m: Model = bnn.Model.fromJSON({
  input_shape: [4],
  layers: [{ type: 'dense', units: 2, use_bias: false, kernel_quantizer: { type: 'sign', ste: 'clipped' } }],
  optimizer: { type: 'sgd', learning_rate: 0.1 },
  training: { epochs: 2, batch_size: 2, validation_split: 0 },
});
const x = new Float32Array([1, 0, 0, 1, 0, 1, 1, 0]);
const loss: number = m.trainStep(x, new Int32Array([0, 1]));
const acc: number = m.lastStepAccuracy;
const { accuracy } = m.evaluate(x, new Int32Array([0, 1]));
m.metadata = { note: 'typed' };
const lr: number = m.getParam('learning_rate');
const bounds: { lo: number; hi: number } = bnn.paramBounds(bnn.Param.LEARNING_RATE);
let code = '';
try { m.setParam('learning_rate', -1); } catch (e) { if (e instanceof BnnError) code = e.code; }
let records: (EpochRecord | null)[] = [];
if (bnn.hasFunction('bnn_trainer_run_epoch')) {
  const t = bnn.Trainer.create(m, { x, labels: [0, 1] }, { x, labels: [0, 1] }, null);
  while (!t.done) records.push(t.runEpoch());
  t.free();
}
console.log(JSON.stringify({ loss, acc, accuracy, lr, lo: bounds.lo, code, ok: Status.OK,
  metadata: m.metadata, records: records.length }));
m.free();
`;

describe('npm package libbnn', () => {
  let tmp;
  let tarball;
  let project;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bnn-npm-'));
    const pkg = path.join(wasmDir(), 'package');
    assert.ok(fs.existsSync(path.join(pkg, 'package.json')), `${pkg}/package.json missing: wasm/build.sh writes it`);
    const out = run('npm', ['pack', '--json', '--pack-destination', tmp, pkg], tmp, 'npm pack');
    const info = JSON.parse(out)[0];
    tarball = path.join(tmp, info.filename);
    const files = info.files.map((f) => f.path).sort();
    const flavours = (process.env.BNN_WASM_FLAVOURS ?? 'simd scalar simd-mt').split(/\s+/).filter(Boolean);
    for (const f of ['bnn.mjs', 'bnn.d.ts', 'bnn-simd.mjs', 'bnn-scalar.mjs', 'bnn-simd-mt.mjs', 'package.json', 'README.md', 'LICENSE',
      ...flavours.map((fl) => `bnn-${fl}.wasm`), ...(flavours.includes('simd-mt') ? ['bnn-simd-mt.worker.js'] : [])]) {
      assert.ok(files.includes(f), `tarball lacks ${f}: ${files}`);
    }
    project = path.join(tmp, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--offline', tarball], project, 'npm install of the tarball');
    fs.writeFileSync(path.join(project, 'app.mjs'), APP);
  });
  after(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('package.json: name, exports, types, files, license', () => {
    const pj = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', 'libbnn', 'package.json'), 'utf8'));
    assert.equal(pj.name, 'libbnn');
    assert.equal(pj.private, undefined);
    assert.equal(pj.type, 'module');
    assert.equal(pj.exports['.'].types, './bnn.d.ts');
    assert.equal(pj.exports['.'].import, './bnn.mjs');
    assert.equal(pj.types, './bnn.d.ts');
    assert.ok(Array.isArray(pj.files));
    const license = fs.readFileSync(path.join(WASM, '..', 'LICENSE'), 'utf8');
    assert.match(license, new RegExp(`^${pj.license} License`), `package.json license ${pj.license} vs LICENSE`);
    assert.ok(fs.existsSync(path.join(project, 'node_modules', 'libbnn', 'LICENSE')));
    // bnn.mjs finds its builds through static imports and new URL(literal, import.meta.url)
    const src = fs.readFileSync(path.join(project, 'node_modules', 'libbnn', 'bnn.mjs'), 'utf8');
    assert.match(src, /import createSimdModule from '\.\/bnn-simd\.mjs'/);
    assert.match(src, /new URL\('\.\/bnn-simd\.wasm', import\.meta\.url\)/);
    assert.doesNotMatch(src, /import\(\s*[a-zA-Z_`]/, 'a computed import() of a build');
  });

  test('installed from the tarball: import createBnn from "libbnn" trains a step in plain Node', () => {
    const out = JSON.parse(run(process.execPath, ['app.mjs'], project, 'node app.mjs').trim());
    assert.match(out.version, /^\d+\.\d+\.\d+$/);
    assert.ok(Number.isFinite(out.loss) && out.loss > 0, `loss ${out.loss}`);
    assert.equal(out.steps, 1);
    assert.equal(out.logits, 8);
    assert.match(out.message, /bogus/);
    console.log(`# npm package: ${out.flavour} build, isa ${out.isa}, first loss ${out.loss.toFixed(4)}`);
  });

  test('an esbuild bundle of the same file runs; a browser bundle has no Node built-ins', () => {
    const dist = path.join(project, 'dist');
    run(path.join(BIN, 'esbuild'), ['app.mjs', '--bundle', '--platform=node', '--format=esm', '--log-level=warning',
      `--outfile=${path.join(dist, 'app.mjs')}`], project, 'esbuild (node)');
    // the .wasm files, and the threaded build's Worker script and the module script it imports
    // (README.md "Bundlers"): without the last two, bnn.mjs falls back to one thread
    for (const f of fs.readdirSync(path.join(project, 'node_modules', 'libbnn'))
      .filter((f) => f.endsWith('.wasm') || f.startsWith('bnn-simd-mt.'))) {
      fs.copyFileSync(path.join(project, 'node_modules', 'libbnn', f), path.join(dist, f));
    }
    // moved away from node_modules: the bundle must not reach back into the package
    const moved = path.join(tmp, 'bundle-only');
    fs.renameSync(dist, moved);
    const out = JSON.parse(run(process.execPath, ['app.mjs'], moved, 'node dist/app.mjs (bundle)').trim());
    assert.ok(Number.isFinite(out.loss) && out.loss > 0);
    assert.equal(out.steps, 1);
    const viaPackage = JSON.parse(run(process.execPath, ['app.mjs'], project, 'node app.mjs').trim());
    assert.equal(out.flavour, viaPackage.flavour, 'the bundle loads the same build as the package');
    assert.equal(out.loss, viaPackage.loss);
    // without the threaded build's two scripts the bundle still runs, on one thread
    for (const f of fs.readdirSync(moved).filter((f) => f.startsWith('bnn-simd-mt.') && !f.endsWith('.wasm'))) {
      fs.rmSync(path.join(moved, f));
    }
    const single = JSON.parse(run(process.execPath, ['app.mjs'], moved, 'node dist/app.mjs (bundle, no worker script)').trim());
    assert.equal(single.flavour, 'simd');
    assert.equal(single.loss, viaPackage.loss);
    run(path.join(BIN, 'esbuild'), ['app.mjs', '--bundle', '--platform=browser', '--format=esm', '--log-level=warning',
      `--outfile=${path.join(project, 'web', 'app.js')}`], project, 'esbuild (browser)');
    const web = fs.readFileSync(path.join(project, 'web', 'app.js'), 'utf8');
    assert.doesNotMatch(web, /from ['"]node:/);
  });

  test('tsc --strict type-checks a program against bnn.d.ts, and it runs', () => {
    const tsdir = path.join(project, 'ts');
    fs.mkdirSync(tsdir, { recursive: true });
    fs.writeFileSync(path.join(tsdir, 'main.ts'), TS_APP);
    const common = ['--strict', '--noEmitOnError', '--target', 'es2022', '--module', 'nodenext',
      '--moduleResolution', 'nodenext', '--lib', 'es2022,dom'];
    run(path.join(BIN, 'tsc'), [...common, '--outDir', path.join(tsdir, 'out'), path.join(tsdir, 'main.ts')], project, 'tsc main.ts');
    // main.ts sits in the project (type: module), so the emitted .js is an ES module
    const out = JSON.parse(run(process.execPath, [path.join(tsdir, 'out', 'main.js')], project, 'node main.js').trim());
    assert.ok(out.loss > 0);
    assert.equal(out.code, 'OUT_OF_RANGE');
    assert.deepEqual(out.metadata, { note: 'typed' });
    assert.ok(out.lo >= 0);

    // The old d.ts declared `export class Model`, which bnn.mjs never exported.
    fs.writeFileSync(path.join(tsdir, 'bad.ts'), "import { Model } from 'libbnn';\nconsole.log(Model.fromJSON({}));\n");
    const r = spawnSync(path.join(BIN, 'tsc'), [...common, '--noEmit', path.join(tsdir, 'bad.ts')],
      { cwd: project, encoding: 'utf8' });
    assert.notEqual(r.status, 0, 'import { Model } used as a value type-checked');
    assert.match(r.stdout + r.stderr, /Model/);
  });

  test('the d.ts declares exactly the runtime exports of bnn.mjs', async () => {
    const mod = await import(path.join(project, 'node_modules', 'libbnn', 'bnn.mjs'));
    const dts = fs.readFileSync(path.join(project, 'node_modules', 'libbnn', 'bnn.d.ts'), 'utf8');
    const declared = [...dts.matchAll(/^export declare (?:const|function|class) (\w+)/gm)].map((m) => m[1]);
    if (/^export default /m.test(dts)) declared.push('default');
    assert.deepEqual(declared.sort(), Object.keys(mod).sort());
  });
});

