// Assertions both test files use: Deno (kv_test.ts) and Node (kv_node_test.mjs) import it.
import assert from "node:assert/strict";

/**
 * The call must reject with an error whose message contains `text`. It takes a function, since
 * the clients validate some things before sending and then throw at once instead of rejecting.
 */
export async function rejectsWith(f, text) {
  await assert.rejects(async () => await f(), (e) => {
    assert.ok(e.message.includes(text), `expected "${text}" in: ${e.message}`);
    return true;
  });
}
