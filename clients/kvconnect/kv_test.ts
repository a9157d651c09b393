// Deno's own KV client (Deno.openKv over KV Connect) against atomkv. KvConnectClientsIT starts the
// server and runs: deno test -A --unstable-kv clients/kvconnect/kv_test.ts
// with KV_URL, DENO_KV_ACCESS_TOKEN, KV_READONLY_TOKEN and KV_RUN (a namespace for this run) set.
// Every test keeps its keys under [KV_RUN, <test name>], so the tests share one database safely.
// The topics follow Deno's own tests/unit/kv_test.ts; the code is this project's.
import assert from "node:assert/strict";
import { rejectsWith } from "./assertions.mjs";

const URL = Deno.env.get("KV_URL")!;
const RUN = Deno.env.get("KV_RUN")!;
const READONLY_TOKEN = Deno.env.get("KV_READONLY_TOKEN")!;
const ZERO = "00000000000000000000";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kvTest(name: string, fn: (kv: Deno.Kv, ns: string[]) => Promise<void>) {
  Deno.test(name, async () => {
    const kv = await Deno.openKv(URL);
    try {
      await fn(kv, [RUN, name]);
    } finally {
      kv.close();
    }
  });
}

kvTest("basic read, write, delete and versionstamps", async (kv, ns) => {
  const k = [...ns, "a"];
  assert.deepEqual(await kv.get(k), { key: k, value: null, versionstamp: null });
  const r1 = await kv.set(k, "b");
  assert.ok(r1.ok && r1.versionstamp > ZERO);
  assert.deepEqual(await kv.get(k), { key: k, value: "b", versionstamp: r1.versionstamp });
  const r2 = await kv.set(k, "c");
  assert.ok(r2.versionstamp > r1.versionstamp);
  assert.equal((await kv.get(k)).versionstamp, r2.versionstamp);
  await kv.delete(k);
  assert.deepEqual(await kv.get(k), { key: k, value: null, versionstamp: null });
});

const VALUES: [string, unknown][] = [
  ["string", "hello"],
  ["two-byte string", "h€llo wörld ✓"],
  ["astral string", "emoji 😀"],
  ["empty string", ""],
  ["number", 42],
  ["negative number", -7],
  ["fraction", 1.5],
  ["large number", 2 ** 53],
  ["negative zero", -0],
  ["NaN", NaN],
  ["Infinity", Infinity],
  ["bigint", 42n],
  ["huge bigint", -(2n ** 100n)],
  ["boolean", true],
  ["false", false],
  ["null", null],
  ["undefined", undefined],
  ["Date", new Date(0)],
  ["Uint8Array", new Uint8Array([1, 2, 3])],
  ["ArrayBuffer", new ArrayBuffer(3)],
  ["array", [1, 2, 3]],
  ["array with holes", [1, , 3]],
  ["empty array", []],
  ["object", { a: 1, b: 2 }],
  ["empty object", {}],
  ["integer-like keys", { "1": "one", b: "bee", "0": "zero" }],
  ["nested array", [[1, 2], [3, 4]]],
  ["nested object", { a: { b: 1 }, c: ["x", { d: null }] }],
  ["object with undefined", { a: undefined }],
  ["Map", new Map([["a", 1]])],
  ["Set", new Set([1, 2])],
  ["RegExp", /ab+c/gi],
  ["KvU64", new Deno.KvU64(7n)],
];

for (const [name, value] of VALUES) {
  kvTest(`set and get ${name} value`, async (kv, ns) => {
    const k = [...ns, "v"];
    const res = await kv.set(k, value);
    const got = await kv.get(k);
    assert.deepEqual(got.key, k);
    assert.deepStrictEqual(got.value, value);
    assert.equal(got.versionstamp, res.versionstamp);
    if (name === "integer-like keys" || name === "object") {
      assert.deepEqual(Object.keys(got.value as object), Object.keys(value as object));
    }
    if (name === "negative zero") assert.ok(Object.is(got.value, -0));
  });
}

kvTest("set and get a recursive object", async (kv, ns) => {
  // deno-lint-ignore no-explicit-any
  const value: any = { a: undefined };
  value.a = value;
  await kv.set([...ns, "r"], value);
  // deno-lint-ignore no-explicit-any
  const got: any = (await kv.get([...ns, "r"])).value;
  assert.ok(got.a === got);
});

