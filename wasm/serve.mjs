// A tiny static file server for the built demo (wasm/build.sh output), on 127.0.0.1 only.
// Usage: node wasm/serve.mjs DIR [PORT] [--no-isolation]   (PORT 0 = any free port; the URL is printed)
// Also imported by the browser test and the benchmark: startServer(dir, port, host, options) -> {url, close}.
//
// Every response carries Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy:
// require-corp, which make the page cross-origin isolated: only then does the browser give it
// SharedArrayBuffer, which the threaded build (bnn-simd-mt) needs. Everything the demo loads is
// same-origin, so require-corp blocks nothing. --no-isolation (options.isolation false) leaves
// the headers out: the page then falls back to one thread and says why.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',           // needed for streaming compilation
  '.ts': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip',             // served as is: the page decompresses it itself
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bnn': 'application/octet-stream',
};

export const ISOLATION_HEADERS = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
});

export function startServer(dir, port = 0, host = '127.0.0.1', { isolation = true } = {}) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, path.normalize(rel));
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${rel}`);
        return;
      }
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': st.size,
        'Cache-Control': 'no-cache',
        ...(isolation ? ISOLATION_HEADERS : {}),
      });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: p } = server.address();
      resolve({ url: `http://${host}:${p}/`, port: p,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const isolation = !process.argv.includes('--no-isolation');
  const [dir, port] = process.argv.slice(2).filter((a) => a !== '--no-isolation');
  if (!dir || !fs.existsSync(path.join(dir, 'index.html'))) {
    console.error('usage: node serve.mjs DIR [PORT] [--no-isolation]  (DIR = output of wasm/build.sh, with index.html)');
    process.exit(2);
  }
  const { url } = await startServer(dir, Number(port ?? 8080), '127.0.0.1', { isolation });
  console.log(`serving ${path.resolve(dir)} at ${url}  (Ctrl-C to stop)` +
    (isolation ? '' : '\n  without COOP/COEP headers: not cross-origin isolated, so the demo runs on one thread'));
}
