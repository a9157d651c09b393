// One side of KvConnectClientsIT's shared counter: Deno increments the key [KV_RUN, "counter"]
// (a Deno.KvU64) ITERATIONS times, alternating a check-and-set (read, check the versionstamp, set
// value + 1, retry on ok: false) with an atomic sum, while a Java gRPC client does the same.
// Prints {"acknowledged": N, "conflicts": C}: N increments the server acknowledged.
const kv = await Deno.openKv(Deno.env.get("KV_URL")!);
const key = [Deno.env.get("KV_RUN")!, "counter"];
const iterations = Number(Deno.args[0] ?? "100");
let acknowledged = 0;
let conflicts = 0;
for (let i = 0; i < iterations; i++) {
  if (i % 2 === 0) {
    while (true) {
      const current = await kv.get<Deno.KvU64>(key);
      const next = new Deno.KvU64((current.value?.value ?? 0n) + 1n);
      const res = await kv.atomic().check(current).set(key, next).commit();
      if (res.ok) break;
      conflicts++;
    }
  } else {
    const res = await kv.atomic().sum(key, 1n).commit();
    if (!res.ok) throw new Error("a sum without checks cannot fail its checks");
  }
  acknowledged++;
}
kv.close();
console.log(JSON.stringify({ acknowledged, conflicts }));