kvTest("invalid values are refused before they are stored", async (kv, ns) => {
  for (const value of [() => {}, Symbol(), new WeakMap(), new SharedArrayBuffer(3)]) {
    await assert.rejects(async () => await kv.set([...ns, "x"], value));
  }
  assert.equal((await kv.get([...ns, "x"])).value, null);
});

const KEYS: Deno.KvKey[] = [
  ["a"],
  ["a", "b"],
  ["a", "b", "c"],
  [1],
  ["a", 1],
  ["a", 1, "b"],
  [1n],
  ["a", 1n],
  ["a", 1n, "b"],
  [true],
  ["a", true],
  ["a", true, "b"],
  [new Uint8Array([1, 2, 3])],
  ["a", new Uint8Array([1, 2, 3])],
  ["a", new Uint8Array([0, 1, 0]), "b"],
  [1, 1n, true, new Uint8Array([1, 2, 3]), "a"],
  [-1.5, -0, 0, Infinity, -Infinity, NaN],
  [2n ** 64n, -(2n ** 70n), 0n, -1n],
  ["a\u0000b", ""],
  [false],
];

for (const key of KEYS) {
  kvTest(`set and get ${Deno.inspect(key)} key`, async (kv, ns) => {
    const k = [...ns, ...key];
    await kv.set(k, "b");
    const got = await kv.get(k);
    assert.deepStrictEqual(got.key, k);
    assert.equal(got.value, "b");
  });
}

kvTest("invalid keys are refused", async (kv, ns) => {
  // deno-lint-ignore no-explicit-any
  for (const part of [null, undefined, {}, new Date(), new ArrayBuffer(3), ["a"]] as any[]) {
    await assert.rejects(async () => await kv.set([...ns, part], "b"));
  }
});

kvTest("key ordering", async (kv, ns) => {
  await kv.atomic()
    .set([...ns, true], 0).set([...ns, 3.14], 0).set([...ns, false], 0)
    .set([...ns, 1n], 0).set([...ns, "a"], 0).set([...ns, new Uint8Array([1])], 0)
    .commit();
  const keys = (await Array.fromAsync(kv.list({ prefix: ns }))).map((e) => e.key.slice(2));
  assert.deepStrictEqual(keys, [[new Uint8Array([1])], ["a"], [1n], [3.14], [false], [true]]);
});

kvTest("compare and mutate", async (kv, ns) => {
  const k = [...ns, "t"];
  await kv.set(k, "1");
  const current = await kv.get(k);
  let res = await kv.atomic().check(current).set(k, "2").commit();
  assert.ok(res.ok && res.versionstamp > current.versionstamp!);
  assert.equal((await kv.get(k)).value, "2");
  res = await kv.atomic().check(current).set(k, "3").commit();
  assert.deepEqual(res, { ok: false });
  assert.equal((await kv.get(k)).value, "2");
});

kvTest("compare and mutate not exists", async (kv, ns) => {
  const k = [...ns, "t"];
  let res = await kv.atomic().check({ key: k, versionstamp: null }).set(k, "1").commit();
  assert.ok(res.ok);
  assert.equal((await kv.get(k)).value, "1");
  res = await kv.atomic().check({ key: k, versionstamp: null }).set(k, "2").commit();
  assert.equal(res.ok, false);
  assert.equal((await kv.get(k)).value, "1");
});

kvTest("compare multiple and mutate", async (kv, ns) => {
  const [k1, k2] = [[...ns, "t1"], [...ns, "t2"]];
  await kv.set(k1, "1");
  await kv.set(k2, "2");
  const [c1, c2] = await kv.getMany([k1, k2]);
  const res = await kv.atomic().check(c1).check(c2).set(k1, "3").set(k2, "4").commit();
  assert.ok(res.ok);
  const [n1, n2] = await kv.getMany([k1, k2]);
  assert.equal(n1.versionstamp, res.versionstamp);
  assert.equal(n2.versionstamp, res.versionstamp);
  // one of two checks fails: nothing is written
  const res2 = await kv.atomic().check(n1).check({ key: k2, versionstamp: null })
    .set(k1, "5").set(k2, "6").commit();
  assert.equal(res2.ok, false);
  assert.deepEqual((await kv.getMany([k1, k2])).map((e) => e.value), ["3", "4"]);
});

kvTest("an atomic write without mutations commits", async (kv, ns) => {
  const res = await kv.atomic().check({ key: [...ns, "none"], versionstamp: null }).commit();
  assert.ok(res.ok && res.versionstamp > ZERO);
});

kvTest("mutation ordering: set before delete", async (kv, ns) => {
  const k = [...ns, "a"];
  await kv.set(k, "1");
  assert.ok((await kv.atomic().set(k, "2").delete(k).commit()).ok);
  assert.equal((await kv.get(k)).value, null);
});

