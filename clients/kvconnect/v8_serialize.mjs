// Reads one JSON document per line on stdin and prints Node's v8.serialize of each, in hex, one
// per line: the reference V8CodecNodeIT checks atomkv's V8 writer and reader against.
import { serialize } from "node:v8";
import { createInterface } from "node:readline";

for await (const line of createInterface({ input: process.stdin })) {
  if (line.length > 0) console.log(serialize(JSON.parse(line)).toString("hex"));
}
