// The npm client (@deno/kv in Node, HTTP/1.1) against atomkv's KV Connect edge.
// KvConnectClientsIT starts the server and runs: node --test clients/kvconnect/kv_node_test.mjs
// with KV_URL, DENO_KV_ACCESS_TOKEN, KV_READONLY_TOKEN and KV_RUN set. Every test keeps its keys
// under [KV_RUN, "node", <test name>].
import assert from "node:assert/strict";
import { test } from "node:test";
import { KvU64, openKv } from "@deno/kv";
import { rejectsWith } from "./assertions.mjs";

const URL = process.env.KV_URL;
const RUN = process.env.KV_RUN;
const TOKEN = process.env.DENO_KV_ACCESS_TOKEN;
const READONLY_TOKEN = process.env.KV_READONLY_TOKEN;
const ZERO = "00000000000000000000";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function kvTest(name, fn) {
  test(name, async () => {
    const kv = await openKv(URL, { accessToken: TOKEN });
    try {
      await fn(kv, [RUN, "node", name]);
    } finally {
      kv.close();
    }
  });
}

async function collect(iterator) {
  const entries = [];
  for await (const e of iterator) entries.push(e);
  return entries;
}

kvTest("basic read, write, delete and versionstamps", async (kv, ns) => {
  const k = [...ns, "a"];
  assert.deepEqual(await kv.get(k), { key: k, value: null, versionstamp: null });
  const r1 = await kv.set(k, "b");
  assert.ok(r1.ok && r1.versionstamp > ZERO);
  assert.deepEqual(await kv.get(k), { key: k, value: "b", versionstamp: r1.versionstamp });
  const r2 = await kv.set(k, "c");
  assert.ok(r2.versionstamp > r1.versionstamp);
  await kv.delete(k);
  assert.equal((await kv.get(k)).value, null);
});

const VALUES = [
  ["string", "hello"],
  ["two-byte string", "h€llo ✓ 😀"],
  ["number", 42],
  ["fraction", -1.25],
  ["bigint", 42n],
  ["boolean", true],
  ["null", null],
  ["undefined", undefined],
  ["Date", new Date(0)],
  ["Uint8Array", new Uint8Array([1, 2, 3])],
  ["array", [1, "two", [3]]],
  ["object", { a: 1, b: { c: [true, null] } }],
  ["Map", new Map([["k", "v"]])],
  ["KvU64", new KvU64(9n)],
];

for (const [name, value] of VALUES) {
  kvTest(`set and get ${name} value`, async (kv, ns) => {
    await kv.set([...ns, "v"], value);
    assert.deepStrictEqual((await kv.get([...ns, "v"])).value, value);
  });
}

kvTest("typed key parts", async (kv, ns) => {
  const k = [...ns, "a", 1, 1n, true, false, new Uint8Array([0, 1]), -2.5, 2n ** 65n];
  await kv.set(k, "typed");
  const got = await kv.get(k);
  assert.deepStrictEqual(got.key, k);
  assert.equal(got.value, "typed");
});

kvTest("check and set, present and absent, several checks", async (kv, ns) => {
  const [a, b] = [[...ns, "a"], [...ns, "b"]];
  assert.ok((await kv.atomic().check({ key: a, versionstamp: null }).set(a, 1).commit()).ok);
  assert.equal((await kv.atomic().check({ key: a, versionstamp: null }).set(a, 2).commit()).ok,
    false);
  const ea = await kv.get(a);
  await kv.set(b, 1);
  const eb = await kv.get(b);
  assert.ok((await kv.atomic().check(ea).check(eb).set(a, 3).set(b, 3).commit()).ok);
  assert.equal((await kv.atomic().check(ea).set(a, 4).commit()).ok, false);
  assert.deepEqual((await kv.getMany([a, b])).map((e) => e.value), [3, 3]);
});

kvTest("sum, min and max on KvU64", async (kv, ns) => {
  const k = [...ns, "n"];
  await kv.atomic().sum(k, 5n).commit();
  await kv.atomic().sum(k, 0xffffffffffffffffn).commit(); // wraps: 5 - 1
  assert.deepStrictEqual((await kv.get(k)).value, new KvU64(4n));
  await kv.atomic().max(k, 10n).commit();
  await kv.atomic().min(k, 7n).commit();
  assert.deepStrictEqual((await kv.get(k)).value, new KvU64(7n));
});