kvTest("mutation ordering: delete before set", async (kv, ns) => {
  const k = [...ns, "a"];
  await kv.set(k, "1");
  assert.ok((await kv.atomic().delete(k).set(k, "2").commit()).ok);
  assert.equal((await kv.get(k)).value, "2");
});

kvTest("mutate set, overwrite, delete and delete of a missing key", async (kv, ns) => {
  const k = [...ns, "a"];
  assert.ok((await kv.atomic().mutate({ key: k, value: "1", type: "set" }).commit()).ok);
  assert.equal((await kv.get(k)).value, "1");
  await kv.atomic().mutate({ key: k, value: "2", type: "set" }).commit();
  assert.equal((await kv.get(k)).value, "2");
  await kv.atomic().mutate({ key: k, type: "delete" }).commit();
  assert.equal((await kv.get(k)).value, null);
  assert.ok((await kv.atomic().mutate({ key: [...ns, "never"], type: "delete" }).commit()).ok);
});

const U64 = (n: bigint) => new Deno.KvU64(n);

for (const [type, start, operand, expected] of [
  ["sum", 10n, 1n, 11n],
  ["min", 10n, 5n, 5n],
  ["min", 5n, 15n, 5n],
  ["max", 10n, 5n, 10n],
  ["max", 10n, 15n, 15n],
] as ["sum" | "min" | "max", bigint, bigint, bigint][]) {
  kvTest(`mutate ${type} ${start} with ${operand}`, async (kv, ns) => {
    const k = [...ns, "a"];
    await kv.set(k, U64(start));
    assert.ok((await kv.atomic().mutate({ key: k, value: U64(operand), type }).commit()).ok);
    assert.deepStrictEqual((await kv.get(k)).value, U64(expected));
  });

  kvTest(`mutate ${type} with ${operand} on a missing key stores the operand`, async (kv, ns) => {
    const k = [...ns, "a"];
    await kv.atomic().mutate({ key: k, value: U64(operand), type }).commit();
    assert.deepStrictEqual((await kv.get(k)).value, U64(operand));
  });

  kvTest(`mutate ${type} ${start} with ${operand} on a non-U64 value`, async (kv, ns) => {
    const k = [...ns, "a"];
    await kv.set(k, 1);
    await rejectsWith(() => kv.atomic().mutate({ key: k, value: U64(1n), type }).commit(),
      `Failed to perform '${type}' mutation on a non-U64 value in the database`);
    assert.equal((await kv.get(k)).value, 1);
  });
}

for (const type of ["min", "max"] as const) {
  kvTest(`mutate ${type} with a non-U64 operand`, async (kv, ns) => {
    const k = [...ns, "a"];
    await kv.set(k, U64(1n));
    // deno-lint-ignore no-explicit-any
    await rejectsWith(() => kv.atomic().mutate({ key: k, value: 1 as any, type }).commit(),
      `Failed to perform '${type}' mutation on a non-U64 operand`);
  });
}

kvTest("the sum, min and max helpers", async (kv, ns) => {
  const k = [...ns, "t"];
  await kv.set(k, U64(42n));
  await kv.atomic().sum(k, 1n).commit();
  assert.deepStrictEqual((await kv.get(k)).value, U64(43n));
  await kv.atomic().min(k, 1n).commit();
  assert.deepStrictEqual((await kv.get(k)).value, U64(1n));
  await kv.atomic().max(k, 41n).commit();
  assert.deepStrictEqual((await kv.get(k)).value, U64(41n));
});

kvTest("sum wraps around at 2^64", async (kv, ns) => {
  const k = [...ns, "a"];
  await kv.set(k, U64(0xffffffffffffffffn));
  await kv.atomic().mutate({ key: k, value: U64(10n), type: "sum" }).commit();
  assert.deepStrictEqual((await kv.get(k)).value, U64(9n));
  await kv.atomic().mutate({ key: k, value: U64(0xffffffffffffffffn), type: "sum" }).commit();
  assert.deepStrictEqual((await kv.get(k)).value, U64(8n));
});

kvTest("sum of a number into a KvU64 is a type error", async (kv, ns) => {
  const k = [...ns, "a"];
  await kv.set(k, U64(1n));
  // deno-lint-ignore no-explicit-any
  await rejectsWith(() => kv.atomic().mutate({ key: k, value: 1 as any, type: "sum" }).commit(),
    "Cannot sum KvU64 with Number");
});

