// A quick figure, not a test: 64 concurrent check-and-set commits (each after a get) on distinct
// keys from one Deno process over KV Connect, printed as commits per second. Against a running
// server (docs/kv-connect.md):
//   KV_URL=http://127.0.0.1:4512 DENO_KV_ACCESS_TOKEN=... \
//     clients/kvconnect/node_modules/.bin/deno run --allow-env --allow-net --unstable-kv \
//     clients/kvconnect/load.ts
const kv = await Deno.openKv(Deno.env.get("KV_URL")!);
const workers = 64;
const each = 50;
const started = performance.now();
await Promise.all([...Array(workers).keys()].map(async (w) => {
  for (let i = 0; i < each; i++) {
    const key = ["load", w];
    const current = await kv.get(key);
    const res = await kv.atomic().check(current).set(key, i).commit();
    if (!res.ok) throw new Error("a check failed on a key only this worker writes");
  }
}));
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({
  commits: workers * each,
  seconds: Number(seconds.toFixed(2)),
  perSecond: Math.round(workers * each / seconds),
}));
kv.close();
