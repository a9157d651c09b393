// A Node client for atomkv, generated at runtime from the .proto with @grpc/proto-loader, and a
// smoke test of it: a set, a check-and-set, a list and a queue message against a running server.
//
//   npm ci --prefix clients/node
//   node clients/node/smoke.mjs [port [run]]  (port default 50051, host 127.0.0.1)
//
// Keys go under ["other-languages", "node", run]; run defaults to a fresh timestamp so the script
// can be rerun against the same server.
//
// Exits 0 when every assertion holds, non-zero with a message otherwise. OtherLanguagesIT runs it.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const here = dirname(fileURLToPath(import.meta.url));
const protoRoot = join(here, '..', '..', 'proto', 'src', 'main', 'proto');
const port = Number(process.argv[2] ?? 50051);
const target = `127.0.0.1:${port}`;

// google/protobuf/{empty,struct}.proto come bundled with protobufjs, which proto-loader uses.
const definition = protoLoader.loadSync('atomkv/v1/kv.proto', {
  includeDirs: [protoRoot],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
const atomkv = grpc.loadPackageDefinition(definition).atomkv.v1;
const kv = new atomkv.KvService(target, grpc.credentials.createInsecure());

/** Calls a unary method with a 10 s deadline and returns a promise of the response. */
function call(method, request) {
  return new Promise((resolve, reject) => {
    kv[method](request, { deadline: Date.now() + 10_000 }, (err, response) =>
      err ? reject(new Error(`${method} failed: ${err.code} ${err.details ?? err.message}`))
        : resolve(response));
  });
}

/**
 * Opens a Listen stream and resolves with its first delivery and the stream. Cancel the stream only
 * after the Ack: closing it ends the leases it holds (the messages count as failed).
 */
function firstDelivery() {
  return new Promise((resolve, reject) => {
    const stream = kv.Listen({ max_in_flight: 1 }, { deadline: Date.now() + 30_000 });
    stream.once('data', (delivery) => resolve({ delivery, stream }));
    stream.on('error', (err) => {
      if (err.code !== grpc.status.CANCELLED) {
        reject(new Error(`Listen failed: ${err.code} ${err.details ?? err.message}`));
      }
    });
  });
}

/** A key from string parts: key('a', 'b') is ["a", "b"]. */
const key = (...parts) => ({ parts: parts.map((s) => ({ string: s })) });
const PREFIX = ['other-languages', 'node', process.argv[3] ?? `run-${Date.now()}`];

async function main() {
  // 1. A set, guarded by an `absent` check: creates the key only if it does not exist yet.
  const user = key(...PREFIX, 'user');
  const created = await call('Atomic', {
    checks: [{ key: user, absent: {} }],
    mutations: [{ key: user, set: { string: 'Ada' } }],
  });
  assert.equal(created.ok, true, 'set with an absent check: ok');
  assert.equal(created.versionstamp.length, 10, 'commit versionstamp is 10 bytes');

  const got = await call('Get', { keys: [user] });
  assert.equal(got.entries.length, 1, 'Get: one entry per key');
  const entry = got.entries[0];
  assert.equal(entry.value.kind, 'string', 'Get: value kind');
  assert.equal(entry.value.string, 'Ada', 'Get: value');
  assert.equal(entry.versionstamp.length, 10, 'Get: 10-byte versionstamp');
  assert.deepEqual(entry.versionstamp, created.versionstamp, 'Get: versionstamp of the commit');

  // 2. Check-and-set: succeeds with the versionstamp just read, fails with it once it is stale.
  const renamed = await call('Atomic', {
    checks: [{ key: user, versionstamp: entry.versionstamp }],
    mutations: [{ key: user, set: { string: 'Ada Lovelace' } }],
  });
  assert.equal(renamed.ok, true, 'check-and-set with the current versionstamp: ok');
  assert.deepEqual(renamed.failed_checks, [], 'check-and-set: no failed checks');

  const stale = await call('Atomic', {
    checks: [{ key: user, versionstamp: entry.versionstamp }],
    mutations: [{ key: user, set: { string: 'Mallory' } }],
  });
  assert.equal(stale.ok, false, 'check-and-set with a stale versionstamp: not ok');
  assert.deepEqual(stale.failed_checks, [0], 'stale check-and-set: failed_checks [0]');
  assert.equal(stale.versionstamp.length, 0, 'stale check-and-set: no versionstamp');
  const after = await call('Get', { keys: [user] });
  assert.equal(after.entries[0].value.string, 'Ada Lovelace', 'the stale write wrote nothing');

  // 3. A few sets under a prefix (one atomic request, written out of order), then a List.
  const names = ['c', 'a', 'b'];
  const listed = await call('Atomic', {
    mutations: names.map((n, i) => ({ key: key(...PREFIX, 'items', n), set: { u64: String(i + 1) } })),
  });
  assert.equal(listed.ok, true, 'sets under a prefix: ok');
  const page = await call('List', { prefix: key(...PREFIX, 'items'), limit: 10 });
  assert.deepEqual(
    page.entries.map((e) => e.key.parts.map((p) => p.string)),
    [['a'], ['b'], ['c']].map((tail) => [...PREFIX, 'items', ...tail]),
    'List: every key under the prefix, in key order');
  assert.deepEqual(page.entries.map((e) => e.value.u64), ['2', '3', '1'], 'List: the values');
  assert.equal(page.cursor, '', 'List: empty cursor when nothing remains');

  // 4. A queue message: enqueued with a set, delivered by the Listen stream, settled with Ack.
  const payload = `${PREFIX.join('/')}/job`;
  const enqueued = await call('Atomic', {
    mutations: [{ key: key(...PREFIX, 'job'), set: { string: 'queued' } }],
    enqueues: [{ payload: { string: payload }, backoff_schedule_ms: ['100'] }],
  });
  assert.equal(enqueued.ok, true, 'enqueue: ok');
  const { delivery, stream } = await firstDelivery();
  assert.equal(delivery.payload.string, payload, 'Listen: the payload');
  assert.equal(delivery.attempt, 1, 'Listen: first attempt');
  assert.deepEqual(delivery.versionstamp, enqueued.versionstamp, 'Listen: the enqueuing commit');
  await call('Ack', { lease_id: delivery.lease_id, success: true });
  await assert.rejects(call('Ack', { lease_id: delivery.lease_id, success: true }),
    /Ack failed: 9 /, 'a settled lease cannot be settled again');
  stream.cancel();

  console.log(`node client OK against ${target}: set, check-and-set, list, queue`);
}

try {
  await main();
} catch (e) {
  console.error(`node client FAILED against ${target}: ${e.message.split('\n')[0]}`);
  if (e instanceof assert.AssertionError) {
    console.error(`  expected: ${JSON.stringify(e.expected)}\n  actual:   ${JSON.stringify(e.actual)}`);
  }
  process.exitCode = 1;
} finally {
  kv.close();
}