kvTest("sum of JavaScript numbers and bigints", async (kv, ns) => {
  const n = [...ns, "n"];
  const b = [...ns, "b"];
  // deno-lint-ignore no-explicit-any
  await kv.atomic().mutate({ key: n, value: 1.5 as any, type: "sum" }).commit();
  // deno-lint-ignore no-explicit-any
  await kv.atomic().mutate({ key: n, value: 2 as any, type: "sum" }).commit();
  assert.equal((await kv.get(n)).value, 3.5);
  await kv.set(b, 10n);
  // deno-lint-ignore no-explicit-any
  await kv.atomic().mutate({ key: b, value: -(2n ** 70n) as any, type: "sum" }).commit();
  assert.equal((await kv.get(b)).value, 10n - 2n ** 70n);
  // deno-lint-ignore no-explicit-any
  await rejectsWith(() => kv.atomic().mutate({ key: b, value: 1 as any, type: "sum" }).commit(),
    "Cannot sum BigInt with Number");
});

kvTest("a failed mutation rolls back the whole write", async (kv, ns) => {
  const [a, c] = [[...ns, "a"], [...ns, "c"]];
  await kv.set(c, "not a counter");
  await rejectsWith(
    () => kv.atomic().set(a, "written first").sum(c, 1n).commit(),
    "Failed to perform 'sum' mutation on a non-U64 value in the database",
  );
  assert.equal((await kv.get(a)).value, null);
});

kvTest("invalid versionstamps and mutation types are refused", async (kv, ns) => {
  const k = [...ns, "a"];
  for (const versionstamp of ["", "xx".repeat(10), "aa".repeat(11)]) {
    await assert.rejects(async () => await kv.atomic().check({ key: k, versionstamp }).commit());
  }
  // deno-lint-ignore no-explicit-any
  const bad: any[] = [{ key: k, type: "set" }, { key: k, type: "delete", value: "1" },
    { key: k, type: "foobar" }, { key: k, type: "foobar", value: "1" }];
  for (const m of bad) {
    await assert.rejects(async () => await kv.atomic().mutate(m).commit());
  }
});

async function setupData(kv: Deno.Kv, ns: string[]): Promise<string> {
  const res = await kv.atomic()
    .set([...ns, "a"], -1)
    .set([...ns, "a", "a"], 0)
    .set([...ns, "a", "b"], 1)
    .set([...ns, "a", "c"], 2)
    .set([...ns, "a", "d"], 3)
    .set([...ns, "a", "e"], 4)
    .set([...ns, "b"], 99)
    .set([...ns, "b", "a"], 100)
    .commit();
  assert.ok(res.ok);
  return res.versionstamp;
}

async function keysOf(it: Deno.KvListIterator<unknown>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push((e.key.slice(2) as string[]).join("/"));
  return out;
}

kvTest("get many", async (kv, ns) => {
  const versionstamp = await setupData(kv, ns);
  assert.deepEqual(await kv.getMany([[...ns, "b", "a"], [...ns, "a"], [...ns, "c"]]), [
    { key: [...ns, "b", "a"], value: 100, versionstamp },
    { key: [...ns, "a"], value: -1, versionstamp },
    { key: [...ns, "c"], value: null, versionstamp: null },
  ]);
});

const P = (...parts: string[]) => parts; // readability of the list cases below

