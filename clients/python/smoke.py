#!/usr/bin/python3
"""A Python client for atomkv, generated at runtime from the .proto with grpc_tools.protoc, and a
smoke test of it: a set, a check-and-set and a list against a running server.

    apt-get install python3-grpcio python3-grpc-tools      (what `make test` does if missing)
    /usr/bin/python3 clients/python/smoke.py [port [run]]   (port default 50051, host 127.0.0.1)

Keys go under ["other-languages", "python", run]; run defaults to a fresh timestamp so the script
can be rerun against the same server.

Exits 0 when every assertion holds, non-zero with a message otherwise. OtherLanguagesIT runs it.
Use Debian's /usr/bin/python3: a pyenv or venv python usually lacks the grpc packages.
"""
import importlib
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.join(HERE, "..", "..", "proto", "src", "main", "proto")

try:
    import grpc
    import grpc_tools
    from grpc_tools import protoc
except ImportError as e:
    sys.exit(f"python client FAILED: {e}; install python3-grpcio and python3-grpc-tools "
             f"(Debian packages; `make clients-deps` does) and run with /usr/bin/python3")


def generate(out_dir):
    """Generates kv_pb2 / kv_pb2_grpc into out_dir and imports them."""
    # google/protobuf/{empty,struct}.proto ship inside grpc_tools.
    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    args = ["protoc", f"-I{PROTO_ROOT}", f"-I{well_known}", f"--python_out={out_dir}",
            f"--grpc_python_out={out_dir}", "atomkv/v1/kv.proto"]
    if protoc.main(args) != 0:
        sys.exit(f"python client FAILED: protoc {' '.join(args[1:])} failed")
    sys.path.insert(0, out_dir)
    return (importlib.import_module("atomkv.v1.kv_pb2"),
            importlib.import_module("atomkv.v1.kv_pb2_grpc"))


def check(actual, expected, what):
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")


def run(pb, pb_grpc, target, run_id):
    prefix = ["other-languages", "python", run_id]

    def key(*parts):
        return pb.Key(parts=[pb.KeyPart(string=p) for p in parts])

    with grpc.insecure_channel(target) as channel:
        kv = pb_grpc.KvServiceStub(channel)
        deadline = 10

        # 1. A set, guarded by an `absent` check: creates the key only if it does not exist yet.
        user = key(*prefix, "user")
        absent = pb.Check(key=user)
        absent.absent.SetInParent()
        created = kv.Atomic(pb.AtomicRequest(
            checks=[absent],
            mutations=[pb.Mutation(key=user, set=pb.Value(string="Ada"))]), timeout=deadline)
        check(created.ok, True, "set with an absent check: ok")
        check(len(created.versionstamp), 10, "commit versionstamp length")

        entry = kv.Get(pb.GetRequest(keys=[user]), timeout=deadline).entries[0]
        check(entry.value.WhichOneof("kind"), "string", "Get: value kind")
        check(entry.value.string, "Ada", "Get: value")
        check(len(entry.versionstamp), 10, "Get: versionstamp length")
        check(entry.versionstamp, created.versionstamp, "Get: versionstamp of the commit")

        # 2. Check-and-set: succeeds with the versionstamp just read, fails once it is stale.
        def rename(to):
            return kv.Atomic(pb.AtomicRequest(
                checks=[pb.Check(key=user, versionstamp=entry.versionstamp)],
                mutations=[pb.Mutation(key=user, set=pb.Value(string=to))]), timeout=deadline)

        renamed = rename("Ada Lovelace")
        check(renamed.ok, True, "check-and-set with the current versionstamp: ok")
        stale = rename("Mallory")
        check(stale.ok, False, "check-and-set with a stale versionstamp: ok")
        check(list(stale.failed_checks), [0], "stale check-and-set: failed_checks")
        check(stale.versionstamp, b"", "stale check-and-set: versionstamp")
        after = kv.Get(pb.GetRequest(keys=[user]), timeout=deadline).entries[0]
        check(after.value.string, "Ada Lovelace", "value after the stale write")

        # 3. A few sets under a prefix (one atomic request, written out of order), then a List.
        names = ["c", "a", "b"]
        sets = kv.Atomic(pb.AtomicRequest(mutations=[
            pb.Mutation(key=key(*prefix, "items", n), set=pb.Value(u64=i + 1))
            for i, n in enumerate(names)]), timeout=deadline)
        check(sets.ok, True, "sets under a prefix: ok")
        page = kv.List(pb.ListRequest(prefix=key(*prefix, "items"), limit=10), timeout=deadline)
        check([[p.string for p in e.key.parts] for e in page.entries],
              [prefix + ["items", n] for n in ["a", "b", "c"]],
              "List: every key under the prefix, in key order")
        check([e.value.u64 for e in page.entries], [2, 3, 1], "List: the values")
        check(page.cursor, "", "List: cursor when nothing remains")


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 50051
    run_id = sys.argv[2] if len(sys.argv) > 2 else f"run-{time.time_ns() // 1_000_000}"
    target = f"127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="atomkv-py-") as out_dir:
        pb, pb_grpc = generate(out_dir)
        try:
            run(pb, pb_grpc, target, run_id)
        except (AssertionError, grpc.RpcError) as e:
            detail = f"{e.code()} {e.details()}" if isinstance(e, grpc.RpcError) else str(e)
            sys.exit(f"python client FAILED against {target}: {detail}")
    print(f"python client OK against {target}: set, check-and-set, list")


if __name__ == "__main__":
    main()
