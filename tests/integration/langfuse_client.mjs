// Talks to `maskd serve` exactly like Langfuse's worker calls its masking
// callback: built-in fetch (undici, keep-alive), the worker's headers, one
// AbortController timer of 500 ms over the whole exchange, `response.ok`,
// `await response.json()`, then the worker's use of the answer (an array
// stays an array). Usage: node langfuse_client.mjs MASKD_BIN DIR...
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [maskdBin, ...dirs] = process.argv.slice(2);
const TIMEOUT_MS = 500; // LANGFUSE_INGESTION_MASKING_CALLBACK_TIMEOUT_MS default

function startServer() {
  const child = spawn(maskdBin, ['serve', '--listen', '127.0.0.1:0', '--shards', '2'],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const address = new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/"event":"listening","address":"([^"]+)"/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`maskd exited ${code}: ${log}`)));
    setTimeout(() => reject(new Error(`no listening line: ${log}`)), 30000);
  });
  return { child, address, log: () => log };
}

function typeOf(v) {
  return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
}

async function callback(url, body, projectId) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Langfuse-Org-Id': '', // evaluator traces carry an empty org id
        'X-Langfuse-Project-Id': projectId,
        'x-tenant-region': 'eu-west-1', // an operator-propagated header
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
      body,
      signal: controller.signal,
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}

const server = startServer();
let failures = 0;
try {
  const url = `http://${await server.address}/mask`;
  const files = dirs.flatMap((d) =>
    readdirSync(d).filter((f) => f.endsWith('.json') && !f.endsWith('.manifest.json'))
      .sort().map((f) => join(d, f)));
  if (files.length === 0) throw new Error('no corpus files');
  // The server was just started; Langfuse talks to one that has been up.
  await callback(url, readFileSync(files[0], 'utf8'), 'warm-up');
  for (const file of files) {
    const body = readFileSync(file, 'utf8');
    const t0 = performance.now();
    try {
      const masked = await callback(url, body, 'proj-1');
      const want = typeOf(JSON.parse(body));
      if (typeOf(masked) !== want) throw new Error(`top-level ${typeOf(masked)}, want ${want}`);
      if (want === 'array' && !Array.isArray(masked)) throw new Error('not an array');
      console.log(`ok   ${file} ${(performance.now() - t0).toFixed(1)} ms`);
    } catch (e) {
      failures++;
      console.log(`FAIL ${file}: ${e.message}`);
    }
  }
  console.log(`${files.length - failures}/${files.length} bodies succeeded`);
} catch (e) {
  failures++;
  console.log(`FAIL ${e.message}`);
}
server.child.kill('SIGTERM');
const code = await new Promise((resolve) => server.child.on('exit', (c) => resolve(c)));
if (code !== 0) {
  failures++;
  console.log(`FAIL maskd exit status ${code} after SIGTERM`);
}
process.exit(failures === 0 ? 0 : 1);