for (const [name, selector, options, expected] of [
  ["prefix", { prefix: P("a") }, {}, ["a/a", "a/b", "a/c", "a/d", "a/e"]],
  ["prefix empty", { prefix: P("c") }, {}, []],
  ["prefix empty deeper", { prefix: P("a", "f") }, {}, []],
  ["prefix with start", { prefix: P("a"), start: P("a", "c") }, {}, ["a/c", "a/d", "a/e"]],
  ["prefix with start empty", { prefix: P("a"), start: P("a", "f") }, {}, []],
  ["prefix with end", { prefix: P("a"), end: P("a", "c") }, {}, ["a/a", "a/b"]],
  ["prefix with end empty", { prefix: P("a"), end: P("a", "a") }, {}, []],
  ["prefix reverse", { prefix: P("a") }, { reverse: true }, ["a/e", "a/d", "a/c", "a/b", "a/a"]],
  ["prefix reverse with start", { prefix: P("a"), start: P("a", "c") }, { reverse: true },
    ["a/e", "a/d", "a/c"]],
  ["prefix reverse with start empty", { prefix: P("a"), start: P("a", "f") }, { reverse: true },
    []],
  ["prefix reverse with end", { prefix: P("a"), end: P("a", "c") }, { reverse: true },
    ["a/b", "a/a"]],
  ["prefix reverse with end empty", { prefix: P("a"), end: P("a", "a") }, { reverse: true }, []],
  ["prefix limit", { prefix: P("a") }, { limit: 2 }, ["a/a", "a/b"]],
  ["prefix limit reverse", { prefix: P("a") }, { limit: 2, reverse: true }, ["a/e", "a/d"]],
  ["prefix small batch size", { prefix: P("a") }, { batchSize: 2 },
    ["a/a", "a/b", "a/c", "a/d", "a/e"]],
  ["prefix small batch size reverse", { prefix: P("a") }, { batchSize: 2, reverse: true },
    ["a/e", "a/d", "a/c", "a/b", "a/a"]],
  ["prefix small batch size and limit", { prefix: P("a") }, { batchSize: 2, limit: 3 },
    ["a/a", "a/b", "a/c"]],
  ["prefix small batch size and limit reverse", { prefix: P("a") },
    { batchSize: 2, limit: 3, reverse: true }, ["a/e", "a/d", "a/c"]],
  ["range", { start: P("a", "a"), end: P("a", "z") }, {}, ["a/a", "a/b", "a/c", "a/d", "a/e"]],
  ["range reverse", { start: P("a", "a"), end: P("a", "z") }, { reverse: true },
    ["a/e", "a/d", "a/c", "a/b", "a/a"]],
  ["range with limit", { start: P("a", "a"), end: P("a", "z") }, { limit: 3 },
    ["a/a", "a/b", "a/c"]],
  ["range with limit reverse", { start: P("a", "a"), end: P("a", "z") },
    { limit: 3, reverse: true }, ["a/e", "a/d", "a/c"]],
  ["range nesting", { start: P("a"), end: P("a", "d") }, {}, ["a", "a/a", "a/b", "a/c"]],
  ["range short", { start: P("a", "b"), end: P("a", "d") }, {}, ["a/b", "a/c"]],
  ["range with start equal to end", { start: P("a"), end: P("a") }, {}, []],
  ["range with batch size 1", { start: P("a"), end: P("b", "z") }, { batchSize: 1 },
    ["a", "a/a", "a/b", "a/c", "a/d", "a/e", "b", "b/a"]],
] as [string, { prefix?: string[]; start?: string[]; end?: string[] }, Deno.KvListOptions,
  string[]][]) {
  kvTest(`list ${name}`, async (kv, ns) => {
    const versionstamp = await setupData(kv, ns);
    const scoped = Object.fromEntries(
      Object.entries(selector).map(([k, v]) => [k, [...ns, ...v]]),
    ) as unknown as Deno.KvListSelector;
    const entries = await Array.fromAsync(kv.list(scoped, options));
    assert.deepEqual(entries.map((e) => (e.key.slice(2) as string[]).join("/")), expected);
    for (const e of entries) assert.equal(e.versionstamp, versionstamp);
  });
}

kvTest("list prefix values", async (kv, ns) => {
  await setupData(kv, ns);
  const entries = await Array.fromAsync(kv.list({ prefix: [...ns, "a"] }));
  assert.deepEqual(entries.map((e) => e.value), [0, 1, 2, 3, 4]);
});

kvTest("list with an empty prefix lists everything", async (kv, ns) => {
  // The empty prefix is the whole database; within this test's keys, a prefix of the namespace.
  await kv.set([...ns, "a"], 1);
  assert.deepEqual(await keysOf(kv.list({ prefix: ns })), ["a"]);
  const all = await Array.fromAsync(kv.list({ prefix: [] }, { limit: 1000 }));
  assert.ok(all.some((e) => e.key.length === 3 && e.key[1] === ns[1]));
});

kvTest("list prefix with manual cursor", async (kv, ns) => {
  await setupData(kv, ns);
  const it = kv.list({ prefix: [...ns, "a"] }, { limit: 2 });
  assert.deepEqual(await keysOf(it), ["a/a", "a/b"]);
  assert.equal(it.cursor, "AmIA");
  const rest = kv.list({ prefix: [...ns, "a"] }, { cursor: it.cursor });
  assert.deepEqual(await keysOf(rest), ["a/c", "a/d", "a/e"]);
});