kvTest("a type error reaches the program with Deno's message", async (kv, ns) => {
  const k = [...ns, "s"];
  await kv.set(k, "text");
  await rejectsWith(() => kv.atomic().sum(k, 1n).commit(),
    "Failed to perform 'sum' mutation on a non-U64 value in the database");
  await kv.set(k, new KvU64(1n));
  await rejectsWith(() => kv.atomic().mutate({ key: k, type: "sum", value: 1 }).commit(),
    "Cannot sum KvU64 with Number");
});

kvTest("sum of JavaScript numbers", async (kv, ns) => {
  const k = [...ns, "n"];
  await kv.set(k, 10);
  await kv.atomic().mutate({ key: k, type: "sum", value: 0.5 }).commit();
  assert.equal((await kv.get(k)).value, 10.5);
});

kvTest("list with prefix, range, reverse, limit, batch size and cursors", async (kv, ns) => {
  const op = kv.atomic();
  for (const c of ["a", "b", "c", "d", "e"]) op.set([...ns, "a", c], c);
  op.set([...ns, "a"], "root").set([...ns, "b"], "after");
  await op.commit();
  const keys = async (it) => (await collect(it)).map((e) => e.key.slice(3).join("/"));
  const a = [...ns, "a"];
  assert.deepEqual(await keys(kv.list({ prefix: a })), ["a/a", "a/b", "a/c", "a/d", "a/e"]);
  assert.deepEqual(await keys(kv.list({ prefix: a }, { reverse: true, limit: 2 })),
    ["a/e", "a/d"]);
  assert.deepEqual(await keys(kv.list({ prefix: a }, { batchSize: 2 })),
    ["a/a", "a/b", "a/c", "a/d", "a/e"]);
  assert.deepEqual(await keys(kv.list({ start: a, end: [...a, "c"] })), ["a", "a/a", "a/b"]);
  const it = kv.list({ prefix: a }, { limit: 2 });
  assert.deepEqual(await keys(it), ["a/a", "a/b"]);
  // the npm client's cursors are its own (not Deno's format); they resume all the same
  assert.deepEqual(await keys(kv.list({ prefix: a }, { cursor: it.cursor })),
    ["a/c", "a/d", "a/e"]);
});

kvTest("expireIn", async (kv, ns) => {
  const k = [...ns, "e"];
  await kv.set(k, "soon gone", { expireIn: 500 });
  assert.equal((await kv.get(k)).value, "soon gone");
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    if ((await kv.get(k)).value === null) return;
  }
  assert.fail("value did not expire");
});

kvTest("a read-only token reads but cannot write", async (kv, ns) => {
  await kv.set([...ns, "a"], 1);
  const ro = await openKv(URL, { accessToken: READONLY_TOKEN });
  try {
    assert.equal((await ro.get([...ns, "a"])).value, 1);
    await rejectsWith(() => ro.set([...ns, "a"], 2), "This database is read only.");
  } finally {
    ro.close();
  }
});

kvTest("plain JSON values read back exactly, key order included", async (kv, ns) => {
  // The server stores plain-JSON V8 values as json and writes V8 back itself: what comes back
  // must equal the original, including key order, integer-like keys and -0.
  const value = { z: 1, a: [1.5, "x", { "10": true, "2": null }], "€": "two-byte", n: -0 };
  await kv.set([...ns, "j"], value);
  const back = (await kv.get([...ns, "j"])).value;
  assert.deepStrictEqual(back, value);
  assert.deepEqual(Object.keys(back), Object.keys(value));
  assert.deepEqual(Object.keys(back.a[2]), ["2", "10"]);
  assert.ok(Object.is(back.n, -0));
});

kvTest("key watch", async (kv, ns) => {
  // The npm client holds back a first state in which every key is missing, so one exists first.
  const k = [...ns, "w"];
  const before = await kv.set(k, "before");
  const reader = kv.watch([k]).getReader();
  try {
    const first = await reader.read();
    assert.deepEqual(first.value, [{ key: k, value: "before", versionstamp: before.versionstamp }]);
    const { versionstamp } = await kv.set(k, "watched");
    const second = await reader.read();
    assert.deepEqual(second.value, [{ key: k, value: "watched", versionstamp }]);
    await kv.delete(k);
    assert.deepEqual((await reader.read()).value, [{ key: k, value: null, versionstamp: null }]);
  } finally {
    await reader.cancel();
  }
});