kvTest("list prefix with manual cursor reverse", async (kv, ns) => {
  await setupData(kv, ns);
  const it = kv.list({ prefix: [...ns, "a"] }, { limit: 2, reverse: true });
  assert.deepEqual(await keysOf(it), ["a/e", "a/d"]);
  assert.equal(it.cursor, "AmQA");
  const rest = kv.list({ prefix: [...ns, "a"] }, { cursor: it.cursor, reverse: true });
  assert.deepEqual(await keysOf(rest), ["a/c", "a/b", "a/a"]);
});

kvTest("list range with manual cursor, both ways", async (kv, ns) => {
  await setupData(kv, ns);
  const sel = { start: [...ns, "a", "b"], end: [...ns, "a", "z"] };
  const it = kv.list(sel, { limit: 2 });
  assert.deepEqual(await keysOf(it), ["a/b", "a/c"]);
  assert.deepEqual(await keysOf(kv.list(sel, { cursor: it.cursor })), ["a/d", "a/e"]);
  const back = kv.list(sel, { limit: 2, reverse: true });
  assert.deepEqual(await keysOf(back), ["a/e", "a/d"]);
  assert.deepEqual(await keysOf(kv.list(sel, { cursor: back.cursor, reverse: true })),
    ["a/c", "a/b"]);
});

kvTest("list selector errors", async (kv, ns) => {
  await setupData(kv, ns);
  const a = [...ns, "a"];
  const b = [...ns, "b"];
  const cases: [Deno.KvListSelector, string][] = [
    [{ prefix: a, start: a }, "Start key is not in the keyspace defined by prefix"],
    [{ prefix: b, start: a }, "Start key is not in the keyspace defined by prefix"],
    [{ prefix: a, end: a }, "End key is not in the keyspace defined by prefix"],
    [{ prefix: a, end: b }, "End key is not in the keyspace defined by prefix"],
    [{ start: b, end: a }, "Start key is greater than end key"],
  ];
  for (const [selector, message] of cases) {
    await rejectsWith(() => Array.fromAsync(kv.list(selector)), message);
  }
  // deno-lint-ignore no-explicit-any
  for (const selector of [{ prefix: a, start: [...a, "b"], end: [...a, "c"] }, { start: a },
    { end: a }] as any[]) {
    await assert.rejects(async () => await Array.fromAsync(kv.list(selector)));
  }
});

kvTest("list many entries in batches", async (kv, ns) => {
  const op = kv.atomic();
  for (let i = 0; i < 250; i++) op.set([...ns, i], i);
  assert.ok((await op.commit()).ok);
  const entries = await Array.fromAsync(kv.list({ prefix: ns }, { batchSize: 100 }));
  assert.deepEqual(entries.map((e) => e.value), [...Array(250).keys()]);
});

kvTest("commitVersionstamp() keys", async (kv, ns) => {
  const p = [...ns, "log"];
  assert.deepEqual(await Array.fromAsync(kv.list({ prefix: p })), []);
  const r1 = await kv.set([...p, kv.commitVersionstamp()], "b");
  assert.ok(r1.ok && r1.versionstamp > ZERO);
  let entries = await Array.fromAsync(kv.list({ prefix: p }));
  assert.equal(entries.length, 1);
  assert.equal(entries[0].key[3], r1.versionstamp);
  assert.equal(entries[0].value, "b");
  assert.equal(entries[0].versionstamp, r1.versionstamp);
  const r2 = await kv.atomic().set([...p, kv.commitVersionstamp()], "c").commit();
  assert.ok(r2.ok && r2.versionstamp > r1.versionstamp);
  entries = await Array.fromAsync(kv.list({ prefix: p }));
  assert.deepEqual(entries.map((e) => e.key[3]), [r1.versionstamp, r2.versionstamp]);
  await assert.rejects(kv.set([...p, kv.commitVersionstamp(), "a"], "x"));
});

kvTest("expireIn", async (kv, ns) => {
  const [a, b] = [[...ns, "a"], [...ns, "b"]];
  await kv.set(a, 1, { expireIn: 700 });
  await kv.atomic().set(b, 2, { expireIn: 700 }).commit();
  await kv.set(b, 2, { expireIn: 3600_000 }); // an overwrite resets the expiry
  assert.deepEqual((await kv.getMany([a, b])).map((e) => e.value), [1, 2]);
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    if (JSON.stringify((await kv.getMany([a, b])).map((e) => e.value)) === "[null,2]") return;
  }
  throw new Error("value did not expire");
});

kvTest("key size limit", async (kv, ns) => {
  // the namespace takes some bytes: fill the rest up to 2048 with one bytes part
  const nsBytes = 2 + new TextEncoder().encode(ns[0]).length + 2 +
    new TextEncoder().encode(ns[1]).length;
  const lastValid = new Uint8Array(2048 - nsBytes - 2).fill(1);
  const res = await kv.set([...ns, lastValid], 1);
  assert.deepStrictEqual(await kv.get([...ns, lastValid]),
    { key: [...ns, lastValid], value: 1, versionstamp: res.versionstamp });
  const firstInvalid = new Uint8Array(2048 - nsBytes - 1).fill(1);
  await rejectsWith(() => kv.set([...ns, firstInvalid], 1), "too large for write (max 2048 bytes)");
  await rejectsWith(() => kv.get([...ns, new Uint8Array(2050).fill(1)]),
    "too large for read (max 2049 bytes)");
});

kvTest("value size limit", async (kv, ns) => {
  const lastValid = new Uint8Array(65536).fill(7);
  const res = await kv.set([...ns, "a"], lastValid);
  assert.deepStrictEqual(await kv.get([...ns, "a"]),
    { key: [...ns, "a"], value: lastValid, versionstamp: res.versionstamp });
  await rejectsWith(() => kv.set([...ns, "b"], new Uint8Array(65537)), "alue too large (max 65536 bytes)");
});

kvTest("operation limits", async (kv, ns) => {
  const keys = (n: number) => [...Array(n).keys()].map((i) => [...ns, i]);
  assert.equal((await kv.getMany(keys(10))).length, 10);
  await rejectsWith(() => kv.getMany(keys(11)), "oo many ranges (max 10)");
  await rejectsWith(() => Array.fromAsync(kv.list({ prefix: ns }, { batchSize: 1001 })),
    "oo many entries (max 1000)");
  const checks = (n: number) => keys(n).map((key) => ({ key, versionstamp: null }));
  const sets = (n: number) => keys(n).map((key) => ({ key, type: "set" as const, value: 1 }));
  assert.ok((await kv.atomic().check(...checks(100)).mutate(...sets(1000)).commit()).ok);
  await rejectsWith(() => kv.atomic().check(...checks(101)).commit(), "oo many checks (max 100)");
  await rejectsWith(() => kv.atomic().mutate(...sets(1001)).commit(), "oo many mutations (max 1000)");
});

kvTest("total mutation size and total key size limits", async (kv, ns) => {
  const big = "a".repeat(3000);
  const op = kv.atomic();
  for (let i = 0; i < 1000; i++) op.set([...ns, i], big);
  await rejectsWith(() => op.commit(), "otal mutation size too large (max 819200 bytes)");
  const long = "a".repeat(1100);
  const op2 = kv.atomic();
  for (let i = 0; i < 80; i++) op2.set([...ns, long, i], "foo");
  await rejectsWith(() => op2.commit(), "otal key size too large (max 81920 bytes)");
});

kvTest("a read-only token reads but cannot write", async (kv, ns) => {
  await kv.set([...ns, "a"], "visible");
  const token = Deno.env.get("DENO_KV_ACCESS_TOKEN")!;
  Deno.env.set("DENO_KV_ACCESS_TOKEN", READONLY_TOKEN);
  const ro = await Deno.openKv(URL);
  try {
    assert.equal((await ro.get([...ns, "a"])).value, "visible");
    Deno.env.set("DENO_KV_ACCESS_TOKEN", token);
    await rejectsWith(() => ro.set([...ns, "a"], "changed"), "This database is read only.");
  } finally {
    Deno.env.set("DENO_KV_ACCESS_TOKEN", token);
    ro.close();
  }
  assert.equal((await kv.get([...ns, "a"])).value, "visible");
});

async function nextOf<T>(reader: ReadableStreamDefaultReader<T>): Promise<T> {
  const r = await reader.read();
  if (r.done) throw new Error("the watch stream ended");
  return r.value;
}

kvTest("key watch", async (kv, ns) => {
  const k = [...ns, "key"];
  const reader = kv.watch([k]).getReader();
  try {
    assert.deepEqual(await nextOf(reader), [{ key: k, value: null, versionstamp: null }]);
    const { versionstamp } = await kv.set(k, 1);
    assert.deepEqual(await nextOf(reader), [{ key: k, value: 1, versionstamp }]);
  } finally {
    await reader.cancel();
  }
});

kvTest("a watch sees sums of JavaScript numbers and bigints", async (kv, ns) => {
  const [n, b] = [[...ns, "n"], [...ns, "b"]];
  const reader = kv.watch([n, b]).getReader();
  try {
    await nextOf(reader);
    // deno-lint-ignore no-explicit-any
    const first = await kv.atomic().mutate({ key: n, value: 1.5 as any, type: "sum" }).commit();
    assert.deepEqual((await nextOf(reader))[0], { key: n, value: 1.5, versionstamp: (first as Deno.KvCommitResult).versionstamp });
    // deno-lint-ignore no-explicit-any
    const both = await kv.atomic().mutate({ key: n, value: 2 as any, type: "sum" })
      // deno-lint-ignore no-explicit-any
      .mutate({ key: b, value: 5n as any, type: "sum" }).commit();
    const vs = (both as Deno.KvCommitResult).versionstamp;
    assert.deepEqual(await nextOf(reader), [
      { key: n, value: 3.5, versionstamp: vs },
      { key: b, value: 5n, versionstamp: vs },
    ]);
  } finally {
    await reader.cancel();
  }
});

kvTest("watch several keys: writes, deletes and expiry", async (kv, ns) => {
  const [a, b] = [[...ns, "a"], [...ns, "b"]];
  const first = await kv.set(a, "one");
  const reader = kv.watch([a, b]).getReader();
  try {
    assert.deepEqual(await nextOf(reader), [
      { key: a, value: "one", versionstamp: first.versionstamp },
      { key: b, value: null, versionstamp: null },
    ]);
    const setB = await kv.set(b, { n: 2 });
    assert.deepEqual((await nextOf(reader))[1], { key: b, value: { n: 2 }, versionstamp: setB.versionstamp });
    await kv.delete(a);
    assert.deepEqual((await nextOf(reader))[0], { key: a, value: null, versionstamp: null });
    await kv.set(a, "brief", { expireIn: 300 });
    assert.equal((await nextOf(reader))[0].value, "brief");
    assert.deepEqual((await nextOf(reader))[0], { key: a, value: null, versionstamp: null });
  } finally {
    await reader.cancel();
  }
});

kvTest("a watch sees another client's commit, also with a read-only token", async (kv, ns) => {
  const k = [...ns, "shared"];
  const token = Deno.env.get("DENO_KV_ACCESS_TOKEN")!;
  Deno.env.set("DENO_KV_ACCESS_TOKEN", READONLY_TOKEN);
  const ro = await Deno.openKv(URL);
  Deno.env.set("DENO_KV_ACCESS_TOKEN", token);
  const reader = ro.watch([k]).getReader();
  try {
    assert.equal((await nextOf(reader))[0].versionstamp, null);
    const res = await kv.set(k, "from the other client");
    assert.deepEqual(await nextOf(reader),
      [{ key: k, value: "from the other client", versionstamp: res.versionstamp }]);
  } finally {
    await reader.cancel();
    ro.close();
  }
});

Deno.test("a watch ends when its database is closed", async () => {
  const kv = await Deno.openKv(URL);
  const done = (async () => {
    for await (const _ of kv.watch([[RUN, "closing"]])) {
      // the first state arrives, then the stream ends with the close below
    }
  })();
  setTimeout(() => kv.close(), 200);
  await done;
});

// Written over gRPC by KvConnectClientsIT before this file runs.
kvTest("values a gRPC client wrote read as plain JavaScript values", async (kv) => {
  const p = [RUN, "from-grpc"];
  const [s, j, u, b, v] = await kv.getMany([[...p, "string"], [...p, "json"], [...p, "u64"],
    [...p, "bytes"], [...p, 42n, 1.5, true, new Uint8Array([0, 255])]]);
  assert.equal(s.value, "Grüße from gRPC ✓");
  assert.deepStrictEqual(j.value, { name: "Ada", tags: ["x", "y"], n: 3.25, ok: true, none: null });
  assert.deepStrictEqual(u.value, U64(18446744073709551615n));
  assert.deepStrictEqual(b.value, new Uint8Array([1, 2, 3]));
  assert.equal(v.value, "typed key");
});

// Read over gRPC by KvConnectClientsIT after this file ran.
kvTest("values for a gRPC client to read", async (kv) => {
  const p = [RUN, "from-deno"];
  const res = await kv.atomic()
    .set([...p, "string"], "hello from Deno")
    .set([...p, "json"], { city: "Sydney", n: [1, 2.5] })
    .set([...p, "u64"], U64(7n))
    .set([...p, "bytes"], new Uint8Array([9, 8]))
    .set([...p, "date"], new Date(86400000))
    .set([...p, -5n, 2.5, false, new Uint8Array([7])], "typed key")
    .commit();
  assert.ok(res.ok);
});
